// The Windows evidence issue's acceptance scenarios: triage trees of a MyKings host, a WannaMine host and a clean
// server (tests/support/windows_tree), scanned as a responder would scan a KAPE collection.
#include <map>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include "support/benign_windows_logs.h"
#include "support/evtx_writer.h"
#include "support/json_schema.h"
#include "support/test_support.h"
#include "support/windows_tree.h"

namespace msw {
namespace {

test::RunResult ms(std::vector<std::string> args) {
  args.insert(args.begin(), MSW_BINARY);
  return test::run(args);
}

nlohmann::json scan_tree(const test::TempDir& dir, test::WindowsScenario scenario, std::vector<std::string>& planted) {
  planted = test::write_windows_tree(dir / "triage", scenario);
  const std::string case_path = (dir / "case.sqlite").string();
  auto scan = ms({"scan", "--quiet", "--case", case_path, (dir / "triage").string()});
  EXPECT_TRUE(scan.exit_code == 0 || scan.exit_code == 1) << scan.err;
  auto report = ms({"report", case_path, "--format", "json"});
  EXPECT_EQ(report.exit_code, 0) << report.err;
  auto j = nlohmann::json::parse(report.out);
  const auto errors = test::validate_json(test::load_report_schema(), j);
  EXPECT_TRUE(errors.empty()) << errors.size() << " schema violations, first: " << errors.front();
  return j;
}

// Every planted artefact is cited as evidence by at least one finding.
void expect_every_artefact_cited(const nlohmann::json& rep, const std::vector<std::string>& planted) {
  std::set<std::string> cited;
  for (const auto& f : rep["findings"])
    for (const auto& e : f["evidence"]) cited.insert(e["path"].get<std::string>());
  for (const auto& rel : planted) {
    bool found = false;
    for (const auto& c : cited) found = found || c.ends_with(rel);
    EXPECT_TRUE(found) << rel << " is not cited by any finding";
  }
}

std::map<std::string, int> families(const nlohmann::json& rep) {
  std::map<std::string, int> out;
  for (const auto& f : rep["findings"])
    if (!f["family"].get<std::string>().empty()) ++out[f["family"].get<std::string>()];
  return out;
}

// "kind target" of every planned action, targets as recorded.
std::set<std::string> plan(const nlohmann::json& rep) {
  std::set<std::string> out;
  for (const auto& p : rep["plan"]) out.insert(p["kind"].get<std::string>() + " " + p["target"].get<std::string>());
  return out;
}

// id -> status of `baseline CASE --json`.
std::map<std::string, std::string> baseline(const test::TempDir& dir) {
  auto r = ms({"baseline", (dir / "case.sqlite").string(), "--json"});
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.err;
  std::map<std::string, std::string> out;
  const auto j = nlohmann::json::parse(r.out);
  for (const auto& c : j["checks"]) out[c["id"].get<std::string>()] = c["status"].get<std::string>();
  return out;
}

std::set<std::string> rules(const nlohmann::json& rep) {
  std::set<std::string> out;
  for (const auto& f : rep["findings"]) out.insert(f["rule_id"].get<std::string>());
  return out;
}

TEST(WindowsScenarios, MyKingsHost) {
  test::TempDir dir;
  std::vector<std::string> planted;
  const auto rep = scan_tree(dir, test::WindowsScenario::MyKings, planted);
  expect_every_artefact_cited(rep, planted);
  const auto r = rules(rep);
  for (auto want :
       {"heuristic.task_suspicious_action", "heuristic.wmi_subscription", "heuristic.registry_autostart_suspicious",
        "heuristic.dns_forced_public", "heuristic.hosts_tampering", "heuristic.prefetch_suspicious_location",
        "heuristic.local_account_suspicious", "heuristic.ms17_010_missing", "ioc.known_indicator"})
    EXPECT_TRUE(r.count(want)) << want << " missing from " << rep["findings"].dump().substr(0, 3000);
  const auto fam = families(rep);
  ASSERT_TRUE(fam.count("mykings")) << rep["findings"].dump().substr(0, 3000);
  for (const auto& [name, n] : fam) EXPECT_LE(n, fam.at("mykings")) << name;
  EXPECT_FALSE(fam.count("wannamine"));
  // The KB names the WMI objects and the tasks: attribution comes from more than one artefact.
  const std::string all = rep["findings"].dump();
  for (auto what : {"fuckyoumm", "Mysa", "13dd73396e35ab46a1618398b0323015c5dca944", "admin$", "js.mykings.top"})
    EXPECT_NE(all.find(what), std::string::npos) << what;
  // The clean-up the write-up did by hand, derived from the evidence.
  const auto p = plan(rep);
  for (auto want :
       {"remove_scheduled_task \\Mysa", "remove_scheduled_task \\Mysa1", "remove_scheduled_task \\ok",
        "remove_wmi_subscription CommandLineEventConsumer.Name=\"fuckyoumm4\" __EventFilter.Name=\"fuckyoumm3\"",
        "remove_autorun HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\start",
        "quarantine_file C:\\Windows\\debug\\item.dat", "rotate_credentials admin$", "apply_patch MS17-010",
        "block_port 445", "block_port 1433", "block_port 3389", "repair_boot_sector MBR",
        "family_playbook mykings step 1", "family_playbook mykings step 2"})
    EXPECT_TRUE(p.count(want)) << want;
  // ...and as the PowerShell script that carries it out, dry run unless -Apply.
  const std::string case_path = (dir / "case.sqlite").string();
  auto script = ms({"respond", case_path, "--script", "ps1"});
  ASSERT_EQ(script.exit_code, 0) << script.err;
  for (auto want :
       {"param([switch]$Apply, [switch]$Harden)", "$Target = '\\Mysa'", "schtasks.exe /Delete /TN $Target /F",
        "$Consumer = 'fuckyoumm4'", "Remove-ItemProperty -LiteralPath ('Registry::' + $Key) -Name $Value",
        "$Target = [Environment]::ExpandEnvironmentVariables('C:\\Windows\\debug\\item.dat')", "net.exe user $Target /active:no"})
    EXPECT_NE(script.out.find(want), std::string::npos) << want;
  EXPECT_EQ(ms({"respond", case_path, "--apply"}).exit_code, 2);  // not built yet, and says so
  EXPECT_EQ(baseline(dir).at("WIN-MSSQL-AUTH"), "fail");          // mixed mode, and sa logged in after guessing
  bool sa_guessed = false;
  for (const auto& f : rep["findings"])
    sa_guessed = sa_guessed || (f["rule_id"] == "heuristic.brute_force_then_logon" &&
                                f["title_en"].get<std::string>().find("10.0.0.50") != std::string::npos);
  EXPECT_TRUE(sa_guessed) << rep["findings"].dump().substr(0, 2000);
  // The timeline as Timesketch imports it: loaded into a fresh SQLite table under its column names, oldest first.
  auto csv = ms({"report", case_path, "--format", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  const auto records = test::parse_csv(csv.out);
  ASSERT_GT(records.size(), 20u);
  EXPECT_EQ(records[0], (std::vector<std::string>{"message", "datetime", "timestamp_desc", "source", "artefact", "host",
                                                  "severity", "rule_id", "fields"}));
  sqlite3* sql = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &sql), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(
                sql,
                "CREATE TABLE timeline (message TEXT NOT NULL, datetime TEXT NOT NULL, timestamp_desc TEXT NOT NULL, "
                "source TEXT, artefact TEXT, host TEXT, severity TEXT, rule_id TEXT, fields TEXT)",
                nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_stmt* insert = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(sql, "INSERT INTO timeline VALUES (?,?,?,?,?,?,?,?,?)", -1, &insert, nullptr),
            SQLITE_OK);
  std::string previous;
  for (size_t row = 1; row < records.size(); ++row) {
    ASSERT_EQ(records[row].size(), 9u) << row;
    EXPECT_GE(records[row][1], previous) << "rows are in time order";
    previous = records[row][1];
    for (int c = 0; c < 9; ++c) sqlite3_bind_text(insert, c + 1, records[row][c].c_str(), -1, SQLITE_TRANSIENT);
    EXPECT_EQ(sqlite3_step(insert), SQLITE_DONE);
    sqlite3_reset(insert);
  }
  sqlite3_finalize(insert);
  sqlite3_stmt* count = nullptr;
  sqlite3_prepare_v2(sql, "SELECT COUNT(*) FROM timeline WHERE timestamp_desc = 'Last Run' AND message LIKE '%LSMOSE%'",
                     -1, &count, nullptr);
  ASSERT_EQ(sqlite3_step(count), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(count, 0), 1);  // the Prefetch run of the dropper
  sqlite3_finalize(count);
  sqlite3_close(sql);
  // The Run key came from the transaction log: the hive was replayed, and the log was not read as a hive.
  bool replayed = false;
  for (const auto& d : rep["diagnostics"]) replayed = replayed || d["code"] == "regf.replayed";
  EXPECT_TRUE(replayed) << rep["diagnostics"].dump();
  for (const auto& a : rep["artefacts"]) {
    if (a["path"].get<std::string>().ends_with("SOFTWARE.LOG1")) {
      EXPECT_EQ(a["kind"], "file");
    }
  }
}

TEST(WindowsScenarios, WannaMineHost) {
  test::TempDir dir;
  std::vector<std::string> planted;
  const auto rep = scan_tree(dir, test::WindowsScenario::WannaMine, planted);
  expect_every_artefact_cited(rep, planted);
  const auto r = rules(rep);
  for (auto want : {"heuristic.wannamine_service", "heuristic.smb1_enabled", "heuristic.rdp_default_port",
                    "heuristic.firewall_off", "heuristic.ms17_010_missing", "heuristic.prefetch_suspicious_location"})
    EXPECT_TRUE(r.count(want)) << want << " missing from " << rep["findings"].dump().substr(0, 3000);
  const auto fam = families(rep);
  ASSERT_TRUE(fam.count("wannamine")) << rep["findings"].dump().substr(0, 3000);
  for (const auto& [name, n] : fam) EXPECT_LE(n, fam.at("wannamine")) << name;
  EXPECT_FALSE(fam.count("mykings"));
  const auto p = plan(rep);
  for (auto want : {"remove_service SecureRPCManager", "quarantine_file C:\\Windows\\System32\\SecureRPCManager.dll",
                    "rotate_credentials backup", "quarantine_file C:\\WINDOWS\\SYSTEM32\\DLLHOSTEX.EXE",
                    "rotate_credentials backup", "apply_patch MS17-010"})
    EXPECT_TRUE(p.count(want)) << want;
  const auto b = baseline(dir);
  EXPECT_EQ(b.at("WIN-MS17-010"), "fail");
  EXPECT_EQ(b.at("WIN-SMB1"), "fail");
  EXPECT_EQ(b.at("WIN-RDP"), "fail");
  EXPECT_EQ(b.at("WIN-FIREWALL"), "fail");
  EXPECT_EQ(b.at("WIN-ACCOUNTS"), "pass");
  EXPECT_EQ(b.at("WIN-WEAK-PASSWORDS"), "fail");   // backup / backup123, tested offline
  EXPECT_EQ(b.at("WIN-PASSWORD-POLICY"), "fail");  // no minimum length, no lockout: 60 guesses went unnoticed
  EXPECT_EQ(b.at("WIN-BUILTIN-ADMIN"), "fail");
  // The baseline's exact fixes join the script as the separately confirmed hardening section.
  auto script = ms({"respond", (dir / "case.sqlite").string(), "--script", "ps1"});
  const size_t section = script.out.find("Hardening from the baseline");
  ASSERT_NE(section, std::string::npos) << script.out;
  for (auto fix :
       {"if ($Apply -and $Harden) { net.exe accounts /minpwlen:12",
        "Set-SmbServerConfiguration -EnableSMB1Protocol $false", "netsh.exe advfirewall set allprofiles state on"})
    EXPECT_NE(script.out.find(fix, section), std::string::npos) << fix;
  EXPECT_EQ(b.count("LNX-SSH-ROOT"), 0u);  // no Linux evidence
  // The password guessing that preceded the infection: failures from one address, then a success.
  bool guessing = false;
  for (const auto& f : rep["findings"]) guessing = guessing || f.dump().find("10.0.0.23") != std::string::npos;
  EXPECT_TRUE(guessing);
}

TEST(WindowsScenarios, CleanHostHasNoHighOrCriticalFinding) {
  test::TempDir dir;
  std::vector<std::string> planted;
  const auto rep = scan_tree(dir, test::WindowsScenario::Clean, planted);
  EXPECT_TRUE(planted.empty());
  for (const auto& f : rep["findings"]) {
    const std::string sev = f["severity"];
    EXPECT_TRUE(sev != "high" && sev != "critical") << f["rule_id"] << ": " << f["title_en"];
  }
  EXPECT_EQ(rep["artefacts"].size(), 10u);
  EXPECT_TRUE(rep["plan"].empty()) << rep["plan"].dump();  // nothing to clean
  for (const auto& [id, status] : baseline(dir)) EXPECT_EQ(status, "pass") << id;
  for (const auto& a : rep["artefacts"]) EXPECT_TRUE(a["parsed"].get<bool>()) << a["path"];
  // Everything a Windows investigation needs was there.
  for (const auto& d : rep["diagnostics"]) EXPECT_NE(d["code"], "evidence.windows_incomplete") << d["detail"];
}

// Event logs of ordinary Windows work (tests/support/benign_windows_logs): a clean installation's logs, routine
// vendor tasks and services, typing mistakes, an expired password changed by its user, a Sysmon day — scanned as
// a responder would scan a collection: no finding, and the verdict says so.
TEST(WindowsScenarios, OrdinaryEventLogsSayNoActionableFindings) {
  test::TempDir dir;
  for (const auto& log : test::benign_windows_logs())
    test::write_file(dir / "logs" / log.name, test::write_evtx(log.events).bytes);
  const std::string case_path = (dir / "case.sqlite").string();
  auto scan = ms({"scan", "--case", case_path, (dir / "logs").string()});
  EXPECT_EQ(scan.exit_code, 0) << scan.out << scan.err;
  EXPECT_NE(scan.out.find("No actionable findings"), std::string::npos) << scan.out;
  auto report = ms({"report", case_path, "--format", "json"});
  const auto rep = nlohmann::json::parse(report.out);
  EXPECT_TRUE(rep["findings"].empty()) << rep["findings"].dump();
}

// Two hosts in one case: the MyKings SQL server (sa guessed from 10.0.0.50, outside the case) went on to guess the
// file server's "backup" password (the WannaMine host's 4625s then 4624 come from the SQL server's address).
TEST(WindowsScenarios, TwoHostsTellWhoInfectedWhom) {
  test::TempDir dir;
  test::write_windows_tree(dir / "triage/sql01", test::WindowsScenario::MyKings, {"WIN-SQL01", "10.0.0.23", ""});
  test::write_windows_tree(dir / "triage/file02", test::WindowsScenario::WannaMine,
                           {"WIN-FILE02", "10.0.0.31", "10.0.0.23"});
  const std::string case_path = (dir / "case.sqlite").string();
  auto scan =
      ms({"scan", "--quiet", "--case", case_path, (dir / "triage/sql01").string(), (dir / "triage/file02").string()});
  ASSERT_TRUE(scan.exit_code == 0 || scan.exit_code == 1) << scan.err;
  auto report = ms({"report", case_path, "--format", "json"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  const auto rep = nlohmann::json::parse(report.out);
  EXPECT_TRUE(test::validate_json(test::load_report_schema(), rep).empty());
  EXPECT_EQ(rep["case"]["subject_host"], "WIN-FILE02, WIN-SQL01");
  std::vector<std::string> movement, zero;
  for (const auto& f : rep["findings"]) {
    if (f["rule_id"] == "correlate.lateral_movement") movement.push_back(f["title_en"]);
    if (f["rule_id"] == "correlate.patient_zero") zero.push_back(f["title_en"]);
  }
  EXPECT_EQ(movement, std::vector<std::string>{"WIN-SQL01 logged on to WIN-FILE02 as WIN-FILE02\\backup"});
  EXPECT_EQ(zero, std::vector<std::string>{"Patient zero of this case: WIN-SQL01"});
  // The storyline opens with it, and tells the spread.
  const auto& steps = rep["storyline"]["steps"];
  ASSERT_FALSE(steps.empty());
  EXPECT_EQ(steps[0]["text_en"], "Patient zero of this case: WIN-SQL01");
  bool spread = false;
  for (const auto& st : steps)
    spread = spread || st["text_en"] == "Spread: WIN-SQL01 logged on to WIN-FILE02 as WIN-FILE02\\backup";
  EXPECT_TRUE(spread) << steps.dump();
  // The graph: one host logged on from the other's address.
  bool edge = false;
  for (const auto& e : rep["graph"]["edges"])
    edge = edge ||
           (e["from"] == "account:WIN-FILE02\\backup" && e["to"] == "ip:10.0.0.23" && e["kind"] == "logged_on_from");
  EXPECT_TRUE(edge);
}

// One host alone names no patient zero and no movement.
TEST(WindowsScenarios, OneHostHasNoSpreadFindings) {
  test::TempDir dir;
  std::vector<std::string> planted;
  const auto rep = scan_tree(dir, test::WindowsScenario::WannaMine, planted);
  for (const auto& f : rep["findings"])
    EXPECT_FALSE(f["rule_id"].get<std::string>().starts_with("correlate.")) << f["rule_id"];
  EXPECT_EQ(rep["case"]["subject_host"], "WIN-SERVER");
}

}  // namespace
}  // namespace msw
