#include <cstddef>
#include <cstdint>

#include "formats/registry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)msw::formats::sniff({reinterpret_cast<const std::byte*>(data), size});
  return 0;
}
