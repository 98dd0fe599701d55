#include "formats/regf/regf.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "core/mapped_file.h"
#include "core/hash.h"
#include "formats/regf/sam_secrets.h"
#include "formats/regf/transaction_log.h"
#include "support/regf_writer.h"

namespace msw::formats::regf {
namespace {
namespace fs = std::filesystem;
using test::RegKeySpec;

RegKeySpec software() {
  RegKeySpec run{"Run"};
  run.values = {{"Updater", kRegSz, test::reg_sz("C:\\Windows\\debug\\lsma12.exe")},
                {"Mode", kRegDword, test::reg_dword(1)},
                {"Stamp", kRegQword, test::reg_qword(0x0000000100000002ull)},
                {"Paths", kRegMultiSz, test::reg_multi_sz({"a", "bc"})},
                {"", kRegExpandSz, test::reg_sz("%SystemRoot%\\x.exe")},
                {"Blob", kRegBinary, std::string(40000, '\x5a')}};
  RegKeySpec cv{"CurrentVersion"};
  cv.subkeys = {run, RegKeySpec{"RunOnce"}};
  cv.list_kind = "lf";
  RegKeySpec windows{"Windows"};
  windows.subkeys = {cv};
  windows.list_kind = "li";
  RegKeySpec ms{"Microsoft"};
  ms.subkeys = {windows};
  RegKeySpec classes{"Classes"};
  for (int i = 0; i < 6; ++i) classes.subkeys.push_back(RegKeySpec{".ext" + std::to_string(i)});
  classes.list_kind = "ri";
  RegKeySpec uni{"Ünïcode"};
  uni.utf16_name = true;
  RegKeySpec root{"ROOT"};
  root.subkeys = {ms, classes, uni};
  return root;
}

TEST(Regf, KeysValuesAndListsOfEveryKind) {
  const std::string bytes = test::write_hive(software());
  Diagnostics d;
  auto hive = Hive::open(as_bytes(bytes), "SOFTWARE", d);
  ASSERT_TRUE(hive) << hive.error().message;
  EXPECT_TRUE(d.empty());
  EXPECT_TRUE(hive->header().checksum_ok);
  EXPECT_FALSE(hive->header().dirty);
  // The base block keeps 64 bytes of the name: 32 characters.
  EXPECT_EQ(hive->header().embedded_name, "\\??\\C:\\Windows\\System32\\config\\S");
  auto run = hive->find("microsoft\\WINDOWS\\CurrentVersion\\run");  // case-insensitive
  ASSERT_TRUE(run);
  EXPECT_EQ(run->name(), "Run");
  EXPECT_EQ(to_iso8601(*run->last_written(), 0), "2020-01-01T00:00:00Z");
  EXPECT_EQ(run->value("updater")->text(), "C:\\Windows\\debug\\lsma12.exe");
  EXPECT_EQ(run->value("Mode")->number(), 1u);
  EXPECT_EQ(run->value("Mode")->details(), "DWORD (0x00000001)");
  EXPECT_EQ(run->value("Stamp")->details(), "QWORD (0x00000001-0x00000002)");
  EXPECT_EQ(run->value("Paths")->strings(), (std::vector<std::string>{"a", "bc"}));
  EXPECT_EQ(run->value("")->text(), "%SystemRoot%\\x.exe");
  const auto blob = run->value("Blob");  // big data: three db segments
  ASSERT_TRUE(blob);
  EXPECT_FALSE(blob->truncated);
  EXPECT_EQ(blob->data().size(), 40000u);
  EXPECT_EQ(std::string(as_chars(blob->data())), std::string(40000, '\x5a'));
  EXPECT_EQ(type_name(blob->type), "REG_BINARY");
  EXPECT_EQ(type_name(0x77), "REG_0x77");
  std::vector<std::string> paths;
  hive->walk([&](const std::string& path, const Key&) {
    paths.push_back(path);
    return true;
  });
  EXPECT_EQ(paths.size(), 1u + 4 + 1 + 1 + 6 + 1);
  EXPECT_EQ(paths[1], "Microsoft");
  EXPECT_TRUE(hive->find("Classes\\.ext5"));  // behind an ri list
  ASSERT_TRUE(hive->find("Ünïcode"));  // a UTF-16 name (ASCII case folding only)
  EXPECT_EQ(hive->find("Ünïcode")->name(), "Ünïcode");
  EXPECT_EQ(hive->damage(), 0u);
}

TEST(Regf, DirtyBadChecksumAndNotAHive) {
  test::HiveOptions o;
  o.dirty = true;
  o.bad_checksum = true;
  const std::string bytes = test::write_hive(software(), o);
  Diagnostics d;
  auto hive = Hive::open(as_bytes(bytes), "SYSTEM", d);
  ASSERT_TRUE(hive);
  EXPECT_TRUE(hive->header().dirty);
  EXPECT_FALSE(hive->header().checksum_ok);
  std::set<std::string> codes;
  for (const auto& x : d.items()) codes.insert(x.code);
  EXPECT_EQ(codes, (std::set<std::string>{"regf.dirty", "regf.bad_checksum"}));
  EXPECT_EQ(Hive::open(as_bytes(std::string(8192, 'x')), "x", d).error().code, "regf.not_hive");
}

// Hostile hives: a subkey list that points back at an ancestor, offsets outside the bins, counts larger than the
// lists, a file cut in the middle — every walk ends, nothing is read out of bounds, damage is counted.
TEST(Regf, CyclesBadOffsetsAndTruncation) {
  std::string bytes = test::write_hive(software());
  // Point CurrentVersion's lf list entry for RunOnce back at the root key: a cycle.
  const size_t lf = test::hive_cell_offset(bytes, "lf", "RunO");
  ASSERT_NE(lf, std::string::npos);
  Diagnostics d;
  const uint32_t root = Hive::open(as_bytes(bytes), "x", d)->header().root_offset;
  for (int i = 0; i < 4; ++i) bytes[4096 + lf + 4 + 4 + 8 + i] = static_cast<char>((root >> (8 * i)) & 0xFF);
  // Claim a million values on the Run key, and point the big-data list outside the file.
  const size_t run = test::hive_cell_offset(bytes, "nk", "Run");
  bytes[4096 + run + 4 + 36 + 2] = 0x0F;
  auto hive = Hive::open(as_bytes(bytes), "x", d);
  ASSERT_TRUE(hive);
  size_t keys = 0, values = 0;
  hive->walk([&](const std::string&, const Key& k) {
    ++keys;
    k.for_each_value([&](const Value&) { return ++values < 100000; });
    return true;
  });
  EXPECT_LT(keys, 20u);
  EXPECT_GT(hive->damage(), 0u);
  // Cut anywhere: opening fails cleanly or reads what is there.
  for (size_t cut = 0; cut < bytes.size(); cut += 509) {
    Diagnostics dc;
    auto h = Hive::open(as_bytes(std::string_view(bytes).substr(0, cut)), "cut", dc);
    if (!h) continue;
    h->walk([&](const std::string&, const Key& k) {
      k.for_each_value([](const Value& v) {
        (void)v.details();
        return true;
      });
      return true;
    });
  }
}

// The public hives: every key and value reads, and the counts agree with hivex (`hivexml FILE`, counting <node> and
// <value> elements).
TEST(RegfCorpus, PublicHivesAgreeWithHivex) {
  const fs::path root = fs::path(MSW_CORPUS_DIR) / "windows/plaso";
  if (!fs::exists(root)) GTEST_SKIP() << "corpus not present";
  const std::map<std::string, std::pair<size_t, size_t>> expected = {
      {"regf/NTUSER.DAT", {1597, 2310}},
      {"regf/SAM", {76, 84}},
      {"winreg/Amcache.hve", {2105, 17539}},
      {"NTUSER.DAT", {1127, 5602}},
  };
  for (const auto& [name, counts] : expected) {
    auto file = MappedFile::open((root / name).string());
    ASSERT_TRUE(file) << name;
    Diagnostics d;
    auto hive = Hive::open(file->bytes(), name, d);
    ASSERT_TRUE(hive) << name << ": " << hive.error().message;
    size_t keys = 0, values = 0;
    hive->walk([&](const std::string&, const Key& k) {
      ++keys;
      k.for_each_value([&](const Value& v) {
        ++values;
        (void)v.details();
        return true;
      });
      return true;
    });
    EXPECT_EQ(keys, counts.first) << name;
    EXPECT_EQ(values, counts.second) << name;
    EXPECT_EQ(hive->damage(), 0u) << name;
  }
}

}  // namespace
}  // namespace msw::formats::regf

