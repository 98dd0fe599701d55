#include <cstddef>
#include <cstdint>

#include "formats/crontab/crontab.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  msw::Bytes bytes(reinterpret_cast<const std::byte*>(data), size);
  msw::Diagnostics diags;
  (void)msw::formats::crontab::parse(bytes, size % 2 == 0, "fuzz", diags);
  return 0;
}
