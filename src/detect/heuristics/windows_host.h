// Heuristics on a Windows host's configuration, judged across the hives of one host (SOFTWARE gives the build and
// the installed updates, SYSTEM the SMB and RDP settings, SAM the accounts), per subject host:
//   - MS17-010 (EternalBlue, how WannaMine and MyKings spread) not installed for the build: the fix's KB numbers
//     per Windows version, a monthly rollup at or past the fix's build revision, or Windows 10's UBR;
//   - SMBv1 on (set, or the default of builds before Windows 10 1709 with no SMB1=0);
//   - Remote Desktop on its default port 3389, and without Network Level Authentication; Windows Firewall profiles
//     turned off; SQL Server accepting SQL logins (sa guessing);
//   - local accounts a worm adds or opens: names ending in '$' (hidden from `net user`, MyKings' admin$), an enabled
//     Guest, and — as low findings for review — other enabled members of Administrators;
//   - scheduled tasks the TaskCache registers without a file in the Tasks folder (deleted to hide), and task files
//     it does not register.
// The first three also feed the hardening baseline.
#pragma once

#include <memory>
#include <string_view>

#include "detect/engine.h"

namespace msw::detect::heuristics {

inline constexpr std::string_view kMs17010MissingRule = "heuristic.ms17_010_missing";
inline constexpr std::string_view kSmb1EnabledRule = "heuristic.smb1_enabled";
inline constexpr std::string_view kRdpDefaultPortRule = "heuristic.rdp_default_port";
inline constexpr std::string_view kLocalAccountRule = "heuristic.local_account_suspicious";
inline constexpr std::string_view kTaskMismatchRule = "heuristic.task_cache_mismatch";
inline constexpr std::string_view kFirewallOffRule = "heuristic.firewall_off";
inline constexpr std::string_view kSqlMixedModeRule = "heuristic.mssql_mixed_mode";

struct Ms17010Verdict {
  bool applicable = false;  // the build was ever vulnerable
  bool fixed = false;
  std::string why;          // "KB4012212 installed", "Windows 10 1607 build 14393.953 or later", ...
};
// From the windows_os event's values (CurrentVersion, CurrentBuild, UBR, InstalledKBs, LatestRollup).
Ms17010Verdict assess_ms17_010(std::string_view version, std::string_view build, std::string_view ubr,
                               std::string_view kbs, std::string_view latest_rollup);

std::unique_ptr<CaseEngine> make_windows_host_engine();

}  // namespace msw::detect::heuristics
