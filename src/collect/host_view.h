// HostView: the only way collectors see a machine. Rooted at '/' for a live host, or at a folder for a mounted image
// (`--root DIR`) or a test fixture, so collectors run the same code on all three and tests never need the real OS.
// Paths are host paths ("/etc/hosts"); links resolve inside the root.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/result.h"

namespace msw::collect {

class HostView {
 public:
  // Errors: collect.bad_root when `root` is not a readable folder.
  static Result<HostView> open(const std::string& root);

  bool is_live() const { return root_ == "/"; }
  const std::filesystem::path& root() const { return root_; }

  // The on-disk path for a host path, resolved inside the root. Errors: collect.missing, collect.link_escape.
  Result<std::filesystem::path> resolve(std::string_view host_path) const;
  // Reads a whole file (up to max_bytes). Errors as resolve() and MappedFile::open, and file.too_large.
  Result<std::string> read(std::string_view host_path, uint64_t max_bytes) const;

  // The target text of a link, not followed (e.g. /proc/PID/exe → "/tmp/kdevtmpfsi (deleted)"). The link's parent
  // folders resolve inside the root. Errors: collect.missing, collect.link_escape, collect.not_a_link.
  Result<std::string> read_link(std::string_view host_path) const;
  // Names in a folder (no . and ..), unsorted. Errors as resolve().
  Result<std::vector<std::string>> list(std::string_view host_path) const;

  // Host facts read through the view (/proc/sys/kernel/*, /etc/os-release); empty when unavailable.
  std::string hostname() const;
  std::string os_name() const;
  std::string kernel() const;

 private:
  explicit HostView(std::filesystem::path root) : root_(std::move(root)) {}
  std::filesystem::path root_;
};

}  // namespace msw::collect
