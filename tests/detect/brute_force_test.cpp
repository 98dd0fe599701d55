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
