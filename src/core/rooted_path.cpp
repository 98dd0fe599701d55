#include "core/rooted_path.h"

#include <algorithm>
#include <system_error>
#include <vector>

namespace msw {
namespace fs = std::filesystem;

bool path_within(const fs::path& root, const fs::path& p) {
  auto r = root.begin(), q = p.begin();
  for (; r != root.end(); ++r, ++q) {
    if (r->empty() && std::next(r) == root.end()) break;  // trailing separator in root
    if (q == p.end() || *r != *q) return false;
  }
  return true;
}

std::optional<fs::path> resolve_in_root(const fs::path& root, fs::path p, std::string& why) {
  std::error_code ec;
  // Resolve each component in turn so that a link in a parent folder is also taken relative to the root.
  fs::path rel = p.lexically_relative(root);
  if (rel.empty() || *rel.begin() == "..") {
    why = "path is outside the evidence root";
    return std::nullopt;
  }
  fs::path current = root;
  std::vector<fs::path> pending(rel.begin(), rel.end());
  std::reverse(pending.begin(), pending.end());
  size_t hops = 0;
  while (!pending.empty()) {
    fs::path part = pending.back();
    pending.pop_back();
    if (part == "." || part.empty()) continue;
    if (part == "..") {
      if (current != root) current = current.parent_path();  // '..' at the root stays at the root, as in chroot
      continue;
    }
    fs::path next = current / part;
    if (!fs::is_symlink(fs::symlink_status(next, ec))) {
      current = next;
      continue;
    }
    if (++hops > kMaxSymlinkHops) {
      why = "more than " + std::to_string(kMaxSymlinkHops) + " links (a loop?)";
      return std::nullopt;
    }
    fs::path target = fs::read_symlink(next, ec);
    if (ec) {
      why = "cannot read link: " + ec.message();
      return std::nullopt;
    }
    if (target.is_absolute()) {
      current = root;
      target = target.relative_path();
    }
    std::vector<fs::path> parts(target.begin(), target.end());
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) pending.push_back(*it);
  }
  if (!path_within(root, current)) {
    why = "points outside the evidence root";
    return std::nullopt;
  }
  return current;
}

}  // namespace msw