#include "detect/heuristics/windows_persistence.h"
#include "normalize/windows_registry.h"

namespace msw::normalize {
namespace {
namespace fs = std::filesystem;
namespace regf = formats::regf;
using test::RegKeySpec;
using test::RegValueSpec;

RegKeySpec path_key(const std::vector<std::string>& path, RegKeySpec leaf) {
  // Wraps `leaf` in the keys of `path` (outermost first).
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    RegKeySpec k(*it);
    k.subkeys.push_back(std::move(leaf));
    leaf = std::move(k);
  }
  return leaf;
}

std::map<std::string, std::string> by_target(const std::vector<model::Event>& events) {
  std::map<std::string, std::string> out;
  for (const auto& e : events) out[e.value("TargetObject")] = e.value("Details");
  return out;
}

// The MyKings and WannaMine footholds in the three hives they live in, read back as registry_set events.
TEST(WindowsRegistry, AutorunsServicesAndNetworkSettings) {
  // SOFTWARE: a Run value and an IFEO debugger.
  RegKeySpec run("Run");
  run.values = {RegValueSpec{"start", regf::kRegSz, test::reg_sz("C:\\Windows\\debug\\lsma12.exe")}};
  RegKeySpec sethc("sethc.exe");
  sethc.values = {RegValueSpec{"Debugger", regf::kRegSz, test::reg_sz("cmd.exe")}};
  RegKeySpec nt("Windows NT");
  RegKeySpec cv_nt("CurrentVersion");
  RegKeySpec ifeo("Image File Execution Options");
  ifeo.subkeys = {sethc};
  cv_nt.subkeys = {ifeo};
  nt.subkeys = {cv_nt};
  RegKeySpec windows("Windows");
  RegKeySpec cv("CurrentVersion");
  cv.subkeys = {run};
  windows.subkeys = {cv};
  RegKeySpec ms("Microsoft");
  ms.subkeys = {windows, nt};
  RegKeySpec software("ROOT");
  software.subkeys = {ms, RegKeySpec("Classes")};
  // SYSTEM: Select\Current = 1; a WannaMine-style service with a ServiceDll; DNS forced; RDP 3389; SMBv1 on.
  RegKeySpec select("Select");
  select.values = {RegValueSpec{"Current", regf::kRegDword, test::reg_dword(1)}};
  RegKeySpec svc("RemoteTimeHost");
  svc.values = {RegValueSpec{"ImagePath", regf::kRegExpandSz, test::reg_sz("%SystemRoot%\\System32\\svchost.exe -k netsvcs")},
                RegValueSpec{"Start", regf::kRegDword, test::reg_dword(2)},
                RegValueSpec{"DisplayName", regf::kRegSz, test::reg_sz("Remote Time Host")},
                RegValueSpec{"ObjectName", regf::kRegSz, test::reg_sz("LocalSystem")}};
  RegKeySpec params("Parameters");
  params.values = {RegValueSpec{"ServiceDll", regf::kRegExpandSz, test::reg_sz("C:\\Windows\\System32\\RemoteTimeHost.dll")}};
  svc.subkeys = {params};
  RegKeySpec iface("{4d36e972-e325-11ce-bfc1-08002be10318}");
  iface.values = {RegValueSpec{"NameServer", regf::kRegSz, test::reg_sz("223.5.5.5,8.8.8.8")},
                  RegValueSpec{"DhcpNameServer", regf::kRegSz, test::reg_sz("")}};
  RegKeySpec tcpip = path_key({"Tcpip", "Parameters", "Interfaces"}, iface);
  RegKeySpec lanman = path_key({"LanmanServer"}, RegKeySpec("Parameters"));
  lanman.subkeys[0].values = {RegValueSpec{"SMB1", regf::kRegDword, test::reg_dword(1)}};
  RegKeySpec services("Services");
  services.subkeys = {svc, tcpip, lanman};
  RegKeySpec rdp("RDP-Tcp");
  rdp.values = {RegValueSpec{"PortNumber", regf::kRegDword, test::reg_dword(3389)}};
  RegKeySpec ts = path_key({"Terminal Server", "WinStations"}, rdp);
  ts.values = {RegValueSpec{"fDenyTSConnections", regf::kRegDword, test::reg_dword(0)}};
  RegKeySpec control("Control");
  control.subkeys = {ts};
  RegKeySpec cs1("ControlSet001");
  cs1.subkeys = {control, services};
  RegKeySpec system("ROOT");
  system.subkeys = {cs1, select};
  // NTUSER.DAT: a per-user Run value.
  RegKeySpec urun("Run");
  urun.values = {RegValueSpec{"svchost", regf::kRegSz, test::reg_sz("C:\\Users\\bob\\AppData\\Roaming\\svchost.exe")}};
  RegKeySpec ntuser("ROOT");
  ntuser.subkeys = {path_key({"Software", "Microsoft", "Windows", "CurrentVersion"}, urun), RegKeySpec("Environment")};

  std::map<std::string, std::string> all;
  std::map<std::string, HiveKind> kinds;
  std::vector<std::string> titles;
  for (const auto& [name, spec] : std::vector<std::pair<std::string, RegKeySpec>>{
           {"C/Windows/System32/config/SOFTWARE", software},
           {"C/Windows/System32/config/SYSTEM", system},
           {"C/Users/bob/NTUSER.DAT", ntuser}}) {
    const std::string bytes = test::write_hive(spec);
    Diagnostics d;
    auto hive = regf::Hive::open(as_bytes(bytes), name, d);
    ASSERT_TRUE(hive);
    kinds[name] = classify_hive(*hive);
    std::vector<model::Event> all_events, events;
    ASSERT_TRUE(registry_hive_events(as_bytes(bytes), name, d, all_events));
    for (auto& e : all_events) {
      if (e.category == "windows_os") continue;  // SOFTWARE's version summary, checked in WindowsHost tests
      events.push_back(std::move(e));
    }
    for (const auto& e : events) {
      EXPECT_EQ(e.category, "registry_set");
      EXPECT_EQ(e.value("EventType"), "SetValue");
      EXPECT_TRUE(e.time);
      if (e.value("ServiceName") == "RemoteTimeHost") {
        EXPECT_EQ(e.value("StartType"), "auto");
        EXPECT_EQ(e.value("ServiceAccount"), "LocalSystem");
      }
    }
    for (auto& [k, v] : by_target(events)) all[k] = v;
    std::vector<model::Finding> found;
    detect::heuristics::make_windows_persistence_engine()->scan_artefact({name, "", "registry_hive", "", "", events}, found);
    for (const auto& f : found) titles.push_back(f.title_en);
  }
  EXPECT_EQ(titles, (std::vector<std::string>{
                        "Autostart runs from C:\\Windows\\debug: C:\\Windows\\debug\\lsma12.exe",
                        "Image File Execution Options debugger for sethc.exe: cmd.exe",
                        "WannaMine-style service RemoteTimeHost loads C:\\Windows\\System32\\RemoteTimeHost.dll",
                        "DNS servers set by hand to public resolvers: 223.5.5.5,8.8.8.8",
                        "Autostart a Windows program name (svchost.exe) outside System32: "
                        "C:\\Users\\bob\\AppData\\Roaming\\svchost.exe",
                    }));
  EXPECT_EQ(kinds["C/Windows/System32/config/SOFTWARE"], HiveKind::Software);
  EXPECT_EQ(kinds["C/Windows/System32/config/SYSTEM"], HiveKind::System);
  EXPECT_EQ(kinds["C/Users/bob/NTUSER.DAT"], HiveKind::NtUser);
  const std::map<std::string, std::string> expected = {
      {"HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\start", "C:\\Windows\\debug\\lsma12.exe"},
      {"HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Image File Execution Options\\sethc.exe\\Debugger",
       "cmd.exe"},
      {"HKLM\\System\\CurrentControlSet\\Services\\RemoteTimeHost\\ImagePath",
       "%SystemRoot%\\System32\\svchost.exe -k netsvcs"},
      {"HKLM\\System\\CurrentControlSet\\Services\\RemoteTimeHost\\Parameters\\ServiceDll",
       "C:\\Windows\\System32\\RemoteTimeHost.dll"},
      {"HKLM\\System\\CurrentControlSet\\Services\\Tcpip\\Parameters\\Interfaces\\{4d36e972-e325-11ce-bfc1-08002be10318}"
       "\\NameServer",
       "223.5.5.5,8.8.8.8"},
      {"HKLM\\System\\CurrentControlSet\\Control\\Terminal Server\\fDenyTSConnections", "DWORD (0x00000000)"},
      {"HKLM\\System\\CurrentControlSet\\Control\\Terminal Server\\WinStations\\RDP-Tcp\\PortNumber",
       "DWORD (0x00000d3d)"},
      {"HKLM\\System\\CurrentControlSet\\Services\\LanmanServer\\Parameters\\SMB1", "DWORD (0x00000001)"},
      {"HKU\\bob\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\svchost",
       "C:\\Users\\bob\\AppData\\Roaming\\svchost.exe"},
  };
  EXPECT_EQ(all, expected);
}

// Item 12: a SOFTWARE hive without Classes (reduced or exported) is still SOFTWARE; a hive nothing recognises is a
// diagnostic, never silence.
TEST(WindowsRegistry, HivesAreClassifiedBySeveralKeysAndTheRestIsReported) {
  RegKeySpec run("Run");
  run.values = {RegValueSpec{"start", regf::kRegSz, test::reg_sz("C:\\Windows\\debug\\lsma12.exe")}};
  RegKeySpec cv("CurrentVersion");
  cv.values = {{"ProductName", regf::kRegSz, test::reg_sz("Windows Server 2008 R2 Enterprise")},
               {"CurrentVersion", regf::kRegSz, test::reg_sz("6.1")},
               {"CurrentBuild", regf::kRegSz, test::reg_sz("7601")}};
  RegKeySpec reduced("ROOT");
  RegKeySpec microsoft("Microsoft");
  microsoft.subkeys = {path_key({"Windows", "CurrentVersion"}, run), path_key({"Windows NT"}, cv)};
  reduced.subkeys = {microsoft};
  const std::string bytes = test::write_hive(reduced);
  Diagnostics d;
  auto hive = regf::Hive::open(as_bytes(bytes), "SOFTWARE.reduced", d);
  ASSERT_TRUE(hive);
  EXPECT_EQ(classify_hive(*hive), HiveKind::Software);
  std::vector<model::Event> events;
  ASSERT_TRUE(registry_hive_events(as_bytes(bytes), "SOFTWARE.reduced", d, events));
  bool run_key = false, os = false;
  for (const auto& e : events) {
    run_key = run_key || e.value("TargetObject") == "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\start";
    os = os || e.category == "windows_os";
  }
  EXPECT_TRUE(run_key);
  EXPECT_TRUE(os);  // the build, for the MS17-010 check

  RegKeySpec odd("ROOT");
  odd.subkeys = {RegKeySpec("Vendor"), RegKeySpec("Settings")};
  const std::string other = test::write_hive(odd);
  Diagnostics d2;
  std::vector<model::Event> none;
  ASSERT_TRUE(registry_hive_events(as_bytes(other), "odd.hive", d2, none));
  EXPECT_TRUE(none.empty());
  bool reported = false;
  for (const auto& x : d2.items())
    reported = reported || (x.code == "regf.unclassified" && x.detail.find("Vendor, Settings") != std::string::npos);
  EXPECT_TRUE(reported);
}

// The public hives are classified by their keys, and their autoruns read.
TEST(WindowsRegistryCorpus, PublicHivesAreClassified) {
  const fs::path root = fs::path(MSW_CORPUS_DIR) / "windows/plaso";
  if (!fs::exists(root)) GTEST_SKIP() << "corpus not present";
  for (const auto& [name, kind] : std::vector<std::pair<std::string, HiveKind>>{{"regf/NTUSER.DAT", HiveKind::NtUser},
                                                                                {"NTUSER.DAT", HiveKind::NtUser},
                                                                                {"regf/SAM", HiveKind::Sam},
                                                                                {"winreg/Amcache.hve", HiveKind::Amcache}}) {
    auto file = MappedFile::open((root / name).string());
    ASSERT_TRUE(file);
    Diagnostics d;
    auto hive = regf::Hive::open(file->bytes(), name, d);
    ASSERT_TRUE(hive);
    EXPECT_EQ(classify_hive(*hive), kind) << name;
    std::vector<model::Event> events;
    EXPECT_TRUE(registry_hive_events(file->bytes(), name, d, events));
    if (kind == HiveKind::Sam) {
      // hivexsh: Users\000001F4, 000001F5, 000003E9 and Names\Administrator, Guest, gold_administrator; Builtin\Aliases
      // \00000220 (Administrators) lists this machine's RIDs 500 and 1001 and a domain group (RID 512).
      std::map<std::string, std::string> accounts;
      std::string policy;
      for (const auto& e : events)
        if (e.category == "password_policy")
          policy = e.value("MinPasswordLength") + "/" + e.value("PasswordComplexity") + "/" + e.value("LockoutThreshold") + "/" +
                   e.value("MaxPasswordAgeDays") + "/" + e.value("PasswordHistoryLength");
      // Account\F: 7 characters, complexity, no lockout, 42-day maximum age, 24 remembered (next RID 1002 checks the offsets).
      EXPECT_EQ(policy, "7/true/0/42/24");
      for (const auto& e : events)
        if (e.category == "local_account") accounts[e.value("TargetUserName")] = e.value("Rid") + " disabled=" + e.value("AccountDisabled") + " admin=" + e.value("AdminGroup") + " " + e.value("Created");
      EXPECT_EQ(accounts, (std::map<std::string, std::string>{
                              {"Administrator", "500 disabled=true admin=true 2015-11-23T02:26:36Z"},
                              {"Guest", "501 disabled=true admin=false 2015-11-23T02:26:36Z"},
                              {"gold_administrator", "1001 disabled=false admin=true 2015-11-23T02:59:18Z"}}));
    }
    if (kind != HiveKind::Amcache) continue;
    // hivexsh: 247 keys under Root\InventoryApplicationFile (Windows 10) and 1,120 under Root\File\{volume}.
    EXPECT_EQ(events.size(), 247u + 1120u);
    bool jetbrains = false;
    for (const auto& e : events)
      jetbrains = jetbrains || (e.value("Hashes") == "SHA1=186fef64c415af7d11986c7254db81ef65549ebc" &&
                                e.value("Image").ends_with("\\dotpeek08\\jetlauncher64c.exe"));
    EXPECT_TRUE(jetbrains);
  }
}

// A hive copied while Windows was writing it: the Run key the worm added is only in SOFTWARE.LOG1.
TEST(TransactionLog, ReplayBringsADirtyHiveUpToDate) {
  auto software = [](bool with_worm) {
    RegKeySpec run{"Run"};
    run.values = {{"VMware", regf::kRegSz, test::reg_sz("C:\\Program Files\\VMware\\vmtoolsd.exe")}};
    if (with_worm) run.values.push_back({"start", regf::kRegSz, test::reg_sz("C:\\Windows\\debug\\lsma12.exe")});
    RegKeySpec cv{"CurrentVersion"};
    cv.subkeys = {run};
    RegKeySpec windows{"Windows"};
    windows.subkeys = {cv};
    RegKeySpec ms{"Microsoft"};
    ms.subkeys = {windows};
    RegKeySpec root{"ROOT"};
    root.subkeys = {ms, RegKeySpec{"Classes"}};
    return test::write_hive(root);
  };
  const std::string before = software(false), after = software(true);
  const std::string dirty = test::make_dirty(before, 7);
  const std::string log = test::write_transaction_log(before, after, 7);
  const std::vector<Bytes> logs = {as_bytes(log)};
  regf::LogReplay info;
  auto replayed = regf::replay_transaction_logs(as_bytes(dirty), logs, info);
  ASSERT_TRUE(replayed) << replayed.error().message;
  EXPECT_EQ(info.entries_applied, 1u);
  EXPECT_EQ(info.last_sequence, 7u);
  EXPECT_TRUE(info.stopped.empty()) << info.stopped;
  Diagnostics d;
  auto hive = regf::Hive::open(*replayed, "SOFTWARE", d);
  ASSERT_TRUE(hive);
  EXPECT_FALSE(hive->header().dirty);
  EXPECT_TRUE(hive->header().checksum_ok);
  auto run = hive->find("Microsoft\\Windows\\CurrentVersion\\Run");
  ASSERT_TRUE(run);
  ASSERT_TRUE(run->value("start"));
  EXPECT_EQ(run->value("start")->text(), "C:\\Windows\\debug\\lsma12.exe");
  EXPECT_TRUE(regf::is_transaction_log(as_bytes(log)));
  EXPECT_FALSE(regf::is_transaction_log(as_bytes(before)));

  // Entries older than the hive are not applied again; a damaged entry stops the replay before it.
  regf::LogReplay old_info;
  ASSERT_TRUE(regf::replay_transaction_logs(as_bytes(test::make_dirty(before, 9)), logs, old_info));
  EXPECT_EQ(old_info.entries_applied, 0u);
  std::string bad = log;
  bad[512 + 40 + 8 + 100] ^= 1;
  const std::vector<Bytes> bad_logs = {as_bytes(bad)};
  regf::LogReplay bad_info;
  ASSERT_TRUE(regf::replay_transaction_logs(as_bytes(dirty), bad_logs, bad_info));
  EXPECT_EQ(bad_info.entries_applied, 0u);
  EXPECT_NE(bad_info.stopped.find("hash mismatch"), std::string::npos);
  // Any cut or flip of the log: no crash, the result still opens or is refused cleanly.
  for (size_t cut = 0; cut < log.size(); cut += 97) {
    const std::string part = log.substr(0, cut);
    const std::vector<Bytes> l = {as_bytes(part)};
    regf::LogReplay i;
    (void)regf::replay_transaction_logs(as_bytes(dirty), l, i);
  }
  for (size_t bit = 0; bit < 1024 * 8; bit += 7) {
    std::string flipped = log;
    flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
    const std::vector<Bytes> l = {as_bytes(flipped)};
    regf::LogReplay i;
    if (auto r = regf::replay_transaction_logs(as_bytes(dirty), l, i)) {
      Diagnostics dd;
      (void)regf::Hive::open(*r, "x", dd);
    }
  }
}

// Windows XP to 8 (the 2008 R2 servers of both write-ups) keep the older log format.
TEST(TransactionLog, OldFormatLogIsAppliedToo) {
  auto software = [](bool with_worm) {
    RegKeySpec run{"Run"};
    if (with_worm) run.values.push_back({"start", regf::kRegSz, test::reg_sz("C:\\Windows\\debug\\lsma12.exe")});
    RegKeySpec cv{"CurrentVersion"};
    cv.subkeys = {run};
    RegKeySpec root{"ROOT"};
    root.subkeys = {cv};
    return test::write_hive(root);
  };
  const std::string before = software(false), after = software(true);
  const std::string log = test::write_old_transaction_log(before, after);
  const std::vector<Bytes> logs = {as_bytes(log)};
  regf::LogReplay info;
  auto replayed = regf::replay_transaction_logs(as_bytes(test::make_dirty(before, 8)), logs, info);
  ASSERT_TRUE(replayed);
  EXPECT_TRUE(info.old_format);
  EXPECT_GT(info.pages_written, 0u);
  Diagnostics d;
  auto hive = regf::Hive::open(*replayed, "SOFTWARE", d);
  ASSERT_TRUE(hive);
  EXPECT_TRUE(hive->header().checksum_ok);
  auto run = hive->find("CurrentVersion\\Run");
  ASSERT_TRUE(run);
  EXPECT_TRUE(run->value("start"));
  // A log of another write (different timestamp) is not applied.
  std::string other = log;
  other[12] ^= 1;
  other = test::with_base_checksum(other);
  const std::vector<Bytes> other_logs = {as_bytes(other)};
  regf::LogReplay no;
  ASSERT_TRUE(regf::replay_transaction_logs(as_bytes(test::make_dirty(before, 8)), other_logs, no));
  EXPECT_EQ(no.entries_applied, 0u);
  EXPECT_NE(no.stopped.find("timestamp"), std::string::npos);
}

// The same change as Sysmon logs it on a live host (event 13): judged like the hive's value.
TEST(WindowsRegistry, SysmonRegistryEventsAreJudgedLikeHiveValues) {
  model::Event e;
  e.product = "windows";
  e.service = "microsoft-windows-sysmon/operational";
  e.set(model::Field::EventID, "13");
  e.set(model::Field::TargetObject, "HKLM\\System\\CurrentControlSet\\Services\\Tcpip\\Parameters\\Interfaces\\{4d36e972}\\NameServer");
  e.set(model::Field::Details, "223.5.5.5,8.8.8.8");
  const std::vector<model::Event> events = {e};
  std::vector<model::Finding> found;
  detect::heuristics::make_windows_persistence_engine()->scan_artefact({"Sysmon.evtx", "", "evtx", "windows", "", events}, found);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].rule_id, detect::heuristics::kPublicDnsRule);
  // The resolvers are what was forced, not the attacker's: affected, never exported as indicators.
  ASSERT_EQ(found[0].observables.size(), 2u);
  for (const auto& o : found[0].observables) EXPECT_EQ(o.role, model::ObservableRole::Affected) << o.value;
}

