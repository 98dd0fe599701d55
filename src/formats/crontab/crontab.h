// Parser for crontab files: user crontabs (/var/spool/cron/...: five time fields, then the command) and system
// crontabs (/etc/crontab, /etc/cron.d/*: five time fields, a user, then the command), crontab(5). `@reboot`-style
// nicknames replace the five time fields. Environment assignments (NAME=value) are kept apart. Never fails on
// content: an unparseable line is a diagnostic (crontab.bad_line) and is skipped.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/byte_reader.h"
#include "core/diagnostics.h"
#include "core/result.h"

namespace msw::formats::crontab {

// A crontab is a few KiB; worms append lines, they do not write megabytes.
inline constexpr uint64_t kMaxFileBytes = 8u << 20;
inline constexpr size_t kMaxEntries = 100'000;

struct Entry {
  uint32_t line = 0;
  uint64_t offset = 0;
  std::string schedule;  // "*/5 * * * *" or "@reboot"
  std::string user;      // system crontabs only
  std::string command;
  std::string raw;
};

struct Crontab {
  std::vector<Entry> entries;
  std::vector<std::pair<std::string, std::string>> environment;
};

// `system_format`: the line carries a user field (/etc/crontab, /etc/cron.d). Errors: crontab.too_large.
Result<Crontab> parse(Bytes data, bool system_format, std::string_view evidence, Diagnostics& diags);

}  // namespace msw::formats::crontab
