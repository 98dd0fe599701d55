// /proc text is written by the kernel, but a --root image or a hostile process name (comm) is not: the /proc
// parsers must hold up to anything.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "collect/linux/proc_tables.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)msw::collect::linux::parse_proc_stat(text);
  (void)msw::collect::linux::parse_proc_net_line(text, false);
  (void)msw::collect::linux::parse_proc_net_line(text, true);
  return 0;
}