// The SAM's secrets as Windows 10 keeps them: the boot key scrambled into the Lsa class names, the hashed boot key
// under AES in Account\\F, each NT hash under the DES layer and AES.
TEST(SamSecrets, BootKeyAndNtHashesRoundTrip) {
  auto hex = [](const regf::Key16& k) { return to_hex(Bytes(reinterpret_cast<const std::byte*>(k.data()), 16)); };
  EXPECT_EQ(hex(regf::nt_hash_of("password")), "8846f7eaee8fb117ad06bdd830b7586c");  // the published NT hash
  EXPECT_EQ(hex(regf::nt_hash_of("")), "31d6cfe0d16ae931b73c59d7e0c089c0");
  const std::array<uint8_t, 16> bk = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  RegKeySpec control{"Control"};
  control.subkeys = {test::lsa_key(bk)};
  RegKeySpec set{"ControlSet001"};
  set.subkeys = {control};
  RegKeySpec select{"Select"};
  select.values = {{"Current", regf::kRegDword, test::reg_dword(1)}};
  RegKeySpec system_root{"ROOT"};
  system_root.subkeys = {select, set};
  const std::string system = test::write_hive(system_root);
  Diagnostics d;
  auto sys = regf::Hive::open(as_bytes(system), "SYSTEM", d);
  ASSERT_TRUE(sys);
  auto key = regf::boot_key(*sys);
  ASSERT_TRUE(key);
  EXPECT_TRUE(std::equal(key->begin(), key->end(), bk.begin()));

  const std::string sam = test::write_hive(test::sam_root({{"ops", 1001, false, true, "Winter2024!"}}, &bk));
  auto hive = regf::Hive::open(as_bytes(sam), "SAM", d);
  ASSERT_TRUE(hive);
  auto f = hive->find("SAM\\Domains\\Account")->value("F");
  ASSERT_TRUE(f);
  auto hbk = regf::hashed_boot_key(f->data(), *key);
  ASSERT_TRUE(hbk);
  auto v = hive->find("SAM\\Domains\\Account\\Users\\000003E9")->value("V");
  ASSERT_TRUE(v);
  auto nt = regf::nt_hash(v->data(), 1001, *hbk);
  ASSERT_TRUE(nt);
  EXPECT_EQ(hex(*nt), hex(regf::nt_hash_of("Winter2024!")));
  // The wrong RID (the DES layer) or the wrong boot key gives another hash, never a crash.
  EXPECT_NE(hex(*regf::nt_hash(v->data(), 1002, *hbk)), hex(*nt));
  regf::Key16 wrong = *key;
  wrong[0] ^= 1;
  if (auto h = regf::hashed_boot_key(f->data(), wrong)) {
    if (auto n = regf::nt_hash(v->data(), 1001, *h)) {
      EXPECT_NE(hex(*n), hex(*nt));
    }
  }
  for (size_t cut = 0; cut < v->data().size(); ++cut) (void)regf::nt_hash(v->data().first(cut), 1001, *hbk);
  for (size_t cut = 0; cut < f->data().size(); ++cut) (void)regf::hashed_boot_key(f->data().first(cut), *key);
}

