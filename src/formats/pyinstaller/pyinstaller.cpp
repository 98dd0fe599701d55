#include "formats/pyinstaller/pyinstaller.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "core/gzip.h"

namespace msw::formats::pyinstaller {
namespace {

constexpr std::string_view kCookieMagic("MEI\x0c\x0b\x0a\x0b\x0e", 8);
constexpr size_t kCookie20 = 24, kCookie21 = 88, kTocEntryHeader = 18;
constexpr size_t kCookieSearch = 1 << 20;  // the cookie sits at the end, before a signature at most

// The few marshal values a PYZ table of contents holds.
struct Value {
  enum Kind { None, Bool, Int, Str, Seq, Dict, Other } kind = None;
  int64_t i = 0;
  std::string s;
  std::vector<Value> items;         // tuple, list, set
  std::vector<Value> keys, values;  // dict, in order
};

class Marshal {
 public:
  explicit Marshal(Bytes data) : r_(data) {}

  Result<Value> read(size_t depth = 0) {
    if (depth > kMaxMarshalDepth) return Error::make("marshal.depth", "marshal data nests too deeply");
    auto code = r_.u8("marshal type");
    if (!code) return code.error();
    const bool ref = *code & 0x80;
    const char t = static_cast<char>(*code & 0x7F);
    size_t slot = 0;
    if (ref) {
      if (refs_.size() >= kMaxRefs) return Error::make("marshal.refs", "too many marshal references");
      slot = refs_.size();
      refs_.emplace_back();
    }
    auto v = value(t, depth);
    if (!v) return v;
    if (ref) refs_[slot] = *v;
    return v;
  }

 private:
  static constexpr size_t kMaxRefs = 1 << 20, kMaxItems = 1 << 20;

  Result<std::string> bytes(size_t n) {
    auto b = r_.bytes(n, "marshal string");
    if (!b) return b.error();
    return std::string(as_chars(*b));
  }

  Result<Value> value(char t, size_t depth) {
    Value v;
    switch (t) {
      case 'N':
      case '0':
      case 'S':
      case '.':
        return v;
      case 'T':
      case 'F':
        v.kind = Value::Bool;
        v.i = t == 'T';
        return v;
      case 'i': {
        auto n = r_.u32le("marshal int");
        if (!n) return n.error();
        v.kind = Value::Int;
        v.i = static_cast<int32_t>(*n);
        return v;
      }
      case 's':
      case 't':
      case 'u':
      case 'a':
      case 'A':
      case 'z':
      case 'Z': {
        size_t n = 0;
        if (t == 'z' || t == 'Z') {
          auto len = r_.u8("marshal length");
          if (!len) return len.error();
          n = *len;
        } else {
          auto len = r_.u32le("marshal length");
          if (!len) return len.error();
          n = *len;
        }
        auto s = bytes(n);
        if (!s) return s.error();
        v.kind = Value::Str;
        v.s = std::move(*s);
        return v;
      }
      case '(':
      case ')':
      case '[':
      case '<':
      case '>': {
        size_t n = 0;
        if (t == ')') {
          auto len = r_.u8("marshal count");
          if (!len) return len.error();
          n = *len;
        } else {
          auto len = r_.u32le("marshal count");
          if (!len) return len.error();
          n = *len;
        }
        if (n > kMaxItems || n > r_.remaining())
          return Error::make("marshal.count", "marshal container claims too many items");
        v.kind = Value::Seq;
        for (size_t k = 0; k < n; ++k) {
          auto item = read(depth + 1);
          if (!item) return item;
          v.items.push_back(std::move(*item));
        }
        return v;
      }
      case '{': {
        v.kind = Value::Dict;
        for (size_t k = 0; k < kMaxItems; ++k) {
          auto peek = r_.peek_le<uint8_t>("marshal dict end");
          if (!peek) return peek.error();
          if (*peek == '0') {
            (void)r_.skip(1);
            return v;
          }
          auto key = read(depth + 1);
          if (!key) return key;
          auto val = read(depth + 1);
          if (!val) return val;
          v.keys.push_back(std::move(*key));
          v.values.push_back(std::move(*val));
        }
        return Error::make("marshal.count", "marshal dict has too many entries");
      }
      case 'r': {
        auto idx = r_.u32le("marshal reference");
        if (!idx) return idx.error();
        if (*idx >= refs_.size()) return Error::make("marshal.ref", "marshal reference to an object not read yet");
        return refs_[*idx];
      }
      case 'g': {
        if (auto s = r_.skip(8, "marshal float"); !s) return s.error();
        v.kind = Value::Other;
        return v;
      }
      default:
        return Error::make("marshal.type", std::string("marshal type '") + t + "' is not expected in a PYZ table");
    }
  }

