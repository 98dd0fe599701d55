#include "core/entropy.h"

#include <cmath>
#include <cstddef>

namespace msw {

double shannon_entropy(Bytes b) {
  if (b.empty()) return 0;
  size_t count[256] = {};
  for (std::byte x : b) ++count[static_cast<uint8_t>(x)];
  double e = 0;
  for (size_t c : count)
    if (c) {
      const double p = static_cast<double>(c) / static_cast<double>(b.size());
      e -= p * std::log2(p);
    }
  return e;
}

}  // namespace msw
