// The toy log (tests/recipes): "TOYLOG 1" on the first line, then one login a line: "user<TAB>address<TAB>result"
// with result "ok" or "failed". It exists so a test can follow HACKING.md's "How to add a format" as written.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/byte_reader.h"
#include "core/diagnostics.h"
#include "core/result.h"

namespace msw::formats::toylog {

inline constexpr std::string_view kMagic = "TOYLOG 1\n";

struct Login {
  uint64_t line = 0;    // 1-based
  uint64_t offset = 0;  // of the line's first byte
  std::string_view user, address;
  bool succeeded = false;
};

// Views into `data`, which must outlive the result. Diagnostics: toylog.bad_line, toylog.too_many_lines.
// Errors: toylog.not_a_toylog, toylog.too_large.
Result<std::vector<Login>> parse(Bytes data, std::string_view evidence, Diagnostics& diags);

}  // namespace msw::formats::toylog
