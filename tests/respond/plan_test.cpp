#include "respond/plan.h"

#include <gtest/gtest.h>

namespace msw::respond {
namespace {

model::Finding finding(std::string rule, model::Severity sev, std::vector<model::RemediationAction> actions) {
  model::Finding f;
  f.rule_id = std::move(rule);
  f.severity = sev;
  f.actions = std::move(actions);
  return f;
}

TEST(Plan, OrdersMergesAndEndsWithRescan) {
  using AK = model::ActionKind;
  std::vector<model::Finding> findings = {
      finding("a", model::Severity::High, {{AK::RestoreHostsFile, "/etc/hosts", "", ""}}),
      finding("b", model::Severity::Critical,
              {{AK::KillProcess, "pid 696", "", ""}, {AK::RestoreHostsFile, "/etc/hosts", "", ""}}),
      finding("c", model::Severity::Informational, {{AK::QuarantineFile, "/tmp/x", "", ""}}),
  };
  auto plan = build_plan(findings);
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_EQ(plan[0].action.kind, AK::KillProcess);  // stop what runs before removing what restarts it
  EXPECT_EQ(plan[1].action.kind, AK::RestoreHostsFile);
  EXPECT_EQ(plan[1].reasons, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(plan[2].action.kind, AK::Rescan);
  EXPECT_TRUE(build_plan({}).empty());
}

// A file flagged by its own content carries the hash it had then, whichever finding named it first; a file named
// by other evidence (a process listing, a log) does not get that evidence's hash.
TEST(Plan, AFileFlaggedByItsContentCarriesItsTriageHash) {
  using AK = model::ActionKind;
  model::Finding by_content = finding("yara", model::Severity::High, {{AK::QuarantineFile, "/tmp/kdevtmpfsi", "", ""}});
  by_content.evidence.push_back({"/tmp/kdevtmpfsi", "aa11", 0, 0, 0, ""});
  model::Finding by_process =
      finding("miner_process", model::Severity::Critical, {{AK::QuarantineFile, "/tmp/kdevtmpfsi", "", ""}});
  by_process.evidence.push_back({"proc/ps.json", "bb22", 0, 0, 0, ""});
  model::Finding other = finding("ioc", model::Severity::High, {{AK::QuarantineFile, "/tmp/other", "", ""}});
  other.evidence.push_back({"var/log/auth.log", "cc33", 0, 0, 0, ""});
  for (const auto& order : {std::vector<model::Finding>{by_process, by_content, other},
                            std::vector<model::Finding>{by_content, by_process, other}}) {
    auto plan = build_plan(order);
    ASSERT_EQ(plan.size(), 3u);
    EXPECT_EQ(plan[0].action.target, "/tmp/kdevtmpfsi");
    EXPECT_EQ(plan[0].action.expected_sha256, "aa11");
    EXPECT_EQ(plan[0].reasons.size(), 2u);
    EXPECT_EQ(plan[1].action.target, "/tmp/other");
    EXPECT_EQ(plan[1].action.expected_sha256, "");
  }
}

}  // namespace
}  // namespace msw::respond
