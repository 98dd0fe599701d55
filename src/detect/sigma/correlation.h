// detect/sigma correlation rules (Sigma v2): event_count, value_count, temporal and temporal_ordered, grouped by
// fields (with aliases), within a timespan, and chained (a correlation may name another: "a burst of failures, then
// a success from the same address").
//
// The engine sees every event of a run once, on the pipeline's writer thread (a CaseEngine): events come from many
// files in no global time order, so it records a compact entry (time, group, value, which artefact and record) for
// each match of a referenced rule and evaluates the windows when the run ends, after sorting. The recorded state is
// bounded by kMaxCorrelationEvents; past it, matches are counted but not kept, and the run says so.
#pragma once

#include <memory>
#include <vector>

#include "core/diagnostics.h"
#include "detect/engine.h"
#include "detect/sigma/sigma.h"

namespace msw::detect::sigma {

inline constexpr size_t kMaxCorrelationEvents = 2'000'000;  // ~32 bytes each
inline constexpr size_t kMaxCorrelationGroups = 200'000;    // distinct group-by values per correlation
inline constexpr size_t kMaxEventsPerFinding = 100'000;     // contributing events counted per finding
inline constexpr size_t kMaxWindowEvents = 1'000;           // events of the window that fired, listed per finding

// The case engine for the correlation rules among `rules`, or null when there are none. References are resolved
// by rule name or id; a correlation naming an unknown rule, or part of a cycle, is a diagnostic and is left out.
// `diags` must outlive the engine (run-time limits are reported there).
std::unique_ptr<CaseEngine> make_correlation_engine(const std::vector<Rule>& rules, Diagnostics& diags);

// For each rule: true when it reports only through a correlation (named by one without `generate: true`).
std::vector<bool> correlation_only(const std::vector<Rule>& rules);
// For each rule: true when a correlation names it.
std::vector<bool> correlation_inputs(const std::vector<Rule>& rules);

}  // namespace msw::detect::sigma
