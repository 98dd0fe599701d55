// Task Scheduler 2.0 task definitions, the XML files under Windows\System32\Tasks (UTF-16 with a BOM as Windows
// writes them, UTF-8 as some tools do): registration info, principal, settings, triggers and actions — what MyKings'
// `Mysa*` and `ok` tasks run and when. Read with pugixml after decoding; the file is capped at kMaxTaskBytes and the
// lists at kMaxTaskItems, since a task folder is attacker-writable.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/byte_reader.h"
#include "core/result.h"

namespace msw::formats::task_xml {

inline constexpr size_t kMaxTaskBytes = 1 << 20;
inline constexpr size_t kMaxTaskItems = 64;  // triggers, actions

struct Trigger {
  std::string kind;       // Time, Calendar, Boot, Logon, Idle, Event, Registration, SessionStateChange
  std::string start;      // StartBoundary
  std::string interval;   // Repetition/Interval (ISO 8601 duration), or the calendar's schedule
  bool enabled = true;
};

struct ExecAction {
  std::string command, arguments, working_directory;
};

struct ComAction {
  std::string class_id, data;
};

struct Task {
  std::string uri, author, description, date;
  std::string user_id, logon_type, run_level;
  bool hidden = false, enabled = true;
  std::vector<Trigger> triggers;
  std::vector<ExecAction> exec;
  std::vector<ComAction> com;
};

// Errors: task.too_large, task.not_xml (not well-formed), task.not_task (no <Task> element).
Result<Task> parse(Bytes file, std::string_view evidence);

// "Time 2019-03-04T00:00:00 every PT1H; Boot"
std::string describe_triggers(const Task& t);

}  // namespace msw::formats::task_xml
