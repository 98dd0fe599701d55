// The system `respond --apply` cleans (`--root`, "/" for the live host) and the files on it. A target is resolved
// one folder at a time from the root's own descriptor, and every change is then made through the open descriptor of
// the target's folder, so neither a link planted in the path nor one swapped in between the check and the change can
// take it elsewhere. The rules, which README's Promises repeat:
//   - the last name is never followed (a link is not a file to quarantine or edit);
//   - a link on the way is followed only when root owns it (a user's link could point root's clean-up anywhere)
//     and it stays inside the root: for a mounted system (--root other than "/") that means a relative link that
//     does not climb above the root; an absolute link there would point at this machine, not at the mounted one;
//   - paths with "." or ".." are not plan targets and are refused.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "core/unique_fd.h"

namespace msw::respond {

// Links followed to resolve one target (Linux's own limit is 40).
inline constexpr size_t kMaxLinkHops = 40;

// A file on the system being cleaned: its folder, held open, and its name there.
struct RootedFile {
  UniqueFd dir;         // the folder (O_PATH); act with openat/unlinkat on `name`
  std::string name;     // the last component, never followed
  std::string root;     // the cleaned system's root on this machine ("/" live)
  std::string in_root;  // the resolved path as the cleaned system names it ("/var/spool/cron/crontabs/root")
  std::string path;     // where that is on this machine (root joined with in_root), for messages
};

class SystemRoot {
 public:
  // Errors: respond.root (missing, not a folder, unreadable).
  static Result<SystemRoot> open(const std::string& root);

  const std::string& path() const { return path_; }
  bool live() const { return live_; }  // "/": the host minesweep runs on

  // `target` is an absolute path as the cleaned system names it. Errors: respond.bad_path, respond.link (a link the
  // rules above refuse, named with its target), respond.missing (a folder on the way does not exist),
  // respond.not_folder.
  Result<RootedFile> resolve(std::string_view target) const;

 private:
  UniqueFd fd_;
  std::string path_;
  bool live_ = false;
};

}  // namespace msw::respond
