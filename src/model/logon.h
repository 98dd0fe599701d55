// model::LogonRow: one line of the logon summary (LogonTracer-style) — who logged on from where, how, how often it
// failed and worked, and when. Built by correlate/logons from Windows, SSH and SQL Server logon events.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/time.h"

namespace msw::model {

struct LogonRow {
  std::string account;       // as logged (DOMAIN\user when the log names a domain)
  std::string source;        // address the logon came from ("-" when the log has none)
  std::string logon_type;    // Windows LogonType number, "ssh" or "mssql"
  std::string host;          // the machine logged on to (Computer, syslog host)
  uint64_t successes = 0, failures = 0;
  std::optional<Timestamp> first, last;
  std::string last_failure;  // status of the latest failure (0xc000006a, invalid_user, the SQL Server reason)
};

}  // namespace msw::model
