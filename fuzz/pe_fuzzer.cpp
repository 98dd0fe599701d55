#include <cstddef>
#include <cstdint>

#include "formats/pe/authenticode.h"
#include "formats/pe/packers.h"
#include "formats/pe/pe.h"

// A PE file as `sample` and the scans meet it: parse the headers and tables, hash the imports, name the packers.
// Seeds (fuzz/corpus/pe/) were written by tests/support/pe_writer: a 64-bit PE with every table the parser reads,
// and a UPX-sectioned PE with a PyInstaller cookie in its overlay.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const msw::Bytes bytes(reinterpret_cast<const std::byte*>(data), size);
  auto pe = msw::formats::pe::parse(bytes);
  if (!pe) return 0;
  (void)msw::formats::pe::imphash(*pe);
  (void)msw::formats::pe::identify_tools(*pe, bytes);
  (void)msw::formats::pe::read_signature(*pe, bytes);
  return 0;
}
