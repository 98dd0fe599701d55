// Caps for walking evidence folders, which may be hostile (a crafted image with link loops or millions of files).
#pragma once

#include <cstddef>

namespace msw::evidence {

// Deeper than any real Windows or Linux tree (MAX_PATH-limited trees reach ~30).
inline constexpr size_t kMaxWalkDepth = 64;
// Files taken from one input; a full system volume has ~500k.
inline constexpr size_t kMaxFilesPerInput = 5'000'000;

}  // namespace msw::evidence
