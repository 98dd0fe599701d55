// HostView: the only way collectors see a machine. Rooted at '/' for a live host, or at a folder for a mounted image
// (`--root DIR`) or a test fixture, so collectors run the same code on all three and tests never need the real OS.
// Paths are host paths ("/etc/hosts"); links resolve inside the root.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/result.h"

namespace msw::collect {

class HostView {
 public:
  // Errors: collect.bad_root when `root` (or `proc_dir`) is not a readable folder. `proc_dir`, when given, is where
  // host paths under /proc are read instead of ROOT/proc: a container's or chroot's files with the running kernel's
  // process table (`--root /mnt/ctr --proc /proc`).
  static Result<HostView> open(const std::string& root, const std::string& proc_dir = "");

  // Processes are the running system's: CPU can be sampled and /proc/PID/exe read.
  bool is_live() const { return root_ == "/" || proc_ == "/proc"; }
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
  // lstat(2) of a host path: the last component is not followed (a link is reported as a link). Errors as resolve().
  Result<struct ::stat> lstat(std::string_view host_path) const;
  // The inode flags chattr(1) sets (FS_IOC_GETFLAGS: immutable, append-only, ...), read without changing the
  // file's access time. Errors: collect.flags when the file system has none or the file cannot be opened.
  Result<uint32_t> inode_flags(std::string_view host_path) const;

  // Host facts read through the view (/proc/sys/kernel/*, /etc/os-release); empty when unavailable.
  std::string hostname() const;
  std::string os_name() const;
  std::string kernel() const;

 private:
  HostView(std::filesystem::path root, std::filesystem::path proc) : root_(std::move(root)), proc_(std::move(proc)) {}
  std::filesystem::path root_;
  std::filesystem::path proc_;  // empty: ROOT/proc
};

}  // namespace msw::collect
