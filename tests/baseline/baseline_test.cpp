// Hardening checks answer only what the evidence shows: a check whose key was not read is unknown, never a pass.
#include "baseline/baseline.h"

#include <map>

#include <gtest/gtest.h>

#include "casedb/case_db.h"
#include "support/test_support.h"

namespace msw::baseline {
namespace {

model::Event system_value(const std::string& target, const std::string& details) {
  model::Event e;
  e.category = "registry_set";
  e.product = "windows";
  e.set("HiveKind", "SYSTEM");
  e.set(model::Field::TargetObject, target);
  e.set(model::Field::Details, details);
  return e;
}

std::map<std::string, std::string> checks_of(const std::vector<model::Event>& events) {
  test::TempDir dir;
  auto db = casedb::CaseDb::create((dir / "case.sqlite").string());
  EXPECT_TRUE(db);
  EXPECT_TRUE(db->begin_run({"0.1.0", "test", "analyst", "victim", Timestamp{1}}));
  auto ev = db->add_evidence({0, "/e", "folder", 0, "", "", "", ""});
  auto art = db->add_artefact(
      {0, *ev, "registry_hive", "C/Windows/System32/config/SYSTEM", "regf", 0, "", "", "", true, 0, ""});
  EXPECT_TRUE(db->add_events(*art, events));
  auto checks = evaluate(*db);
  EXPECT_TRUE(checks);
  std::map<std::string, std::string> out;
  for (const auto& c : *checks) out[c.id] = std::string(to_string(c.status));
  return out;
}

TEST(Baseline, Smb1IsUnknownWhenNeitherItsValueNorTheBuildWasRead) {
  const std::string smb1 = "HKLM\\System\\CurrentControlSet\\Services\\LanmanServer\\Parameters\\SMB1";
  const std::string port =
      "HKLM\\System\\CurrentControlSet\\Control\\Terminal Server\\WinStations\\RDP-Tcp\\PortNumber";
  // A SYSTEM hive without the SMB1 value, and no SOFTWARE hive: the default depends on the build, which is unknown.
  EXPECT_EQ(checks_of({system_value(port, "DWORD (0x00000d3d)")})["WIN-SMB1"], "unknown");
  // SMB1=0 read: off.
  EXPECT_EQ(checks_of({system_value(port, "DWORD (0x00000d3d)"), system_value(smb1, "DWORD (0x00000000)")})["WIN-SMB1"],
            "pass");
  // The MS17-010 check needs the build and the updates.
  EXPECT_EQ(checks_of({system_value(smb1, "DWORD (0x00000000)")})["WIN-MS17-010"], "unknown");
}

}  // namespace
}  // namespace msw::baseline
