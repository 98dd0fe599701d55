// Shannon entropy of a byte range in bits per byte (0 for empty input): packed, compressed or encrypted data sits
// near 8, code near 6, text near 4.5.
#pragma once

#include "core/byte_reader.h"

namespace msw {

double shannon_entropy(Bytes b);

}  // namespace msw
