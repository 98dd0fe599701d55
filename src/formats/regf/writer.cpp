#include "formats/regf/writer.h"

#include <algorithm>

namespace msw::formats::regf {
namespace {

void put16(std::string& s, size_t at, uint16_t v) {
  s[at] = static_cast<char>(v & 0xFF);
  s[at + 1] = static_cast<char>(v >> 8);
}
void put32(std::string& s, size_t at, uint32_t v) {
  put16(s, at, static_cast<uint16_t>(v));
  put16(s, at + 2, static_cast<uint16_t>(v >> 16));
}
void put64(std::string& s, size_t at, uint64_t v) {
  put32(s, at, static_cast<uint32_t>(v));
  put32(s, at + 4, static_cast<uint32_t>(v >> 32));
}
std::string le32(uint32_t v) {
  std::string s(4, '\0');
  put32(s, 0, v);
  return s;
}

// UTF-8 to code points; a byte that starts no valid sequence stands for itself (Latin-1), so nothing is lost.
std::vector<char32_t> code_points(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c >= 0xF0 && c < 0xF5 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 1;
    char32_t cp = n == 4 ? c & 0x07u : n == 3 ? c & 0x0Fu : n == 2 ? c & 0x1Fu : c;
    bool ok = i + n <= s.size();
    for (size_t k = 1; ok && k < n; ++k) {
      const auto t = static_cast<unsigned char>(s[i + k]);
      ok = (t & 0xC0) == 0x80;
      cp = cp << 6 | (t & 0x3Fu);
    }
    if (!ok) {
      n = 1;
      cp = c;
    }
    out.push_back(cp);
    i += n;
  }
  return out;
}

std::string utf16(std::string_view utf8) {
  std::string s;
  auto unit = [&](uint32_t u) {
    s += static_cast<char>(u & 0xFF);
    s += static_cast<char>(u >> 8);
  };
  for (char32_t cp : code_points(utf8)) {
    if (cp >= 0x10000) {
      unit(0xD800 + ((cp - 0x10000) >> 10));
      unit(0xDC00 + ((cp - 0x10000) & 0x3FF));
    } else {
      unit(cp);
    }
  }
  return s;
}

// A name as stored: Latin-1 bytes when every character fits ("compressed"), UTF-16LE otherwise.
std::string stored_name(std::string_view utf8, bool force_utf16, bool& compressed) {
  const auto cps = code_points(utf8);
  compressed = !force_utf16 && std::all_of(cps.begin(), cps.end(), [](char32_t c) { return c < 0x100; });
  if (!compressed) return utf16(utf8);
  std::string out;
  for (char32_t c : cps) out += static_cast<char>(c);
  return out;
}

// Cells appended to the hive bins' data; offsets are relative to its start (file offset 4096).
class Bins {
 public:
  uint32_t add(const std::string& data) {
    const auto at = static_cast<uint32_t>(bins_.size());
    const size_t size = (4 + data.size() + 7) & ~size_t{7};
    if (bins_.size() + size > kMaxWrittenHiveBytes) {
      too_large_ = true;
      return at;
    }
    std::string cell(size, '\0');
    put32(cell, 0, static_cast<uint32_t>(-static_cast<int32_t>(size)));
    cell.replace(4, data.size(), data);
    bins_ += cell;
    return at;
  }
  std::string& data() { return bins_; }
  bool too_large() const { return too_large_; }

