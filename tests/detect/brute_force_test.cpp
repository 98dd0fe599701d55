#include "detect/heuristics/brute_force.h"

#include <gtest/gtest.h>

namespace msw::detect::heuristics {
namespace {

model::Event ssh(std::string_view type, std::string_view user, std::string_view ip, int64_t t, int count = 1) {
  model::Event e;
  e.category = "authentication";
  e.product = "linux";
  e.time = from_unix_seconds(t);
  e.set(model::Field::EventType, std::string(type));
  e.set(model::Field::TargetUserName, std::string(user));
  e.set(model::Field::IpAddress, std::string(ip));
  if (count > 1) e.set("Count", std::to_string(count));
  return e;
}

model::Event windows(std::string_view id, std::string_view user, std::string_view ip, int64_t t,
                     std::string_view logon_type = "3", std::string_view sub_status = "") {
  model::Event e;
  e.product = "windows";
  e.time = from_unix_seconds(t);
  e.set(model::Field::EventID, std::string(id));
  e.set(model::Field::TargetUserName, std::string(user));
  e.set(model::Field::IpAddress, std::string(ip));
  e.set(model::Field::LogonType, std::string(logon_type));
  if (!sub_status.empty()) e.set(model::Field::SubStatus, std::string(sub_status));
  return e;
}

std::vector<model::Finding> run(const std::vector<std::vector<model::Event>>& artefacts) {
  auto engine = make_brute_force_engine();
  size_t i = 0;
  for (const auto& events : artefacts) {
    std::string path = "log" + std::to_string(i++);
    ArtefactView view{path, "", "auth_log", "linux", "", {}};
    for (const auto& e : events) engine->observe(view, e);
  }
  std::vector<model::Finding> out;
  engine->finish(out);
  return out;
}

TEST(BruteForce, FailuresThenSuccessFromTheSameAddressIsCritical) {
  std::vector<model::Event> log;
  for (int i = 0; i < 300; ++i) log.push_back(ssh("failure", i % 2 ? "root" : "admin", "203.0.113.7", 1000 + i));
  log.push_back(ssh("success", "root", "203.0.113.7", 2000));
  log.push_back(ssh("success", "deploy", "198.51.100.1", 2100));  // an ordinary login elsewhere
  auto f = run({log});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].rule_id, kBruteForceSuccessRule);
  EXPECT_EQ(f[0].severity, model::Severity::Critical);
  EXPECT_NE(f[0].title_en.find("203.0.113.7"), std::string::npos);
  EXPECT_NE(f[0].title_en.find("root"), std::string::npos);
  EXPECT_NE(f[0].description_en.find("300"), std::string::npos);
  EXPECT_EQ(f[0].evidence.size(), 2u);  // first failure and the success
}

TEST(BruteForce, RotatedLogsAndRepeatCountsAddUp) {
  // 15 failures in auth.log.1 (one line repeated 10 times) and 10 more in auth.log, then the success.
  std::vector<model::Event> old{ssh("failure", "root", "10.0.0.9", 100, 10)};
  for (int i = 0; i < 5; ++i) old.push_back(ssh("failure", "root", "10.0.0.9", 200 + i));
  std::vector<model::Event> cur;
  for (int i = 0; i < 10; ++i) cur.push_back(ssh("failure", "root", "10.0.0.9", 300 + i));
  cur.push_back(ssh("success", "root", "10.0.0.9", 400));
  auto f = run({old, cur});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].rule_id, kBruteForceSuccessRule);
  EXPECT_NE(f[0].description_en.find("internal"), std::string::npos);  // 10.0.0.9: the next host to examine
}

TEST(BruteForce, AFewTyposAreNotAnAttack) {
  std::vector<model::Event> log;
  for (int i = 0; i < 5; ++i) log.push_back(ssh("failure", "alice", "192.0.2.1", i));
  log.push_back(ssh("success", "alice", "192.0.2.1", 10));
  EXPECT_TRUE(run({log}).empty());
}

TEST(BruteForce, GuessingWithoutSuccessIsReportedLower) {
  std::vector<model::Event> log;
  for (int i = 0; i < 40; ++i) log.push_back(ssh("failure", "root", "198.51.100.200", i));
  auto f = run({log});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].rule_id, kBruteForceRule);
  EXPECT_EQ(f[0].severity, model::Severity::Medium);
}

