#include "formats/authlog/authlog.h"

#include <algorithm>
#include <charconv>

namespace msw::formats::authlog {

std::string_view to_string(Kind k) {
  switch (k) {
    case Kind::Failure: return "failure";
    case Kind::Success: return "success";
    case Kind::InvalidUser: return "invalid_user";
    case Kind::NewUser: return "new_user";
    case Kind::Sudo: return "sudo";
  }
  return "failure";
}

namespace {

constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

unsigned num(std::string_view s) {
  unsigned v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// "Nov 21 10:00:01" (the day may be space-padded). Local time of the logging host, taken as UTC.
std::optional<Timestamp> traditional_stamp(std::string_view s, Timestamp reference) {
  if (s.size() < 15 || s[3] != ' ' || s[6] != ' ' || s[9] != ':' || s[12] != ':') return std::nullopt;
  unsigned month = 0;
  for (unsigned i = 0; i < 12; ++i)
    if (s.substr(0, 3) == kMonths[i]) month = i + 1;
  std::string_view day = s.substr(4, 2);
  if (day[0] == ' ') day = day.substr(1);
  if (month == 0 || !digits(day) || !digits(s.substr(7, 2)) || !digits(s.substr(10, 2)) || !digits(s.substr(13, 2)))
    return std::nullopt;
  const unsigned d = num(day), h = num(s.substr(7, 2)), mi = num(s.substr(10, 2)), se = num(s.substr(13, 2));
  if (d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return std::nullopt;
  int64_t ry;
  unsigned rm, rd;
  civil_from_days(reference.unix_ns / 86'400'000'000'000 - (reference.unix_ns < 0 ? 1 : 0), ry, rm, rd);
  auto at = [&](int64_t year) {
    int64_t secs = days_from_civil(year, month, d) * 86400 + h * 3600 + mi * 60 + se;
    return from_unix_seconds(secs);
  };
  Timestamp t = at(ry);
  if (t.unix_ns > reference.unix_ns + 86'400'000'000'000) t = at(ry - 1);
  return t;
}

// Text between `after` and the last " from " — user names can contain spaces in sshd's messages.
std::string_view between(std::string_view msg, std::string_view after, std::string_view& rest) {
  size_t from = msg.rfind(" from ");
  if (from == std::string_view::npos || from < after.size()) {
    rest = {};
    return msg.substr(after.size());
  }
  rest = msg.substr(from + 6);
  return msg.substr(after.size(), from - after.size());
}

void address_and_port(std::string_view rest, Record& r) {
  size_t sp = rest.find(' ');
  r.address = rest.substr(0, sp);
  if (sp == std::string_view::npos) return;
  std::string_view tail = rest.substr(sp + 1);
  if (tail.starts_with("port ")) {
    tail = tail.substr(5);
    r.port = tail.substr(0, tail.find(' '));
  }
}

bool sshd_message(std::string_view msg, Record& r) {
  if (msg.starts_with("message repeated ")) {
    // rsyslog's "message repeated 5 times: [ Failed password for root from ... ]"
    std::string_view rest = msg.substr(17);
    size_t sp = rest.find(' ');
    if (sp == std::string_view::npos || !digits(rest.substr(0, sp))) return false;
    const unsigned n = num(rest.substr(0, std::min<size_t>(sp, 9)));
    size_t open = rest.find("[ ");
    if (open == std::string_view::npos) return false;
    std::string_view inner = rest.substr(open + 2);
    if (inner.ends_with("]")) inner.remove_suffix(1);
    if (!sshd_message(inner, r)) return false;
    r.count = std::max(1u, n);
    return true;
  }
  std::string_view rest;
  if (msg.starts_with("Failed ") || msg.starts_with("Accepted ")) {
    const bool ok = msg.starts_with("Accepted ");
    std::string_view body = msg.substr(ok ? 9 : 7);
    size_t for_at = body.find(" for ");
    if (for_at == std::string_view::npos) return false;
    r.method = body.substr(0, for_at);
    std::string_view who = between(body, body.substr(0, for_at + 5), rest);
    if (who.starts_with("invalid user ")) who = who.substr(13);
    r.kind = ok ? Kind::Success : Kind::Failure;
    r.user = who;
    address_and_port(rest, r);
    return true;
  }
  if (msg.starts_with("Invalid user ")) {
    r.kind = Kind::InvalidUser;
    r.user = between(msg, "Invalid user ", rest);
    address_and_port(rest, r);
    return true;
  }
  return false;
}

}  // namespace

std::optional<Record> parse_line(std::string_view line, Timestamp reference) {
  Record r;
  r.text = line;
  std::string_view rest;
  if (line.size() > 20 && digits(line.substr(0, 4)) && line[4] == '-') {
    size_t sp = line.find(' ');
    if (sp == std::string_view::npos) return std::nullopt;
    if (auto t = parse_iso8601(line.substr(0, sp))) r.time = *t;
    rest = line.substr(sp + 1);
  } else {
    r.time = traditional_stamp(line, reference);
    if (line.size() < 16) return std::nullopt;
    rest = line.substr(16);
  }
  size_t sp = rest.find(' ');
  if (sp == std::string_view::npos) return std::nullopt;
  r.host = rest.substr(0, sp);
  rest = rest.substr(sp + 1);
  size_t colon = rest.find(": ");
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view tag = rest.substr(0, colon);
  std::string_view msg = rest.substr(colon + 2);
  if (size_t br = tag.find('['); br != std::string_view::npos) {
    r.program = tag.substr(0, br);
    std::string_view pid = tag.substr(br + 1);
    r.pid = pid.substr(0, pid.find(']'));
  } else {
    r.program = tag;
  }
  if (r.program == "sshd" || r.program.starts_with("sshd-")) return sshd_message(msg, r) ? std::optional(r) : std::nullopt;
  if ((r.program == "useradd" || r.program == "adduser") && msg.starts_with("new user: name=")) {
    std::string_view name = msg.substr(15);
    r.kind = Kind::NewUser;
    r.user = name.substr(0, name.find(','));
    return r;
  }
  if (r.program == "sudo") {
    // "    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id"
    size_t c = msg.find(" : ");
    size_t cmd = msg.find("COMMAND=");
    if (c == std::string_view::npos || cmd == std::string_view::npos) return std::nullopt;
    std::string_view who = msg.substr(0, c);
    while (!who.empty() && who.front() == ' ') who.remove_prefix(1);
    r.kind = Kind::Sudo;
    r.user = who;
    r.command = msg.substr(cmd + 8);
    return r;
  }
  return std::nullopt;
}

}  // namespace msw::formats::authlog
