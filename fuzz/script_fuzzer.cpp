#include <cstddef>
#include <cstdint>
#include <string_view>

#include "formats/script/script.h"

// A dropper script as `sample` reads it: decoded (UTF-16, GB18030), its batch variables, carets, encoded PowerShell,
// [char] codes and Chr() chains undone, its commands extracted.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)msw::formats::script::looks_like_script(text);
  (void)msw::formats::script::analyse(text);
  return 0;
}