// A worm's Run key, deleted after it ran: its cells are free but still hold the key and its value.
TEST(DeletedKeys, RecoveredFromFreeCellsAndJudged) {
  RegKeySpec run{"Run"};
  run.values = {{"svchost", regf::kRegSz, test::reg_sz("C:\\Windows\\Fonts\\svchost.exe")}};
  RegKeySpec cv{"CurrentVersion"};
  cv.subkeys = {run};
  RegKeySpec windows{"Windows"};
  windows.subkeys = {cv};
  RegKeySpec nt{"Windows NT"};
  nt.subkeys = {RegKeySpec{"CurrentVersion"}};
  RegKeySpec ms{"Microsoft"};
  ms.subkeys = {windows, nt};  // SOFTWARE-shaped
  RegKeySpec root{"ROOT"};
  root.subkeys = {ms, RegKeySpec{"Classes"}};
  std::string hive = test::write_hive(root);
  // Delete Run: free its key cell (a positive size) and empty CurrentVersion's subkey list.
  auto set32 = [&](size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) hive[at + i] = static_cast<char>(v >> (8 * i));
  };
  auto get32 = [&](size_t at) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<uint8_t>(hive[at + i]);
    return v;
  };
  const size_t run_cell = 4096 + test::hive_cell_offset(hive, "nk", "Run");
  set32(run_cell, static_cast<uint32_t>(-static_cast<int32_t>(get32(run_cell))));
  const size_t cv_cell = 4096 + get32(run_cell + 4 + 16);  // Run's parent
  set32(cv_cell + 4 + 20, 0);
  const uint32_t list = get32(cv_cell + 4 + 28);
  hive[4096 + list + 4 + 2] = 0;  // the list's own count
  hive[4096 + list + 4 + 3] = 0;

  Diagnostics d;
  auto h = regf::Hive::open(as_bytes(hive), "SOFTWARE", d);
  ASSERT_TRUE(h);
  EXPECT_FALSE(h->find("Microsoft\\Windows\\CurrentVersion\\Run"));
  const auto deleted = h->recover_deleted_keys();
  ASSERT_EQ(deleted.size(), 1u);
  EXPECT_EQ(deleted[0].path, "Microsoft\\Windows\\CurrentVersion\\Run");
  ASSERT_EQ(deleted[0].values.size(), 1u);
  EXPECT_EQ(deleted[0].values[0].text(), "C:\\Windows\\Fonts\\svchost.exe");
  EXPECT_EQ(h->damage(), 0u);

  std::vector<model::Event> events;
  ASSERT_TRUE(registry_hive_events(as_bytes(hive), "C/Windows/System32/config/SOFTWARE", d, events));
  std::vector<model::Finding> found;
  detect::heuristics::make_windows_persistence_engine()->scan_artefact({"SOFTWARE", "", "registry_hive", "", "", events}, found);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].rule_id, detect::heuristics::kRegistryAutostartRule);
  EXPECT_NE(found[0].evidence[0].excerpt.find("[recovered from a deleted key]"), std::string::npos) << found[0].evidence[0].excerpt;

  // The live hive (nothing deleted) recovers nothing, and its live Run value is reported once.
  const std::string intact = test::write_hive(root);
  auto live = regf::Hive::open(as_bytes(intact), "SOFTWARE", d);
  ASSERT_TRUE(live);
  EXPECT_TRUE(live->recover_deleted_keys().empty());
}

