#include <cstddef>
#include <cstdint>

#include "normalize/normalize.h"

// auth.log / secure, plain or gzip: the parser and the bounded inflater behind it.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  msw::Bytes bytes(reinterpret_cast<const std::byte*>(data), size);
  msw::Diagnostics diags;
  size_t events = 0;
  (void)msw::normalize::auth_log_events(bytes, {"fuzz", "linux"}, diags,
                                        [&](std::vector<msw::model::Event>&& batch) { events += batch.size(); });
  return 0;
}
