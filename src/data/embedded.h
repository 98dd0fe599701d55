// Knowledge compiled into the binary from data/ (cmake/embed.cmake), so a single minesweep file works offline on an
// isolated customer network. Users add their own content with command-line flags.
#pragma once

#include <optional>
#include <span>
#include <string_view>

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
  size_t number = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t eol = text.find('\n', pos);
    std::string_view line = text.substr(pos, (eol == std::string_view::npos ? text.size() : eol) - pos);
    pos = eol == std::string_view::npos ? text.size() : eol + 1;
    ++number;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (!line.empty() && line.front() != '#') fn(line, number);
  }
}

}  // namespace msw::data
