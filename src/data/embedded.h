// Knowledge compiled into the binary from data/ (cmake/embed.cmake), so a single minesweep file works offline on an
// isolated customer network. Users add their own content with command-line flags.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "core/text.h"

namespace msw::data {

struct EmbeddedFile {
  std::string_view path;  // relative to data/, e.g. "hosts/watched-domains.txt"
  std::string_view bytes;
};

std::span<const EmbeddedFile> embedded_files();
std::optional<std::string_view> embedded_file(std::string_view path);

// Calls fn(line, line_number) for each line of a content file that is neither blank nor a '#' comment, trimmed.
template <typename Fn>
void for_each_content_line(std::string_view text, Fn&& fn) {
  for_each_line(text, [&](std::string_view line, uint64_t number) {
    line = trim(line);
    if (!line.empty() && line.front() != '#') fn(line, static_cast<size_t>(number));
  });
}

}  // namespace msw::data
