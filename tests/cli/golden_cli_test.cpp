// Golden tests for the command line: tests/golden/cli/NAME.args holds one or more commands (one argument a line,
// commands separated by a line "---"); their exit codes, stdout and stderr, with the temporary folder, the fixtures
// folder and timestamps replaced by placeholders, must equal NAME.out. MINESWEEP_UPDATE_GOLDEN=1 rewrites the .out
// files; reviewers read the diff.
#include <cstdlib>
#include <filesystem>
#include <regex>

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace msw {
namespace {
namespace fs = std::filesystem;

using test::replace_all;

std::string normalise(std::string s, const fs::path& tmp, const fs::path& fixtures) {
  s = replace_all(s, tmp.string(), "{TMP}");
  s = replace_all(s, fixtures.string(), "{FIXTURES}");
  s = std::regex_replace(s, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z)"), "{TIME}");
  s = std::regex_replace(s, std::regex(R"(minesweep \d+\.\d+\.\d+)"), "minesweep {VERSION}");
  s = replace_all(s, MSW_BINARY, "minesweep");
  s = std::regex_replace(s, std::regex(R"("analysis_host": "[^"]*")"), "\"analysis_host\": \"{HOSTNAME}\"");
  // Tables that record times and file ages (system facts, file metadata) hash differently on every run.
  s = std::regex_replace(s, std::regex(R"(((file|system)(\\)?_table.*)[0-9a-f]{64})"), "$1{SHA256}");
  return s;
}

std::vector<std::vector<std::string>> read_commands(const fs::path& p) {
  std::vector<std::vector<std::string>> cmds(1);
  std::string text = test::read_file(p);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    std::string line = text.substr(pos, (eol == std::string::npos ? text.size() : eol) - pos);
    pos = eol == std::string::npos ? text.size() : eol + 1;
    if (line == "---") {
      cmds.emplace_back();
    } else if (!line.empty() && line[0] != '#') {
      cmds.back().push_back(line);
    }
  }
  return cmds;
}

TEST(GoldenCli, CommandsMatchTheirRecordedOutput) {
  const bool update = std::getenv("MINESWEEP_UPDATE_GOLDEN") != nullptr;
  fs::path dir = fs::path(MSW_SOURCE_DIR) / "tests/golden/cli";
  fs::path fixtures = fs::path(MSW_SOURCE_DIR) / "tests/fixtures";
  size_t checked = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".args") continue;
    test::TempDir tmp;
    std::string transcript;
    for (auto args : read_commands(entry.path())) {
      for (auto& a : args) {
        a = replace_all(a, "{TMP}", tmp.path().string());
        a = replace_all(a, "{FIXTURES}", fixtures.string());
      }
      std::vector<std::string> argv{MSW_BINARY};
      argv.insert(argv.end(), args.begin(), args.end());
      auto r = test::run(argv, tmp.path());
      transcript += "$ minesweep";
      for (const auto& a : args) transcript += " " + a;
      transcript += "\nexit: " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "stderr:\n" + r.err + "\n";
    }
    transcript = normalise(transcript, tmp.path(), fixtures);
    fs::path golden = entry.path();
    golden.replace_extension(".out");
    if (update) {
      test::write_file(golden, transcript);
    } else {
      ASSERT_TRUE(fs::exists(golden)) << golden << " missing: run with MINESWEEP_UPDATE_GOLDEN=1";
      EXPECT_EQ(transcript, test::read_file(golden)) << "golden mismatch: " << entry.path().filename();
    }
    ++checked;
  }
  EXPECT_GE(checked, 4u);
}

}  // namespace
}  // namespace msw
