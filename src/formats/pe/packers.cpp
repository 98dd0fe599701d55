#include "formats/pe/packers.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>

#include "core/text.h"

namespace msw::formats::pe {
namespace {

std::optional<size_t> find_in(Bytes hay, std::string_view needle, size_t from, size_t to) {
  to = std::min(to, hay.size());
  if (from >= to || needle.size() > to - from) return std::nullopt;
  const auto* n = reinterpret_cast<const std::byte*>(needle.data());
  auto it = std::search(hay.begin() + static_cast<ptrdiff_t>(from), hay.begin() + static_cast<ptrdiff_t>(to), n,
                        n + needle.size());
  if (it == hay.begin() + static_cast<ptrdiff_t>(to)) return std::nullopt;
  return static_cast<size_t>(it - hay.begin());
}

// Searches the places markers live: the file's first and last kMarkerWindow bytes and the overlay's first window.
class Markers {
 public:
  Markers(const PeFile& pe, Bytes data) : pe_(pe), data_(data) {}

  std::optional<size_t> find(std::string_view needle) const {
    if (auto at = find_in(data_, needle, 0, kMarkerWindow)) return at;
    if (pe_.overlay_size)
      if (auto at = find_in(data_, needle, pe_.overlay_offset, pe_.overlay_offset + kMarkerWindow)) return at;
    if (data_.size() > kMarkerWindow) return find_in(data_, needle, data_.size() - kMarkerWindow, data_.size());
    return std::nullopt;
  }
  std::optional<size_t> find_in_overlay(std::string_view needle, size_t window) const {
    if (!pe_.overlay_size) return std::nullopt;
    return find_in(data_, needle, pe_.overlay_offset,
                   pe_.overlay_offset + std::min<uint64_t>(window, pe_.overlay_size));
  }

