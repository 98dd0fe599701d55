// Heuristics on single Windows event-log records, judged with the same rules as the hives and task files they
// describe (windows_commands.h):
//   - a service installed (System 7045, Security 4697) whose binary or command a dropper would write — high when
//     strong, medium when weak; Windows Defender's definition-update drivers and other programs under Program Files
//     or System32 are routine and no finding;
//   - a scheduled task registered or updated (Security 4698/4702: the exec actions of its XML, never the XML's
//     namespace) or run by the Task Scheduler (TaskScheduler 129, 200) with such a command;
//   - a BITS transfer (Bits-Client 59) from anywhere but the vendors' update services: low, medium for a program,
//     an archive, a bare address or a local file (bitsadmin is how MyKings and Lemon Duck fetch payloads);
//   - files written to an administrative share (Security 5145 on C$/ADMIN$ with write access): medium, how
//     PsExec-style tools and SMB worms copy their program onto the next host;
//   - remote access that leaves no other trace, as informational findings for the story: WinRM shells (91/169), RDP
//     connections and sessions (RdpCoreTS 131, LocalSessionManager 21/25), local groups enumerated with net or
//     PowerShell (4798/4799);
//   - an event log cleared (Security 1102; System 104 names the log that was cleared): medium, since
//     administrators clear logs too;
//   - the Event Log service stopped outside a shutdown, disabled or killed (System 7036, 7040, 7031/7034), judged
//     against the shutdowns and boots around it (older Windows logs the stop at every shutdown) — a case engine.
#pragma once

#include <memory>
#include <string_view>

#include "detect/engine.h"

namespace msw::detect::heuristics {

inline constexpr std::string_view kServiceInstalledRule = "heuristic.service_installed_suspicious";
inline constexpr std::string_view kEventLogClearedRule = "heuristic.event_log_cleared";
inline constexpr std::string_view kEventLogServiceRule = "heuristic.event_log_service_stopped";
inline constexpr std::string_view kBitsTransferRule = "heuristic.bits_transfer";
inline constexpr std::string_view kAdminShareWriteRule = "heuristic.admin_share_write";
inline constexpr std::string_view kRemoteAccessRule = "heuristic.remote_access";

// Services, tasks and cleared logs: one record at a time (evtx hunt runs it record by record).
std::unique_ptr<Engine> make_windows_event_engine();
// The Event Log service's stops and changes, across every log of the run.
std::unique_ptr<CaseEngine> make_event_log_service_engine();

}  // namespace msw::detect::heuristics
