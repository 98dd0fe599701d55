// detect/sigma's inside, shared by its parts (not part of its interface; include only from detect/sigma/*.cpp):
// a compiled rule — selections of field conditions of value patterns, and the condition tree over them — and the
// functions one part of the engine uses from another.
//   compile.cpp     rule YAML to CompiledRule (modifiers, values, placeholders, the condition parser)
//   match.cpp       an event against a compiled rule, and the log sources (Windows channels and event ids)
//   rule_index.cpp  rules indexed by channel and event id, with a literal prefilter per bucket
//   load.cpp        rule files: YAML checks, documents, correlations, placeholders, folders on the pool
//   sigma.cpp       findings and the per-artefact engine
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ip.h"
#include "detect/sigma/sigma.h"
#include "model/event.h"

namespace re2 {
class RE2;
}
namespace YAML {
class Node;
}

namespace msw::detect::sigma {

// A rule's regexes run with RE2, in time linear in the field and memory bounded per regex, on the whole value up
// to this limit — far above Windows' own field sizes (a 4104 script block is at most 32 KB of text).
constexpr size_t kMaxRegexSubject = 1 << 20;
// A regex's text, and the memory RE2 may give its compiled program (rules beyond it are reported and skipped).
constexpr size_t kMaxRegexPattern = 16 * 1024;
constexpr int64_t kMaxRegexMemory = 8 << 20;
// A rule file's YAML nodes, aliases counted at every use (SigmaHQ's largest rule file has a few thousand).
constexpr size_t kMaxYamlNodes = 200'000;

struct Unsupported {
  std::string what;
};

// One value pattern of a field condition.
struct ValueMatch {
  enum class Op { Glob, Re, Cidr, Exists, Gt, Gte, Lt, Lte, FieldRef, Null } op = Op::Glob;
  std::string pattern;  // Glob: lower-cased unless cased; '*' and '?' are wildcards, '\x01' and '\x02' literal * ?
  bool cased = false;
  // Most Sigma values are plain strings with contains/startswith/endswith: those compare as literals.
  enum class Shape { Exact, Prefix, Suffix, Contains, Glob } shape = Shape::Glob;
  std::string literal;
  std::shared_ptr<const re2::RE2> re;
  std::optional<IpAddress> net;
  int bits = 0;
  double number = 0;
  bool exists = true;
};

struct FieldCond {
  std::string field;
  std::optional<model::Field> known;  // the field resolved once, when it is one of fields.def
  // Sigma's Windows pipeline names some fields as Security 4688 does not (Image is NewProcessName there): that
  // other name, resolved once too (set by set_field). Matching reads hundreds of absent fields per event, and
  // looking their names up each time was a tenth of a hunt with SigmaHQ's rules.
  std::optional<model::Field> alias_known;
  std::string alias;  // the other name when fields.def does not list it; empty: none or known
  std::vector<ValueMatch> values;
  bool all = false;  // every value must match (|all); otherwise any
};

struct Selection {
  std::vector<std::vector<FieldCond>> alternatives;  // OR of ANDs (a list of maps is an OR)
  std::vector<ValueMatch> keywords;                  // keyword lists: any field value
  bool keywords_all = false;
};

struct CondNode {
  enum class Kind { And, Or, Not, Sel, OneOf, AllOf } kind = Kind::Sel;
  std::vector<CondNode> kids;
  std::vector<size_t> sels;  // Sel: one; OneOf/AllOf: the matching selections
  size_t need = 1;           // OneOf: how many of them must match ("2 of selection_*")
};

class CompiledRule {
 public:
  std::vector<std::string> names;
  std::vector<Selection> selections;
  CondNode condition;
};

// compile.cpp
// One selection (a map of field conditions, a list of maps, or a keyword list). Throws Unsupported.
Selection compile_selection(const YAML::Node& n, const Placeholders* placeholders);
// A condition ("selection and not 1 of filter_*") over the selections named `names`. Throws Unsupported.
CondNode parse_condition(std::string_view text, const std::vector<std::string>& names);
// Sigma's wildcards: '*' any run, '?' one character; '\x01' and '\x02' are literal * and ?.
bool glob_match(std::string_view pattern, std::string_view s);

// match.cpp
// Starts a new event for the per-thread caches (lowered values, the Data container, the keyword haystack).
void begin_event();
bool eval(const CondNode& n, const CompiledRule& r, const model::Event& e);
bool match_field(const FieldCond& fc, const model::Event& e);
// The event's value for a condition's field (aliases of the Security log, names with spaces, `Data`); null if none.
const std::string* resolve(const FieldCond& fc, const model::Event& e);
// Names the condition's field and resolves it (and its Windows alias) against fields.def once.
void set_field(FieldCond& fc, std::string name);
// A value lower-cased, once per event.
std::string_view lowered(const std::string* v);
// The value with its %%nnnn message codes rendered, or null when it has none.
const std::string* rendered(const std::string* v);
// The event's EventID as a number; -1 without one.
int event_id(const model::Event& e);
// Where a Windows log-source category's events are: a channel (lower case) and its event ids (empty: any).
struct WinSource {
  std::string_view channel;
  std::vector<int> event_ids;
};
std::vector<WinSource> windows_category(std::string_view category);
// The channels (lower case) a Windows log source's service names; empty for a service not listed.
const std::vector<std::string_view>& windows_service_channels(std::string_view service);

}  // namespace msw::detect::sigma
