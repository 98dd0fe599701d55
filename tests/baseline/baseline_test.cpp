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

std::map<std::string, std::string> checks_of(const std::vector<model::Event>& events,
                                             const std::vector<model::Finding>& findings = {}) {
  test::TempDir dir;
  auto db = casedb::CaseDb::create((dir / "case.sqlite").string());
  EXPECT_TRUE(db);
  EXPECT_TRUE(db->begin_run({"0.1.0", "test", "analyst", "victim", Timestamp{1}}));
  auto ev = db->add_evidence({0, "/e", "folder", 0, "", "", "", ""});
  auto art = db->add_artefact(
      {0, *ev, "registry_hive", "C/Windows/System32/config/SYSTEM", "regf", 0, "", "", "", true, 0, ""});
  EXPECT_TRUE(db->add_events(*art, events));
  EXPECT_TRUE(db->add_findings(findings));
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

// The hardening table agrees with the findings: every shadow hash resisted the guessing lists, but a finding says
// root's password was guessed over SSH — the password check fails, with that finding as its evidence. A Windows
// logon guessed leaves the Linux check alone.
TEST(Baseline, APasswordTheAttackerGuessedFailsThePasswordCheck) {
  model::Event root;
  root.category = "user_account";
  root.product = "linux";
  root.set("PasswordState", "strong");
  auto guessed = [](std::string title) {
    model::Finding f;
    f.rule_id = "heuristic.brute_force_then_logon";
    f.severity = model::Severity::Critical;
    f.title_en = std::move(title);
    return f;
  };
  EXPECT_EQ(checks_of({root})["LNX-PASSWORDS"], "pass");
  const auto ssh = guessed("SSH password guessing from 203.0.113.9 succeeded: logon as root at 2026-01-01T00:00:00Z");
  EXPECT_EQ(checks_of({root}, {ssh})["LNX-PASSWORDS"], "fail");
  const auto rdp = guessed("RDP/Windows logon password guessing from 10.0.0.23 succeeded: logon as backup at 2020");
  EXPECT_EQ(checks_of({root}, {rdp})["LNX-PASSWORDS"], "pass");
  EXPECT_EQ(checks_of({system_value("HKLM\\System\\x", "1")}, {rdp})["WIN-WEAK-PASSWORDS"], "fail");
}

}  // namespace
}  // namespace msw::baseline
