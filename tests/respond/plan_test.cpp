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

}  // namespace
}  // namespace msw::respond
