// Portable Executable (Windows .exe/.dll/.sys) headers and tables, from the PE/COFF specification: the COFF and
// optional headers, sections with their entropy, imports (and the imphash analysts search by), exports, the Rich
// header, TLS callbacks, the CodeView debug record (PDB path), the .NET CLR header, the Authenticode certificate
// table and the overlay after the last section (where SFX archives, installers and PyInstaller keep their payload).
//
// Every count, offset and length comes from the file and is checked; tables stop at named limits and say so in
// `notes`. Nothing is ever mapped, relocated or run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/byte_reader.h"
#include "core/result.h"

namespace msw::formats::pe {

inline constexpr size_t kMaxSections = 96;  // the loader's own limit
inline constexpr size_t kMaxImportDlls = 1024;
inline constexpr size_t kMaxImportedFunctions = 32768;  // over all DLLs
inline constexpr size_t kMaxExports = 16384;
inline constexpr size_t kMaxTlsCallbacks = 64;
inline constexpr size_t kMaxNameLength = 512;
inline constexpr size_t kMaxResourceEntries = 4096;  // per resource directory
inline constexpr size_t kMaxVersionStrings = 64;

struct Section {
  std::string name;  // as written, NULs trimmed ("/4" long names are kept as written)
  uint32_t virtual_address = 0, virtual_size = 0;
  uint32_t raw_offset = 0, raw_size = 0;  // raw_size as the header says; the bytes read stop at the file's end
  uint32_t characteristics = 0;
  double entropy = 0;
  bool executable() const { return characteristics & 0x20000000; }
  bool writable() const { return characteristics & 0x80000000; }
};

struct Import {
  std::string dll;
  std::vector<std::string> functions;  // names, or "ord123" for imports by ordinal
};

struct RichEntry {
  uint16_t product = 0, build = 0;
  uint32_t count = 0;
};

struct PeFile {
  bool is_64 = false;
  bool is_dll = false;
  bool is_driver = false;  // native subsystem
  bool is_dotnet = false;  // CLR header present
  uint16_t machine = 0, subsystem = 0, characteristics = 0;
  uint32_t timestamp = 0;  // COFF TimeDateStamp (seconds since 1970; reproducible builds write a hash here)
  uint64_t image_base = 0;
  uint32_t entry_point = 0;   // RVA
  std::string entry_section;  // the section holding the entry point ("" when none does)
  uint32_t size_of_headers = 0;
  std::vector<Section> sections;
  std::vector<Import> imports;
  std::string export_name;  // the DLL's own name in its export directory
  std::vector<std::string> exports;
  std::vector<RichEntry> rich;
  std::vector<uint64_t> tls_callbacks;  // virtual addresses
  std::string pdb_path;
  // The version resource (RT_VERSION): CompanyName, FileDescription, OriginalFilename, ProductName, ... as written,
  // and the fixed file version ("6.1.7601.17514"). Malware often copies a Microsoft binary's: compare with the name.
  std::vector<std::pair<std::string, std::string>> version_info;
  std::string file_version;
  uint64_t overlay_offset = 0, overlay_size = 0;  // after the last section's data, signature excluded
  double overlay_entropy = 0;
  uint32_t certificate_offset = 0, certificate_size = 0;  // the Authenticode table (a file offset), 0 when unsigned
  double entropy = 0;                                     // of the whole file
  std::vector<std::string> notes;                         // what was damaged, inconsistent or cut at a limit
};

// Whether the bytes start like a PE file ("MZ" and a "PE\0\0" header where e_lfanew points).
bool looks_like_pe(Bytes data);

// Errors: pe.not_pe (no MZ/PE signature), pe.truncated (headers cut short). Damaged tables are notes, not errors.
Result<PeFile> parse(Bytes data);

// The import hash (Mandiant's imphash as pefile computes it: "dll.function" lowercased, .dll/.ocx/.sys dropped, in
// import order, MD5 of the comma-joined list). Imports by ordinal are "ordN" (pefile also names some ws2_32 and
// oleaut32 ordinals; such files hash differently). Empty when there are no imports.
std::string imphash(const PeFile& pe);

std::string_view machine_name(uint16_t machine);  // "x86", "x64", "arm64", ...

}  // namespace msw::formats::pe
