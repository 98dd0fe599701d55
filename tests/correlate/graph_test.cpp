// The case's entity graph: typed edges from what each finding's part in the story says.
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "correlate/correlate.h"

namespace msw::correlate {
namespace {

using model::ObservableKind;

model::Finding finding(std::string rule, std::vector<model::Observable> obs, std::string path = "", uint32_t line = 0,
                       std::string sha256 = "") {
  model::Finding f;
  f.rule_id = std::move(rule);
  f.severity = model::Severity::High;
  f.observables = std::move(obs);
  if (!path.empty()) f.evidence.push_back({path, sha256, 0, 0, line, "excerpt of " + path});
  return f;
}

std::set<std::string> edges_of(const Graph& g) {
  std::set<std::string> out;
  for (const auto& e : g.edges)
    out.insert(std::string(model::to_string(e.from.kind)) + ":" + e.from.key + " " +
               std::string(model::to_string(e.kind)) + " " + std::string(model::to_string(e.to.kind)) + ":" + e.to.key);
  return out;
}

TEST(EntityGraph, TypedEdgesFollowEachFindingsPart) {
  const std::string sha(64, 'a');
  std::vector<model::Finding> fs = {
      finding("heuristic.miner_process", {{ObservableKind::FilePath, "/tmp/.x/kdevtmpfsi", "process 4242"}}),
      finding("heuristic.pool_port_connection", {{ObservableKind::Ip, "45.9.148.99", "process 4242"},
                                                 {ObservableKind::Domain, "pool.example", "process 4242"}}),
      finding("heuristic.cron_download_exec",
              {{ObservableKind::Url, "http://203.0.113.9/ldr.sh", "cron"},
               {ObservableKind::FilePath, "/tmp/.x/kdevtmpfsi", "cron"}},
              "/var/spool/cron/crontabs/root", 3),
      finding("heuristic.task_suspicious_action",
              {{ObservableKind::ScheduledTask, "\\Mysa1", "task"},
               {ObservableKind::FilePath, "C:\\Windows\\debug\\item.dat", "task"}},
              "C:/Windows/System32/Tasks/Mysa1"),
      finding("heuristic.brute_force_then_logon",
              {{ObservableKind::Account, "sa", "logon"}, {ObservableKind::Ip, "10.0.0.50", "logon"}}),
      finding("heuristic.dropped_executable", {}, "/tmp/a.bin", 0, sha),
      finding("heuristic.dropped_executable", {}, "/var/tmp/b.bin", 0, sha),
      finding("heuristic.miner_config", {{ObservableKind::Wallet, "4Abc", "config"}}, "/tmp/config.json"),
  };
  const Graph g = build_graph("web-01", fs);
  const auto e = edges_of(g);
  const std::string expected[] = {
      "host:web-01 contains process:pid 4242",
      "process:pid 4242 runs file:/tmp/.x/kdevtmpfsi",
      "process:pid 4242 connects_to ip:45.9.148.99",
      "process:pid 4242 connects_to domain:pool.example",
      "host:web-01 persists_via cron_entry:/var/spool/cron/crontabs/root:3",
      "file:/var/spool/cron/crontabs/root contains cron_entry:/var/spool/cron/crontabs/root:3",
      "cron_entry:/var/spool/cron/crontabs/root:3 downloaded_from url:http://203.0.113.9/ldr.sh",
      "file:/tmp/.x/kdevtmpfsi started_by cron_entry:/var/spool/cron/crontabs/root:3",
      "host:web-01 persists_via scheduled_task:\\Mysa1",
      "file:C:\\Windows\\debug\\item.dat started_by scheduled_task:\\Mysa1",
      "account:sa logged_on_from ip:10.0.0.50",
      "host:web-01 logged_on_from ip:10.0.0.50",
      "file:/var/tmp/b.bin same_hash_as file:/tmp/a.bin",
  };
  for (const auto& x : expected) EXPECT_TRUE(e.count(x)) << x;
  // A wallet is an observable of its finding, not a file.
  for (const auto& ent : g.entities) EXPECT_NE(ent.id.key, "4Abc");
  // The cron entry is labelled with its line, for people.
  bool labelled = false;
  for (const auto& ent : g.entities)
    labelled = labelled ||
               (ent.id.kind == model::EntityKind::CronEntry && ent.label == "excerpt of /var/spool/cron/crontabs/root");
  EXPECT_TRUE(labelled);
}

}  // namespace
}  // namespace msw::correlate
