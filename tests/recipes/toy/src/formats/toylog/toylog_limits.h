// Caps of the toy log reader (tests/recipes: the format HACKING.md's recipe adds). Each says why.
#pragma once

#include <cstddef>
#include <cstdint>

namespace msw::formats::toylog {

// A toy log is a text file of logins; a larger one is not a toy log.
inline constexpr uint64_t kMaxFileBytes = 16u << 20;
// Lines kept per file: every line is an event, and events are handed on in batches anyway.
inline constexpr size_t kMaxLines = 1u << 20;
// A user or address longer than this is not one.
inline constexpr size_t kMaxValueBytes = 256;

}  // namespace msw::formats::toylog
