#include "data/embedded.h"

namespace msw::data {

std::optional<std::string_view> embedded_file(std::string_view path) {
  for (const auto& f : embedded_files())
    if (f.path == path) return f.bytes;
  return std::nullopt;
}

}  // namespace msw::data
