#include "respond/script.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "core/byte_reader.h"
#include "core/hash.h"
#include "support/test_support.h"

namespace msw::respond {
namespace {
namespace fs = std::filesystem;

// Names an attacker controls: spaces, both quote kinds, command substitution, separators, a line break, a
// backtick, PowerShell's typographic quote, a glob.
const std::vector<std::string> kHostile = {
    "C:\\Program Files\\a b\\x.exe",
    "it's \"quoted\"",
    "$(touch PWNED)",
    "x; touch PWNED; y",
    "line\ntouch PWNED",
    "`touch PWNED`",
    "\xE2\x80\x98; New-Item PWNED; \xE2\x80\x99",
    "*",
    // Terminal escapes, a bell, a backslash and a right-to-left override: kept exactly, never raw in the script.
    "evil\x1b[2J\x07\\x\xE2\x80\xAEtxt.exe",
    // Template markers inside evidence: a value is never searched for markers again.
    "/tmp/@EXPECT@@T@@FILE@'; touch PWNED; '",
};

std::vector<PlannedAction> plan_for(const std::string& target) {
  std::vector<PlannedAction> plan;
  for (auto kind :
       {model::ActionKind::KillProcess, model::ActionKind::RemoveScheduledTask,
        model::ActionKind::RemoveWmiSubscription, model::ActionKind::RemoveService, model::ActionKind::RemoveAutorun,
        model::ActionKind::RemoveCronEntry, model::ActionKind::QuarantineFile, model::ActionKind::RestoreHostsFile,
        model::ActionKind::RestoreDnsSettings, model::ActionKind::RotateCredentials, model::ActionKind::BlockPort,
        model::ActionKind::ApplyPatch, model::ActionKind::Rescan})
    plan.push_back({{kind, target, "Disable or remove " + target, "处置 " + target}, {"rule " + target}});
  // The WMI and registry shapes the heuristics produce, with hostile names inside.
  plan.push_back(
      {{model::ActionKind::RemoveWmiSubscription,
        "CommandLineEventConsumer.Name=\"" + target + "\" __EventFilter.Name=\"" + target + "\"", "wmi", "wmi"},
       {}});
  plan.push_back({{model::ActionKind::RemoveAutorun, "HKLM\\SOFTWARE\\Run\\" + target, "run", "run"}, {}});
  plan.push_back({{model::ActionKind::RemoveCronEntry, target + ":3", "cron", "cron"}, {}});
  // Lines a dropper wrote, with the text to find: evidence in two places of one block.
  plan.push_back({{model::ActionKind::RemoveCronEntry, "/etc/cron.d/" + target, "cron", "cron", target}, {}});
  plan.push_back({{model::ActionKind::RestoreHostsFile, "/etc/hosts", "hosts", "hosts", "127.0.0.1 " + target}, {}});
  plan.push_back({{model::ActionKind::RestoreHostsFile, "C:\\Windows\\System32\\drivers\\etc\\hosts", "hosts", "hosts",
                   "127.0.0.1 " + target},
                  {}});
  return plan;
}

// What a PowerShell quoted expression yields: single-quoted literals ('' and doubled typographic quotes stand for
// one) joined with + and [char]N.
std::string unquote_powershell(std::string_view q) {
  std::string out;
  auto typographic = [&](size_t i) {
    return i + 2 < q.size() && static_cast<unsigned char>(q[i]) == 0xE2 &&
           static_cast<unsigned char>(q[i + 1]) == 0x80 && static_cast<unsigned char>(q[i + 2]) >= 0x98 &&
           static_cast<unsigned char>(q[i + 2]) <= 0x9B;
  };
  for (size_t i = 0; i < q.size();) {
    if (q[i] == '(' || q[i] == ')' || q[i] == ' ' || q[i] == '+') {
      ++i;
    } else if (q.substr(i, 6) == "[char]") {
      size_t j = i + 6;
      int c = 0;
      while (j < q.size() && q[j] >= '0' && q[j] <= '9') c = c * 10 + (q[j++] - '0');
      // [char]N is a UTF-16 code unit; the values here (controls, U+202E) are one each: back to UTF-8.
      if (c < 0x80) {
        out += static_cast<char>(c);
      } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
      } else {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
      }
      i = j;
    } else if (q[i] == '\'') {
      for (++i; i < q.size();) {
        if (q[i] == '\'' && i + 1 < q.size() && q[i + 1] == '\'') {
          out += '\'';
          i += 2;
          continue;
        }
        if (q[i] == '\'') {
          ++i;
          break;
        }
        if (typographic(i)) {
          EXPECT_TRUE(typographic(i + 3) && q.compare(i, 3, q, i + 3, 3) == 0)
              << "a lone typographic quote ends the literal";
          out += q.substr(i, 3);
          i += 6;
          continue;
        }
        out += q[i++];
      }
    } else {
      ADD_FAILURE() << "bare text outside a literal: " << q.substr(i);
      break;
    }
  }
  return out;
}

TEST(RemediationScript, QuotingRoundTrips) {
  for (const auto& v : kHostile) {
    EXPECT_EQ(unquote_powershell(powershell_quote(v)), v) << v;
    // bash: the shell itself reads the literal back.
    auto r = test::run({"/bin/bash", "-c", "printf '%s' " + bash_quote(v)});
    EXPECT_EQ(r.out, v) << v;
    EXPECT_EQ(comment_text(v).find('\n'), std::string::npos);
  }
}

TEST(RemediationScript, BashScriptIsValidAndHostileNamesStayData) {
  test::TempDir dir;
  for (const auto& v : kHostile) {
    ScriptOptions o;
    o.kind = ScriptKind::Bash;
    o.case_path = "case " + v;
    o.generated = "2026-11-22T00:00:00Z";
    const std::string script = write_script(plan_for(v), o);
    test::write_file(dir / "r.sh", script);
    auto syntax = test::run({"/bin/bash", "-n", (dir / "r.sh").string()});
    EXPECT_EQ(syntax.exit_code, 0) << v << "\n" << syntax.err;
    // A dry run in an empty folder: every block checks and reports, nothing runs that came from evidence.
    auto dry = test::run({"/bin/bash", (dir / "r.sh").string()}, dir.path());
    EXPECT_EQ(dry.exit_code, 0) << dry.err;
    EXPECT_FALSE(fs::exists(dir / "PWNED")) << v;
    EXPECT_NE(dry.out.find("would") == std::string::npos && dry.out.find("skip") == std::string::npos, true) << dry.out;
  }
}

// Writes the plan's bash script into `dir` and runs it with --apply (work folder dir/work).
test::RunResult apply_bash(const std::vector<PlannedAction>& plan, const test::TempDir& dir) {
  ScriptOptions o;
  o.kind = ScriptKind::Bash;
  test::write_file(dir / "r.sh", write_script(plan, o));
  const std::string cmd = "MINESWEEP_WORK=" + bash_quote((dir / "work").string()) + " bash " +
                          bash_quote((dir / "r.sh").string()) + " --apply";
  return test::run({"/bin/bash", "-c", cmd}, dir.path());
}

TEST(RemediationScript, BashApplyQuarantinesAFileWithAHostileName) {
  test::TempDir dir;
  const fs::path victim = dir / "it's $(touch PWNED); x.exe";
  test::write_file(victim, "MZ miner");
  std::vector<PlannedAction> plan = {
      {{model::ActionKind::QuarantineFile, victim.string(), "Move it", "移走"}, {"rule"}}};
  auto r = apply_bash(plan, dir);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(victim));
  EXPECT_FALSE(fs::exists(dir / "PWNED"));
  size_t quarantined = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir / "work"))
    if (e.path().extension() == ".quarantined") ++quarantined;
  EXPECT_EQ(quarantined, 1u);
}

