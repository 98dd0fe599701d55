#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "baseline/baseline.h"
#include "casedb/case_db.h"
#include "cli/commands.h"
#include "collect/linux/linux_collector.h"
#include "core/escape.h"
#include "core/time.h"
#include "core/version.h"
#include "pipeline/scan.h"

namespace msw::cli {
namespace fs = std::filesystem;

// `baseline CASE`, `baseline EVIDENCE...` (scanned into a new case first) or `baseline --live` (this host collected
// into a bundle first, as triage does): the hardening checklist.
int run_baseline(const Invocation& inv) {
  const auto& pos = inv.args.positional();
  const bool live = inv.args.has("--live");
  if (live == !pos.empty()) return usage_error("baseline", "give a CASE, EVIDENCE paths, or --live");
  std::string case_path = inv.case_path;
  const bool is_case = pos.size() == 1 && fs::is_regular_file(pos[0]) && pos[0].ends_with(".sqlite");
  if (is_case) {
    case_path = pos[0];
  } else {
    const std::string stamp = to_compact_utc(now_utc());
    pipeline::ScanOptions opts;
    if (live) {
      auto host = collect::HostView::open(inv.args.value("--root").value_or("/"), "");
      if (!host) return input_error("baseline", host.error());
      const fs::path out = fs::path("minesweep-baseline-" + stamp);
      collect::linux::CollectOptions copts{(out / "bundle").string(), std::string(kVersion), nullptr};
      auto manifest = collect::linux::collect_bundle(*host, copts);
      if (!manifest) return input_error("baseline", manifest.error());
      opts.inputs = {(out / "bundle").string()};
      opts.subject_host = host->hostname();
      if (case_path.empty()) case_path = (out / "case.sqlite").string();
    } else {
      opts.inputs = pos;
      if (case_path.empty()) case_path = "minesweep-baseline-" + stamp + ".sqlite";
    }
    opts.case_path = case_path;
    opts.command_line = inv.command_line;
    opts.threads = inv.threads;
    opts.progress = !inv.quiet && !inv.json;
    if (auto s = pipeline::run_scan(opts); !s) return input_error("baseline", s.error());
  }
  auto db = casedb::CaseDb::open(case_path, /*read_only=*/true);
  if (!db) return input_error("baseline", db.error());
  auto checks = baseline::evaluate(*db);
  if (!checks) return input_error("baseline", checks.error());
  const bool zh = inv.lang == report::Lang::Zh;
  size_t failed = 0;
  if (inv.json) {
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    for (const auto& c : *checks) {
      failed += c.status == baseline::Status::Fail;
      rows.push_back({{"id", c.id},
                      {"platform", c.platform},
                      {"risk", c.risk},
                      {"status", baseline::to_string(c.status)},
                      {"title", zh ? c.title_zh : c.title_en},
                      {"evidence", c.evidence},
                      {"fix", zh ? c.fix_zh : c.fix_en}});
    }
    std::cout << nlohmann::ordered_json{{"case", case_path}, {"checks", rows}}.dump(2) << "\n";
  } else {
    for (const auto& c : *checks) {
      failed += c.status == baseline::Status::Fail;
      std::string status(baseline::to_string(c.status));
      status.resize(8, ' ');
      std::cout << status << c.id << "  " << (zh ? c.title_zh : c.title_en) << "\n         "
                << escape_terminal(c.evidence) << "\n";
      if (c.status == baseline::Status::Fail)
        std::cout << "         fix: " << escape_terminal(zh ? c.fix_zh : c.fix_en) << "\n";
    }
    std::cout << (zh ? "案例：" : "Case: ") << case_path << "\n";
  }
  return failed ? kExitFindings : kExitClean;
}

}  // namespace msw::cli
