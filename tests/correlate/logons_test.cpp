#include "correlate/logons.h"

#include <gtest/gtest.h>

#include "casedb/case_db.h"
#include "support/test_support.h"

namespace msw::correlate {
namespace {

model::Event windows_logon(const char* id, std::string user, std::string ip, std::string type, int64_t second,
                           std::string sub = "0xc000006a") {
  model::Event e;
  e.product = "windows";
  e.service = "security";
  e.time = Timestamp{second * 1'000'000'000};
  e.set(model::Field::EventID, id);
  e.set(model::Field::Computer, "WIN-SERVER");
  e.set(model::Field::TargetUserName, std::move(user));
  e.set(model::Field::TargetDomainName, "WIN-SERVER");
  e.set(model::Field::IpAddress, std::move(ip));
  e.set(model::Field::LogonType, std::move(type));
  if (std::string_view(id) == "4625") {
    e.set(model::Field::Status, "0xc000006d");
    e.set(model::Field::SubStatus, std::move(sub));
  }
  return e;
}

TEST(LogonSummary, CountsPerAccountSourceTypeAndHost) {
  LogonSummary s;
  // The WannaMine shape: an expired account guessed from one internal address, then a success after the reset.
  for (int i = 0; i < 500; ++i) s.observe(windows_logon("4625", "backup", "10.1.1.40", "3", 100 + i, "0xc0000071"));
  s.observe(windows_logon("4624", "backup", "10.1.1.40", "3", 9000));
  s.observe(windows_logon("4624", "alice", "10.1.1.7", "10", 50));
  s.observe(windows_logon("4624", "alice", "10.1.1.7", "3", 60));
  model::Event ssh;
  ssh.product = "linux";
  ssh.service = "auth";
  ssh.time = Timestamp{70'000'000'000};
  ssh.set(model::Field::EventType, "failure");
  ssh.set(model::Field::Image, "sshd");
  ssh.set(model::Field::TargetUserName, "root");
  ssh.set(model::Field::IpAddress, "203.0.113.9");
  ssh.set(model::Field::Hostname, "web1");
  ssh.set("Count", "5");  // "message repeated 5 times"
  s.observe(ssh);
  model::Event other = windows_logon("4688", "x", "y", "z", 1);
  s.observe(other);
  auto rows = s.rows();
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].account, "WIN-SERVER\\backup");
  EXPECT_EQ(rows[0].source, "10.1.1.40");
  EXPECT_EQ(rows[0].failures, 500u);
  EXPECT_EQ(rows[0].successes, 1u);
  EXPECT_EQ(rows[0].first->unix_ns, 100'000'000'000);
  EXPECT_EQ(rows[0].last->unix_ns, 9000'000'000'000);
  EXPECT_EQ(rows[0].last_failure, "0xc0000071");
  EXPECT_EQ(rows[1].account, "root");
  EXPECT_EQ(rows[1].failures, 5u);
  EXPECT_EQ(rows[1].logon_type, "ssh");
  EXPECT_EQ(rows[1].host, "web1");
  EXPECT_EQ(rows[2].logon_type, "10");  // same account and source, two logon types: two rows
  EXPECT_EQ(rows[3].logon_type, "3");

  // Stored in the case for the report, read back the same.
  test::TempDir dir;
  const std::string path = (dir.path() / "case.msw").string();
  auto db = casedb::CaseDb::create(path);
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->add_logons(rows));
  auto back = db->logons();
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), rows.size());
  EXPECT_EQ((*back)[0].account, rows[0].account);
  EXPECT_EQ((*back)[0].failures, 500u);
  EXPECT_EQ((*back)[0].last->unix_ns, rows[0].last->unix_ns);
  EXPECT_EQ((*back)[1].last_failure, "failure");
}

TEST(LogonSummary, DomainAndBareAccountNamesShareARow) {
  LogonSummary s;
  auto bare = windows_logon("4625", "Administrator", "10.9.9.9", "3", 10);
  bare.set(model::Field::TargetDomainName, "-");
  s.observe(bare);                                                         // no domain: a mistyped logon
  s.observe(windows_logon("4625", "administrator", "10.9.9.9", "3", 20));  // WIN-SERVER\administrator
  s.observe(windows_logon("4624", "Administrator", "10.9.9.9", "3", 30));
  auto other = windows_logon("4624", "administrator", "10.9.9.9", "3", 40);
  other.set(model::Field::TargetDomainName, "CORP");  // a domain account of the same name is another account
  s.observe(other);
  const auto rows = s.rows();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].account, "WIN-SERVER\\Administrator");
  EXPECT_EQ(rows[0].failures, 2u);
  EXPECT_EQ(rows[0].successes, 1u);
  EXPECT_EQ(rows[1].account, "CORP\\administrator");
}

}  // namespace
}  // namespace msw::correlate