// The script, like --apply, moves a flagged file only while it still has the content that was flagged.
TEST(RemediationScript, BashMovesOnlyTheFileThatWasFlagged) {
  test::TempDir dir;
  const fs::path same = dir / "same.bin", changed = dir / "changed.bin";
  test::write_file(same, "MZ miner");
  test::write_file(changed, "MZ miner, replaced since");
  const std::string flagged = sha256_hex(as_bytes(std::string_view("MZ miner")));
  std::vector<PlannedAction> plan = {
      {{model::ActionKind::QuarantineFile, same.string(), "Move it", "移走", "", flagged}, {"rule"}},
      {{model::ActionKind::QuarantineFile, changed.string(), "Move it", "移走", "", flagged}, {"rule"}}};
  auto r = apply_bash(plan, dir);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(same));
  EXPECT_EQ(test::read_file(changed), "MZ miner, replaced since");
  EXPECT_NE(r.out.find("is not the file that was flagged"), std::string::npos) << r.out;
}

// sha256sum puts a backslash before the hash of a name with a backslash or a line break; the script hashes the
// bytes (stdin), so the manifest and the quarantined file's name carry the real SHA-256, and the name is quoted.
TEST(RemediationScript, TheQuarantineManifestHasTheRightHashForAnyName) {
  test::TempDir dir;
  const fs::path victim = dir / "miner\\x\nname";
  test::write_file(victim, "MZ miner bytes");
  const std::string sha = sha256_hex(as_bytes(std::string_view("MZ miner bytes")));
  std::vector<PlannedAction> plan = {
      {{model::ActionKind::QuarantineFile, victim.string(), "Move it", "移走"}, {"rule"}}};
  ScriptOptions o;
  o.kind = ScriptKind::Bash;
  test::write_file(dir / "r.sh", write_script(plan, o));
  auto r = test::run(
      {"/usr/bin/env", "MINESWEEP_WORK=" + (dir / "work").string(), "/bin/bash", (dir / "r.sh").string(), "--apply"},
      dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(victim));
  std::string manifest;
  for (const auto& e : fs::recursive_directory_iterator(dir / "work")) {
    if (e.path().filename() == "manifest.tsv") manifest = test::read_file(e.path());
    if (e.path().extension() == ".quarantined") {
      EXPECT_EQ(e.path().stem().string(), sha);
    }
  }
  EXPECT_TRUE(manifest.starts_with(sha + "\t")) << manifest;
  EXPECT_EQ(std::count(manifest.begin(), manifest.end(), '\n'), 1) << "one line per file, whatever its name";
}

TEST(RemediationScript, PowerShellBlocksKeepEvidenceInsideLiterals) {
  for (const auto& v : kHostile) {
    ScriptOptions o;
    o.kind = ScriptKind::PowerShell;
    o.chinese = true;
    const std::string script = write_script(plan_for(v), o);
    const std::string plain = write_script(plan_for("plain"), o);
    // A line break in evidence never makes a new line of script (comments are flattened, literals keep it inside).
    const auto lines = [](const std::string& s) { return std::count(s.begin(), s.end(), '\n'); };
    for (size_t at = 0; (at = script.find('\n', at)) != std::string::npos; ++at)
      EXPECT_NE(script.compare(at + 1, 11, "touch PWNED"), 0) << "evidence text at the start of a script line";
    EXPECT_EQ(lines(script), lines(plain)) << "a line break in evidence added a script line";
    // Every occurrence of the value sits in a quoted literal that gives it back exactly.
    const std::string q = powershell_quote(v);
    EXPECT_NE(script.find(q), std::string::npos) << v;
  }
}

}  // namespace
}  // namespace msw::respond
