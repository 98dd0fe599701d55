// Scheduled tasks (Windows\System32\Tasks\**, and legacy Windows\Tasks\*.job) → one "scheduled_task" event per
// action, with TaskName (the task's path, "\Mysa"), Image and CommandLine of an Exec action (or the COM handler's
// class id), User, and the author, hidden flag, run level and triggers, timed by the task's registration date (a
// .job: its last run). The knowledge base matches TaskName; the Windows persistence heuristics read the command line.
#pragma once

#include <string_view>
#include <vector>

#include "core/byte_reader.h"
#include "core/result.h"
#include "model/event.h"

namespace msw::normalize {

// Errors from formats/task_xml (task.not_xml, task.not_task, task.too_large).
Result<void> scheduled_task_events(Bytes file, std::string_view display_path, std::vector<model::Event>& out);

// A file in a Startup folder → one "startup_item" event: TargetFilename (its path), Image (its name) and, for a
// script, CommandLine (its first command lines joined with " & ", up to 2 KiB) so the same command heuristics apply.
void startup_item_events(Bytes file, std::string_view display_path, std::vector<model::Event>& out);

}  // namespace msw::normalize
