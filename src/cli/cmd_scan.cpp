#include "cli/summary.h"
#include "core/time.h"

namespace msw::cli {

int run_scan(const Invocation& inv) {
  if (inv.args.positional().empty()) return usage_error("scan", "give at least one PATH (a bundle, folder or file)");
  pipeline::ScanOptions opts;
  opts.inputs = inv.args.positional();
  opts.case_path = inv.case_path.empty() ? "minesweep-case-" + to_compact_utc(now_utc()) + ".sqlite" : inv.case_path;
  opts.command_line = inv.command_line;
  opts.threads = inv.threads;
  opts.progress = !inv.quiet && !inv.json;
  opts.intel_path = inv.args.value("--intel").value_or("");
  opts.sigma_paths = split_paths(inv.args.value("--sigma").value_or(""));
  opts.sigma_placeholders = inv.args.value("--sigma-placeholders").value_or("");
  opts.yara_paths = split_paths(inv.args.value("--yara").value_or(""));
  if (const auto cache = inv.args.value("--yara-cache").value_or(pipeline::default_yara_cache_dir()); cache != "none")
    opts.yara_cache = cache;
  auto summary = pipeline::run_scan(opts);
  if (!summary) return input_error("scan", summary.error());
  return print_summary(*summary, inv, {});
}

}  // namespace msw::cli
