#include <cstddef>
#include <cstdint>

#include "formats/pyinstaller/pyinstaller.h"

// A PyInstaller bundle as `sample` unpacks it: cookie, table of contents, inflated members, the PYZ's marshalled
// table, and every member given a pyc header. Seeds were written by tests/support/pyinstaller_writer.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto b = msw::formats::pyinstaller::parse(msw::Bytes(reinterpret_cast<const std::byte*>(data), size));
  if (!b) return 0;
  for (const auto& m : b->members) (void)msw::formats::pyinstaller::as_pyc(*b, m);
  return 0;
}