 private:
  const PeFile& pe_;
  Bytes data_;
};

// Section names present from `names`, as "UPX0, UPX1".
std::string sections_named(const PeFile& pe, std::initializer_list<std::string_view> names) {
  std::string out;
  for (const auto& s : pe.sections)
    for (auto n : names)
      if (s.name == n && out.find(s.name) == std::string::npos) out += (out.empty() ? "" : ", ") + s.name;
  return out;
}

size_t count_named(const PeFile& pe, std::initializer_list<std::string_view> names) {
  size_t n = 0;
  for (auto name : names)
    n += std::any_of(pe.sections.begin(), pe.sections.end(), [&](const Section& s) { return s.name == name; });
  return n;
}

// "3.96" written just before UPX's "UPX!" pack header.
std::string upx_version(Bytes data, size_t magic_at) {
  size_t start = magic_at;
  while (start > 0 && magic_at - start < 8) {
    const char c = static_cast<char>(data[start - 1]);
    if (c == '\0' && start == magic_at) {
      --start;
      continue;
    }
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.')) break;
    --start;
  }
  std::string v(reinterpret_cast<const char*>(data.data()) + start, magic_at - start);
  while (!v.empty() && v.back() == '\0') v.pop_back();
  return v.find('.') != std::string::npos ? v : std::string();
}

uint32_t be32(Bytes d, size_t at) { return wire::be32(d, at); }

}  // namespace

std::string_view to_string(ToolKind k) {
  switch (k) {
    case ToolKind::Packer:
      return "packer";
    case ToolKind::Protector:
      return "protector";
    case ToolKind::Installer:
      return "installer";
    case ToolKind::Sfx:
      return "sfx";
    case ToolKind::Compiler:
      return "compiler";
    case ToolKind::Bundler:
      return "bundler";
  }
  return "packer";
}

std::vector<ToolVerdict> identify_tools(const PeFile& pe, Bytes data) {
  std::vector<ToolVerdict> out;
  const Markers m(pe, data);
  auto add = [&](std::string name, ToolKind kind, std::string evidence, uint64_t payload = 0) {
    out.push_back({std::move(name), kind, std::move(evidence), payload});
  };
  auto by_sections = [&](std::string name, ToolKind kind, std::initializer_list<std::string_view> names,
                         size_t need = 1) {
    if (count_named(pe, names) < need) return false;
    add(std::move(name), kind, "sections " + sections_named(pe, names));
    return true;
  };

  // Packers and protectors, by the sections they name.
  if (count_named(pe, {"UPX0", "UPX1"}) == 2) {
    std::string evidence = "sections " + sections_named(pe, {"UPX0", "UPX1", "UPX2"});
    std::string version;
    if (auto at = find_in(data, "UPX!", 0, std::min<size_t>(data.size(), 0x2000))) {
      version = upx_version(data, *at);
      evidence += "; \"UPX!\" header at " + hex_string(*at);
    }
    add(version.empty() ? "UPX" : "UPX " + version, ToolKind::Packer, evidence);
  }
  by_sections("VMProtect", ToolKind::Protector, {".vmp0", ".vmp1", ".vmp2"});
  by_sections("Themida/WinLicense", ToolKind::Protector, {".themida", ".winlice"});
  by_sections("ASPack", ToolKind::Packer, {".aspack", ".adata"}, 2) ||
      by_sections("ASPack", ToolKind::Packer, {".aspack"});
  by_sections("MPRESS", ToolKind::Packer, {".MPRESS1", ".MPRESS2"});
  by_sections("PECompact", ToolKind::Packer, {"PEC2", "PEC2TO", "PEC2MO", "pec1", "pec2", "PECompact2"});
  by_sections("Enigma Protector", ToolKind::Protector, {".enigma1", ".enigma2"});
  by_sections("Armadillo", ToolKind::Protector, {".text1", ".adata", ".data1", ".pdata", "PDATA000"}, 3);

  // Installers, self-extractors and bundlers, by their markers and where the payload sits.
  if (auto at = m.find("NullsoftInst"); at && *at >= 4 && wire::le32(data, *at - 4) == 0xDEADBEEF)
    add("NSIS", ToolKind::Installer, "NSIS first header (0xDEADBEEF \"NullsoftInst\") at " + hex_string(*at - 8),
        *at - 8);
  else if (count_named(pe, {".ndata"}))
    add("NSIS", ToolKind::Installer, "section .ndata (NSIS's uninitialised data)");
  if (auto at = m.find("Inno Setup Setup Data ("))
    add("Inno Setup", ToolKind::Installer, "\"Inno Setup Setup Data\" at " + hex_string(*at), *at);
  if (auto at = m.find_in_overlay(std::string_view("Rar!\x1a\x07", 6), 1 << 20))
    add("WinRAR SFX", ToolKind::Sfx,
        std::string(data[*at + 6] == std::byte{1} ? "RAR5" : "RAR4") + " archive in the overlay at " + hex_string(*at),
        *at);
  if (auto at = m.find_in_overlay(std::string_view("7z\xBC\xAF\x27\x1C", 6), 1 << 20))
    add("7-Zip SFX", ToolKind::Sfx, "7z archive in the overlay at " + hex_string(*at), *at);
  if (auto at = m.find_in_overlay(std::string_view("PK\x03\x04", 4), 1 << 20))
    add("Zip SFX", ToolKind::Sfx, "zip archive in the overlay at " + hex_string(*at), *at);
  if (auto at = m.find_in_overlay("MSCF", 1 << 20); at && *at + 8 <= data.size() && wire::le32(data, *at + 4) == 0)
    add("Cabinet SFX", ToolKind::Sfx, "cabinet (MSCF) in the overlay at " + hex_string(*at), *at);
  // PyInstaller's CArchive cookie: "MEI\014\013\012\013\016", then (big-endian) the package length, TOC offset and
  // length, the Python version; 2.1+ adds the Python library's name (88-byte cookie, 24 before).
  if (auto at = m.find(std::string_view("MEI\x0c\x0b\x0a\x0b\x0e", 8)); at && *at + 24 <= data.size()) {
    const uint32_t length = be32(data, *at + 8);
    const bool v21 = *at + 88 <= data.size();
    const uint32_t pyver = be32(data, *at + 20);
    const uint64_t end = *at + (v21 ? 88 : 24);
    std::string evidence = "CArchive cookie at " + hex_string(*at);
    if (pyver >= 20 && pyver < 400)
      evidence += ", Python " + std::to_string(pyver / (pyver >= 100 ? 100 : 10)) + "." +
                  std::to_string(pyver % (pyver >= 100 ? 100 : 10));
    if (v21) {
      std::string lib;
      for (size_t i = *at + 24; i < *at + 88 && data[i] != std::byte{0}; ++i) lib += static_cast<char>(data[i]);
      if (!lib.empty() && lib.size() < 64) evidence += ", " + lib;
    }
    add("PyInstaller", ToolKind::Bundler, evidence, length <= end ? end - length : 0);
  }
  if (auto at = m.find("PY2EXE_VERBOSE")) add("py2exe", ToolKind::Bundler, "\"PY2EXE_VERBOSE\" at " + hex_string(*at));
  if (auto at = m.find("NUITKA_ONEFILE_PARENT"))
    add("Nuitka", ToolKind::Compiler, "\"NUITKA_ONEFILE_PARENT\" at " + hex_string(*at));
  if (auto at = m.find("AU3!EA06"))
    add("AutoIt", ToolKind::Compiler, "compiled AutoIt v3 script (\"AU3!EA06\") at " + hex_string(*at), *at);
  else if (auto at2 = m.find(">>>AUTOIT SCRIPT<<<"))
    add("AutoIt", ToolKind::Compiler, "\">>>AUTOIT SCRIPT<<<\" at " + hex_string(*at2));

  // Compilers and runtimes.
  if (auto at = m.find("\xff Go buildinf:"))
    add("Go", ToolKind::Compiler, "Go build info at " + hex_string(*at));
  else if (auto at2 = m.find("Go build ID: \""))
    add("Go", ToolKind::Compiler, "\"Go build ID\" at " + hex_string(*at2));
  if (auto at = m.find("/rustc/"))
    add("Rust", ToolKind::Compiler, "Rust standard library path \"/rustc/...\" at " + hex_string(*at));
  if (auto at = m.find("WTNE / MADE BY E COMPILER"))
    add("E-language (易语言)", ToolKind::Compiler, "\"WTNE / MADE BY E COMPILER\" at " + hex_string(*at));
  else if (auto at2 = m.find("krnln.fne"))
    add("E-language (易语言)", ToolKind::Compiler, "its runtime library name \"krnln.fne\" at " + hex_string(*at2));
  if (pe.is_dotnet)
    if (auto at = m.find("ConfusedByAttribute"))
      add("ConfuserEx", ToolKind::Protector, "\"ConfusedByAttribute\" at " + hex_string(*at));

  // Nothing named, but the body looks packed: say so, with the numbers.
  const bool named_packer = std::any_of(out.begin(), out.end(), [](const ToolVerdict& v) {
    return v.kind == ToolKind::Packer || v.kind == ToolKind::Protector;
  });
  if (!named_packer) {
    std::string evidence;
    for (const auto& s : pe.sections)
      if (s.executable() && s.raw_size >= 1024 && s.entropy >= 7.2)
        evidence += (evidence.empty() ? "" : "; ") + std::string("executable section ") +
                    (s.name.empty() ? "(unnamed)" : s.name) + " has entropy " + fixed2(s.entropy);
    for (const auto& s : pe.sections)
      if (s.name == pe.entry_section && s.writable() && s.executable())
        evidence +=
            (evidence.empty() ? "" : "; ") + std::string("entry point in writable and executable section ") + s.name;
    if (!pe.sections.empty() && !pe.entry_section.empty() && pe.entry_section == pe.sections.back().name &&
        pe.sections.size() > 1)
      evidence +=
          (evidence.empty() ? "" : "; ") + std::string("entry point in the last section (") + pe.entry_section + ")";
    if (!evidence.empty() && evidence.find("entropy") != std::string::npos)
      add("unknown packer", ToolKind::Packer, evidence);
  }
  return out;
}

}  // namespace msw::formats::pe
