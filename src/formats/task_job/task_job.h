// Legacy Task Scheduler 1.0 jobs (Windows\Tasks\*.job, MS-TSCH section 2.4), still written by `at` and older
// installers and still run on current Windows: the fixed section (versions, UUID, status, flags, last run time) and
// the variable section (application, parameters, working directory, author, comment, triggers). Every length is
// checked against the file; strings and triggers are capped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/byte_reader.h"
#include "core/result.h"
#include "core/time.h"

namespace msw::formats::task_job {

inline constexpr size_t kMaxTriggers = 64;

struct Trigger {
  std::string kind;   // once, daily, weekly, monthly (date), monthly (day of week), idle, at system start, at logon
  std::string start;  // "2013-07-12T15:42"
  uint32_t interval_minutes = 0;
  bool disabled = false;
};

struct Job {
  uint16_t product_version = 0, file_version = 0;
  std::string uuid;
  uint32_t status = 0, flags = 0, exit_code = 0;
  std::optional<Timestamp> last_run;  // local time as recorded (the file keeps no time zone)
  std::string application, parameters, working_directory, author, comment;
  std::vector<Trigger> triggers;
  bool hidden() const { return flags & 0x200; }      // TASK_FLAG_HIDDEN
  bool disabled() const { return flags & 0x4; }      // TASK_FLAG_DISABLED
};

// Whether the head of a file looks like a .job (file version 1, the variable section at 0x46, a product version
// Windows uses).
bool looks_like_job(Bytes head);

// Errors: job.not_job (not the layout above), job.truncated (a string or the trigger list runs past the end).
Result<Job> parse(Bytes file);

std::string describe_triggers(const Job& job);

}  // namespace msw::formats::task_job
