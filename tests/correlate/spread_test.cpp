// correlate/spread: who moved to whom in a case of several hosts, and patient zero.
#include "correlate/spread.h"

#include <gtest/gtest.h>

namespace msw::correlate {
namespace {

model::Event identity(std::string name, std::string addresses) {
  model::Event e;
  e.category = "host_identity";
  e.set(model::Field::Computer, std::move(name));
  if (!addresses.empty()) e.set("IpAddresses", std::move(addresses));
  return e;
}

model::LogonRow row(std::string host, std::string source, uint64_t ok, uint64_t failed, int64_t first_s) {
  model::LogonRow r;
  r.account = "backup";
  r.logon_type = "3";
  r.host = std::move(host);
  r.source = std::move(source);
  r.successes = ok;
  r.failures = failed;
  r.first = Timestamp{first_s * 1'000'000'000};
  r.last = r.first;
  return r;
}

HostDirectory three_hosts() {
  HostDirectory d;
  d.observe(identity("WIN-A", "10.0.0.1,fe80::1"));
  d.observe(identity("WIN-B", "10.0.0.2"));
  d.observe(identity("win-c", "10.0.0.3"));
  d.observe(identity("WIN-B", "10.0.0.22"));  // a second interface of the same host
  model::Event other;
  other.category = "registry_set";
  other.set(model::Field::Computer, "NOT-A-HOST");
  d.observe(other);
  return d;
}

TEST(Spread, DirectoryMatchesAddressesAndNames) {
  const auto d = three_hosts();
  EXPECT_EQ(d.size(), 3u);
  EXPECT_EQ(d.owner_of("10.0.0.22"), "WIN-B");
  EXPECT_EQ(d.owner_of("10.9.9.9"), "");
  EXPECT_EQ(d.host_named("WIN-C.corp.example"), "win-c");
  EXPECT_EQ(d.host_named("win-a"), "WIN-A");
  EXPECT_EQ(d.host_named(""), "");
}

TEST(Spread, ChainNamesTheFirstHostAsPatientZero) {
  const auto d = three_hosts();
  // A → B (guessed, then in), B → C (in), an outsider → A, and a few stray failures C → A (below the attempt bar).
  const std::vector<model::LogonRow> rows = {row("WIN-B.corp.example", "10.0.0.1", 1, 300, 100),
                                             row("win-c", "10.0.0.22", 1, 0, 200),
                                             row("WIN-A", "198.51.100.7", 1, 50, 10),
                                             row("WIN-A", "10.0.0.3", 0, 3, 300), row("WIN-C", "10.0.0.2", 0, 40, 400)};
  const auto moves = find_movements(d, rows);
  ASSERT_EQ(moves.size(), 3u);
  EXPECT_EQ(moves[0].from + ">" + moves[0].to, "WIN-A>WIN-B");
  EXPECT_EQ(moves[1].from + ">" + moves[1].to, "WIN-B>win-c");
  EXPECT_EQ(moves[2].from + ">" + moves[2].to, "WIN-B>win-c");  // the attempt, 40 failures
  const auto findings = spread_findings(moves);
  ASSERT_EQ(findings.size(), 4u);
  EXPECT_EQ(findings[0].severity, model::Severity::High);
  EXPECT_EQ(findings[2].severity, model::Severity::Medium);
  EXPECT_EQ(findings[2].title_en, "WIN-B tried to log on to win-c as backup");
  EXPECT_EQ(findings[3].rule_id, kPatientZeroRule);
  EXPECT_EQ(findings[3].title_en, "Patient zero of this case: WIN-A");
  EXPECT_NE(findings[3].title_zh.find("零号"), std::string::npos);
}

TEST(Spread, CycleOrSingleHostNamesNoPatientZero) {
  const auto d = three_hosts();
  const auto cycle = find_movements(
      d, std::vector<model::LogonRow>{row("WIN-A", "10.0.0.2", 1, 0, 1), row("WIN-B", "10.0.0.1", 1, 0, 2)});
  ASSERT_EQ(cycle.size(), 2u);
  for (const auto& f : spread_findings(cycle)) EXPECT_NE(f.rule_id, kPatientZeroRule);
  HostDirectory one;
  one.observe(identity("WIN-A", "10.0.0.1"));
  EXPECT_TRUE(find_movements(one, std::vector<model::LogonRow>{row("WIN-A", "10.0.0.1", 1, 0, 1)}).empty());
}

}  // namespace
}  // namespace msw::correlate
