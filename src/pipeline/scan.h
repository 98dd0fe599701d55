// pipeline/: wires the layers for one analysis run — evidence → formats → normalize → detect → casedb → correlate.
// Not part of DESIGN.md's original list: the CLI must stay thin and the layers must not know each other, so the
// orchestration lives here (see HACKING.md).
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "correlate/correlate.h"
#include "correlate/storyline.h"
#include "model/finding.h"

namespace msw::pipeline {

struct ScanOptions {
  std::vector<std::string> inputs;
  std::string case_path;     // created; must not exist
  std::string command_line;  // recorded in the case
  std::string subject_host;  // overrides what bundles say (triage knows it)
  int threads = 0;           // 0: all hardware threads
  bool progress = true;      // a bar on a terminal
  // The user's intel store, matched with the built-in knowledge base. "" = the default store when it exists;
  // a path that does not exist is an error (intel.no_store).
  std::string intel_path;
  std::vector<std::string> sigma_paths;  // extra Sigma rule files or folders (--sigma)
  std::string sigma_placeholders;        // values for the rules' %placeholders% (--sigma-placeholders)
  std::vector<std::string> yara_paths;   // extra YARA rule files or folders (--yara); the built-in rules always run
  std::string yara_cache;                // compiled-rule cache folder; "" = none
};

struct ScanSummary {
  std::string case_path;
  std::string subject_host;
  size_t inputs = 0;
  size_t files = 0;
  size_t parsed = 0;
  uint64_t events = 0;
  size_t diagnostics = 0;
  size_t unreadable = 0;      // files and folders that could not be read (each is a diagnostic)
  bool nothing_read = false;  // every input was unreadable: there is no verdict to give
  correlate::Verdict verdict;
};

// Errors: evidence.missing / evidence.unsupported (usage), case.* (cannot write the case). Everything that goes
// wrong inside one file is a diagnostic in the case and the run goes on.
Result<ScanSummary> run_scan(const ScanOptions& opts);

// What a finished run tells first: the case's findings, read back, and the storyline told from them (empty when
// the case cannot be read).
struct RunStory {
  std::vector<model::Finding> findings;
  correlate::Storyline storyline;
};
RunStory read_run_story(const std::string& case_path);

// Where compiled YARA rules are cached unless --yara-cache says otherwise.
std::string default_yara_cache_dir();

}  // namespace msw::pipeline
