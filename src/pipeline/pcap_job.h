// `minesweep pcap`'s work: the flows of packet captures and the findings the built-in engines make of them, written as
// a table or as Zeek-shaped JSON Lines (conn.log records, then findings). The CLI picks the files (or captures them
// live first) and the exit code.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "core/result.h"

namespace msw::pipeline {

struct PcapOptions {
  std::string intel_path;  // the user's intel store; "" = the default one when present
  unsigned threads = 0;    // 0: one per core, at most max_capture_threads()
  bool jsonl = false;      // Zeek-shaped JSON Lines instead of the table
  bool all = false;        // the table lists every flow, not the first 200 notable ones
};

struct PcapSummary {
  uint64_t packets = 0;
  uint64_t flows = 0;
  size_t findings = 0;
};

unsigned max_capture_threads();

// Errors: intel.* (the store cannot be read), file.* and pcap.* (a capture cannot be opened or is not one).
Result<PcapSummary> analyse_captures(const std::vector<std::string>& files, const PcapOptions& opts, Diagnostics& diags,
                                     std::ostream& out);

}  // namespace msw::pipeline
