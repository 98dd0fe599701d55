// Golden tests for the event-log commands: `evtx dump|info|hunt|logons` over logs the project's EVTX writer makes
// (the MyKings and WannaMine hosts' Security and System logs, the benign scenarios' logs, a Sigma correlation rule
// of the tests' own). The outputs must stay byte-identical when the engine underneath them changes;
// MINESWEEP_UPDATE_GOLDEN=1 rewrites tests/golden/evtx/*.out and reviewers read the diff.
#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "support/benign_windows_logs.h"
#include "support/evtx_writer.h"
#include "support/test_support.h"
#include "support/windows_tree.h"

namespace msw {
namespace {
namespace fs = std::filesystem;

using test::replace_all;

// Password guessing against one account, seen by a correlation rule: ten failures from one address in ten minutes.
constexpr std::string_view kCorrelation = R"(title: Failed logon
id: 0e3f4a1c-0000-4000-8000-000000000001
name: failed_logon
status: test
logsource:
  product: windows
  service: security
detection:
  selection:
    EventID: 4625
  condition: selection
level: low
---
title: Many failed logons from one address
id: 0e3f4a1c-0000-4000-8000-000000000002
status: test
correlation:
  type: event_count
  rules:
    - failed_logon
  group-by:
    - IpAddress
  timespan: 10m
  condition:
    gte: 10
level: high
)";

class GoldenEvtx : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_windows_tree(dir_ / "mykings", test::WindowsScenario::MyKings, {"WIN-SQL01", "10.0.0.23", ""});
    test::write_windows_tree(dir_ / "wannamine", test::WindowsScenario::WannaMine,
                             {"WIN-FILE02", "10.0.0.31", "10.0.0.23"});
    for (const auto& log : test::benign_windows_logs())
      test::write_file(dir_ / "benign" / log.name, test::write_evtx(log.events).bytes);
    test::write_file(dir_ / "rules/correlation.yml", std::string(kCorrelation));
    // Many chunks: 3,000 guesses from four addresses, a second apart, and the success that ends them.
    std::vector<test::EvtxEvent> guesses;
    for (int i = 0; i < 3000; ++i) {
      test::EvtxEvent e;
      e.event_id = 4625;
      e.filetime = 132223104000000000ull + uint64_t(i) * 10'000'000;
      e.data = {{"TargetUserName", i % 7 ? "administrator" : "sa"},
                {"TargetDomainName", "WIN-FILE02"},
                {"Status", "0xc000006d"},
                {"SubStatus", "0xc000006a"},
                {"LogonType", "3"},
                {"IpAddress", "10.0.0." + std::to_string(20 + i % 4)},
                {"IpPort", "0"}};
      guesses.push_back(e);
    }
    guesses.back().event_id = 4624;
    const auto big = test::write_evtx(guesses);
    ASSERT_GT(big.chunks, 8u);
    test::write_file(dir_ / "big/Security.evtx", big.bytes);
  }

  // Runs each command (with {TMP} for the folder the logs are in) and compares the transcript with NAME.out.
  void expect_golden(const std::string& name, const std::vector<std::vector<std::string>>& commands) {
    std::string transcript;
    for (auto args : commands) {
      for (auto& a : args) a = replace_all(a, "{TMP}", dir_.path().string());
      std::vector<std::string> argv{MSW_BINARY};
      argv.insert(argv.end(), args.begin(), args.end());
      auto r = test::run(argv, dir_.path());
      transcript += "$ minesweep";
      for (const auto& a : args) transcript += " " + replace_all(a, dir_.path().string(), "{TMP}");
      transcript += "\nexit: " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "stderr:\n" + r.err + "\n";
    }
    transcript = replace_all(transcript, dir_.path().string(), "{TMP}");
    const fs::path golden = fs::path(MSW_SOURCE_DIR) / "tests/golden/evtx" / (name + ".out");
    if (std::getenv("MINESWEEP_UPDATE_GOLDEN")) {
      test::write_file(golden, transcript);
      return;
    }
    ASSERT_TRUE(fs::exists(golden)) << golden << " missing: run with MINESWEEP_UPDATE_GOLDEN=1";
    EXPECT_EQ(transcript, test::read_file(golden)) << "golden mismatch: " << name;
  }

  test::TempDir dir_;
};

const std::string kMyKingsLogs = "{TMP}/mykings/C/Windows/System32/winevt/Logs";
const std::string kWannaMineLogs = "{TMP}/wannamine/C/Windows/System32/winevt/Logs";

TEST_F(GoldenEvtx, DumpAndInfo) {
  expect_golden("dump", {{"evtx", "dump", "--threads", "2", kMyKingsLogs},
                         {"evtx", "dump", "--threads", "1", "--format", "xml", kMyKingsLogs + "/System.evtx"},
                         {"evtx", "info", kWannaMineLogs + "/Security.evtx"}});
}

TEST_F(GoldenEvtx, Hunt) {
  expect_golden("hunt",
                {{"evtx", "hunt", "--threads", "2", kMyKingsLogs, kWannaMineLogs},
                 {"evtx", "hunt", "--threads", "2", "--json", "--min-level", "medium", "{TMP}/benign", kWannaMineLogs},
                 {"evtx", "hunt", "--threads", "1", "--sigma", "{TMP}/rules", "--min-level", "high", kWannaMineLogs}});
}

TEST_F(GoldenEvtx, Logons) {
  expect_golden("logons", {{"evtx", "logons", "{TMP}/benign", kWannaMineLogs},
                           {"evtx", "logons", "--json", kWannaMineLogs, kMyKingsLogs}});
}

// A log of many chunks: every record once, in order, whatever chunk a thread took first; the correlation sees the
// guesses of all chunks.
TEST_F(GoldenEvtx, ManyChunks) {
  expect_golden("many_chunks",
                {{"evtx", "hunt", "--threads", "2", "--sigma", "{TMP}/rules", "--min-level", "high", "{TMP}/big"},
                 {"evtx", "logons", "{TMP}/big"}});
  auto dump = test::run({MSW_BINARY, "evtx", "dump", "--threads", "2", (dir_ / "big").string()});
  size_t lines = 0, last_id = 0;
  bool ordered = true;
  for (size_t p = 0; (p = dump.out.find("\"record_id\":", p)) != std::string::npos; ++lines) {
    p += 12;
    const size_t id = std::stoul(dump.out.substr(p, 8));
    ordered = ordered && id == last_id + 1;
    last_id = id;
  }
  EXPECT_EQ(lines, 3000u);
  EXPECT_TRUE(ordered);
}

// The thread count changes nothing but the time.
TEST_F(GoldenEvtx, OneThreadAndTwoGiveTheSameOutput) {
  for (const std::string sub : {"dump", "hunt", "logons"}) {
    auto one = test::run({MSW_BINARY, "evtx", sub, "--json", "--threads", "1", "--sigma", (dir_ / "rules").string(),
                          (dir_ / "benign").string(), replace_all(kWannaMineLogs, "{TMP}", dir_.path().string()),
                          (dir_ / "big").string()});
    auto two = test::run({MSW_BINARY, "evtx", sub, "--json", "--threads", "2", "--sigma", (dir_ / "rules").string(),
                          (dir_ / "benign").string(), replace_all(kWannaMineLogs, "{TMP}", dir_.path().string()),
                          (dir_ / "big").string()});
    EXPECT_EQ(one.exit_code, two.exit_code) << sub;
    EXPECT_EQ(one.out, two.out) << sub;
    EXPECT_FALSE(one.out.empty()) << sub;
  }
}

}  // namespace
}  // namespace msw
