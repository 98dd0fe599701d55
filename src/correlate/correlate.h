// correlate/: from findings to one picture. This first version builds the entity graph (host → files → domains →
// addresses) and the verdict; the storyline and timeline grow on the same graph (see the storyline issue).
#pragma once

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/entity.h"
#include "model/finding.h"

namespace msw::correlate {

struct Graph {
  std::vector<model::Entity> entities;
  std::vector<model::Edge> edges;
};

// Links the subject host to each file a finding cites, each file to the observables found in it, and a domain to an
// address when both were extracted from the same place (same observable context, e.g. one hosts line).
Graph build_graph(std::string_view subject_host, std::span<const model::Finding> findings);

struct Verdict {
  model::Severity worst = model::Severity::Informational;
  std::array<size_t, 5> by_severity{};  // indexed by Severity
  size_t findings = 0;
  // Findings of at least Low severity: what makes `scan`/`triage` exit 1.
  bool actionable() const { return findings > by_severity[0]; }
  std::string headline(std::string_view lang) const;
};

Verdict summarize(std::span<const model::Finding> findings);

}  // namespace msw::correlate
