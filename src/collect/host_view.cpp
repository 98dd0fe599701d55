#include "collect/host_view.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "core/mapped_file.h"
#include "core/rooted_path.h"
#include "core/text.h"

namespace msw::collect {
namespace fs = std::filesystem;

Result<HostView> HostView::open(const std::string& root, const std::string& proc_dir) {
  std::error_code ec;
  fs::path canonical = fs::canonical(root, ec);
  if (ec || !fs::is_directory(canonical, ec))
    return Error::make("collect.bad_root", "root " + root + " is not a readable folder");
  fs::path proc;
  if (!proc_dir.empty()) {
    proc = fs::canonical(proc_dir, ec);
    if (ec || !fs::is_directory(proc, ec))
      return Error::make("collect.bad_root", "--proc " + proc_dir + " is not a readable folder");
    if (proc == canonical / "proc") proc.clear();
  }
  return HostView(canonical, proc);
}

Result<fs::path> HostView::resolve(std::string_view host_path) const {
  fs::path rel = fs::path(host_path).relative_path();
  const fs::path* base = &root_;
  if (!proc_.empty()) {
    auto first = rel.begin();
    if (first != rel.end() && *first == "proc") {
      base = &proc_;
      rel = rel.lexically_relative("proc");
      if (rel == ".") rel.clear();
    }
  }
  fs::path p = rel.empty() ? *base : *base / rel;
  std::string why;
  auto real = resolve_in_root(*base, p, why);
  if (!real) return Error::make("collect.link_escape", std::string(host_path) + ": " + why);
  std::error_code ec;
  if (!fs::exists(*real, ec)) return Error::make("collect.missing", std::string(host_path) + " does not exist");
  return *real;
}

Result<std::string> HostView::read(std::string_view host_path, uint64_t max_bytes) const {
  auto real = resolve(host_path);
  if (!real) return real.error();
  return read_file_text(real->string(), max_bytes);
}

Result<std::string> HostView::read_link(std::string_view host_path) const {
  fs::path p(host_path);
  auto parent = resolve(p.parent_path().string());
  if (!parent) return parent.error();
  std::error_code ec;
  fs::path target = fs::read_symlink(*parent / p.filename(), ec);
  if (ec) return Error::make("collect.not_a_link", std::string(host_path) + ": " + ec.message());
  return target.string();
}

Result<std::vector<std::string>> HostView::list(std::string_view host_path) const {
  auto dir = resolve(host_path);
  if (!dir) return dir.error();
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(*dir, ec), end; !ec && it != end; it.increment(ec)) out.push_back(it->path().filename().string());
  if (ec) return Error::make("collect.list", std::string(host_path) + ": " + ec.message());
  return out;
}

Result<struct ::stat> HostView::lstat(std::string_view host_path) const {
  fs::path p(host_path);
  fs::path real;
  if (p.has_parent_path() && p.parent_path() != p) {
    auto parent = resolve(p.parent_path().string());
    if (!parent) return parent.error();
    real = *parent / p.filename();
  } else {
    real = root_;
  }
  struct ::stat st {};
  if (::lstat(real.c_str(), &st) != 0)
    return Error::make("collect.missing", std::string(host_path) + ": " + std::strerror(errno));
  return st;
}

Result<uint32_t> HostView::inode_flags(std::string_view host_path) const {
  auto real = resolve(host_path);
  if (!real) return real.error();
  // O_NOATIME keeps the access time as it was (evidence); it needs ownership or CAP_FOWNER, so fall back without.
  int fd = ::open(real->c_str(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOATIME);
  if (fd < 0 && errno == EPERM) fd = ::open(real->c_str(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return Error::make("collect.flags", std::string(host_path) + ": " + std::strerror(errno));
  int flags = 0;
  const int rc = ::ioctl(fd, FS_IOC_GETFLAGS, &flags);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return Error::make("collect.flags", std::string(host_path) + ": no inode flags (" + std::strerror(err) + ")");
  return static_cast<uint32_t>(flags);
}

std::string HostView::hostname() const {
  // With --proc the kernel's name belongs to the machine running the processes, not to the root's system.
  const char* order[] = {"/proc/sys/kernel/hostname", "/etc/hostname"};
  if (!proc_.empty()) std::swap(order[0], order[1]);
  for (const char* path : order) {
    auto h = read(path, 4096);
    if (h && !trim(*h).empty()) return std::string(trim(*h));
  }
  if (is_live()) {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) == 0) return buf;
  }
  return {};
}

std::string HostView::os_name() const {
  auto text = read("/etc/os-release", 64 * 1024);
  if (!text) return {};
  std::string_view all = *text;
  size_t pos = 0;
  while (pos < all.size()) {
    size_t eol = all.find('\n', pos);
    std::string_view line = all.substr(pos, (eol == std::string_view::npos ? all.size() : eol) - pos);
    pos = eol == std::string_view::npos ? all.size() : eol + 1;
    if (line.starts_with("PRETTY_NAME=")) {
      std::string_view v = line.substr(12);
      if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'')) v = v.substr(1, v.size() - 2);
      return std::string(v);
    }
  }
  return {};
}

std::string HostView::kernel() const {
  auto k = read("/proc/sys/kernel/osrelease", 4096);
  return k ? std::string(trim(*k)) : std::string();
}

}  // namespace msw::collect
