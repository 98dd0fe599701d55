// EVTX bytes (from evtx_writer or a corpus file) → the model::Events the pipeline would store, for tests of the
// normaliser and of the engines that read Windows logs, and every engine over them as `scan` runs them.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "model/event.h"
#include "model/finding.h"

namespace msw::test {

std::vector<model::Event> evtx_events(const std::string& bytes, const std::string& path);
std::vector<model::Event> evtx_file_events(const std::filesystem::path& p);

// The built-in engines (Sigma, heuristics, case engines, the knowledge base) over `events` as one artefact of kind
// "evtx": the findings `scan` would make of this one log.
std::vector<model::Finding> builtin_findings(const std::vector<model::Event>& events,
                                             const std::string& path = "Security.evtx");

}  // namespace msw::test