// The public hives hold old key copies in their free cells; recovery reads them without damage or crash.
TEST(DeletedKeysCorpus, PublicHivesRecoverCleanly) {
  const fs::path root = fs::path(MSW_CORPUS_DIR) / "windows/plaso";
  if (!fs::exists(root)) GTEST_SKIP() << "corpus not present";
  std::map<std::string, size_t> counts;
  for (const auto* name : {"regf/NTUSER.DAT", "NTUSER.DAT", "regf/SAM", "winreg/Amcache.hve"}) {
    auto file = MappedFile::open((root / name).string());
    ASSERT_TRUE(file);
    Diagnostics d;
    auto hive = regf::Hive::open(file->bytes(), name, d);
    ASSERT_TRUE(hive);
    const uint64_t damage_before = hive->damage();
    counts[name] = hive->recover_deleted_keys().size();
    EXPECT_EQ(hive->damage(), damage_before) << name;
  }
  // What they contain: no key remnants in their free cells (checked by walking every free cell for "nk").
  EXPECT_EQ(counts, (std::map<std::string, size_t>{
                        {"NTUSER.DAT", 0}, {"regf/NTUSER.DAT", 0}, {"regf/SAM", 0}, {"winreg/Amcache.hve", 0}}));
}

}  // namespace
}  // namespace msw::normalize
