#include "formats/pe/pe.h"

#include <algorithm>
#include <cctype>

#include "core/entropy.h"
#include "core/hash.h"
#include "core/text.h"

namespace msw::formats::pe {
namespace {

using wire::le16;
using wire::le32;
using wire::le64;

enum Directory : size_t {
  kExport = 0,
  kImport = 1,
  kResource = 2,
  kSecurity = 4,
  kDebug = 6,
  kTls = 9,
  kClr = 14,
};

constexpr size_t kCoffSize = 20, kSectionHeaderSize = 40;

struct Dir {
  uint32_t rva = 0, size = 0;
};

// The file offset an RVA maps to, through the section that holds it (or the headers); nullopt when none does.
std::optional<size_t> rva_to_offset(const PeFile& pe, uint32_t rva, size_t file_size) {
  if (rva < pe.size_of_headers) return rva < file_size ? std::optional<size_t>(rva) : std::nullopt;
  for (const auto& s : pe.sections) {
    const uint32_t span = std::max(s.virtual_size, s.raw_size);
    if (rva >= s.virtual_address && rva - s.virtual_address < span) {
      const uint64_t delta = rva - s.virtual_address;
      if (delta >= s.raw_size) return std::nullopt;  // in memory only (zero-filled at load)
      const uint64_t off = static_cast<uint64_t>(s.raw_offset) + delta;
      if (off >= file_size) return std::nullopt;
      return static_cast<size_t>(off);
    }
  }
  return std::nullopt;
}

// A NUL-terminated ASCII name at an RVA, at most kMaxNameLength bytes; "" when it is not there.
std::string name_at(const PeFile& pe, Bytes data, uint32_t rva) {
  auto off = rva_to_offset(pe, rva, data.size());
  if (!off) return {};
  std::string out;
  for (size_t i = *off; i < data.size() && out.size() < kMaxNameLength; ++i) {
    const char c = static_cast<char>(data[i]);
    if (c == '\0') break;
    out += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
  }
  return out;
}

void read_imports(PeFile& pe, Bytes data, Dir dir) {
  auto off = rva_to_offset(pe, dir.rva, data.size());
  if (!off) {
    pe.notes.push_back("import directory points outside the file");
    return;
  }
  size_t functions = 0;
  for (size_t at = *off; at + 20 <= data.size(); at += 20) {
    const uint32_t original_thunk = le32(data, at), name_rva = le32(data, at + 12), first_thunk = le32(data, at + 16);
    if (original_thunk == 0 && name_rva == 0 && first_thunk == 0) return;  // the terminating descriptor
    if (pe.imports.size() == kMaxImportDlls) {
      pe.notes.push_back("more than " + std::to_string(kMaxImportDlls) + " imported DLLs; the rest were not read");
      return;
    }
    Import imp{name_at(pe, data, name_rva), {}};
    // The lookup table when present (the IAT may already hold bound addresses), else the IAT.
    auto thunks = rva_to_offset(pe, original_thunk ? original_thunk : first_thunk, data.size());
    const size_t width = pe.is_64 ? 8 : 4;
    for (size_t t = thunks.value_or(data.size()); t + width <= data.size(); t += width) {
      const uint64_t v = pe.is_64 ? le64(data, t) : le32(data, t);
      if (v == 0) break;
      if (functions++ == kMaxImportedFunctions) {
        pe.notes.push_back("more than " + std::to_string(kMaxImportedFunctions) +
                           " imported functions; the rest were not read");
        pe.imports.push_back(std::move(imp));
        return;
      }
      const bool by_ordinal = pe.is_64 ? (v >> 63) != 0 : (v >> 31) != 0;
      if (by_ordinal) {
        imp.functions.push_back("ord" + std::to_string(v & 0xFFFF));
      } else {
        std::string n = name_at(pe, data, static_cast<uint32_t>(v & 0x7FFFFFFF) + 2);  // after the 2-byte hint
        imp.functions.push_back(n.empty() ? "?" : std::move(n));
      }
    }
    pe.imports.push_back(std::move(imp));
  }
  pe.notes.push_back("import directory runs past the end of the file");
}

void read_exports(PeFile& pe, Bytes data, Dir dir) {
  auto off = rva_to_offset(pe, dir.rva, data.size());
  if (!off || *off + 40 > data.size()) {
    pe.notes.push_back("export directory points outside the file");
    return;
  }
  pe.export_name = name_at(pe, data, le32(data, *off + 12));
  const uint32_t names = le32(data, *off + 24), names_rva = le32(data, *off + 32);
  auto table = rva_to_offset(pe, names_rva, data.size());
  if (!table) return;
  const size_t n = std::min<size_t>(names, kMaxExports);
  if (names > kMaxExports)
    pe.notes.push_back("more than " + std::to_string(kMaxExports) + " exported names; the rest were not read");
  for (size_t i = 0; i < n && *table + i * 4 + 4 <= data.size(); ++i)
    pe.exports.push_back(name_at(pe, data, le32(data, *table + i * 4)));
}

// The Rich header: XOR-masked (ProdID << 16 | build, count) pairs between "DanS" and "Rich" in the DOS stub.
void read_rich(PeFile& pe, Bytes data, size_t pe_offset) {
  const size_t end = std::min(pe_offset, data.size());
  for (size_t at = 0x40; at + 8 <= end; at += 4) {
    if (le32(data, at) != 0x68636952) continue;  // "Rich"
    const uint32_t key = le32(data, at + 4);
    for (size_t start = at; start >= 0x40 + 4; start -= 4) {
      if ((le32(data, start - 4) ^ key) != 0x536E6144) continue;  // "DanS"
      // DanS is followed by three masked zero dwords, then the pairs.
      for (size_t e = start - 4 + 16; e + 8 <= at; e += 8) {
        const uint32_t id = le32(data, e) ^ key, count = le32(data, e + 4) ^ key;
        pe.rich.push_back({static_cast<uint16_t>(id >> 16), static_cast<uint16_t>(id & 0xFFFF), count});
      }
      return;
    }
    return;
  }
}

void read_debug(PeFile& pe, Bytes data, Dir dir) {
  auto off = rva_to_offset(pe, dir.rva, data.size());
  if (!off) return;
  for (size_t at = *off; at + 28 <= data.size() && at < *off + std::min<size_t>(dir.size, 28 * 16); at += 28) {
    if (le32(data, at + 12) != 2) continue;  // IMAGE_DEBUG_TYPE_CODEVIEW
    const uint32_t size = le32(data, at + 16), raw = le32(data, at + 24);
    if (raw >= data.size() || size < 24 || size > data.size() - raw) continue;
    if (le32(data, raw) != 0x53445352) continue;  // "RSDS": signature, GUID, age, path
    for (size_t i = raw + 24; i < raw + size && pe.pdb_path.size() < kMaxNameLength; ++i) {
      const char c = static_cast<char>(data[i]);
      if (c == '\0') break;
      pe.pdb_path += c;
    }
    return;
  }
}

void read_tls(PeFile& pe, Bytes data, Dir dir) {
  auto off = rva_to_offset(pe, dir.rva, data.size());
  const size_t width = pe.is_64 ? 8 : 4;
  if (!off || *off + 4 * width > data.size()) return;
  const uint64_t callbacks_va = pe.is_64 ? le64(data, *off + 24) : le32(data, *off + 12);
  if (callbacks_va <= pe.image_base || callbacks_va - pe.image_base > UINT32_MAX) return;
  auto table = rva_to_offset(pe, static_cast<uint32_t>(callbacks_va - pe.image_base), data.size());
  for (size_t at = table.value_or(data.size()); at + width <= data.size(); at += width) {
    const uint64_t va = pe.is_64 ? le64(data, at) : le32(data, at);
    if (va == 0) return;
    if (pe.tls_callbacks.size() == kMaxTlsCallbacks) {
      pe.notes.push_back("more than " + std::to_string(kMaxTlsCallbacks) + " TLS callbacks; the rest were not read");
      return;
    }
    pe.tls_callbacks.push_back(va);
  }
}

// UTF-16LE text of `max_units` code units at most, stopping at NUL; `end` receives the offset after the NUL.
std::string utf16_z(Bytes data, size_t at, size_t limit, size_t& end) {
  std::string out;
  size_t i = at;
  for (; i + 1 < limit && out.size() < kMaxNameLength; i += 2) {
    const uint16_t u = le16(data, i);
    if (u == 0) {
      i += 2;
      break;
    }
    if (u < 0x80)
      out += static_cast<char>(u < 0x20 ? '?' : u);
    else
      append_utf8(out, u);  // no surrogate pairs in version strings worth keeping
  }
  end = i;
  return out;
}

size_t align4(size_t v) { return (v + 3) & ~size_t{3}; }

// One VS_VERSIONINFO block: wLength, wValueLength, wType, szKey, padding, Value, padding, children.
struct VersionBlock {
  std::string key;
  size_t value_at = 0, value_len = 0;  // bytes
  size_t children_at = 0, end = 0;
};

std::optional<VersionBlock> version_block(Bytes data, size_t at, size_t limit) {
  if (at + 6 > limit) return std::nullopt;
  const uint16_t length = le16(data, at), value_length = le16(data, at + 2), type = le16(data, at + 4);
  if (length < 6 || at + length > limit) return std::nullopt;
  VersionBlock b;
  b.end = at + length;
  size_t key_end = 0;
  b.key = utf16_z(data, at + 6, b.end, key_end);
  b.value_at = align4(key_end);
  b.value_len =
      std::min<size_t>(type == 1 ? value_length * 2u : value_length, b.value_at < b.end ? b.end - b.value_at : 0);
  b.children_at = align4(b.value_at + b.value_len);
  return b;
}

void read_version_info(PeFile& pe, Bytes data, size_t at, size_t size) {
  const size_t limit = std::min(data.size(), at + size);
  auto root = version_block(data, at, limit);
  if (!root || root->key != "VS_VERSION_INFO") return;
  if (root->value_len >= 52 && le32(data, root->value_at) == 0xFEEF04BD) {
    const uint32_t ms = le32(data, root->value_at + 8), ls = le32(data, root->value_at + 12);
    pe.file_version = std::to_string(ms >> 16) + "." + std::to_string(ms & 0xFFFF) + "." + std::to_string(ls >> 16) +
                      "." + std::to_string(ls & 0xFFFF);
  }
  // StringFileInfo → StringTable(s) → String(s).
  for (size_t c = root->children_at; c < root->end;) {
    auto sfi = version_block(data, c, root->end);
    if (!sfi) break;
    if (sfi->key == "StringFileInfo")
      for (size_t t = sfi->children_at; t < sfi->end;) {
        auto table = version_block(data, t, sfi->end);
        if (!table) break;
        for (size_t k = table->children_at; k < table->end && pe.version_info.size() < kMaxVersionStrings;) {
          auto str = version_block(data, k, table->end);
          if (!str) break;
          size_t ignored = 0;
          std::string value =
              utf16_z(data, str->value_at, std::min(str->end, str->value_at + str->value_len + 2), ignored);
          if (!str->key.empty()) pe.version_info.emplace_back(str->key, std::move(value));
          k = align4(str->end);
        }
        t = align4(table->end);
      }
    c = align4(sfi->end);
  }
}

// The resource tree: type RT_VERSION (16) → any name → first language → the data entry.
void read_resources(PeFile& pe, Bytes data, Dir dir) {
  auto base = rva_to_offset(pe, dir.rva, data.size());
  if (!base) return;
  auto subdir_for = [&](size_t table, std::optional<uint32_t> id) -> std::optional<uint32_t> {
    if (table + 16 > data.size()) return std::nullopt;
    const size_t n =
        std::min<size_t>(static_cast<size_t>(le16(data, table + 12)) + le16(data, table + 14), kMaxResourceEntries);
    for (size_t i = 0; i < n && table + 16 + i * 8 + 8 <= data.size(); ++i) {
      const uint32_t name = le32(data, table + 16 + i * 8), target = le32(data, table + 16 + i * 8 + 4);
      if (id && name != *id) continue;
      return target;
    }
    return std::nullopt;
  };
  auto follow = [&](std::optional<uint32_t> target) -> std::optional<size_t> {
    if (!target || !(*target & 0x80000000u)) return std::nullopt;
    const size_t off = *base + (*target & 0x7FFFFFFFu);
    return off < data.size() ? std::optional<size_t>(off) : std::nullopt;
  };
  auto types = follow(std::optional<uint32_t>(0x80000000u));  // the root itself
  if (!types) return;
  auto names = follow(subdir_for(*types, 16u));
  if (!names) return;
  auto langs = follow(subdir_for(*names, std::nullopt));
  if (!langs) return;
  auto leaf = subdir_for(*langs, std::nullopt);
  if (!leaf || (*leaf & 0x80000000u)) return;
  const size_t entry = *base + *leaf;
  if (entry + 16 > data.size()) return;
  auto at = rva_to_offset(pe, le32(data, entry), data.size());
  if (at) read_version_info(pe, data, *at, le32(data, entry + 4));
}

}  // namespace

bool looks_like_pe(Bytes data) {
  if (data.size() < 0x40 || le16(data, 0) != 0x5A4D) return false;
  const uint32_t lfanew = le32(data, 0x3C);
  return lfanew <= data.size() - 4 && le32(data, lfanew) == 0x00004550;
}

Result<PeFile> parse(Bytes data) {
  if (!looks_like_pe(data)) return Error::make("pe.not_pe", "no MZ header with a PE signature where e_lfanew points");
  PeFile pe;
  const size_t coff = le32(data, 0x3C) + 4;
  if (coff + kCoffSize > data.size()) return Error::make("pe.truncated", "the COFF header is cut short", coff);
  pe.machine = le16(data, coff);
  const uint16_t nsections = le16(data, coff + 2);
  pe.timestamp = le32(data, coff + 4);
  const uint16_t optional_size = le16(data, coff + 16);
  pe.characteristics = le16(data, coff + 18);
  pe.is_dll = pe.characteristics & 0x2000;
  const size_t opt = coff + kCoffSize;
  if (optional_size < 2 || opt + optional_size > data.size())
    return Error::make("pe.truncated", "the optional header is cut short", opt);
  const uint16_t magic = le16(data, opt);
  if (magic != 0x10B && magic != 0x20B)
    return Error::make("pe.not_pe", "optional header magic " + std::to_string(magic) + " is neither PE32 nor PE32+",
                       opt);
  pe.is_64 = magic == 0x20B;
  const size_t dirs_at = opt + (pe.is_64 ? 112 : 96);
  if (dirs_at > opt + optional_size)
    return Error::make("pe.truncated", "the optional header has no data directories", opt);
  pe.entry_point = le32(data, opt + 16);
  pe.image_base = pe.is_64 ? le64(data, opt + 24) : le32(data, opt + 28);
  pe.size_of_headers = le32(data, opt + 60);
  pe.subsystem = le16(data, opt + 68);
  pe.is_driver = pe.subsystem == 1;
  const uint32_t ndirs = std::min<uint32_t>(le32(data, opt + (pe.is_64 ? 108 : 92)), 16);
  std::vector<Dir> dirs(16);
  for (uint32_t i = 0; i < ndirs && dirs_at + i * 8 + 8 <= opt + optional_size; ++i)
    dirs[i] = {le32(data, dirs_at + i * 8), le32(data, dirs_at + i * 8 + 4)};

  const size_t table = opt + optional_size;
  if (nsections > kMaxSections)
    pe.notes.push_back(std::to_string(nsections) + " sections; only the first " + std::to_string(kMaxSections) +
                       " were read");
  uint64_t data_end = std::min<uint64_t>(pe.size_of_headers, data.size());
  for (size_t i = 0; i < std::min<size_t>(nsections, kMaxSections); ++i) {
    const size_t h = table + i * kSectionHeaderSize;
    if (h + kSectionHeaderSize > data.size()) {
      pe.notes.push_back("the section table is cut short after " + std::to_string(i) + " sections");
      break;
    }
    Section s;
    for (size_t c = 0; c < 8 && data[h + c] != std::byte{0}; ++c) {
      const char ch = static_cast<char>(data[h + c]);
      s.name += std::isprint(static_cast<unsigned char>(ch)) ? ch : '?';
    }
    s.virtual_size = le32(data, h + 8);
    s.virtual_address = le32(data, h + 12);
    s.raw_size = le32(data, h + 16);
    s.raw_offset = le32(data, h + 20);
    s.characteristics = le32(data, h + 36);
    if (s.raw_size && s.raw_offset < data.size()) {
      const size_t n = std::min<uint64_t>(s.raw_size, data.size() - s.raw_offset);
      s.entropy = shannon_entropy(data.subspan(s.raw_offset, n));
      if (n < s.raw_size) pe.notes.push_back("section " + s.name + " runs past the end of the file");
      data_end = std::max<uint64_t>(data_end, static_cast<uint64_t>(s.raw_offset) + s.raw_size);
    }
    pe.sections.push_back(std::move(s));
  }
  for (const auto& s : pe.sections)
    if (pe.entry_point >= s.virtual_address &&
        pe.entry_point - s.virtual_address < std::max(s.virtual_size, s.raw_size)) {
      pe.entry_section = s.name;
      break;
    }

  if (dirs[kImport].rva) read_imports(pe, data, dirs[kImport]);
  if (dirs[kExport].rva) read_exports(pe, data, dirs[kExport]);
  if (dirs[kDebug].rva) read_debug(pe, data, dirs[kDebug]);
  if (dirs[kTls].rva) read_tls(pe, data, dirs[kTls]);
  if (dirs[kResource].rva) read_resources(pe, data, dirs[kResource]);
  pe.is_dotnet = dirs[kClr].rva != 0 && dirs[kClr].size >= 72;
  read_rich(pe, data, coff - 4);
  // The certificate table's "RVA" is a file offset; it normally sits at the very end, after any other overlay.
  uint64_t overlay_end = data.size();
  if (dirs[kSecurity].rva && dirs[kSecurity].size) {
    pe.certificate_offset = dirs[kSecurity].rva;
    pe.certificate_size = dirs[kSecurity].size;
    if (static_cast<uint64_t>(pe.certificate_offset) + pe.certificate_size > data.size())
      pe.notes.push_back("the certificate table runs past the end of the file");
    else if (pe.certificate_offset >= data_end &&
             static_cast<uint64_t>(pe.certificate_offset) + pe.certificate_size == data.size())
      overlay_end = pe.certificate_offset;
  }
  if (data_end < overlay_end) {
    pe.overlay_offset = data_end;
    pe.overlay_size = overlay_end - data_end;
    pe.overlay_entropy = shannon_entropy(data.subspan(data_end, pe.overlay_size));
  }
  pe.entropy = shannon_entropy(data);
  return pe;
}

std::string imphash(const PeFile& pe) {
  std::string list;
  for (const auto& imp : pe.imports) {
    std::string lib = imp.dll;
    std::transform(lib.begin(), lib.end(), lib.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (std::string_view ext : {".dll", ".ocx", ".sys"})
      if (lib.ends_with(ext)) {
        lib.resize(lib.size() - ext.size());
        break;
      }
    for (const auto& f : imp.functions) {
      std::string fn = f;
      std::transform(fn.begin(), fn.end(), fn.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      list += (list.empty() ? "" : ",") + lib + "." + fn;
    }
  }
  if (list.empty()) return {};
  return hash_bytes(as_bytes(list)).md5;
}

std::string_view machine_name(uint16_t machine) {
  switch (machine) {
    case 0x14C:
      return "x86";
    case 0x8664:
      return "x64";
    case 0xAA64:
      return "arm64";
    case 0x1C0:
      return "arm";
    case 0x1C4:
      return "armnt";
    case 0x200:
      return "ia64";
    default:
      return "unknown";
  }
}

}  // namespace msw::formats::pe