 private:
  std::string bins_ = std::string(32, '\0');  // the hbin header, filled in at the end
  bool too_large_ = false;
};

constexpr size_t kMaxCellData = 16344;  // larger values go into big-data (db) segments

uint32_t add_value(Bins& b, const ValueSpec& v) {
  bool compressed = true;
  const std::string name = stored_name(v.name, false, compressed);
  std::string vk(20, '\0');
  vk[0] = 'v';
  vk[1] = 'k';
  put16(vk, 2, static_cast<uint16_t>(std::min<size_t>(name.size(), 0xFFFF)));
  put32(vk, 12, v.type);
  put16(vk, 16, compressed ? 1 : 0);
  vk += name.substr(0, 0xFFFF);
  if (v.data.size() <= 4) {
    put32(vk, 4, static_cast<uint32_t>(v.data.size()) | 0x80000000u);
    for (size_t i = 0; i < v.data.size(); ++i) vk[8 + i] = v.data[i];
  } else if (v.data.size() > kMaxCellData) {
    std::string list;
    for (size_t at = 0; at < v.data.size(); at += kMaxCellData) list += le32(b.add(v.data.substr(at, kMaxCellData)));
    std::string db(8, '\0');
    db[0] = 'd';
    db[1] = 'b';
    put16(db, 2, static_cast<uint16_t>((v.data.size() + kMaxCellData - 1) / kMaxCellData));
    put32(db, 4, b.add(list));
    put32(vk, 4, static_cast<uint32_t>(v.data.size()));
    put32(vk, 8, b.add(db));
  } else {
    put32(vk, 4, static_cast<uint32_t>(v.data.size()));
    put32(vk, 8, b.add(v.data));
  }
  return b.add(vk);
}

uint32_t add_list(Bins& b, const std::string& kind, const std::vector<uint32_t>& keys,
                  const std::vector<std::string>& names) {
  auto simple = [&](const std::string& k, size_t from, size_t to) {
    std::string l(4, '\0');
    l[0] = k[0];
    l[1] = k[1];
    put16(l, 2, static_cast<uint16_t>(to - from));
    for (size_t i = from; i < to; ++i) {
      l += le32(keys[i]);
      if (k == "lf") l += (names[i] + std::string(4, '\0')).substr(0, 4);
      if (k == "lh") l += le32(0);  // the hash is a hint only; readers must not trust it
    }
    return b.add(l);
  };
  // A simple list counts its entries in 16 bits: longer ones go under an ri, as Windows does.
  constexpr size_t kMaxSimple = 0xFFFF;
  if (kind != "ri" && keys.size() <= kMaxSimple) return simple(kind, 0, keys.size());
  const size_t chunk = keys.size() <= 2000 ? std::max<size_t>(1, (keys.size() + 1) / 2) : 1000;
  std::string ri(4, '\0');
  ri[0] = 'r';
  ri[1] = 'i';
  uint16_t lists = 0;
  for (size_t from = 0; from < keys.size() || lists == 0; from += chunk, ++lists)
    ri += le32(simple("li", from, std::min(keys.size(), from + chunk)));
  put16(ri, 2, lists);
  return b.add(ri);
}

uint32_t add_key(Bins& b, const KeySpec& k, uint32_t parent, bool root) {
  std::vector<uint32_t> values;
  values.reserve(k.values.size());
  for (const auto& v : k.values) values.push_back(add_value(b, v));
  bool compressed = true;
  const std::string name = stored_name(k.name, k.utf16_name, compressed);
  // The key first (its children need its offset), then patched with its lists.
  std::string nk(76, '\0');
  nk[0] = 'n';
  nk[1] = 'k';
  put16(nk, 2, static_cast<uint16_t>((root ? 0x0004 : 0) | (compressed ? 0x0020 : 0)));
  put64(nk, 4, k.filetime);
  put32(nk, 16, parent);
  put32(nk, 20, static_cast<uint32_t>(k.subkeys.size()));
  put32(nk, 28, 0xFFFFFFFFu);
  put32(nk, 32, 0xFFFFFFFFu);
  put32(nk, 36, static_cast<uint32_t>(values.size()));
  put32(nk, 40, 0xFFFFFFFFu);
  put32(nk, 44, 0xFFFFFFFFu);
  put32(nk, 48, 0xFFFFFFFFu);
  put16(nk, 72, static_cast<uint16_t>(std::min<size_t>(name.size(), 0xFFFF)));
  nk += name.substr(0, 0xFFFF);
  const uint32_t self = b.add(nk);
  std::vector<uint32_t> children;
  std::vector<std::string> names;
  for (const auto& s : k.subkeys) {
    if (b.too_large()) break;
    children.push_back(add_key(b, s, self, false));
    names.push_back(s.name);
  }
  if (b.too_large()) return self;
  if (!k.class_name.empty()) {
    const std::string cls = utf16(k.class_name);
    const uint32_t cell = b.add(cls);
    put32(b.data(), self + 4 + 48, cell);
    put16(b.data(), self + 4 + 74, static_cast<uint16_t>(std::min<size_t>(cls.size(), 0xFFFF)));
  }
  const size_t at = self + 4;  // the nk's data inside the bins
  if (!children.empty()) {
    const uint32_t list = add_list(b, k.list_kind, children, names);
    if (!b.too_large()) put32(b.data(), at + 28, list);
  }
  if (!values.empty()) {
    std::string list;
    for (uint32_t v : values) list += le32(v);
    const uint32_t cell = b.add(list);
    if (!b.too_large()) put32(b.data(), at + 40, cell);
  }
  return self;
}

}  // namespace

