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

}  // namespace msw::data
