// minesweep evtx dump|info|hunt|logons FILE|FOLDER...: the inputs and the exit code; the work is pipeline/evtx_jobs.
#include <algorithm>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "core/escape.h"
#include "pipeline/evtx_jobs.h"

namespace msw::cli {
namespace {

// The logs of a command that reads several (hunt, logons): a file that cannot be opened or is not a log is said and
// skipped; a run that can read none of its inputs is an error, never "0 matches".
Result<std::vector<pipeline::EvtxLog>> open_logs(std::span<const std::string> files, std::string_view command,
                                                 Diagnostics& diags) {
  std::vector<pipeline::SkippedLog> skipped;
  auto logs = pipeline::open_evtx_logs(files, diags, skipped);
  for (const auto& s : skipped)
    std::cerr << command << ": " << escape_terminal(s.path) << ": " << escape_terminal(s.error.message) << "\n";
  if (logs.empty() && !files.empty())
    return Error::make("evtx.nothing_read", files.size() == 1 ? std::string("the input is not a readable EVTX log")
                                                              : "none of the " + std::to_string(files.size()) +
                                                                    " inputs is a readable EVTX log");
  return logs;
}

int run_dump(const Invocation& inv, std::span<const std::string> files) {
  pipeline::DumpOptions opts;
  const std::string format = inv.args.value("--format").value_or("jsonl");
  if (format != "jsonl" && format != "xml") return usage_error("evtx", "--format takes jsonl or xml");
  if (files.empty()) return usage_error("evtx", "dump needs at least one FILE");
  opts.xml = format == "xml";
  opts.recover = inv.args.has("--recover");
  opts.threads = inv.threads;
  std::ofstream file_out;
  std::ostream* out = &std::cout;
  if (auto o = inv.args.value("--out")) {
    file_out.open(*o, std::ios::binary | std::ios::trunc);
    if (!file_out) return usage_error("evtx", "cannot write " + *o);
    out = &file_out;
  }
  std::ios::sync_with_stdio(false);
  Diagnostics diags;
  std::vector<pipeline::SkippedLog> skipped;
  auto logs = pipeline::open_evtx_logs(files, diags, skipped);
  for (const auto& s : skipped)
    std::cerr << "minesweep evtx: " << escape_terminal(s.path) << ": " << escape_terminal(s.error.message) << " ["
              << s.error.code << "]\n";
  auto summary = pipeline::dump_evtx(logs, opts, *out);
  if (!inv.quiet) {
    for (const auto& d : diags.items()) ++summary.diagnostics[d.code];
    std::cerr << "evtx: " << summary.records << " records";
    if (summary.recovered) std::cerr << ", " << summary.recovered << " recovered from slack";
    for (const auto& [c, k] : summary.diagnostics) std::cerr << "; " << c << " x" << k;
    std::cerr << "\n";
  }
  return skipped.empty() ? kExitClean : kExitUsage;
}

int run_info(std::span<const std::string> files) {
  if (files.empty()) return usage_error("evtx", "info needs at least one FILE");
  int code = kExitClean;
  for (const auto& path : files) {
    Diagnostics diags;
    std::vector<pipeline::SkippedLog> skipped;
    auto logs = pipeline::open_evtx_logs(std::span(&path, 1), diags, skipped);
    for (const auto& s : skipped) {
      std::cerr << "minesweep evtx: " << escape_terminal(s.path) << ": " << escape_terminal(s.error.message) << "\n";
      code = kExitUsage;
    }
    for (const auto& log : logs) pipeline::describe_evtx(log, diags, std::cout);
  }
  return code;
}

// evtx hunt FILES... [--sigma PATH[,PATH...]] [--min-level L]
int run_hunt(const Invocation& inv, std::span<const std::string> files) {
  if (files.empty()) return usage_error("evtx hunt", "give at least one .evtx FILE");
  pipeline::HuntOptions opts;
  opts.sigma_paths = split_paths(inv.args.value("--sigma").value_or(""));
  opts.placeholders_path = inv.args.value("--sigma-placeholders").value_or("");
  opts.min_level = inv.args.value("--min-level").value_or("informational");
  opts.json = inv.json;
  opts.threads = inv.threads;
  static constexpr std::string_view kLevels[] = {"informational", "low", "medium", "high", "critical"};
  if (std::find(std::begin(kLevels), std::end(kLevels), opts.min_level) == std::end(kLevels))
    return usage_error("evtx hunt", "--min-level is informational, low, medium, high or critical");
  std::ios::sync_with_stdio(false);
  Diagnostics diags;
  auto logs = open_logs(files, "evtx hunt", diags);
  if (!logs) return input_error("evtx hunt", logs.error());
  auto summary = pipeline::hunt_evtx(*logs, opts, diags, std::cout);
  if (!summary) return input_error("evtx hunt", summary.error());
  // Rules that could not load, and run-time limits, with the reason: the run goes on without them.
  if (!inv.quiet)
    for (const auto& d : diags.items())
      if (d.code.starts_with("sigma."))
        std::cerr << "evtx hunt: " << escape_terminal(d.evidence) << (d.evidence.empty() ? "" : ": ")
                  << escape_terminal(d.detail) << "\n";
  return summary->matches + summary->correlations ? kExitFindings : kExitClean;
}

// evtx logons FILES...: the logon summary (account x source x logon type x host: successes, failures, first and
// last time, latest failure status), failures first; JSON Lines with --json.
int run_logons(const Invocation& inv, std::span<const std::string> files) {
  if (files.empty()) return usage_error("evtx logons", "give at least one .evtx FILE");
  Diagnostics diags;
  auto logs = open_logs(files, "evtx logons", diags);
  if (!logs) return input_error("evtx logons", logs.error());
  std::ios::sync_with_stdio(false);
  const auto counts = pipeline::summarise_evtx_logons(*logs, {inv.json, inv.threads}, diags, std::cout);
  if (counts.dropped && !inv.quiet)
    std::cerr << "evtx logons: " << counts.dropped << " logon events beyond " << counts.limit
              << " distinct rows were not summarised\n";
  return kExitClean;
}

}  // namespace

std::vector<std::string> split_paths(std::string_view list) {
  std::vector<std::string> out;
  for (size_t start = 0; start < list.size();) {
    size_t comma = list.find(',', start);
    std::string_view p = list.substr(start, (comma == std::string_view::npos ? list.size() : comma) - start);
    if (!p.empty()) out.emplace_back(p);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

int run_evtx(const Invocation& inv) {
  const auto& pos = inv.args.positional();
  if (pos.empty()) return usage_error("evtx", "give a subcommand: dump, info, hunt or logons, then FILE...");
  const std::vector<std::string> inputs =
      pipeline::expand_evtx_inputs(std::span<const std::string>(pos.begin() + 1, pos.end()));
  std::span<const std::string> files(inputs);
  if (pos[0] == "dump") return run_dump(inv, files);
  if (pos[0] == "info") return run_info(files);
  if (pos[0] == "hunt") return run_hunt(inv, files);
  if (pos[0] == "logons") return run_logons(inv, files);
  return usage_error("evtx", "unknown subcommand '" + pos[0] + "' (dump, info, hunt or logons)");
}

}  // namespace msw::cli
