// The common start of every heuristic finding: engine, rule, severity and time. Titles, descriptions, evidence and
// observables are each heuristic's own.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"
#include "model/finding.h"

namespace msw::detect::heuristics {

inline model::Finding heuristic_finding(std::string_view rule, model::Severity severity,
                                        std::optional<Timestamp> time) {
  model::Finding f;
  f.engine = "heuristics";
  f.rule_id = std::string(rule);
  f.severity = severity;
  f.time = time;
  return f;
}

}  // namespace msw::detect::heuristics
