#include "support/pe_writer.h"

#include <algorithm>

#include "support/bytes.h"

namespace msw::test {
namespace {

using bytes::put16;
using bytes::put32;
using bytes::put64;

constexpr uint32_t kFileAlign = 0x200, kSectionAlign = 0x1000, kPeOffset = 0x100;

uint32_t get32(const std::string& s, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(s[at + static_cast<size_t>(i)]);
  return v;
}

uint32_t align(uint64_t v, uint32_t a) { return static_cast<uint32_t>((v + a - 1) / a * a); }

// The .meta section: import descriptors, lookup tables, names, IAT; the debug directory and its RSDS record; the
// TLS directory and its callback array. RVAs are relative to `base`, the section's RVA.
struct Meta {
  std::string data;
  uint32_t import_rva = 0, import_size = 0, debug_rva = 0, tls_rva = 0, clr_rva = 0, rsrc_rva = 0, rsrc_size = 0;
};

void pad4(std::string& s) {
  while (s.size() % 4) s += '\0';
}

// A VS_VERSIONINFO-style block: wLength, wValueLength, wType, key (UTF-16, NUL), padding, value, padding, children.
std::string version_block(const std::string& key, const std::string& value, uint16_t value_length, uint16_t type,
                          const std::vector<std::string>& children) {
  std::string b(6, '\0');
  b += bytes::utf16(key) + std::string(2, '\0');
  pad4(b);
  b += value;
  pad4(b);
  for (const auto& c : children) {
    b += c;
    pad4(b);
  }
  put16(b, 0, static_cast<uint16_t>(b.size()));
  put16(b, 2, value_length);
  put16(b, 4, type);
  return b;
}

std::string version_info(const PeSpec& spec) {
  std::vector<std::string> strings;
  for (const auto& [k, v] : spec.version_strings)
    strings.push_back(
        version_block(k, bytes::utf16(v) + std::string(2, '\0'), static_cast<uint16_t>(v.size() + 1), 1, {}));
  const std::string table = version_block("040904b0", "", 0, 1, strings);
  const std::string sfi = version_block("StringFileInfo", "", 0, 1, {table});
  std::string fixed(52, '\0');
  put32(fixed, 0, 0xFEEF04BD);
  put32(fixed, 4, 0x10000);
  put32(fixed, 8, static_cast<uint32_t>(spec.file_version[0]) << 16 | spec.file_version[1]);
  put32(fixed, 12, static_cast<uint32_t>(spec.file_version[2]) << 16 | spec.file_version[3]);
  return version_block("VS_VERSION_INFO", fixed, 52, 0, {sfi});
}

Meta build_meta(const PeSpec& spec, uint32_t base, uint64_t image_base) {
  Meta m;
  std::string& d = m.data;
  const size_t width = spec.is_64 ? 8 : 4;
  auto reserve = [&](size_t n) {
    const size_t at = d.size();
    d.append(n, '\0');
    return at;
  };
  if (!spec.imports.empty()) {
    const size_t desc = reserve(20 * (spec.imports.size() + 1));
    m.import_rva = base + static_cast<uint32_t>(desc);
    m.import_size = static_cast<uint32_t>(20 * (spec.imports.size() + 1));
    for (size_t i = 0; i < spec.imports.size(); ++i) {
      const auto& [dll, funcs] = spec.imports[i];
      const size_t ilt = reserve(width * (funcs.size() + 1));
      const size_t iat = reserve(width * (funcs.size() + 1));
      for (size_t f = 0; f < funcs.size(); ++f) {
        uint64_t thunk;
        if (funcs[f].starts_with("#")) {
          thunk = std::stoul(funcs[f].substr(1)) | (spec.is_64 ? (1ULL << 63) : (1ULL << 31));
        } else {
          const size_t hint = reserve(2 + funcs[f].size() + 1);
          d.replace(hint + 2, funcs[f].size(), funcs[f]);
          thunk = base + hint;
        }
        if (spec.is_64)
          put64(d, ilt + f * 8, thunk), put64(d, iat + f * 8, thunk);
        else
          put32(d, ilt + f * 4, static_cast<uint32_t>(thunk)), put32(d, iat + f * 4, static_cast<uint32_t>(thunk));
      }
      const size_t name = reserve(dll.size() + 1);
      d.replace(name, dll.size(), dll);
      put32(d, desc + i * 20, base + static_cast<uint32_t>(ilt));
      put32(d, desc + i * 20 + 12, base + static_cast<uint32_t>(name));
      put32(d, desc + i * 20 + 16, base + static_cast<uint32_t>(iat));
    }
  }
  if (!spec.pdb_path.empty()) {
    const size_t dir = reserve(28);
    const size_t rsds = reserve(24 + spec.pdb_path.size() + 1);
    d.replace(rsds, 4, "RSDS");
    d.replace(rsds + 24, spec.pdb_path.size(), spec.pdb_path);
    m.debug_rva = base + static_cast<uint32_t>(dir);
    put32(d, dir + 12, 2);  // CODEVIEW
    put32(d, dir + 16, static_cast<uint32_t>(24 + spec.pdb_path.size() + 1));
    put32(d, dir + 20, base + static_cast<uint32_t>(rsds));
    put32(d, dir + 24, 0);  // the file offset, patched by write_pe
  }
  if (spec.tls_callbacks) {
    const size_t dir = reserve(width * 6);
    const size_t table = reserve(width * (spec.tls_callbacks + 1));
    m.tls_rva = base + static_cast<uint32_t>(dir);
    const uint64_t table_va = image_base + base + table;
    if (spec.is_64)
      put64(d, dir + 24, table_va);
    else
      put32(d, dir + 12, static_cast<uint32_t>(table_va));
    for (size_t i = 0; i < spec.tls_callbacks; ++i) {
      const uint64_t va = image_base + 0x1000 + 0x10 * i;
      if (spec.is_64)
        put64(d, table + i * 8, va);
      else
        put32(d, table + i * 4, static_cast<uint32_t>(va));
    }
  }
  if (!spec.version_strings.empty()) {
    // Root (type 16) → name 1 → language 0x409 → data entry → VS_VERSIONINFO.
    const size_t root = reserve(24), names = reserve(24), langs = reserve(24), entry = reserve(16);
    const std::string info = version_info(spec);
    const size_t at = reserve(info.size());
    d.replace(at, info.size(), info);
    auto dir = [&](size_t table, uint32_t id, uint32_t target) {
      put16(d, table + 14, 1);
      put32(d, table + 16, id);
      put32(d, table + 20, target);
    };
    const uint32_t rel = static_cast<uint32_t>(root);
    dir(root, 16, 0x80000000u | static_cast<uint32_t>(names - rel));
    dir(names, 1, 0x80000000u | static_cast<uint32_t>(langs - rel));
    dir(langs, 0x409, static_cast<uint32_t>(entry - rel));
    put32(d, entry, base + static_cast<uint32_t>(at));
    put32(d, entry + 4, static_cast<uint32_t>(info.size()));
    m.rsrc_rva = base + rel;
    m.rsrc_size = static_cast<uint32_t>(d.size() - root);
  }
  if (spec.clr_header) {
    const size_t clr = reserve(72);
    put32(d, clr, 72);
    m.clr_rva = base + static_cast<uint32_t>(clr);
  }
  return m;
}

}  // namespace

std::string write_pe(const PeSpec& spec) {
  const uint64_t image_base = spec.is_64 ? 0x140000000ULL : 0x400000;
  std::vector<PeSectionSpec> sections = spec.sections;
  const bool with_meta = !spec.imports.empty() || !spec.pdb_path.empty() || spec.tls_callbacks || spec.clr_header ||
                         !spec.version_strings.empty();
  // Section RVAs first: the meta section needs its own to write its tables.
  std::vector<uint32_t> rvas;
  uint32_t rva = kSectionAlign;
  for (const auto& s : sections) {
    rvas.push_back(rva);
    rva += align(std::max<size_t>({s.content.size(), s.virtual_size, 1}), kSectionAlign);
  }
  Meta meta;
  if (with_meta) {
    meta = build_meta(spec, rva, image_base);
    sections.push_back({".meta", meta.data, 0x40000040, 0});
    rvas.push_back(rva);
    rva += align(std::max<size_t>(meta.data.size(), 1), kSectionAlign);
  }
  const uint32_t opt_size = spec.is_64 ? 240 : 224;
  const uint32_t headers = align(kPeOffset + 4 + 20 + opt_size + 40 * sections.size(), kFileAlign);
  std::string f(headers, '\0');
  f.replace(0, 2, "MZ");
  put32(f, 0x3C, kPeOffset);
  // The Rich header in the DOS stub: "DanS", three zero dwords, the pairs, all XORed with the key; "Rich", the key.
  if (!spec.rich.empty()) {
    const uint32_t key = 0x1BADC0DE;
    size_t at = 0x80;
    put32(f, at, 0x536E6144 ^ key);
    for (int i = 1; i < 4; ++i) put32(f, at + i * 4, key);
    at += 16;
    for (const auto& [id, count] : spec.rich) {
      put32(f, at, id ^ key);
      put32(f, at + 4, count ^ key);
      at += 8;
    }
    put32(f, at, 0x68636952);
    put32(f, at + 4, key);
  }
  f.replace(kPeOffset, 4, std::string("PE\0\0", 4));
  const size_t coff = kPeOffset + 4;
  put16(f, coff, spec.is_64 ? 0x8664 : 0x14C);
  put16(f, coff + 2, static_cast<uint16_t>(sections.size()));
  put32(f, coff + 4, spec.timestamp);
  put16(f, coff + 16, static_cast<uint16_t>(opt_size));
  put16(f, coff + 18, static_cast<uint16_t>(0x0102 | (spec.is_dll ? 0x2000 : 0)));
  const size_t opt = coff + 20;
  put16(f, opt, spec.is_64 ? 0x20B : 0x10B);
  put32(f, opt + 16, rvas.at(spec.entry_section));
  if (spec.is_64)
    put64(f, opt + 24, image_base);
  else
    put32(f, opt + 28, static_cast<uint32_t>(image_base));
  put32(f, opt + 32, kSectionAlign);
  put32(f, opt + 36, kFileAlign);
  put32(f, opt + 56, rva);  // SizeOfImage
  put32(f, opt + 60, headers);
  put16(f, opt + 68, 2);  // Windows GUI
  const size_t dirs = opt + (spec.is_64 ? 112 : 96);
  put32(f, dirs - 4, 16);
  auto dir = [&](size_t i, uint32_t r, uint32_t size) {
    put32(f, dirs + i * 8, r);
    put32(f, dirs + i * 8 + 4, size);
  };
  if (meta.import_rva) dir(1, meta.import_rva, meta.import_size);
  if (meta.rsrc_rva) dir(2, meta.rsrc_rva, meta.rsrc_size);
  if (meta.debug_rva) dir(6, meta.debug_rva, 28);
  if (meta.tls_rva) dir(9, meta.tls_rva, spec.is_64 ? 40 : 24);
  if (meta.clr_rva) dir(14, meta.clr_rva, 72);
  // Section headers and data.
  const size_t table = opt + opt_size;
  for (size_t i = 0; i < sections.size(); ++i) {
    const auto& s = sections[i];
    const size_t h = table + i * 40;
    f.replace(h, std::min<size_t>(s.name.size(), 8), s.name.substr(0, 8));
    put32(f, h + 8, s.virtual_size ? s.virtual_size : static_cast<uint32_t>(s.content.size()));
    put32(f, h + 12, rvas[i]);
    const uint32_t raw = align(s.content.size(), kFileAlign);
    put32(f, h + 16, raw);
    put32(f, h + 20, raw ? static_cast<uint32_t>(f.size()) : 0);
    put32(f, h + 36, s.characteristics);
    const size_t at = f.size();
    f += s.content;
    f.append(raw - s.content.size(), '\0');
    if (with_meta && i + 1 == sections.size() && meta.debug_rva) {
      // The debug directory also names its record by file offset.
      const size_t debug_dir = at + (meta.debug_rva - rvas[i]);
      put32(f, debug_dir + 24, static_cast<uint32_t>(at + (get32(f, debug_dir + 20) - rvas[i])));
    }
  }
  f += spec.overlay;
  if (!spec.certificate.empty()) {
    dir(4, static_cast<uint32_t>(f.size()), static_cast<uint32_t>(spec.certificate.size()));
    f += spec.certificate;
  }
  return f;
}

}  // namespace msw::test
