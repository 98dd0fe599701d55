#include <cstddef>
#include <cstdint>

#include "evidence/bundle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto m = msw::evidence::parse_manifest({reinterpret_cast<const std::byte*>(data), size});
  if (m) {
    // Whatever parsed must be safe to use as paths inside a bundle and must serialise again.
    for (const auto& a : m->artefacts)
      if (!msw::evidence::is_safe_relative_path(a.path)) __builtin_trap();
    (void)msw::evidence::write_manifest(*m);
  }
  return 0;
}
