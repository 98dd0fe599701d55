// How a Windows command looks when a worm wrote it. One judgement for every place a command is registered to run —
// a service install (System 7045, Security 4697), a scheduled task (Security 4698/4702, the Tasks folder, the
// TaskCache), a Run key, a WMI consumer — so the same command gets the same verdict wherever it is found.
//
// Strong: dropper shapes (PowerShell encoded commands and download cradles however they are spaced, `echo open
// HOST>s & ftp -s:s`, regsvr32 scriptlets, mshta or msiexec with a URL, certutil -urlcache, bitsadmin /transfer,
// rundll32 javascript:), the folders MyKings and WannaMine drop into and nothing legitimate runs from
// (C:\Windows\debug, inf, Fonts, Help, System, the recycle bin, Users\Public, PerfLogs), and a Windows program's
// name outside System32. Weak: temporary folders and ProgramData (installers and vendor agents live there too), a
// script host running a script. Neither: AppData (OneDrive, Teams and most per-user programs run from it) and
// Microsoft's own ProgramData folder (Defender's platform and definition updates).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/finding.h"

namespace msw::detect::heuristics {

struct CommandJudgement {
  enum class Weight { None, Weak, Strong };
  Weight weight = Weight::None;
  std::string why;  // every reason, strongest first: "PowerShell download cradle; runs from C:\Windows\Temp"
  bool suspicious() const { return weight != Weight::None; }
  // High for strong, medium for weak (informational when not suspicious).
  model::Severity severity() const;
};

CommandJudgement judge_windows_command(std::string_view command);

// The absolute paths a command runs or loads from a suspicious folder (system binaries such as regsvr32 or
// rundll32 are left alone): what to quarantine. At most eight.
std::vector<std::string> dropped_files(std::string_view command);

// Adds a quarantine action for each of dropped_files(command).
void quarantine_dropped(model::Finding& f, std::string_view command);

}  // namespace msw::detect::heuristics
