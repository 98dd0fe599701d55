// Packers, protectors, installers, self-extractors and compilers a PE file shows, each verdict with the evidence an
// analyst can check: section names (UPX0/UPX1, .vmp0, .themida, .aspack, .MPRESS1, Armadillo's .text1/.adata/.data1),
// byte markers (UPX's "UPX!" header and version, NSIS's first header, Inno Setup's data marker, PyInstaller's
// CArchive cookie, AutoIt's script marker, Go's build info, E-language's WTNE banner), where an archive sits in the
// overlay (WinRAR, 7-Zip, zip SFX), and entropy (a packed body near 8 bits per byte, an entry point in a writable or
// last section). No single label without a reason.
#pragma once

#include <string>
#include <vector>

#include "core/byte_reader.h"
#include "formats/pe/pe.h"

namespace msw::formats::pe {

enum class ToolKind { Packer, Protector, Installer, Sfx, Compiler, Bundler };
std::string_view to_string(ToolKind k);

struct ToolVerdict {
  std::string name;  // "UPX 3.96", "VMProtect", "PyInstaller", "WinRAR SFX", "Go", ...
  ToolKind kind = ToolKind::Packer;
  std::string evidence;         // why: which sections, markers, offsets, entropy
  uint64_t payload_offset = 0;  // SFX/installer/bundler: where the embedded data starts (0 when not located)
};

// Markers are searched in the headers, the sections and the overlay; large files are searched in their first and
// last kMarkerWindow bytes and their overlay's first kMarkerWindow bytes, so a verdict costs O(window), not O(file).
inline constexpr size_t kMarkerWindow = 8 << 20;

std::vector<ToolVerdict> identify_tools(const PeFile& pe, Bytes data);

}  // namespace msw::formats::pe
