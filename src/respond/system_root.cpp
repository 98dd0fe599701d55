#include "respond/system_root.h"

#include <fcntl.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <vector>

#include <sys/stat.h>

namespace msw::respond {
namespace {

std::vector<std::string> split_path(std::string_view p) {
  std::vector<std::string> parts;
  for (size_t at = 0; at <= p.size();) {
    const size_t slash = p.find('/', at);
    const size_t end = slash == std::string_view::npos ? p.size() : slash;
    if (end > at) parts.emplace_back(p.substr(at, end - at));
    at = end + 1;
  }
  return parts;
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += "/" + n;
  return out.empty() ? "/" : out;
}

}  // namespace

Result<SystemRoot> SystemRoot::open(const std::string& root) {
  std::error_code ec;
  const std::filesystem::path real = std::filesystem::canonical(root.empty() ? "/" : root, ec);
  if (ec) return Error::make("respond.root", "--root " + root + ": " + ec.message());
  UniqueFd fd(::open(real.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd.ok())
    return Error::make("respond.root",
                       "--root " + root + " is not a folder that can be opened: " + std::strerror(errno));
  SystemRoot r;
  r.fd_ = std::move(fd);
  r.path_ = real.string();
  r.live_ = r.path_ == "/";
  return r;
}

Result<RootedFile> SystemRoot::resolve(std::string_view target) const {
  if (target.empty() || target[0] != '/')
    return Error::make("respond.bad_path", std::string(target) + " is not an absolute path");
  if (target.find('\0') != std::string_view::npos)
    return Error::make("respond.bad_path", "a path with a NUL byte is not a file name");
  std::deque<std::string> pending;
  for (auto& part : split_path(target)) {
    if (part == "." || part == "..")
      return Error::make("respond.bad_path", std::string(target) + " has '.' or '..' in it; plan targets never do");
    pending.push_back(std::move(part));
  }
  if (pending.empty()) return Error::make("respond.bad_path", "the root itself is not a file");

  // Folders entered so far (the root first) and their names, so ".." in a relative link can step back.
  std::vector<UniqueFd> dirs;
  dirs.emplace_back(::fcntl(fd_.get(), F_DUPFD_CLOEXEC, 0));
  if (!dirs.back().ok())
    return Error::make("respond.root", std::string("cannot use the root: ") + std::strerror(errno));
  std::vector<std::string> names;
  size_t hops = 0;
  while (pending.size() > 1) {
    std::string part = std::move(pending.front());
    pending.pop_front();
    if (part == ".") continue;
    if (part == "..") {  // only from a link's target
      if (dirs.size() > 1) {
        dirs.pop_back();
        names.pop_back();
      } else if (!live_) {
        return Error::make("respond.link", "a link on the way to " + std::string(target) + " climbs above --root " +
                                               path_ + "; not followed");
      }
      continue;
    }
    UniqueFd next(::openat(dirs.back().get(), part.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    const std::string shown = join(names) + (names.empty() ? "" : "/") + part;  // as the cleaned system names it
    if (!next.ok()) {
      if (errno == ENOENT) return Error::make("respond.missing", "folder " + shown + " does not exist on " + path_);
      return Error::make("respond.missing", "cannot open " + shown + " on " + path_ + ": " + std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(next.get(), &st) != 0)
      return Error::make("respond.missing", "cannot stat " + shown + ": " + std::strerror(errno));
    if (S_ISDIR(st.st_mode)) {
      dirs.push_back(std::move(next));
      names.push_back(std::move(part));
      continue;
    }
    if (!S_ISLNK(st.st_mode)) return Error::make("respond.not_folder", shown + " on " + path_ + " is not a folder");
    std::string to(4096, '\0');
    const ssize_t n = ::readlinkat(next.get(), "", to.data(), to.size());
    if (n < 0 || static_cast<size_t>(n) >= to.size())
      return Error::make("respond.link", "cannot read the link " + shown + ": " + std::strerror(errno));
    to.resize(static_cast<size_t>(n));
    auto refuse = [&](const std::string& why) {
      return Error::make("respond.link",
                         shown + " (on " + path_ + ") is a link to " + to + ": " + why + "; not followed");
    };
    if (st.st_uid != 0)
      return refuse("it belongs to uid " + std::to_string(st.st_uid) + ", not root, so a user could have planted it");
    if (++hops > kMaxLinkHops) return refuse("more than " + std::to_string(kMaxLinkHops) + " links (a loop?)");
    if (to.empty()) return refuse("an empty link");
    if (to[0] == '/') {
      if (!live_) return refuse("an absolute link leads out of --root " + path_);
      dirs.resize(1);
      names.clear();
    }
    auto parts = split_path(to);
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) pending.push_front(*it);
    if (parts.empty()) pending.push_front(".");
  }
  const std::string last = pending.front();
  if (last == "." || last == "..")
    return Error::make("respond.bad_path", std::string(target) + " does not name a file");
  RootedFile f;
  f.dir = std::move(dirs.back());
  f.name = last;
  f.root = path_;
  names.push_back(last);
  f.in_root = join(names);
  f.path = live_ ? f.in_root : path_ + f.in_root;
  return f;
}

}  // namespace msw::respond