TEST(BruteForce, WannaMineSecurityLogPattern) {
  // Thousands of 4625 with 0xC0000071 (password expired) from one internal address, then a network 4624.
  std::vector<model::Event> log;
  for (int i = 0; i < 2000; ++i) log.push_back(windows("4625", "backup", "192.168.1.23", 1000 + i, "3", "0xc0000071"));
  log.push_back(windows("4624", "backup", "192.168.1.23", 5000, "3"));
  log.push_back(windows("4624", "SYSTEM", "-", 5001, "5"));
  auto f = run({log});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].severity, model::Severity::Critical);
  EXPECT_NE(f[0].description_en.find("0xC0000071"), std::string::npos);
  EXPECT_NE(f[0].title_en.find("Windows logon"), std::string::npos);
}

TEST(BruteForce, SuccessBeforeTheFailuresDoesNotCount) {
  std::vector<model::Event> log{ssh("success", "root", "203.0.113.50", 1)};
  for (int i = 0; i < 30; ++i) log.push_back(ssh("failure", "root", "203.0.113.50", 100 + i));
  auto f = run({log});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].rule_id, kBruteForceRule);
}

}  // namespace
}  // namespace msw::detect::heuristics

namespace msw::detect::heuristics {
namespace {

model::Event win(std::string_view id, int64_t t, std::initializer_list<std::pair<std::string, std::string>> fields,
                 std::string service = "security") {
  model::Event e;
  e.product = "windows";
  e.service = std::move(service);
  e.time = from_unix_seconds(t);
  e.set(model::Field::EventID, std::string(id));
  for (const auto& [k, v] : fields) e.set(std::string_view(k), v);
  return e;
}

const model::Finding* with_rule(const std::vector<model::Finding>& f, std::string_view rule) {
  for (const auto& x : f)
    if (x.rule_id == rule) return &x;
  return nullptr;
}

TEST(BruteForce, FailuresWithoutAnAddressCountForTheirWorkstation) {
  std::vector<model::Event> log;
  for (int i = 0; i < 30; ++i)
    log.push_back(win("4625", 1000 + i,
                      {{"TargetUserName", i % 3 ? "administrator" : "admin"},
                       {"LogonType", "3"},
                       {"IpAddress", "-"},
                       {"WorkstationName", "WIN-ATTACKER"}}));
  log.push_back(win("4624", 1100,
                    {{"TargetUserName", "administrator"},
                     {"LogonType", "3"},
                     {"IpAddress", "-"},
                     {"WorkstationName", "WIN-ATTACKER"}}));
  auto f = run({log});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].rule_id, kBruteForceSuccessRule);
  EXPECT_EQ(f[0].title_en,
            "Windows logon password guessing from workstation WIN-ATTACKER succeeded: logon as "
            "administrator at 1970-01-01T00:18:20Z");
  EXPECT_NE(f[0].description_en.find("accounts: admin, administrator"), std::string::npos) << f[0].description_en;
  EXPECT_NE(f[0].description_en.find("1970-01-01T00:16:40Z – 1970-01-01T00:17:09Z"), std::string::npos);
}

TEST(BruteForce, KerberosPreAuthenticationFailuresThenATicket) {
  std::vector<model::Event> log;
  for (int i = 0; i < 25; ++i)
    log.push_back(
        win("4771", 2000 + i, {{"TargetUserName", "svc_sql"}, {"IpAddress", "::ffff:10.0.0.5"}, {"Status", "0x18"}}));
  log.push_back(
      win("4768", 2100, {{"TargetUserName", "svc_sql"}, {"IpAddress", "::ffff:10.0.0.5"}, {"Status", "0x0"}}));
  log.push_back(win("4768", 2101, {{"TargetUserName", "DC01$"}, {"IpAddress", "::ffff:10.0.0.5"}, {"Status", "0x0"}}));
  auto f = run({log});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].rule_id, kBruteForceSuccessRule);
  EXPECT_NE(f[0].title_en.find("Kerberos password guessing from 10.0.0.5 succeeded: logon as svc_sql"),
            std::string::npos)
      << f[0].title_en;
}

TEST(BruteForce, KerberosUserEnumerationAndExplicitCredentialSpraying) {
  std::vector<model::Event> log;
  for (int i = 0; i < 12; ++i)
    log.push_back(
        win("4768", 100 + i,
            {{"TargetUserName", "user" + std::to_string(i)}, {"IpAddress", "::ffff:10.0.0.66"}, {"Status", "0x6"}}));
  for (int i = 0; i < 11; ++i)
    log.push_back(win("4648", 500 + i,
                      {{"SubjectUserName", "bob"},
                       {"SubjectDomainName", "CORP"},
                       {"TargetUserName", "acct" + std::to_string(i)},
                       {"TargetServerName", "FS01"},
                       {"ProcessName", "C:\\Users\\bob\\AppData\\Local\\Temp\\sp.exe"},
                       {"Computer", "WS7"}}));
  // A person using runas for two accounts is not spraying.
  for (auto who : {"adm_bob", "backup"})
    log.push_back(win(
        "4648", 900,
        {{"SubjectUserName", "carol"}, {"TargetUserName", who}, {"ProcessName", "C:\\Windows\\System32\\runas.exe"}}));
  auto f = run({log});
  ASSERT_EQ(f.size(), 2u);
  const auto* enumeration = with_rule(f, kUserEnumerationRule);
  ASSERT_TRUE(enumeration);
  EXPECT_EQ(enumeration->severity, model::Severity::Medium);
  EXPECT_NE(enumeration->title_en.find("12 accounts that do not exist, from 10.0.0.66"), std::string::npos);
  const auto* spray = with_rule(f, kExplicitCredentialSprayRule);
  ASSERT_TRUE(spray);
  EXPECT_NE(spray->title_en.find("11 accounts used by CORP\\bob"), std::string::npos) << spray->title_en;
}

