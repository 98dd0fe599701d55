// Resolving paths inside an evidence root as if that root were '/': a mounted image's /etc/resolv.conf may be an
// absolute link to /run/systemd/resolve/stub-resolv.conf, which must be read from the image, never from the analyst's
// own machine. A link that leads outside the root is refused.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace msw {

// Links followed to resolve one path (Linux's own limit is 40).
inline constexpr size_t kMaxSymlinkHops = 40;

// `root` must be canonical. Returns the real path of `p` (inside root) or nullopt with the reason in `why`.
std::optional<std::filesystem::path> resolve_in_root(const std::filesystem::path& root, std::filesystem::path p,
                                                     std::string& why);
bool path_within(const std::filesystem::path& root, const std::filesystem::path& p);

}  // namespace msw
