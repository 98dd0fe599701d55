#include "formats/regf/regf.h"

#include <algorithm>
#include <cstdio>
#include <unordered_set>

#include "core/text.h"

namespace msw::formats::regf {
namespace {

using wire::le16;
using wire::le32;
using wire::le64;

bool sig(Bytes b, std::string_view s) { return b.size() >= s.size() && as_chars(b.first(s.size())) == s; }

constexpr uint16_t kKeyCompressedName = 0x0020;
constexpr uint16_t kValueCompressedName = 0x0001;
constexpr uint32_t kDataInline = 0x80000000u;
constexpr size_t kNkFixed = 76, kVkFixed = 20;

// Windows' compressed names are Latin-1; everything else is UTF-16LE.
std::string name_of(Bytes raw, bool compressed) {
  if (!compressed) return utf16le_to_utf8(raw).utf8;
  std::string out;
  out.reserve(raw.size());
  for (std::byte b : raw) {
    const auto c = static_cast<unsigned char>(b);
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

std::optional<Timestamp> filetime(uint64_t ft) {
  if (ft == 0) return std::nullopt;
  auto t = from_filetime(ft);
  if (!t) return std::nullopt;
  return *t;
}

// Subkey list entries (nk offsets) of a list cell; `ri` lists hold lists, one level deep.
void collect_subkeys(const Hive& hive, uint32_t list_offset, std::vector<uint32_t>& out, int depth) {
  auto list = hive.cell(list_offset);
  if (!list || list->size() < 4) {
    hive.note_damage();
    return;
  }
  const Bytes l = *list;
  const uint16_t count = le16(l, 2);
  const bool ri = sig(l, "ri"), li = sig(l, "li");
  const bool lf = sig(l, "lf") || sig(l, "lh");
  if (!ri && !li && !lf) {
    hive.note_damage();
    return;
  }
  const size_t stride = lf ? 8 : 4;
  if (4 + size_t{count} * stride > l.size()) hive.note_damage();
  const size_t n = std::min<size_t>(count, (l.size() - 4) / stride);
  for (size_t i = 0; i < n && out.size() < kMaxSubkeysPerKey; ++i) {
    const uint32_t off = le32(l, 4 + i * stride);
    if (ri) {
      if (depth > 0) {
        hive.note_damage();  // an index of indexes of indexes: not something Windows writes
        return;
      }
      collect_subkeys(hive, off, out, depth + 1);
    } else {
      out.push_back(off);
    }
  }
}

// A vk cell's name (the cell is at least kVkFixed bytes and signed "vk"); sets `cut` when it is longer than the cell.
std::string vk_name(Bytes vk, bool* cut = nullptr) {
  const uint16_t name_len = le16(vk, 2);
  const size_t name_bytes = std::min<size_t>({name_len, vk.size() - kVkFixed, kMaxNameBytes});
  if (cut) *cut = name_bytes < name_len;
  return name_of(vk.subspan(kVkFixed, name_bytes), (le16(vk, 16) & kValueCompressedName) != 0);
}

}  // namespace

std::optional<Value> Hive::read_value(Bytes vk, bool include_free) const {
  const Hive& hive = *this;
  auto cell_at = [&](uint32_t off) { return include_free ? any_cell(off) : cell(off); };
  if (vk.size() < kVkFixed || !sig(vk, "vk")) return std::nullopt;
  Value v;
  const uint32_t size_field = le32(vk, 4);
  const uint32_t data_offset = le32(vk, 8);
  v.type = le32(vk, 12);
  v.name = vk_name(vk, &v.truncated);
  const bool inline_data = (size_field & kDataInline) != 0;
  const uint32_t size = size_field & ~kDataInline;
  v.size = size;
  if (inline_data) {
    v.view_ = vk.subspan(8, std::min<size_t>(size, 4));  // the data sits in the offset field itself
    return v;
  }
  if (size == 0) return v;
  if (size > kMaxValueBytes) {
    v.truncated = true;
    if (!include_free) hive.note_damage();
    return v;
  }
  auto data = cell_at(data_offset);
  if (!data) {
    v.truncated = true;
    if (!include_free) hive.note_damage();
    return v;
  }
  if (size > kBigDataSegmentBytes && sig(*data, "db") && data->size() >= 8) {
    // Big data: a list of segment cells, each holding up to 16344 bytes.
    const uint16_t segments = le16(*data, 2);
    auto list = cell_at(le32(*data, 4));
    if (!list) {
      v.truncated = true;
      if (!include_free) hive.note_damage();
      return v;
    }
    v.owned_.reserve(size);
    for (size_t i = 0; i < segments && (i + 1) * 4 <= list->size() && v.owned_.size() < size; ++i) {
      auto seg = cell_at(le32(*list, i * 4));
      if (!seg) {
        if (!include_free) hive.note_damage();
        break;
      }
      const size_t take = std::min({seg->size(), kBigDataSegmentBytes, size - v.owned_.size()});
      v.owned_.append(as_chars(seg->first(take)));
    }
    if (v.owned_.size() < size) v.truncated = true;
    return v;
  }
  if (data->size() < size) {
    v.truncated = true;
    if (!include_free) hive.note_damage();
  }
  v.view_ = data->first(std::min<size_t>(size, data->size()));
  return v;
}

std::string type_name(uint32_t type) {
  static constexpr std::string_view kNames[] = {"REG_NONE",
                                                "REG_SZ",
                                                "REG_EXPAND_SZ",
                                                "REG_BINARY",
                                                "REG_DWORD",
                                                "REG_DWORD_BIG_ENDIAN",
                                                "REG_LINK",
                                                "REG_MULTI_SZ",
                                                "REG_RESOURCE_LIST",
                                                "REG_FULL_RESOURCE_DESCRIPTOR",
                                                "REG_RESOURCE_REQUIREMENTS_LIST",
                                                "REG_QWORD"};
  if (type < std::size(kNames)) return std::string(kNames[type]);
  char buf[24];
  std::snprintf(buf, sizeof buf, "REG_0x%x", type);
  return buf;
}

std::string Value::text() const {
  const Bytes d = data();
  size_t n = 0;
  while (n + 1 < d.size() && (d[n] != std::byte{0} || d[n + 1] != std::byte{0})) n += 2;
  return utf16le_to_utf8(d.first(n)).utf8;
}

std::vector<std::string> Value::strings() const {
  std::vector<std::string> out;
  const Bytes d = data();
  size_t start = 0;
  for (size_t i = 0; i + 1 < d.size(); i += 2) {
    if (d[i] != std::byte{0} || d[i + 1] != std::byte{0}) continue;
    if (i == start) return out;  // an empty string ends the list
    out.push_back(utf16le_to_utf8(d.subspan(start, i - start)).utf8);
    start = i + 2;
  }
  const size_t end = d.size() & ~size_t{1};
  if (end > start) out.push_back(utf16le_to_utf8(d.subspan(start, end - start)).utf8);  // no terminator
  return out;
}

std::optional<uint64_t> Value::number() const {
  const Bytes d = data();
  if ((type == kRegDword || type == kRegDwordBigEndian) && d.size() >= 4) {
    const uint32_t le = le32(d, 0);
    if (type == kRegDword) return le;
    return (le >> 24) | ((le >> 8) & 0xFF00) | ((le << 8) & 0xFF0000) | (le << 24);
  }
  if (type == kRegQword && d.size() >= 8) return le64(d, 0);
  return std::nullopt;
}

std::string Value::details() const {
  char buf[64];
  switch (type) {
    case kRegSz:
    case kRegExpandSz:
    case kRegLink: return text();
    case kRegDword:
    case kRegDwordBigEndian:
      if (auto n = number()) {
        std::snprintf(buf, sizeof buf, "DWORD (0x%08x)", static_cast<unsigned>(*n));
        return buf;
      }
      return "Binary Data";
    case kRegQword:
      if (auto n = number()) {
        std::snprintf(buf, sizeof buf, "QWORD (0x%08x-0x%08x)", static_cast<unsigned>(*n >> 32),
                      static_cast<unsigned>(*n & 0xFFFFFFFFu));
        return buf;
      }
      return "Binary Data";
    case kRegMultiSz: {
      std::string out;
      for (const auto& s : strings()) out += (out.empty() ? "" : " ") + s;
      return out;
    }
    default: return "Binary Data";
  }
}

std::string Key::name() const {
  const uint16_t flags = le16(cell_, 2);
  const size_t len = std::min<size_t>({le16(cell_, 72), cell_.size() - kNkFixed, kMaxNameBytes});
  return name_of(cell_.subspan(kNkFixed, len), (flags & kKeyCompressedName) != 0);
}

std::optional<Timestamp> Key::last_written() const { return filetime(le64(cell_, 4)); }
uint32_t Key::subkey_count() const { return le32(cell_, 20); }
uint32_t Key::value_count() const { return le32(cell_, 36); }

std::string Key::class_name() const {
  const uint16_t len = le16(cell_, 74);
  if (len == 0) return {};
  auto c = hive_->cell(le32(cell_, 48));
  if (!c) return {};
  return utf16le_to_utf8(c->first(std::min<size_t>(len, c->size()))).utf8;
}

void Key::for_each_subkey(const std::function<bool(const Key&)>& fn) const {
  if (subkey_count() == 0) return;
  std::vector<uint32_t> offsets;
  collect_subkeys(*hive_, le32(cell_, 28), offsets, 0);
  for (uint32_t off : offsets) {
    auto c = hive_->cell(off);
    if (!c || c->size() < kNkFixed || !sig(*c, "nk")) {
      hive_->note_damage();
      continue;
    }
    if (!fn(Key(hive_, off, *c))) return;
  }
}

void Key::for_each_vk(const std::function<bool(Bytes vk)>& fn) const {
  const uint32_t count = value_count();
  if (count == 0) return;
  auto list = hive_->cell(le32(cell_, 40));
  if (!list) {
    hive_->note_damage();
    return;
  }
  const size_t n = std::min<size_t>({count, list->size() / 4, kMaxValuesPerKey});
  if (n < count) hive_->note_damage();
  for (size_t i = 0; i < n; ++i) {
    auto vk = hive_->cell(le32(*list, i * 4));
    if (!vk || vk->size() < kVkFixed || !sig(*vk, "vk")) {
      hive_->note_damage();
      continue;
    }
    if (!fn(*vk)) return;
  }
}

void Key::for_each_value(const std::function<bool(const Value&)>& fn) const {
  for_each_vk([&](Bytes vk) {
    auto v = hive_->read_value(vk);
    return v ? fn(*v) : true;
  });
}

std::optional<Key> Key::subkey(std::string_view name) const {
  std::optional<Key> found;
  for_each_subkey([&](const Key& k) {
    if (!iequals_ascii(k.name(), name)) return true;
    found = k;
    return false;
  });
  return found;
}

std::optional<Value> Key::value(std::string_view name) const {
  // Names first; only the value asked for has its data read (big data is assembled on read).
  std::optional<Value> found;
  for_each_vk([&](Bytes vk) {
    if (!iequals_ascii(vk_name(vk), name)) return true;
    found = hive_->read_value(vk);
    return false;
  });
  return found;
}

std::optional<Bytes> Hive::cell(uint32_t offset) const {
  // Cells are 8-byte aligned; the size field is negative for an allocated cell and counts itself.
  if (offset % 8 != 0 || offset > bins_.size() || bins_.size() - offset < 8) return std::nullopt;
  const auto raw = static_cast<int32_t>(le32(bins_, offset));
  if (raw >= 0) return std::nullopt;  // a free cell
  const uint64_t size = static_cast<uint64_t>(-static_cast<int64_t>(raw));
  if (size < 8 || size > bins_.size() - offset) return std::nullopt;
  return bins_.subspan(offset + 4, static_cast<size_t>(size - 4));
}

std::string current_control_set(const Hive& system) {
  uint64_t current = 1;
  if (auto select = system.find("Select"))
    if (auto v = select->value("Current"); v && v->number()) current = *v->number();
  char name[32];
  std::snprintf(name, sizeof name, "ControlSet%03u", static_cast<unsigned>(current % 1000));
  return name;
}

std::optional<Bytes> Hive::any_cell(uint32_t offset) const {
  if (offset % 8 != 0 || offset > bins_.size() || bins_.size() - offset < 8) return std::nullopt;
  const auto raw = static_cast<int32_t>(le32(bins_, offset));
  const uint64_t size = raw < 0 ? static_cast<uint64_t>(-static_cast<int64_t>(raw)) : static_cast<uint64_t>(raw);
  if (size < 8 || size > bins_.size() - offset) return std::nullopt;
  return bins_.subspan(offset + 4, static_cast<size_t>(size - 4));
}

std::vector<DeletedKey> Hive::recover_deleted_keys() const {
  std::vector<DeletedKey> out;
  // The name of the key at `off` and of its ancestors, whether their cells are allocated or not.
  auto path_of = [&](uint32_t parent, std::string name) {
    std::unordered_set<uint32_t> seen;
    for (int depth = 0; depth < kMaxKeyDepth; ++depth) {
      if (parent == header_.root_offset) return name;
      auto p = any_cell(parent);
      if (!p || p->size() < kNkFixed || !sig(*p, "nk") || !seen.insert(parent).second) break;
      const size_t len = std::min<size_t>({le16(*p, 72), p->size() - kNkFixed, kMaxNameBytes});
      name = name_of(p->subspan(kNkFixed, len), (le16(*p, 2) & kKeyCompressedName) != 0) + "\\" + name;
      parent = le32(*p, 16);
    }
    return "?\\" + name;
  };
  // Walk the hive bins cell by cell; inside a free cell (free neighbours merge) look at every 8-byte boundary for
  // the remains of a key cell: a size field and "nk".
  for (size_t bin = 0; bin + 32 <= bins_.size();) {
    if (!sig(bins_.subspan(bin), "hbin")) break;
    const uint32_t bin_size = le32(bins_, bin + 8);
    if (bin_size < 4096 || bin_size % 4096 != 0 || bin_size > bins_.size() - bin) break;
    for (size_t c = bin + 32; c + 8 <= bin + bin_size;) {
      const auto raw = static_cast<int32_t>(le32(bins_, c));
      const size_t size = raw < 0 ? static_cast<size_t>(-static_cast<int64_t>(raw)) : static_cast<size_t>(raw);
      if (size < 8 || size % 8 != 0 || size > bin + bin_size - c) break;  // damaged: go to the next bin
      if (raw > 0) {
        for (size_t o = c; o + 4 + kNkFixed <= c + size && out.size() < kMaxRecoveredKeys; o += 8) {
          if (!sig(bins_.subspan(o + 4), "nk")) continue;
          const Bytes nk = bins_.subspan(o + 4, c + size - o - 4);
          const size_t len = le16(nk, 72);
          if (len == 0 || len > nk.size() - kNkFixed || len > kMaxNameBytes) continue;
          DeletedKey k;
          k.offset = static_cast<uint32_t>(o);
          k.last_written = filetime(le64(nk, 4));
          k.path = path_of(le32(nk, 16), name_of(nk.subspan(kNkFixed, len), (le16(nk, 2) & kKeyCompressedName) != 0));
          // Values through the (possibly freed) value list.
          const uint32_t count = std::min<uint32_t>(le32(nk, 36), 4096);
          if (count > 0)
            if (auto list = any_cell(le32(nk, 40)))
              for (uint32_t i = 0; i < count && (i + 1) * 4 <= list->size(); ++i) {
                auto vk = any_cell(le32(*list, i * 4));
                if (!vk || vk->size() < kVkFixed || !sig(*vk, "vk")) continue;
                if (auto v = read_value(*vk, /*include_free=*/true)) k.values.push_back(std::move(*v));
              }
          out.push_back(std::move(k));
        }
      }
      c += size;
    }
    bin += bin_size;
  }
  return out;
}

Result<Hive> Hive::open(Bytes file, std::string_view evidence, Diagnostics& diags) {
  if (file.size() < kBaseBlockSize || !sig(file, "regf"))
    return Error::make("regf.not_hive", std::string(evidence) + " is not a registry hive (no regf base block)");
  Hive h;
  h.file_ = file;
  HiveHeader& hd = h.header_;
  hd.primary_sequence = le32(file, 4);
  hd.secondary_sequence = le32(file, 8);
  hd.dirty = hd.primary_sequence != hd.secondary_sequence;
  hd.last_written = filetime(le64(file, 12));
  hd.major_version = le32(file, 20);
  hd.minor_version = le32(file, 24);
  hd.root_offset = le32(file, 36);
  hd.bins_size = le32(file, 40);
  {
    const Bytes raw = file.subspan(48, 64);
    size_t n = 0;
    while (n + 1 < raw.size() && (raw[n] != std::byte{0} || raw[n + 1] != std::byte{0})) n += 2;
    hd.embedded_name = utf16le_to_utf8(raw.first(n)).utf8;
  }
  uint32_t sum = 0;
  for (size_t i = 0; i < 508; i += 4) sum ^= le32(file, i);
  if (sum == 0xFFFFFFFFu) sum = 0xFFFFFFFEu;
  if (sum == 0) sum = 1;
  hd.checksum_ok = sum == le32(file, 508);
  if (!hd.checksum_ok)
    diags.add("regf.bad_checksum", DiagSeverity::Warning, std::string(evidence), 508,
              "the base block's checksum does not match: the header may have been edited or damaged");
  // The hive bins run from 4096 for bins_size bytes; a file cut short keeps what it has.
  const size_t available = file.size() - kBaseBlockSize;
  size_t bins = hd.bins_size;
  if (bins == 0 || bins > available) {
    if (bins > available)
      diags.add("regf.truncated", DiagSeverity::Warning, std::string(evidence), file.size(),
                "the header promises " + std::to_string(hd.bins_size) + " bytes of hive bins, the file holds " +
                    std::to_string(available));
    bins = available;
  }
  h.bins_ = file.subspan(kBaseBlockSize, bins);
  auto root = h.cell(hd.root_offset);
  if (!root || root->size() < kNkFixed || !sig(*root, "nk"))
    return Error::make("regf.bad_root", std::string(evidence) + ": the root cell at offset " +
                                            std::to_string(hd.root_offset) + " is not a key");
  if (hd.dirty)
    diags.add("regf.dirty", DiagSeverity::Info, std::string(evidence), 4,
              "the hive is dirty (sequence numbers " + std::to_string(hd.primary_sequence) + " and " +
                  std::to_string(hd.secondary_sequence) +
                  "): its newest changes may be only in the .LOG1/.LOG2 files next to it; collect those too");
  return h;
}

Key Hive::root() const {
  auto c = cell(header_.root_offset);  // checked by open()
  return Key(this, header_.root_offset, *c);
}

std::optional<Key> Hive::find(std::string_view path) const {
  Key k = root();
  int depth = 0;
  while (!path.empty()) {
    const size_t cut = path.find('\\');
    const std::string_view part = path.substr(0, cut);
    path = cut == std::string_view::npos ? std::string_view() : path.substr(cut + 1);
    if (part.empty()) continue;
    if (++depth > kMaxKeyDepth) return std::nullopt;
    auto next = k.subkey(part);
    if (!next) return std::nullopt;
    k = *next;
  }
  return k;
}

void Hive::walk(const std::function<bool(const std::string& path, const Key& key)>& fn) const {
  std::unordered_set<uint32_t> seen;
  struct Frame {
    Key key;
    std::string path;
    int depth;
  };
  std::vector<Frame> stack;
  stack.push_back({root(), "", 0});
  seen.insert(header_.root_offset);
  while (!stack.empty()) {
    Frame f = std::move(stack.back());
    stack.pop_back();
    if (!fn(f.path, f.key) || f.depth >= kMaxKeyDepth) continue;
    std::vector<Frame> children;
    f.key.for_each_subkey([&](const Key& k) {
      if (!seen.insert(k.offset()).second) {
        note_damage();  // a key reached twice: a cycle or a shared list
        return true;
      }
      children.push_back({k, f.path.empty() ? k.name() : f.path + "\\" + k.name(), f.depth + 1});
      return true;
    });
    // Depth-first in list order.
    for (auto it = children.rbegin(); it != children.rend(); ++it) stack.push_back(std::move(*it));
  }
}

}  // namespace msw::formats::regf
