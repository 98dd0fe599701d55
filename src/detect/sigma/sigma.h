// detect/sigma: Sigma rules as users write them (SigmaHQ's rule format), compiled once into matchers and run on
// every event of every source — EVTX records and the Linux triage tables alike, since events carry Sigma-taxonomy
// field names (model/fields.def).
//
// Supported: selections as maps and lists of maps, keyword lists, null, wildcards * and ? with escaping,
// case-insensitive by default and |cased; modifiers contains, startswith, endswith, all, re (with i, m, s),
// base64, base64offset, utf16le/utf16be/wide, windash, cidr, exists, gt/gte/lt/lte, fieldref; conditions with
// and/or/not, parentheses, "1 of x*", "all of x*", "1 of them", "all of them". Log sources map to EVTX channels and
// event ids (Sysmon, Security 4688 with its field names, PowerShell, System, ...) and to minesweep's own
// categories. A rule that cannot load is reported with the reason and skipped. Correlation rules are the next step.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.h"
#include "core/result.h"
#include "detect/engine.h"
#include "model/event.h"

namespace msw::detect::sigma {

struct LogSource {
  std::string product, category, service;
};

class CompiledRule;

struct Rule {
  std::string id, title, level, status, description, file;
  std::vector<std::string> tags;
  LogSource logsource;
  std::shared_ptr<const CompiledRule> compiled;
};

// Every rule in one YAML text (one or more documents). Rules that do not compile are diagnostics (sigma.unsupported
// with the feature, sigma.bad_rule) and are left out.
std::vector<Rule> load_rules(std::string_view yaml, std::string_view file, Diagnostics& diags);
// Every *.yml / *.yaml under the paths (files or folders).
std::vector<Rule> load_rule_paths(const std::vector<std::string>& paths, Diagnostics& diags);

// True when the event is in the rule's log source and its detection matches.
bool rule_matches(const Rule& rule, const model::Event& event);
// The log source part alone.
bool in_logsource(const LogSource& ls, const model::Event& event);

// An engine running `rules` on every event; one finding per rule and artefact, with up to 20 matching events.
std::unique_ptr<Engine> make_sigma_engine(std::vector<Rule> rules);

}  // namespace msw::detect::sigma
