#include "formats/authlog/authlog.h"

#include <gtest/gtest.h>

#include <vector>

namespace msw::formats::authlog {
namespace {

Timestamp at(std::string_view iso) { return *parse_iso8601(iso); }

TEST(AuthLog, TraditionalSshdLines) {
  const Timestamp ref = at("2026-11-21T12:00:00Z");
  auto fail = parse_line("Nov 21 10:00:01 web01 sshd[1234]: Failed password for root from 203.0.113.7 port 51234 ssh2", ref);
  ASSERT_TRUE(fail);
  EXPECT_EQ(fail->kind, Kind::Failure);
  EXPECT_EQ(fail->user, "root");
  EXPECT_EQ(fail->address, "203.0.113.7");
  EXPECT_EQ(fail->port, "51234");
  EXPECT_EQ(fail->method, "password");
  EXPECT_EQ(fail->host, "web01");
  EXPECT_EQ(fail->pid, "1234");
  EXPECT_EQ(to_iso8601(*fail->time, 0), "2026-11-21T10:00:01Z");

  auto invalid = parse_line("Nov  3 01:02:03 h sshd[9]: Failed password for invalid user ad min from 10.0.0.5 port 22 ssh2", ref);
  ASSERT_TRUE(invalid);
  EXPECT_EQ(invalid->user, "ad min");  // user names with spaces stay whole
  EXPECT_EQ(invalid->address, "10.0.0.5");
  EXPECT_EQ(to_iso8601(*invalid->time, 0), "2026-11-03T01:02:03Z");

  auto ok = parse_line("Nov 21 10:05:00 web01 sshd[1300]: Accepted password for deploy from 203.0.113.7 port 40000 ssh2", ref);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->kind, Kind::Success);
  EXPECT_EQ(ok->user, "deploy");

  auto key = parse_line("Nov 21 10:05:00 web01 sshd[1300]: Accepted publickey for git from 2001:db8::1 port 4 ssh2: RSA SHA256:x", ref);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->method, "publickey");
  EXPECT_EQ(key->address, "2001:db8::1");

  auto iu = parse_line("Nov 21 10:00:00 web01 sshd[1]: Invalid user oracle from 198.51.100.2 port 3333", ref);
  ASSERT_TRUE(iu);
  EXPECT_EQ(iu->kind, Kind::InvalidUser);
  EXPECT_EQ(iu->user, "oracle");
}

TEST(AuthLog, RepeatedMessagesCountAndRfc3339Stamps) {
  const Timestamp ref = at("2026-11-21T12:00:00Z");
  auto rep = parse_line("2026-11-21T09:00:00.123456+01:00 web01 sshd[5]: message repeated 57 times: [ Failed password "
                        "for root from 203.0.113.7 port 22 ssh2]", ref);
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->count, 57u);
  EXPECT_EQ(rep->kind, Kind::Failure);
  EXPECT_EQ(rep->address, "203.0.113.7");
  EXPECT_EQ(to_iso8601(*rep->time, 0), "2026-11-21T08:00:00Z");  // zone offset applied
}

TEST(AuthLog, YearComesFromTheReferenceAndRollsBack) {
  // A December line read in January belongs to the previous year.
  auto dec = parse_line("Dec 31 23:59:59 h sshd[1]: Failed password for root from 1.2.3.4 port 1 ssh2",
                        at("2027-01-02T00:00:00Z"));
  ASSERT_TRUE(dec && dec->time);
  EXPECT_EQ(to_iso8601(*dec->time, 0), "2026-12-31T23:59:59Z");
}

TEST(AuthLog, SudoAndNewUsers) {
  const Timestamp ref = at("2026-11-21T12:00:00Z");
  auto sudo = parse_line("Nov 21 10:00:00 h sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/chattr -i /etc/resolv.conf", ref);
  ASSERT_TRUE(sudo);
  EXPECT_EQ(sudo->kind, Kind::Sudo);
  EXPECT_EQ(sudo->user, "alice");
  EXPECT_EQ(sudo->command, "/usr/bin/chattr -i /etc/resolv.conf");
  auto add = parse_line("Nov 21 10:00:00 h useradd[77]: new user: name=hilde, UID=0, GID=0, home=/, shell=/bin/bash", ref);
  ASSERT_TRUE(add);
  EXPECT_EQ(add->kind, Kind::NewUser);
  EXPECT_EQ(add->user, "hilde");
}

TEST(AuthLog, OtherAndBrokenLinesAreNotRecords) {
  const Timestamp ref = at("2026-11-21T12:00:00Z");
  for (std::string_view line : {"", "x", "Nov 21 10:00:00", "Nov 21 10:00:00 h", "Nov 21 10:00:00 h cron[1]: (root) CMD (x)",
                                "Nov 21 10:00:00 h sshd[1]: Failed password", "2026-11-21T10:00:00Z h sshd: Failed x",
                                "Nov 21 10:00:00 h sshd[1]: message repeated x times: [ y ]",
                                "Zzz 99 99:99:99 h sshd[1]: Accepted password for a from b port 1"}) {
    auto r = parse_line(line, ref);
    if (r) {
      EXPECT_FALSE(r->time) << line;  // only the bad stamp may survive, undated
    }
  }
  std::string text = "garbage\nNov 21 10:00:01 web01 sshd[1]: Failed password for root from 203.0.113.7 port 1 ssh2\n\n";
  std::vector<uint32_t> lines;
  auto st = parse(text, ref, [&](const Record& r) { lines.push_back(r.line); });
  EXPECT_EQ(st.records, 1u);
  EXPECT_EQ(lines, std::vector<uint32_t>{2});
}

}  // namespace
}  // namespace msw::formats::authlog
