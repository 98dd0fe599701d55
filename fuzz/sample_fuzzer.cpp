#include <cstddef>
#include <cstdint>

#include "core/diagnostics.h"
#include "intel/kb.h"
#include "sample/analyse.h"

// The whole `sample` tree on one input: format, hashes, strings and indicators against the built-in knowledge base,
// scripts, PE and packers, PyInstaller, archives and SFX overlays, recursively (YARA is libyara's own business and
// left out; nothing is written). Seeds: the pe, pyinstaller, script and archive corpora.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const msw::intel::Matcher matcher = [] {
    msw::Diagnostics diags;
    return msw::intel::Matcher(msw::intel::builtin_kb(diags).indicators);
  }();
  msw::sample::Options options;
  options.matcher = &matcher;
  options.archive_limits.max_members = 64;
  options.archive_limits.max_member_bytes = 1 << 20;
  options.archive_limits.max_total_bytes = 4 << 20;
  (void)msw::sample::analyse(msw::Bytes(reinterpret_cast<const std::byte*>(data), size), "fuzz", options);
  return 0;
}
