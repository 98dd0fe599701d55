#include <cstddef>
#include <cstdint>

#include "formats/toylog/toylog.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  msw::Diagnostics diags;
  (void)msw::formats::toylog::parse({reinterpret_cast<const std::byte*>(data), size}, "fuzz", diags);
  return 0;
}
