// Heuristics on Windows footholds (registry events from normalize/windows_registry or Sysmon's event 13, scheduled
// tasks from normalize/windows_tasks):
//   - autostarts (Run/RunOnce, Winlogon Shell/Userinit, AppInit_DLLs) and services (ImagePath, ServiceDll) whose
//     command windows_commands.h judges a dropper's (drop folders, download and encoded-command shapes): high when
//     the judgement is strong, medium when weak — the MyKings and WannaMine shapes;
//   - an Image File Execution Options Debugger (the program runs instead of, or before, the one named);
//   - DNS servers set by hand to public resolvers (MyKings forced 223.5.5.5 / 8.8.8.8 so its domains resolve);
//   - scheduled tasks whose action is such a command (MyKings' Mysa tasks run mshta/regsvr32/cmd fetching scripts);
//   - Prefetch and Amcache records of programs that ran from such places;
//   - WannaMine 4.0's service: a three-word name from its word lists with a same-named ServiceDll in System32;
//   - scheduled tasks hidden by deleting their security descriptor from the TaskCache;
//   - scripts and programs in a Startup folder.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "detect/engine.h"
#include "detect/heuristics/windows_commands.h"

namespace msw::detect::heuristics {

inline constexpr std::string_view kRegistryAutostartRule = "heuristic.registry_autostart_suspicious";
inline constexpr std::string_view kIfeoDebuggerRule = "heuristic.ifeo_debugger";
inline constexpr std::string_view kPublicDnsRule = "heuristic.dns_forced_public";
inline constexpr std::string_view kTaskSuspiciousRule = "heuristic.task_suspicious_action";
inline constexpr std::string_view kStartupItemRule = "heuristic.startup_item";
inline constexpr std::string_view kWannaMineServiceRule = "heuristic.wannamine_service";
inline constexpr std::string_view kHiddenTaskRule = "heuristic.task_hidden";
inline constexpr std::string_view kPrefetchSuspiciousRule = "heuristic.prefetch_suspicious_location";

// A scheduled task seen to run a command, wherever it was seen: the Tasks folder, the TaskCache, Security 4698/4702
// or the Task Scheduler's own log.
struct TaskSighting {
  std::string name, command, triggers, user;
  std::string how_en,
      how_zh;  // how it was seen: "registered by CORP\bob", "被 CORP\bob 创建或修改"; "" for a task file
  bool hidden = false;
  std::optional<Timestamp> time;
  model::EvidenceRef evidence;
};
// The one finding for a task whose command windows_commands.h judges a dropper's.
model::Finding suspicious_task_finding(const TaskSighting& t, const CommandJudgement& judged);

std::unique_ptr<Engine> make_windows_persistence_engine();

}  // namespace msw::detect::heuristics
