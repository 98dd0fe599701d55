// detect/sigma: Sigma rules as users write them (SigmaHQ's rule format), compiled once into matchers and run on
// every event of every source — EVTX records and the Linux triage tables alike, since events carry Sigma-taxonomy
// field names (model/fields.def).
//
// Supported: selections as maps and lists of maps, keyword lists, null, wildcards * and ? with escaping,
// case-insensitive by default and |cased; modifiers contains, startswith, endswith, all, re (with i, m, s),
// base64, base64offset, utf16le/utf16be/wide, windash, cidr, exists, gt/gte/lt/lte, fieldref, expand; conditions with
// and/or/not, parentheses, "1 of x*", "all of x*", "1 of them", "all of them". Log sources map to EVTX channels and
// event ids (Sysmon, Security 4688 with its field names, PowerShell, System, ...) and to minesweep's own
// categories. Correlation rules (Sigma v2: event_count, value_count, temporal, temporal_ordered, chained) run over
// the matches of the rules they name, across every artefact of a run (correlation.h). A rule that cannot load is
// reported with the reason and skipped.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/diagnostics.h"
#include "core/result.h"
#include "detect/engine.h"
#include "model/event.h"

namespace msw {
class ThreadPool;
}

namespace msw::detect::sigma {

struct LogSource {
  std::string product, category, service;
};

class CompiledRule;

// A correlation rule's meaning: which rules' matches it counts, how it groups them, over what time and when it fires.
struct Correlation {
  enum class Type { EventCount, ValueCount, Temporal, TemporalOrdered } type = Type::EventCount;
  std::vector<std::string> rules;     // referenced rules, by name or id (detection or correlation rules)
  std::vector<std::string> group_by;  // field names, or aliases
  // alias -> (rule name or id -> that rule's field): one group-by key read from differently named fields
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>> aliases;
  int64_t timespan_ns = 0;
  // condition: count (event_count), distinct values of `field` (value_count) or distinct rules (temporal) within
  // [min, max]; an absent bound is open.
  double min = 1, max = 1e300;
  std::string field;
  bool generate = false;  // also report the referenced rules' own matches
};

struct Rule {
  std::string id, name, title, level, status, description, file;
  std::vector<std::string> tags;
  LogSource logsource;
  std::shared_ptr<const CompiledRule> compiled;    // detection rules
  std::shared_ptr<const Correlation> correlation;  // correlation rules
};

// Values for the |expand modifier's %name% placeholders (a site's admin workstations, domain controllers, ...).
using Placeholders = std::map<std::string, std::vector<std::string>>;
// A YAML map of placeholder name to a value or a list of values, as pySigma's placeholder files are written.
Result<Placeholders> load_placeholders(const std::string& path);

// Every rule in one YAML text (one or more documents). Rules that do not compile are diagnostics (sigma.unsupported
// with the feature, sigma.bad_rule) and are left out; so is a rule whose placeholders have no value.
std::vector<Rule> load_rules(std::string_view yaml, std::string_view file, Diagnostics& diags,
                             const Placeholders* placeholders = nullptr);
// The rules a run uses: the built-in ones compiled into the binary (data/rules/sigma), then every rule under
// `paths`, their placeholders filled from `placeholders` (none when null).
std::vector<Rule> load_run_rules(const std::vector<std::string>& paths, const Placeholders* placeholders,
                                 Diagnostics& diags, ThreadPool* pool = nullptr);
// Every *.yml / *.yaml under the paths (files or folders), compiled on `pool` when given.
std::vector<Rule> load_rule_paths(const std::vector<std::string>& paths, Diagnostics& diags, ThreadPool* pool = nullptr,
                                  const Placeholders* placeholders = nullptr);

// Sigma duration ("30s", "5m", "1h", "2d") in nanoseconds; 0 when it is not one.
int64_t parse_timespan(std::string_view text);

// True when the event is in the rule's log source and its detection matches (false for correlation rules).
bool rule_matches(const Rule& rule, const model::Event& event);
// The log source part alone.
bool in_logsource(const LogSource& ls, const model::Event& event);

// Detection rules indexed by where they can match: Windows rules by channel and event id (from the log source and
// from EventID values the condition requires), other rules by product. An event meets only its candidates, and
// each candidate is still checked in full.
class RuleIndex {
 public:
  explicit RuleIndex(std::vector<const Rule*> rules);
  // Appends the rules that match the event.
  void match(const model::Event& event, std::vector<const Rule*>& out) const;
  bool empty() const { return rules_.empty(); }

 private:
  struct Prefilter;  // literals the rules of one bucket need, found in one pass over each field's value
  struct Bucket {
    std::vector<const Rule*> rules;
    std::shared_ptr<const Prefilter> prefilter;  // null where it does not pay (few rules, few anchored)
  };
  struct ByEventId {
    std::unordered_map<int, Bucket> ids;
    Bucket any_id;
  };
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  void add(const std::string& channel, int event_id, const Rule* rule);
  void check(const Bucket& bucket, const model::Event& e, std::vector<const Rule*>& out) const;
  std::vector<const Rule*> rules_;
  std::unordered_map<std::string, ByEventId, StringHash, std::equal_to<>> channels_;  // lower-case channel
  ByEventId any_channel_;  // Windows rules whose channel is not known
  Bucket other_;           // not Windows
};

// The event fields a detection rule's selections name ("CommandLine", "Image", ...), each once, in rule order: what a
// hunt shows of a matching event.
std::vector<std::string> rule_fields(const Rule& rule);

// A finding for `rule` with what every Sigma finding carries: engine, rule id (id, else name, else title), severity
// from the level, English title, ATT&CK technique ids from the tags.
model::Finding rule_finding(const Rule& rule);

// An engine running the detection rules on every event; one finding per rule and artefact, with up to 20 matching
// events. Rules named by a correlation without `generate: true` report only through the correlation.
std::unique_ptr<Engine> make_sigma_engine(const std::vector<Rule>& rules);

}  // namespace msw::detect::sigma
