// `minesweep sample FILE`: what one suspicious file is, without running it — its format from its bytes, hashes
// (ssdeep too) and entropy; for a PE its headers, sections, imports (imphash), version resource, Rich header, TLS
// callbacks, PDB path, overlay, signature and the packers, protectors, installers, self-extractors and compilers it
// shows, each with its evidence; scripts, strings, indicators and YARA; and then the same for what it carries (an
// SFX's members, a PyInstaller bundle's payloads) as a tree. The analysis itself is sample/analyse.
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/escape.h"
#include "core/mapped_file.h"
#include "pipeline/sample_job.h"
#include "pipeline/scan.h"
#include "sample/analyse.h"

namespace msw::cli {

using nlohmann::json;
using sample::field;
namespace fs = std::filesystem;

int run_sample(const Invocation& inv) {
  const auto& pos = inv.args.positional();
  if (pos.size() != 1) return usage_error("sample", "give exactly one FILE (or a FOLDER with --recursive)");
  std::error_code ec;
  std::optional<MappedFile> single;
  if (!fs::is_directory(pos[0], ec)) {
    auto file = MappedFile::open(pos[0]);
    if (!file) return input_error("sample", file.error());
    single = std::move(file).value();
  }
  Diagnostics diags;
  const intel::Matcher matcher = load_intel_matcher(inv, diags, nullptr);
  // YARA: the built-in rules always, the user's with --yara; compiled sets are cached.
  detect::yara::LoadReport yara_report;
  std::vector<std::string> yara_paths;
  if (auto y = inv.args.value("--yara")) yara_paths.push_back(*y);
  const std::string cache = inv.args.value("--yara-cache").value_or(detect::yara::default_cache_dir());
  auto rules = detect::yara::Rules::load(yara_paths, true, cache == "none" ? "" : cache, yara_report);
  if (!rules) return input_error("sample", rules.error());
  if (!inv.quiet && !inv.json && (!yara_paths.empty() || !yara_report.failed.empty())) {
    std::cerr << "YARA: " << yara_report.rules << " rules from " << yara_report.compiled << " of " << yara_report.files
              << " files" << (yara_report.from_cache ? " (cached)" : "") << "\n";
    for (const auto& f : yara_report.failed)
      std::cerr << "YARA: skipped " << escape_terminal(f.path) << ": " << escape_terminal(f.error) << "\n";
  }
  sample::Options options;
  options.matcher = &matcher;
  options.yara = &*rules;
  if (auto dir = inv.args.value("--extract")) options.extract_dir = fs::path(*dir);

  if (!single) {
    // A folder: every regular file under it, one summary line each (JSON Lines with --json), as `yara -r` would go.
    if (!inv.args.has("--recursive")) return usage_error("sample", pos[0] + " is a folder: add --recursive");
    if (options.extract_dir) return usage_error("sample", "--extract takes one FILE, not a folder");
    const auto summary = pipeline::sample_folder(pos[0], options, inv.threads, inv.json, std::cout);
    if (!inv.quiet && !inv.json) std::cerr << summary.files << " files analysed\n";
    return summary.suspicious ? kExitFindings : kExitClean;
  }

  auto a = sample::analyse(single->bytes(), pos[0], options);
  if (!a) return input_error("sample", a.error());
  json& j = a->root;
  j["path"] = pos[0];
  j["limits"] = a->limits;
  j["yara_rules"] = {{"rules", yara_report.rules},
                     {"files", yara_report.files},
                     {"failed", json::array()},
                     {"cached", yara_report.from_cache}};
  for (const auto& f : yara_report.failed) j["yara_rules"]["failed"].push_back({{"path", f.path}, {"error", f.error}});
  // --case: the sample as a case of its own, so `report`, `respond` and `intel export` work on it as on a scan.
  if (!inv.case_path.empty()) {
    pipeline::ScanOptions scan;
    scan.inputs = {pos[0]};
    scan.case_path = inv.case_path;
    scan.command_line = inv.command_line;
    scan.threads = inv.threads;
    scan.progress = false;
    scan.intel_path = inv.args.value("--intel").value_or("");
    scan.yara_paths = yara_paths;
    scan.yara_cache = cache == "none" ? "" : cache;
    auto stored = pipeline::run_scan(scan);
    if (!stored) return input_error("sample", stored.error());
    j["case"] = stored->case_path;
  }
  if (inv.json) {
    std::cout << json_for_output(j, 2) << "\n";
  } else {
    pipeline::print_sample(j, *a, std::cout);
    if (j.contains("case")) std::cout << "Case:        " << escape_terminal(field(j, "case")) << " (its findings)\n";
  }
  return a->suspicious ? kExitFindings : kExitClean;
}

}  // namespace msw::cli
