#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "casedb/case_db.h"
#include "cli/summary.h"
#include "collect/linux/linux_collector.h"
#include "core/time.h"
#include "core/version.h"
#include "evidence/bundle_zip.h"

namespace msw::cli {
namespace fs = std::filesystem;

namespace {
Result<void> write_text(const fs::path& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  if (!f.flush()) return Error::make("report.write", "cannot write " + path.string());
  return {};
}

std::string safe_for_filename(std::string s) {
  for (char& c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_')) c = '_';
  return s.empty() ? "host" : s.substr(0, 64);
}
}  // namespace

int run_triage(const Invocation& inv) {
  if (!inv.args.positional().empty())
    return usage_error("triage", "takes no PATH; use 'minesweep scan PATH' for evidence");
  auto host = collect::HostView::open(inv.args.value("--root").value_or("/"), inv.args.value("--proc").value_or(""));
  if (!host) return input_error("triage", host.error());
  const std::string hostname = host->hostname();

  fs::path out = inv.args.value("--out").value_or("minesweep-triage-" + safe_for_filename(hostname) + "-" +
                                                  to_compact_utc(now_utc()));
  fs::path bundle = out / "bundle";
  const bool show_steps = !inv.quiet && !inv.json && ::isatty(2);
  collect::linux::CollectOptions copts{bundle.string(), std::string(kVersion), nullptr};
  if (show_steps)
    copts.on_step = [](std::string_view step) {
      std::fprintf(stderr, "\r\033[Kcollecting: %.*s", static_cast<int>(step.size()), step.data());
    };
  auto manifest = collect::linux::collect_bundle(*host, copts);
  if (show_steps) std::fprintf(stderr, "\r\033[K");
  std::string zip;
  if (manifest && inv.args.has("--zip")) {
    zip = (out / "bundle.zip").string();
    if (auto z = evidence::write_bundle_zip(bundle.string(), zip); !z) return input_error("triage", z.error());
  }
  if (!manifest) return input_error("triage", manifest.error());

  pipeline::ScanOptions opts;
  opts.inputs = {bundle.string()};
  opts.case_path = inv.case_path.empty() ? (out / "case.sqlite").string() : inv.case_path;
  opts.command_line = inv.command_line;
  opts.subject_host = hostname;
  opts.threads = inv.threads;
  opts.progress = !inv.quiet && !inv.json;
  opts.intel_path = inv.args.value("--intel").value_or("");
  opts.sigma_paths = split_paths(inv.args.value("--sigma").value_or(""));
  opts.sigma_placeholders = inv.args.value("--sigma-placeholders").value_or("");
  opts.yara_paths = split_paths(inv.args.value("--yara").value_or(""));
  if (const auto cache = inv.args.value("--yara-cache").value_or(pipeline::default_yara_cache_dir()); cache != "none")
    opts.yara_cache = cache;
  auto summary = pipeline::run_scan(opts);
  if (!summary) return input_error("triage", summary.error());

  ExtraPaths paths{zip.empty() ? bundle.string() : bundle.string() + " (+ " + zip + ")", (out / "report.html").string(),
                   (out / "report.json").string()};
  auto db = casedb::CaseDb::open(summary->case_path, true);
  if (!db) return input_error("triage", db.error());
  auto data = report::load(*db);
  if (!data) return input_error("triage", data.error());
  if (auto w = write_text(paths.html, report::render_html(*data, inv.lang)); !w)
    return input_error("triage", w.error());
  if (auto w = write_text(paths.json, report::render_json(*data)); !w) return input_error("triage", w.error());
  return print_summary(*summary, inv, paths);
}

}  // namespace msw::cli
