// Writes PyInstaller bundles for tests, as PyInstaller 2.1+ lays them out: member data, the CArchive table of
// contents, the 88-byte cookie; a PYZ member with its own marshalled table. Code objects are stand-in bytes (no
// Python is needed to test unpacking and header repair).
#pragma once

#include <string>
#include <vector>

namespace msw::test {

struct PyiMember {
  std::string name;
  char type = 's';
  std::string data;
  bool compress = true;
};

struct PyzModule {
  std::string name;
  std::string code;        // the marshalled code object stand-in
  bool encrypted = false;  // stored as bytes that are no zlib stream
};

// The PYZ archive bytes (magic of `pyc_magic`, zlib members, a marshalled list table).
std::string write_pyz(const std::string& pyc_magic, const std::vector<PyzModule>& modules);

// The CArchive with cookie (Python version as PyInstaller writes it: 38 for 3.8, 310 for 3.10).
std::string write_carchive(const std::vector<PyiMember>& members, int pyvers, const std::string& python_library);

}  // namespace msw::test
