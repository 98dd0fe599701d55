// detect/sigma correlation rules (Sigma v2): event_count, value_count, temporal and temporal_ordered, grouped by
// fields (with aliases), within a timespan, and chained (a correlation may name another: "a burst of failures, then
// a success from the same address").
//
// The engine sees every event of a run once, on the pipeline's writer thread (a CaseEngine): events come from many
// files in no global time order, so it records a compact entry (time, group, value, which artefact and record) for
// each match of a referenced rule and evaluates the windows when the run ends. Entries are kept in memory up to
// kCorrelationHitsInMemory; past it they are sorted and written to an unlinked temporary file as a run, and the runs
// are merged when the run ends, so a log of any size correlates in the same memory. Windows are evaluated over the
// merged stream one group at a time; a finding is written as soon as its group ends.
#pragma once

#include <memory>
#include <vector>

#include "core/diagnostics.h"
#include "detect/engine.h"
#include "detect/sigma/sigma.h"

namespace msw::detect::sigma {

inline constexpr size_t kCorrelationHitsInMemory = 1 << 20;  // 48 bytes each; then spilled to a temporary file
inline constexpr size_t kMaxCorrelationGroups = 200'000;     // distinct group-by values per correlation
inline constexpr size_t kMaxWindowEvents = 1'000;            // events of the window that fired, listed per finding

// The case engine for the correlation rules among `rules`, or null when there are none. References are resolved
// by rule name or id; a correlation naming an unknown rule, or part of a cycle, is a diagnostic and is left out.
// `diags` must outlive the engine (run-time limits are reported there). `hits_in_memory`: how many matches are kept
// in memory before they are spilled to a temporary file (in $TMPDIR, else /tmp).
std::unique_ptr<CaseEngine> make_correlation_engine(const std::vector<Rule>& rules, Diagnostics& diags,
                                                    size_t hits_in_memory = kCorrelationHitsInMemory);

// For each rule: true when it reports only through a correlation (named by one without `generate: true`).
std::vector<bool> correlation_only(const std::vector<Rule>& rules);
// For each rule: true when a correlation names it.
std::vector<bool> correlation_inputs(const std::vector<Rule>& rules);

}  // namespace msw::detect::sigma
