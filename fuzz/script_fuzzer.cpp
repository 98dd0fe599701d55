#include <cstddef>
#include <cstdint>
#include <string_view>

#include "formats/script/script.h"
#include "formats/script/shell.h"

// A dropper script as `sample` reads it: decoded (UTF-16, GB18030), its batch variables, carets, encoded PowerShell,
// [char] codes and Chr() chains undone, its commands extracted.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)msw::formats::script::looks_like_script(text);
  (void)msw::formats::script::analyse(text);
  // The shell reader on any line, not only in scripts that start with #!/bin/sh.
  const std::string_view line = text.substr(0, text.find('\n'));
  for (const auto& command : msw::formats::script::shell::split_commands(line)) {
    const auto parsed = msw::formats::script::shell::parse_command(command);
    for (const auto& r : parsed.redirects) (void)msw::formats::script::shell::destination_kind(r.target);
  }
  return 0;
}
