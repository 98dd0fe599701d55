// Small host tables for the bundle, each JSON Lines with keys named as event fields:
//   tables/system.jsonl   one row: host name, OS, kernel, boot time, uptime, load, time zone;
//   tables/accounts.jsonl one row per /etc/passwd entry, with the *state* of its password from /etc/shadow
//                         (empty, locked, which hash scheme) — never the hash itself;
//   tables/modules.jsonl  one row per loaded kernel module (/proc/modules) with its taint flags.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "collect/host_view.h"

namespace msw::collect::linux {

std::string system_jsonl(const HostView& host, int64_t collected_unix);

struct AccountsTable {
  std::string jsonl;
  bool shadow_read = false;  // false: password states are "unknown" (not root, or no shadow file)
};
AccountsTable accounts_jsonl(const HostView& host);
// The password field of /etc/shadow as a state: "empty", "locked", "no_password_login" ('*'), or "hash:<scheme>"
// (des, md5, bcrypt, sha256, sha512, yescrypt, other).
std::string password_state(std::string_view field);

std::optional<std::string> modules_jsonl(const HostView& host);

// uid → account name from the root's /etc/passwd (empty when unreadable), for naming owners of processes and files.
std::map<int64_t, std::string> account_names(const HostView& host);

}  // namespace msw::collect::linux
