// The short summary `scan` and `triage` print: human text on a terminal, one JSON object with --json.
#pragma once

#include <string>

#include "cli/commands.h"
#include "pipeline/scan.h"

namespace msw::cli {

struct ExtraPaths {
  std::string bundle, html, json;
};

// Loads the case's findings for the top lines; prints to stdout. Returns the exit code (findings or clean).
int print_summary(const pipeline::ScanSummary& s, const Invocation& inv, const ExtraPaths& extra);

}  // namespace msw::cli
