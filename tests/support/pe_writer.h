// Writes small PE files for the PE parser and packer tests, laid out as the PE/COFF specification says (DOS header,
// Rich header in the stub, COFF and optional headers, section table, file alignment 0x200, section alignment
// 0x1000). Imports, the CodeView record, TLS callbacks and the version resource go into an added ".meta" section.
// Nothing here runs.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace msw::test {

struct PeSectionSpec {
  std::string name;
  std::string content;                    // raw bytes (padded to the file alignment)
  uint32_t characteristics = 0x60000020;  // code, execute, read
  uint32_t virtual_size = 0;              // 0: the content's size
};

struct PeSpec {
  bool is_64 = false;
  bool is_dll = false;
  uint32_t timestamp = 0x5C7C9A40;  // 2019-03-04
  std::vector<PeSectionSpec> sections = {{".text", std::string(0x200, '\x90'), 0x60000020, 0}};
  size_t entry_section = 0;  // the entry point is the start of this section
  std::vector<std::pair<std::string, std::vector<std::string>>> imports;  // dll → names; "#N" imports ordinal N
  std::vector<std::pair<uint32_t, uint32_t>> rich;                        // (ProdID << 16 | build, count)
  std::string pdb_path;
  size_t tls_callbacks = 0;
  bool clr_header = false;
  // A version resource (RT_VERSION, language 0x409): string pairs and the fixed file version.
  std::vector<std::pair<std::string, std::string>> version_strings;
  uint16_t file_version[4] = {0, 0, 0, 0};
  std::string overlay;      // appended after the last section
  std::string certificate;  // appended after the overlay, named by the security directory
};

std::string write_pe(const PeSpec& spec);

}  // namespace msw::test