  ByteReader r_;
  std::vector<Value> refs_;
};

std::string cut_name(std::string_view raw) {
  std::string name(raw.substr(0, raw.find('\0')));
  for (char& c : name)
    if (static_cast<unsigned char>(c) < 0x20) c = '_';
  return name;
}

// The PYZ's modules: the table is a list of (name, (ispkg/typecode, pos, length)) or a dict name → (...).
void read_pyz(Bundle& b, const Member& pyz, size_t& total) {
  const Bytes d = as_bytes(pyz.data);
  if (d.size() < 12 || as_chars(d.first(4)) != std::string_view("PYZ\0", 4)) {
    b.notes.push_back(pyz.name + ": not a PYZ archive");
    return;
  }
  b.pyc_magic = std::string(as_chars(d.subspan(4, 4)));
  const uint32_t toc = wire::be32(d, 8);
  if (toc >= d.size()) {
    b.notes.push_back(pyz.name + ": its table of contents lies outside it");
    return;
  }
  Marshal m(d.subspan(toc));
  auto table = m.read();
  if (!table) {
    b.notes.push_back(pyz.name + ": table of contents unreadable: " + table.error().message);
    return;
  }
  std::vector<std::pair<const Value*, const Value*>> rows;
  if (table->kind == Value::Seq)
    for (const auto& item : table->items)
      if (item.kind == Value::Seq && item.items.size() == 2) rows.emplace_back(&item.items[0], &item.items[1]);
  if (table->kind == Value::Dict)
    for (size_t i = 0; i < table->keys.size(); ++i) rows.emplace_back(&table->keys[i], &table->values[i]);
  for (const auto& [name, info] : rows) {
    if (b.members.size() >= kMaxMembers) {
      b.notes.push_back("more than " + std::to_string(kMaxMembers) + " members; the rest were not read");
      return;
    }
    if (name->kind != Value::Str || info->kind != Value::Seq || info->items.size() < 3) continue;
    Member mod;
    mod.name = cut_name(name->s);
    mod.type = 'p';
    mod.package = info->items[0].i == 1;
    const int64_t pos = info->items[1].i, len = info->items[2].i;
    if (pos < 0 || len < 0 || static_cast<uint64_t>(pos) > d.size() || static_cast<uint64_t>(len) > d.size() - pos) {
      mod.note = "outside the PYZ";
      b.members.push_back(std::move(mod));
      continue;
    }
    mod.offset = pyz.offset + static_cast<uint64_t>(pos);  // within the inflated PYZ when the PYZ was compressed
    mod.stored_size = static_cast<uint64_t>(len);
    mod.compressed = true;
    const Bytes stored = d.subspan(static_cast<size_t>(pos), static_cast<size_t>(len));
    auto inflated = zlib_inflate(stored, std::min(kMaxMemberBytes, kMaxTotalBytes - std::min(total, kMaxTotalBytes)));
    if (!inflated) {
      mod.encrypted = true;
      mod.note = "not a zlib stream: encrypted (PyInstaller --key)";
    } else if (inflated->truncated || inflated->bytes.size() > stored.size() * kMaxRatio + 4096) {
      mod.note = "inflates past the limits";
    } else {
      mod.size = inflated->bytes.size();
      total += mod.size;
      mod.data = std::move(inflated->bytes);
      if (inflated->damaged) mod.note = "damaged stream";
    }
    b.members.push_back(std::move(mod));
  }
}

}  // namespace

std::string pyc_magic(int major, int minor) {
  int number = 0;
  if (major == 2 && minor == 7) number = 62211;
  if (major == 3) {
    constexpr std::pair<int, int> k3[] = {{3, 3230}, {4, 3310},  {5, 3351},  {6, 3379},  {7, 3394}, {8, 3413},
                                          {9, 3425}, {10, 3439}, {11, 3495}, {12, 3531}, {13, 3571}};
    for (auto [m, n] : k3)
      if (m == minor) number = n;
  }
  if (!number) return {};
  return std::string{static_cast<char>(number & 0xFF), static_cast<char>(number >> 8), '\r', '\n'};
}

Result<Bundle> parse(Bytes data) {
  // The last cookie in the file's tail (an earlier one may belong to an embedded bundle).
  const size_t from = data.size() > kCookieSearch ? data.size() - kCookieSearch : 0;
  const auto tail = as_chars(data.subspan(from));
  const size_t rel = tail.rfind(kCookieMagic);
  if (rel == std::string_view::npos)
    return Error::make("pyinstaller.no_cookie", "no PyInstaller cookie (MEI\\014\\013\\012\\013\\016)");
  Bundle b;
  b.cookie_offset = from + rel;
  if (b.cookie_offset + kCookie20 > data.size())
    return Error::make("pyinstaller.bad_cookie", "the cookie is cut short", b.cookie_offset);
  const bool v21 = b.cookie_offset + kCookie21 <= data.size();
  const uint32_t length = wire::be32(data, b.cookie_offset + 8), toc = wire::be32(data, b.cookie_offset + 12),
                 toc_len = wire::be32(data, b.cookie_offset + 16), pyvers = wire::be32(data, b.cookie_offset + 20);
  const uint64_t cookie_end = b.cookie_offset + (v21 ? kCookie21 : kCookie20);
  if (length > cookie_end)
    return Error::make("pyinstaller.bad_cookie", "the archive would start before the file", b.cookie_offset);
  b.archive_offset = cookie_end - length;
  if (pyvers >= 20 && pyvers < 400) {
    b.py_major = static_cast<int>(pyvers >= 100 ? pyvers / 100 : pyvers / 10);
    b.py_minor = static_cast<int>(pyvers >= 100 ? pyvers % 100 : pyvers % 10);
  }
  if (v21) b.python_library = cut_name(as_chars(data.subspan(b.cookie_offset + 24, 64)));
  b.pyc_magic = pyc_magic(b.py_major, b.py_minor);

  const uint64_t toc_at = b.archive_offset + toc;
  if (toc_at > data.size() || toc_len > data.size() - toc_at)
    return Error::make("pyinstaller.bad_toc", "the table of contents lies outside the file", b.archive_offset);
  size_t total = 0;
  std::vector<size_t> pyz_members;
  for (uint64_t at = toc_at; at + kTocEntryHeader <= toc_at + toc_len;) {
    const uint32_t entry_len = wire::be32(data, at);
    if (entry_len < kTocEntryHeader || entry_len > toc_at + toc_len - at) {
      b.notes.push_back("table of contents entry at " + std::to_string(at) +
                        " has a bad length; the rest was not read");
      break;
    }
    if (b.members.size() >= kMaxMembers) {
      b.notes.push_back("more than " + std::to_string(kMaxMembers) + " members; the rest were not read");
      break;
    }
    Member m;
    m.offset = b.archive_offset + wire::be32(data, at + 4);
    m.stored_size = wire::be32(data, at + 8);
    m.size = wire::be32(data, at + 12);
    m.compressed = data[at + 16] != std::byte{0};
    m.type = static_cast<char>(data[at + 17]);
    m.name = cut_name(as_chars(data.subspan(at + kTocEntryHeader, entry_len - kTocEntryHeader)));
    at += entry_len;
    if (m.offset > data.size() || m.stored_size > data.size() - m.offset) {
      m.note = "data outside the file";
      b.members.push_back(std::move(m));
      continue;
    }
    const Bytes stored = data.subspan(m.offset, m.stored_size);
    if (m.size > kMaxMemberBytes || total + m.size > kMaxTotalBytes ||
        (m.compressed && m.size > m.stored_size * kMaxRatio + 4096)) {
      m.note = "over the extraction limits (" + std::to_string(m.size) + " bytes)";
    } else if (m.compressed) {
      auto inflated = zlib_inflate(stored, m.size);
      if (!inflated)
        m.note = inflated.error().message;
      else {
        m.data = std::move(inflated->bytes);
        if (inflated->damaged || m.data.size() != m.size) m.note = "damaged stream";
      }
    } else {
      m.data = std::string(as_chars(stored));
    }
    total += m.data.size();
    if (m.type == 'z' || m.type == 'Z') pyz_members.push_back(b.members.size());
    b.members.push_back(std::move(m));
  }
  for (size_t i : pyz_members) {
    const Member pyz = b.members[i];  // read_pyz appends to members
    read_pyz(b, pyz, total);
  }
  return b;
}

std::string as_pyc(const Bundle& bundle, const Member& member) {
  if (member.data.empty() || bundle.pyc_magic.size() != 4) return {};
  std::string code;
  if (member.type == 's' || member.type == 'p') {
    code = member.data;
  } else if (member.type == 'm' || member.type == 'M') {
    // Modules keep a .pyc header in most PyInstaller versions (its magic ends in \r\n); without one they are a bare
    // code object like a script.
    if (member.data.size() >= 4 && member.data[2] == '\r' && member.data[3] == '\n') return member.data;
    code = member.data;
  } else {
    return {};
  }
  // The header this Python expects: magic, then flags and two zero words (3.7+), mtime and size (3.3–3.6), or mtime.
  std::string out = bundle.pyc_magic;
  const size_t rest = bundle.py_major == 3 && bundle.py_minor >= 7   ? 12
                      : bundle.py_major == 3 && bundle.py_minor >= 3 ? 8
                                                                     : 4;
  out.append(rest, '\0');
  return out + code;
}

}  // namespace msw::formats::pyinstaller