std::string reg_sz(std::string_view utf8) { return utf16(utf8) + std::string(2, '\0'); }
std::string reg_dword(uint32_t v) { return le32(v); }
std::string reg_qword(uint64_t v) { return le32(static_cast<uint32_t>(v)) + le32(static_cast<uint32_t>(v >> 32)); }
std::string reg_multi_sz(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += reg_sz(i);
  return s + std::string(2, '\0');
}

Result<std::string> build_hive(const KeySpec& root, const WriteOptions& o) {
  Bins b;
  const uint32_t root_offset = add_key(b, root, 0xFFFFFFFFu, true);
  if (b.too_large())
    return Error::make("regf.too_large",
                       "the keys need more than " + std::to_string(kMaxWrittenHiveBytes >> 20) + " MiB of hive cells");
  std::string bins = b.data();
  bins.resize((bins.size() + 4095) & ~size_t{4095}, '\0');
  // The hbin header, and the slack after the last cell as one free cell.
  bins.replace(0, 4, "hbin");
  put32(bins, 4, 0);
  put32(bins, 8, static_cast<uint32_t>(bins.size()));
  const size_t used = b.data().size();
  if (bins.size() > used) put32(bins, used, static_cast<uint32_t>(bins.size() - used));
  // Cell offsets count from the bins' start (file offset 4096), as Windows does.
  std::string base(4096, '\0');
  base.replace(0, 4, "regf");
  put32(base, 4, 7);  // primary and secondary sequence equal: a clean hive
  put32(base, 8, 7);
  put64(base, 12, o.last_written);
  put32(base, 20, 1);  // version 1.5
  put32(base, 24, 5);
  put32(base, 32, 1);
  put32(base, 36, root_offset);
  put32(base, 40, static_cast<uint32_t>(bins.size()));
  put32(base, 44, 1);
  const std::string name = utf16(o.embedded_name).substr(0, 64);
  base.replace(48, name.size(), name);
  uint32_t sum = 0;
  for (size_t i = 0; i < 508; i += 4)
    sum ^= static_cast<uint32_t>(static_cast<uint8_t>(base[i])) |
           static_cast<uint32_t>(static_cast<uint8_t>(base[i + 1])) << 8 |
           static_cast<uint32_t>(static_cast<uint8_t>(base[i + 2])) << 16 |
           static_cast<uint32_t>(static_cast<uint8_t>(base[i + 3])) << 24;
  if (sum == 0xFFFFFFFFu) sum = 0xFFFFFFFEu;
  if (sum == 0) sum = 1;
  put32(base, 508, sum);
  return base + bins;
}

}  // namespace msw::formats::regf