TEST(BruteForce, RemoteDesktopFailuresThenAnAcceptedConnection) {
  std::vector<model::Event> log;
  for (int i = 0; i < 40; ++i)
    log.push_back(win("140", 3000 + i, {{"IPString", "203.0.113.5"}},
                      "microsoft-windows-remotedesktopservices-rdpcorets/operational"));
  log.push_back(win("1149", 3100, {{"Param1", "Administrator"}, {"Param2", "WIN"}, {"Param3", "203.0.113.5"}},
                    "microsoft-windows-terminalservices-remoteconnectionmanager/operational"));
  auto f = run({log});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].severity, model::Severity::Critical);
  EXPECT_NE(f[0].title_en.find("RDP password guessing from 203.0.113.5 succeeded: logon as Administrator"),
            std::string::npos);
}

TEST(BruteForce, MistakesSpreadOverWeeksAndLateSuccessesAreNoBreakIn) {
  std::vector<model::Event> log;
  // An office NAT address: a mistake a day for a month, each followed by the right password.
  for (int d = 0; d < 30; ++d) {
    log.push_back(windows("4625", "alice", "10.0.0.31", d * 86400 + 100));
    log.push_back(windows("4624", "alice", "10.0.0.31", d * 86400 + 130));
  }
  EXPECT_TRUE(run({log}).empty());
  // A burst that failed, and a logon from that address a week later: an attempt, not a way in.
  std::vector<model::Event> burst;
  for (int i = 0; i < 50; ++i) burst.push_back(windows("4625", "administrator", "198.51.100.9", 1000 + i));
  burst.push_back(windows("4624", "administrator", "198.51.100.9", 1000 + 7 * 86400));
  auto f = run({burst});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].rule_id, kBruteForceRule);
  EXPECT_EQ(f[0].severity, model::Severity::Medium);
  EXPECT_NE(f[0].description_en.find("accounts: administrator"), std::string::npos);
}

TEST(BruteForce, TheSuccessMayBeReadBeforeTheFailures) {
  // Security.evtx (the success) read before Security-old.evtx (the failures).
  std::vector<model::Event> current{windows("4624", "backup", "10.1.2.3", 5000)};
  std::vector<model::Event> old;
  for (int i = 0; i < 30; ++i) old.push_back(windows("4625", "backup", "10.1.2.3", 4000 + i));
  auto f = run({current, old});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].rule_id, kBruteForceSuccessRule);
}

TEST(BruteForce, SprayingManyAccountsOnceEachThenALogon) {
  // Nine accounts tried within seconds (seven the domain does not know), then a ticket for another one.
  std::vector<model::Event> log;
  for (int i = 0; i < 7; ++i)
    log.push_back(
        win("4768", 100,
            {{"TargetUserName", "guess" + std::to_string(i)}, {"IpAddress", "172.16.66.1"}, {"Status", "0x6"}}));
  for (auto user : {"Administrator", "backup"})
    log.push_back(win("4771", 101, {{"TargetUserName", user}, {"IpAddress", "172.16.66.1"}, {"Status", "0x18"}}));
  log.push_back(
      win("4768", 102, {{"TargetUserName", "normal"}, {"IpAddress", "::ffff:172.16.66.1"}, {"Status", "0x0"}}));
  auto f = run({log});
  ASSERT_EQ(f.size(), 1u);  // the enumeration is part of the guessing finding
  EXPECT_EQ(f[0].rule_id, kBruteForceSuccessRule);
  EXPECT_NE(f[0].title_en.find("from 172.16.66.1 succeeded: logon as normal"), std::string::npos) << f[0].title_en;
  EXPECT_NE(f[0].description_en.find("9 accounts: spraying"), std::string::npos) << f[0].description_en;
}

}  // namespace
}  // namespace msw::detect::heuristics
