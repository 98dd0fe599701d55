// The event-log commands' work: `evtx dump`, `evtx info`, `evtx hunt` and `evtx logons` over logs opened with
// open_evtx_logs(), on the chunk runner (pipeline/evtx_chunks.h). Each writes its records or matches to `out` as the
// command prints them and returns what the command says at the end; the CLI picks the inputs and the exit code.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "core/result.h"
#include "pipeline/evtx_chunks.h"

namespace msw::pipeline {

struct DumpOptions {
  bool xml = false;      // the event XML instead of JSON Lines
  bool recover = false;  // records carved from chunk slack too
  int threads = 0;
};

struct DumpSummary {
  uint64_t records = 0;
  uint64_t recovered = 0;
  std::map<std::string, uint64_t> diagnostics;  // per code
};

DumpSummary dump_evtx(std::vector<EvtxLog>& logs, const DumpOptions& opts, std::ostream& out);

// `evtx info`: the header, chunk and record facts of one log, as lines.
void describe_evtx(const EvtxLog& log, Diagnostics& diags, std::ostream& out);

struct HuntOptions {
  std::vector<std::string> sigma_paths;  // rule files or folders besides the built-in rules
  std::string placeholders_path;         // YAML values for the rules' %placeholders%, "" = none
  std::string min_level = "informational";
  bool json = false;
  int threads = 0;
};

struct HuntSummary {
  size_t matches = 0;       // single-event rules and heuristics
  size_t correlations = 0;  // correlation rules' findings
};

// Errors: sigma.placeholders (the placeholder file cannot be read). Rules that cannot load are diagnostics.
Result<HuntSummary> hunt_evtx(std::vector<EvtxLog>& logs, const HuntOptions& opts, Diagnostics& diags,
                              std::ostream& out);

struct LogonOptions {
  bool json = false;
  int threads = 0;
};

struct LogonSummaryCounts {
  uint64_t dropped = 0;  // logon events beyond correlate::kMaxLogonRows distinct rows
  size_t limit = 0;
};

LogonSummaryCounts summarise_evtx_logons(std::vector<EvtxLog>& logs, const LogonOptions& opts, Diagnostics& diags,
                                         std::ostream& out);

}  // namespace msw::pipeline
