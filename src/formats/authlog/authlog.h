// Parser for Linux authentication logs (/var/log/auth.log on Debian, /var/log/secure on Red Hat), as rsyslog and
// syslog-ng write them: the traditional "Nov 21 10:00:01 host prog[pid]: message" stamp (no year, local time) and
// the RFC 3339 stamp Debian 12's rsyslog writes ("2026-11-21T10:00:01.123456+01:00 host prog[pid]: message").
//
// Only the lines responders act on become records: sshd failures and successes (with "message repeated N times"
// expanded into a count), invalid users, accounts created, sudo commands. Every other line is counted.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/byte_reader.h"
#include "core/diagnostics.h"
#include "core/time.h"

namespace msw::formats::authlog {

inline constexpr size_t kMaxLineBytes = 64 * 1024;  // longer lines are cut for parsing
inline constexpr size_t kMaxRecords = 20'000'000;

enum class Kind : uint8_t { Failure, Success, InvalidUser, NewUser, Sudo };
std::string_view to_string(Kind k);

struct Record {
  Kind kind = Kind::Failure;
  std::optional<Timestamp> time;
  uint64_t offset = 0;
  uint32_t line = 0;
  uint32_t count = 1;   // "message repeated N times" folds N identical failures into one line
  std::string_view host, program, pid;
  std::string_view user;     // target account
  std::string_view address;  // remote address ("rhost"), when the line names one
  std::string_view port;
  std::string_view method;   // password, publickey, keyboard-interactive/pam, ...
  std::string_view command;  // sudo
  std::string_view text;     // the whole line
};

struct Stats {
  uint64_t lines = 0;
  uint64_t records = 0;
  uint64_t undated = 0;  // lines whose stamp could not be read (still parsed)
};

// The year of a traditional stamp is not in the line: `reference` (the collection or analysis time) supplies it, and
// a date that would lie more than a day after `reference` belongs to the year before.
// Calls fn(const Record&) for each record; string views point into `text`.
template <typename Fn>
Stats parse(std::string_view text, Timestamp reference, Fn&& fn);

// One line; exposed for tests and the fuzzer. Returns nullopt for lines that are not records.
std::optional<Record> parse_line(std::string_view line, Timestamp reference);

template <typename Fn>
Stats parse(std::string_view text, Timestamp reference, Fn&& fn) {
  Stats st;
  uint32_t no = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t eol = text.find('\n', pos);
    const size_t end = eol == std::string_view::npos ? text.size() : eol;
    std::string_view line = text.substr(pos, std::min(end - pos, kMaxLineBytes));
    const uint64_t at = pos;
    pos = end + 1;
    ++no;
    ++st.lines;
    if (line.empty()) continue;
    auto rec = parse_line(line, reference);
    if (!rec) continue;
    if (!rec->time) ++st.undated;
    rec->offset = at;
    rec->line = no;
    if (++st.records > kMaxRecords) break;
    fn(*rec);
  }
  return st;
}

}  // namespace msw::formats::authlog
