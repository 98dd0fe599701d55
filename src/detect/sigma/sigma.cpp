#include "detect/sigma/sigma.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <optional>

#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include "core/ip.h"
#include "core/mapped_file.h"
#include "core/text.h"
#include "core/thread_pool.h"
#include "data/embedded.h"
#include "detect/sigma/correlation.h"
#include "intel/indicator.h"
#include "normalize/windows_messages.h"

namespace msw::detect::sigma {
namespace {

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

}  // namespace

class CompiledRule {
 public:
  std::vector<std::string> names;
  std::vector<Selection> selections;
  CondNode condition;
};

namespace {

std::string lower(std::string_view s) { return to_lower_ascii(s); }

ValueMatch glob_value(std::string pattern, bool cased) {
  ValueMatch vm;
  vm.op = ValueMatch::Op::Glob;
  vm.cased = cased;
  std::string_view p = pattern;
  const bool lead = p.starts_with('*'), trail = p.size() > 1 && p.ends_with('*');
  if (lead) p.remove_prefix(1);
  if (trail) p.remove_suffix(1);
  if (p.find_first_of("*?") == std::string_view::npos) {
    vm.shape = lead && trail ? ValueMatch::Shape::Contains
               : lead        ? ValueMatch::Shape::Suffix
               : trail       ? ValueMatch::Shape::Prefix
                             : ValueMatch::Shape::Exact;
    vm.literal.assign(p);
    for (char& c : vm.literal) c = c == '\x01' ? '*' : c == '\x02' ? '?' : c;
  }
  vm.pattern = std::move(pattern);
  return vm;
}

// Sigma string → glob pattern: \* \? \\ escapes, * and ? wildcards.
std::string to_glob(std::string_view v, bool cased) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    if (c == '\\' && i + 1 < v.size() && (v[i + 1] == '*' || v[i + 1] == '?' || v[i + 1] == '\\')) {
      c = v[++i];
      out += c == '*' ? '\x01' : c == '?' ? '\x02' : c;
      continue;
    }
    out += cased ? c : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

bool glob_match(std::string_view p, std::string_view s) {
  size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && (p[pi] == '?' || (p[pi] != '*' && (p[pi] == s[si] || (p[pi] == '\x01' && s[si] == '*') ||
                                                            (p[pi] == '\x02' && s[si] == '?'))))) {
      ++pi;
      ++si;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = si;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

std::string base64(std::string_view in) {
  static constexpr char kT[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t n =
        (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8) | static_cast<uint8_t>(in[i + 2]);
    out += kT[(n >> 18) & 63];
    out += kT[(n >> 12) & 63];
    out += kT[(n >> 6) & 63];
    out += kT[n & 63];
  }
  if (i + 1 == in.size()) {
    const uint32_t n = static_cast<uint8_t>(in[i]) << 16;
    out += kT[(n >> 18) & 63];
    out += kT[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    const uint32_t n = (static_cast<uint8_t>(in[i]) << 16) | (static_cast<uint8_t>(in[i + 1]) << 8);
    out += kT[(n >> 18) & 63];
    out += kT[(n >> 12) & 63];
    out += kT[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string widen(std::string_view s, bool big_endian) {
  std::string out;
  for (unsigned char c : s) {  // ASCII only, as the public rules use it
    if (big_endian) out += '\0';
    out += static_cast<char>(c);
    if (!big_endian) out += '\0';
  }
  return out;
}

// The three encodings of `s` at byte offsets 0, 1, 2 inside a longer base64 text, trimmed to the stable part.
std::vector<std::string> base64_offsets(std::string_view s) {
  static constexpr size_t kStart[] = {0, 2, 3};
  static constexpr size_t kEndTrim[] = {0, 3, 2};
  std::vector<std::string> out;
  for (size_t k = 0; k < 3; ++k) {
    std::string enc = base64(std::string(k, ' ') + std::string(s));
    const size_t start = kStart[k];
    const size_t trim = kEndTrim[(s.size() + k) % 3];
    while (!enc.empty() && enc.back() == '=') enc.pop_back();
    if (enc.size() >= start + trim) out.push_back(enc.substr(start, enc.size() - start - trim));
  }
  return out;
}

std::string scalar_text(const YAML::Node& n) { return n.IsNull() ? std::string() : n.as<std::string>(); }

// |expand: every %name% replaced by each of the placeholder's values (a value list multiplies the variants).
std::vector<std::string> expand_placeholders(const std::string& v, const Placeholders* placeholders) {
  std::vector<std::string> out{""};
  for (size_t i = 0; i < v.size();) {
    const size_t open = v.find('%', i);
    const size_t close = open == std::string::npos ? std::string::npos : v.find('%', open + 1);
    if (close == std::string::npos) {
      for (auto& o : out) o += v.substr(i);
      break;
    }
    for (auto& o : out) o += v.substr(i, open - i);
    const std::string name = v.substr(open + 1, close - open - 1);
    const auto it = placeholders ? placeholders->find(name) : Placeholders::const_iterator{};
    if (!placeholders || it == placeholders->end() || it->second.empty())
      throw Unsupported{"placeholder %" + name +
                        "% has no value (give the rule set's placeholders with --sigma-placeholders FILE)"};
    std::vector<std::string> next;
    for (const auto& o : out)
      for (const auto& value : it->second) {
        if (next.size() >= 1024) throw Unsupported{"placeholders expand to more than 1024 values"};
        next.push_back(o + value);
      }
    out = std::move(next);
    i = close + 1;
  }
  return out;
}

FieldCond compile_field(const std::string& key, const YAML::Node& value, const Placeholders* placeholders) {
  FieldCond fc;
  std::vector<std::string> mods;
  size_t bar = key.find('|');
  fc.field = key.substr(0, bar);
  fc.known = model::field_from_name(fc.field);
  while (bar != std::string::npos) {
    size_t next = key.find('|', bar + 1);
    mods.push_back(lower(key.substr(bar + 1, next == std::string::npos ? std::string::npos : next - bar - 1)));
    bar = next;
  }
  std::string wrap;  // contains / startswith / endswith
  bool cased = false, re = false, re_i = false, re_m = false, re_s = false, b64 = false, b64off = false, wide = false,
       big = false, windash = false, cidr = false, exists = false, fieldref = false, expand = false;
  std::optional<ValueMatch::Op> cmp;
  for (size_t i = 0; i < mods.size(); ++i) {
    const std::string& m = mods[i];
    if (m == "contains" || m == "startswith" || m == "endswith")
      wrap = m;
    else if (m == "all")
      fc.all = true;
    else if (m == "cased")
      cased = true;
    else if (m == "re")
      re = true;
    else if (m == "i" && re)
      re_i = true;
    else if (m == "m" && re)
      re_m = true;
    else if (m == "s" && re)
      re_s = true;
    else if (m == "base64")
      b64 = true;
    else if (m == "base64offset")
      b64off = true;
    else if (m == "utf16le" || m == "wide")
      wide = true;
    else if (m == "utf16be")
      wide = big = true;
    else if (m == "utf16")
      wide = true;
    else if (m == "windash")
      windash = true;
    else if (m == "cidr")
      cidr = true;
    else if (m == "exists")
      exists = true;
    else if (m == "fieldref")
      fieldref = true;
    else if (m == "expand")
      expand = true;
    else if (m == "gt")
      cmp = ValueMatch::Op::Gt;
    else if (m == "gte")
      cmp = ValueMatch::Op::Gte;
    else if (m == "lt")
      cmp = ValueMatch::Op::Lt;
    else if (m == "lte")
      cmp = ValueMatch::Op::Lte;
    else
      throw Unsupported{"modifier |" + m};
  }
  std::vector<std::string> raw;
  std::vector<bool> is_null;
  if (value.IsSequence()) {
    for (const auto& v : value) {
      if (!v.IsScalar() && !v.IsNull()) throw Unsupported{"nested value in " + key};
      raw.push_back(scalar_text(v));
      is_null.push_back(v.IsNull());
    }
  } else if (value.IsScalar() || value.IsNull()) {
    raw.push_back(scalar_text(value));
    is_null.push_back(value.IsNull());
  } else {
    throw Unsupported{"map value in " + key};
  }
  if (expand) {
    std::vector<std::string> expanded;
    std::vector<bool> expanded_null;
    for (size_t k = 0; k < raw.size(); ++k) {
      if (is_null[k]) {
        expanded.push_back(raw[k]);
        expanded_null.push_back(true);
        continue;
      }
      for (auto& e : expand_placeholders(raw[k], placeholders)) {
        expanded.push_back(std::move(e));
        expanded_null.push_back(false);
      }
    }
    raw = std::move(expanded);
    is_null = std::move(expanded_null);
  }
  for (size_t k = 0; k < raw.size(); ++k) {
    const std::string& v = raw[k];
    if (exists) {
      ValueMatch vm;
      vm.op = ValueMatch::Op::Exists;
      vm.exists = lower(v) == "true" || v == "yes";
      fc.values.push_back(std::move(vm));
      continue;
    }
    if (is_null[k]) {
      ValueMatch vm;
      vm.op = ValueMatch::Op::Null;
      fc.values.push_back(std::move(vm));
      continue;
    }
    if (fieldref) {
      ValueMatch vm;
      vm.op = ValueMatch::Op::FieldRef;
      vm.pattern = v;
      fc.values.push_back(std::move(vm));
      continue;
    }
    if (cmp) {
      ValueMatch vm;
      vm.op = *cmp;
      auto r = std::from_chars(v.data(), v.data() + v.size(), vm.number);
      if (r.ec != std::errc()) throw Unsupported{"non-numeric comparison value in " + key};
      fc.values.push_back(std::move(vm));
      continue;
    }
    if (cidr) {
      ValueMatch vm;
      vm.op = ValueMatch::Op::Cidr;
      size_t slash = v.find('/');
      vm.net = parse_ip(std::string_view(v).substr(0, slash));
      if (!vm.net) throw Unsupported{"bad CIDR " + v};
      vm.bits = slash == std::string::npos ? (vm.net->v6 ? 128 : 32) : std::atoi(v.c_str() + slash + 1);
      fc.values.push_back(std::move(vm));
      continue;
    }
    if (re) {
      ValueMatch vm;
      vm.op = ValueMatch::Op::Re;
      if (v.size() > kMaxRegexPattern)
        throw Unsupported{"regex longer than " + std::to_string(kMaxRegexPattern) + " characters"};
      // Sigma's flags as RE2's inline ones; PCRE's inline (?i) at the start is RE2 syntax already.
      std::string flags = std::string(re_i ? "i" : "") + (re_m ? "m" : "") + (re_s ? "s" : "");
      RE2::Options options;
      options.set_log_errors(false);
      options.set_max_mem(kMaxRegexMemory);
      vm.re = std::make_shared<const re2::RE2>(flags.empty() ? v : "(?" + flags + ")" + v, options);
      if (!vm.re->ok()) throw Unsupported{"regex RE2 cannot compile (" + vm.re->error() + "): " + v.substr(0, 80)};
      fc.values.push_back(std::move(vm));
      continue;
    }
    // Strings: encodings first, then the position wrap.
    std::vector<std::string> variants{v};
    if (windash) {
      std::vector<std::string> more;
      for (const auto& s : variants)
        for (const char* d : {"/", "\xE2\x80\x93", "\xE2\x80\x94", "\xE2\x80\x95"}) {
          std::string t = s;
          for (size_t p = 0; (p = t.find('-', p)) != std::string::npos; p += std::strlen(d)) t.replace(p, 1, d);
          more.push_back(t);
        }
      variants.insert(variants.end(), more.begin(), more.end());
    }
    if (wide) {
      if (!b64 && !b64off) throw Unsupported{"utf16 without base64"};
      for (auto& s : variants) s = widen(s, big);
    }
    if (b64 || b64off) {
      std::vector<std::string> enc;
      for (const auto& s : variants) {
        if (b64)
          enc.push_back(base64(s));
        else
          for (auto& o : base64_offsets(s)) enc.push_back(o);
      }
      variants = std::move(enc);
      cased = true;  // base64 is case-sensitive
    }
    for (auto& s : variants) {
      std::string g = (b64 || b64off) ? s : to_glob(s, cased);
      if (b64 || b64off) {
        // Encoded text has no wildcards of its own: protect * and ? (never in base64 anyway).
      }
      if (wrap == "contains" || ((b64off) && wrap.empty()))
        g = "*" + g + "*";
      else if (wrap == "startswith")
        g += "*";
      else if (wrap == "endswith")
        g = "*" + g;
      fc.values.push_back(glob_value(std::move(g), cased));
    }
  }
  if (fc.values.empty()) throw Unsupported{"empty value list in " + key};
  return fc;
}

Selection compile_selection(const YAML::Node& n, const Placeholders* placeholders) {
  Selection s;
  auto map_to_conds = [placeholders](const YAML::Node& m) {
    std::vector<FieldCond> conds;
    for (auto it = m.begin(); it != m.end(); ++it) {
      const YAML::Node k = it->first, v = it->second;
      conds.push_back(compile_field(k.as<std::string>(), v, placeholders));
    }
    return conds;
  };
  if (n.IsMap()) {
    s.alternatives.push_back(map_to_conds(n));
  } else if (n.IsSequence()) {
    for (const auto& item : n) {
      if (item.IsMap()) {
        s.alternatives.push_back(map_to_conds(item));
      } else if (item.IsScalar()) {
        s.keywords.push_back(glob_value("*" + to_glob(item.as<std::string>(), false) + "*", false));
      } else {
        throw Unsupported{"nested list in a selection"};
      }
    }
  } else if (n.IsScalar()) {
    s.keywords.push_back(glob_value("*" + to_glob(n.as<std::string>(), false) + "*", false));
  } else {
    throw Unsupported{"empty selection"};
  }
  return s;
}

// Condition parser: or < and < not < primary.
class CondParser {
 public:
  CondParser(std::string_view text, const std::vector<std::string>& names) : names_(names) {
    for (size_t i = 0; i < text.size();) {
      if (std::isspace(static_cast<unsigned char>(text[i]))) {
        ++i;
      } else if (text[i] == '(' || text[i] == ')') {
        toks_.emplace_back(1, text[i++]);
      } else if (text[i] == '|') {
        throw Unsupported{"aggregation in condition (| count())"};
      } else {
        size_t j = i;
        while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j])) && text[j] != '(' &&
               text[j] != ')')
          ++j;
        toks_.emplace_back(text.substr(i, j - i));
        i = j;
      }
    }
  }
  CondNode parse() {
    CondNode n = parse_or();
    if (pos_ != toks_.size()) throw Unsupported{"unexpected '" + toks_[pos_] + "' in condition"};
    return n;
  }

 private:
  bool at(std::string_view t) const { return pos_ < toks_.size() && lower(toks_[pos_]) == t; }
  CondNode parse_or() {
    CondNode left = parse_and();
    while (at("or")) {
      ++pos_;
      CondNode n{CondNode::Kind::Or, {std::move(left), parse_and()}, {}};
      left = std::move(n);
    }
    return left;
  }
  CondNode parse_and() {
    CondNode left = parse_not();
    while (at("and")) {
      ++pos_;
      CondNode n{CondNode::Kind::And, {std::move(left), parse_not()}, {}};
      left = std::move(n);
    }
    return left;
  }
  CondNode parse_not() {
    if (at("not")) {
      ++pos_;
      return CondNode{CondNode::Kind::Not, {parse_not()}, {}};
    }
    return parse_primary();
  }
  CondNode parse_primary() {
    if (pos_ >= toks_.size()) throw Unsupported{"condition ends early"};
    if (toks_[pos_] == "(") {
      ++pos_;
      CondNode n = parse_or();
      if (!at(")")) throw Unsupported{"missing ) in condition"};
      ++pos_;
      return n;
    }
    const std::string t = lower(toks_[pos_]);
    const bool count =
        !t.empty() && t.size() <= 4 && std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
    if ((count || t == "all" || t == "any") && pos_ + 1 < toks_.size() && lower(toks_[pos_ + 1]) == "of") {
      if (pos_ + 2 >= toks_.size()) throw Unsupported{"'of' without a target"};
      const std::string target = toks_[pos_ + 2];
      pos_ += 3;
      CondNode n{t == "all" ? CondNode::Kind::AllOf : CondNode::Kind::OneOf, {}, {}};
      if (count) n.need = std::max<size_t>(1, std::stoul(t));
      for (size_t i = 0; i < names_.size(); ++i)
        if (target == "them" ? !names_[i].starts_with('_') : glob_match(target, names_[i])) n.sels.push_back(i);
      if (n.sels.empty()) throw Unsupported{"no selection matches '" + target + "'"};
      return n;
    }
    auto it = std::find(names_.begin(), names_.end(), toks_[pos_]);
    if (it == names_.end()) throw Unsupported{"unknown selection '" + toks_[pos_] + "'"};
    ++pos_;
    return CondNode{CondNode::Kind::Sel, {}, {static_cast<size_t>(it - names_.begin())}};
  }

  std::vector<std::string> toks_;
  size_t pos_ = 0;
  const std::vector<std::string>& names_;
};

// ---- evaluation ------------------------------------------------------------------------------------------------

// Security 4688 and other non-Sysmon sources name the same things differently; Sigma's windows pipeline maps them.
// `direct_known_missing`: the caller already looked the name up as a known field and the event does not have it.
const std::string* field_value(const model::Event& e, std::string_view name, bool direct_known_missing = false) {
  if (!direct_known_missing)
    if (const std::string* v = e.get(name)) return v;
  static constexpr std::pair<std::string_view, std::string_view> kAliases[] = {
      {"Image", "NewProcessName"},   {"ParentImage", "ParentProcessName"}, {"CommandLine", "ProcessCommandLine"},
      {"ProcessId", "NewProcessId"}, {"User", "SubjectUserName"},          {"IntegrityLevel", "MandatoryLabel"}};
  for (const auto& [alias, target] : kAliases)
    if (alias == name) {
      if (const std::string* v = e.get(target)) return v;
      break;
    }
  // Defender and other providers name EventData with spaces ("Threat Name"); Sigma writes them without.
  for (const auto& [n, v] : e.extra) {
    if (n.size() <= name.size() || n.find(' ') == std::string::npos) continue;
    size_t i = 0;
    bool same = true;
    for (char c : n) {
      if (c == ' ') continue;
      if (i >= name.size() || c != name[i++]) {
        same = false;
        break;
      }
    }
    if (same && i == name.size()) return &v;
  }
  return nullptr;
}

bool match_glob(const ValueMatch& vm, std::string_view s) {
  const std::string_view lit = vm.literal;
  switch (vm.shape) {
    case ValueMatch::Shape::Exact:
      return s == lit;
    case ValueMatch::Shape::Prefix:
      return s.starts_with(lit);
    case ValueMatch::Shape::Suffix:
      return s.ends_with(lit);
    case ValueMatch::Shape::Contains:
      return s.find(lit) != std::string_view::npos;
    case ValueMatch::Shape::Glob:
      break;
  }
  return glob_match(vm.pattern, s);
}

// `lowered`: the value lower-cased, computed once by the caller for all the value's case-insensitive patterns.
bool match_value(const ValueMatch& vm, const model::Event& e, const std::string* v, std::string_view lowered) {
  switch (vm.op) {
    case ValueMatch::Op::Exists:
      return (v != nullptr) == vm.exists;
    case ValueMatch::Op::Null:
      return v == nullptr || v->empty();
    default:
      break;
  }
  if (!v) return false;
  switch (vm.op) {
    case ValueMatch::Op::Glob:
      return match_glob(vm, vm.cased ? std::string_view(*v) : lowered);
    case ValueMatch::Op::Re:
      return RE2::PartialMatch(std::string_view(*v).substr(0, kMaxRegexSubject), *vm.re);
    case ValueMatch::Op::Cidr: {
      auto ip = parse_ip(*v);
      if (!ip || ip->v6 != vm.net->v6) return false;
      for (int b = 0; b < vm.bits; ++b) {
        const auto mask = static_cast<uint8_t>(0x80 >> (b % 8));
        if ((ip->bytes[static_cast<size_t>(b / 8)] & mask) != (vm.net->bytes[static_cast<size_t>(b / 8)] & mask))
          return false;
      }
      return true;
    }
    case ValueMatch::Op::FieldRef: {
      const std::string* other = field_value(e, vm.pattern);
      return other && iequals_ascii(*other, *v);
    }
    default: {
      double n = 0;
      std::string_view s = *v;
      int base = 10;
      if (s.starts_with("0x") || s.starts_with("0X")) {
        s.remove_prefix(2);
        base = 16;
      }
      if (base == 16) {
        uint64_t u = 0;
        if (std::from_chars(s.data(), s.data() + s.size(), u, 16).ec != std::errc()) return false;
        n = static_cast<double>(u);
      } else if (std::from_chars(s.data(), s.data() + s.size(), n).ec != std::errc()) {
        return false;
      }
      switch (vm.op) {
        case ValueMatch::Op::Gt:
          return n > vm.number;
        case ValueMatch::Op::Gte:
          return n >= vm.number;
        case ValueMatch::Op::Lt:
          return n < vm.number;
        default:
          return n <= vm.number;
      }
    }
  }
}

// Lower-cased values of the event being matched, made once per value and event (an event meets hundreds of
// rules that read the same CommandLine). Per thread; begin_event() starts a new event.
struct LoweredCache {
  struct Entry {
    const std::string* value = nullptr;
    std::string text;
    enum class Codes : uint8_t { Unknown, None, Some } codes = Codes::Unknown;  // %%nnnn message codes in the value
    std::string rendered;                                                       // the value with them rendered
  };
  std::deque<Entry> entries;  // a deque: a rendered value's address is a key too, and must stay put
  size_t used = 0;
  // Which entry holds a value, by the value's address: open addressing, emptied by a new generation per event (a
  // linear search over the entries was half of a hunt's time on Security logs, whose events have ~20 fields that
  // hundreds of rules read).
  struct Slot {
    const std::string* value = nullptr;
    uint32_t generation = 0;
    Entry* entry = nullptr;  // deque elements stay put
  };
  std::vector<Slot> slots = std::vector<Slot>(1024);
  uint32_t generation = 1;
};
thread_local LoweredCache t_lowered;
// Sigma's Data container, made once per event.
struct DataContainer {
  bool made = false;
  bool present = false;
  std::string text;
};
thread_local DataContainer t_data;
// Every value of the event with its lower-cased text, for keyword rules (which read all of them), made once per
// event: a keyword search per value and rule was most of a hunt with SigmaHQ's rules.
struct KeywordHaystack {
  bool made = false;
  std::vector<std::pair<const std::string*, std::string_view>> values;
  std::string joined;  // the lower-cased values, NUL-separated: a keyword without a NUL is found in one search
};
thread_local KeywordHaystack t_haystack;

void begin_event() {
  t_lowered.used = 0;
  if (++t_lowered.generation == 0) {  // wrapped: forget every slot for real once in 4 billion events
    for (auto& slot : t_lowered.slots) slot.generation = 0;
    t_lowered.generation = 1;
  }
  t_data.made = false;
  t_haystack.made = false;
}

LoweredCache::Entry& cached(const std::string* v) {
  auto& c = t_lowered;
  const size_t mask = c.slots.size() - 1;
  size_t i = (reinterpret_cast<uintptr_t>(v) >> 3) * 0x9E3779B97F4A7C15ull >> 40 & mask;
  for (size_t probes = 0;; i = (i + 1) & mask, ++probes) {
    auto& slot = c.slots[i];
    if (slot.generation == c.generation && slot.value == v) return *slot.entry;
    if (slot.generation != c.generation || probes == mask) break;
  }
  LoweredCache::Slot* free_slot = &c.slots[i];
  if (free_slot->generation == c.generation) {  // full (over 1024 values in one event): grow and place again
    std::vector<LoweredCache::Slot> old(c.slots.size() * 2);
    old.swap(c.slots);
    for (const auto& s : old)
      if (s.generation == c.generation) {
        size_t j = (reinterpret_cast<uintptr_t>(s.value) >> 3) * 0x9E3779B97F4A7C15ull >> 40 & (c.slots.size() - 1);
        while (c.slots[j].generation == c.generation) j = (j + 1) & (c.slots.size() - 1);
        c.slots[j] = s;
      }
    return cached(v);
  }
  if (c.used == c.entries.size()) c.entries.emplace_back();
  auto& e = c.entries[c.used++];
  *free_slot = {v, c.generation, &e};
  e.value = v;
  e.text.assign(*v);
  for (char& ch : e.text)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + 32);
  e.codes = LoweredCache::Entry::Codes::Unknown;
  return e;
}

std::string_view lowered(const std::string* v) { return v ? std::string_view(cached(v).text) : std::string_view(); }

// Sigma's `Data` is the container of the event's data as a whole: for events whose EventData is unnamed <Data>
// elements (MSSQL, classic PowerShell, ESENT, MSI) their values, one a line. Null when the event has none.
const std::string* data_container(const model::Event& e) {
  auto& d = t_data;
  if (!d.made) {
    d.made = true;
    d.present = false;
    d.text.clear();
    char name[24];
    for (int i = 1; i < 10'000; ++i) {
      const int len = std::snprintf(name, sizeof name, "Data_%d", i);
      const std::string* v = e.get(std::string_view(name, static_cast<size_t>(len)));
      if (!v) break;
      if (d.present) d.text += '\n';
      d.text += *v;
      d.present = true;
    }
  }
  return d.present ? &d.text : nullptr;
}

// The value with its %%nnnn message codes rendered as Windows shows them ("%%4417" → "WriteData (or AddFile)"),
// or null when it has none.
const std::string* rendered(const std::string* v) {
  if (!v) return nullptr;
  using Codes = LoweredCache::Entry::Codes;
  LoweredCache::Entry& e = cached(v);
  if (e.codes == Codes::Unknown)
    e.codes = v->find("%%") != std::string::npos && normalize::render_message_codes(*v, e.rendered) ? Codes::Some
                                                                                                    : Codes::None;
  return e.codes == Codes::Some ? &e.rendered : nullptr;
}

const std::string* resolve(const FieldCond& fc, const model::Event& e) {
  const std::string* v = fc.known ? e.get(*fc.known) : nullptr;
  if (v) return v;
  if (v = field_value(e, fc.field, fc.known.has_value()); v) return v;
  return fc.field == "Data" ? data_container(e) : nullptr;
}

bool match_values(const FieldCond& fc, const model::Event& e, const std::string* v) {
  const std::string_view low = lowered(v);
  if (fc.all) {
    for (const auto& vm : fc.values)
      if (!match_value(vm, e, v, low)) return false;
    return true;
  }
  for (const auto& vm : fc.values)
    if (match_value(vm, e, v, low)) return true;
  return false;
}

// A value Windows wrote as message codes matches in either form: rules are written against "%%4417" and against
// "WriteData".
bool match_field(const FieldCond& fc, const model::Event& e) {
  const std::string* v = resolve(fc, e);
  if (match_values(fc, e, v)) return true;
  const std::string* text = rendered(v);
  return text && match_values(fc, e, text);
}

bool match_keyword(const ValueMatch& vm, const model::Event& e) {
  auto& h = t_haystack;
  if (!h.made) {
    h.made = true;
    h.values.clear();
    for (const auto& [f, v] : e.fields) h.values.emplace_back(&v, lowered(&v));
    for (const auto& [n, v] : e.extra) h.values.emplace_back(&v, lowered(&v));
    h.joined.clear();
    for (const auto& [v, low] : h.values) (h.joined += low) += '\0';
  }
  // Most keywords are case-insensitive "contains" literals: one search over all values (an occurrence of a literal
  // without a NUL lies within one value).
  if (vm.op == ValueMatch::Op::Glob && !vm.cased && vm.shape == ValueMatch::Shape::Contains &&
      vm.literal.find('\0') == std::string::npos)
    return std::string_view(h.joined).find(vm.literal) != std::string_view::npos;
  for (const auto& [v, low] : h.values)
    if (match_value(vm, e, v, low)) return true;
  return false;
}

bool match_selection(const Selection& s, const model::Event& e) {
  if (!s.keywords.empty()) {
    for (const auto& k : s.keywords)
      if (match_keyword(k, e)) return true;
    return false;
  }
  for (const auto& alt : s.alternatives) {
    bool ok = true;
    for (const auto& fc : alt)
      if (!match_field(fc, e)) {
        ok = false;
        break;
      }
    if (ok) return true;
  }
  return false;
}

bool eval(const CondNode& n, const CompiledRule& r, const model::Event& e) {
  switch (n.kind) {
    case CondNode::Kind::And:
      return eval(n.kids[0], r, e) && eval(n.kids[1], r, e);
    case CondNode::Kind::Or:
      return eval(n.kids[0], r, e) || eval(n.kids[1], r, e);
    case CondNode::Kind::Not:
      return !eval(n.kids[0], r, e);
    case CondNode::Kind::Sel:
      return match_selection(r.selections[n.sels[0]], e);
    case CondNode::Kind::OneOf: {
      size_t matched = 0;
      for (size_t i : n.sels)
        if (match_selection(r.selections[i], e) && ++matched >= n.need) return true;
      return false;
    }
    case CondNode::Kind::AllOf:
      for (size_t i : n.sels)
        if (!match_selection(r.selections[i], e)) return false;
      return true;
  }
  return false;
}

// ---- log sources -------------------------------------------------------------------------------------------------

struct WinSource {
  std::string_view channel;    // lower-case channel
  std::vector<int> event_ids;  // empty: any
};

std::vector<WinSource> windows_category(std::string_view c) {
  static constexpr std::string_view kSysmon = "microsoft-windows-sysmon/operational";
  if (c == "process_creation") return {{kSysmon, {1}}, {"security", {4688}}};
  if (c == "process_termination") return {{kSysmon, {5}}, {"security", {4689}}};
  if (c == "network_connection") return {{kSysmon, {3}}};
  if (c == "file_change") return {{kSysmon, {2}}};
  if (c == "driver_load") return {{kSysmon, {6}}};
  if (c == "image_load") return {{kSysmon, {7}}};
  if (c == "create_remote_thread") return {{kSysmon, {8}}};
  if (c == "raw_access_thread") return {{kSysmon, {9}}};
  if (c == "process_access") return {{kSysmon, {10}}};
  if (c == "file_event") return {{kSysmon, {11}}};
  if (c == "registry_add" || c == "registry_delete") return {{kSysmon, {12}}};
  if (c == "registry_set") return {{kSysmon, {13}}};
  if (c == "registry_rename") return {{kSysmon, {14}}};
  if (c == "registry_event") return {{kSysmon, {12, 13, 14}}};
  if (c == "create_stream_hash") return {{kSysmon, {15}}};
  if (c == "pipe_created") return {{kSysmon, {17, 18}}};
  if (c == "wmi_event") return {{kSysmon, {19, 20, 21}}};
  if (c == "dns_query") return {{kSysmon, {22}}};
  if (c == "file_delete") return {{kSysmon, {23, 26}}};
  if (c == "clipboard_capture") return {{kSysmon, {24}}};
  if (c == "process_tampering") return {{kSysmon, {25}}};
  if (c == "file_block_executable") return {{kSysmon, {27}}};
  if (c == "file_block_shredding") return {{kSysmon, {28}}};
  if (c == "file_executable_detected") return {{kSysmon, {29}}};
  if (c == "sysmon_error") return {{kSysmon, {255}}};
  if (c == "sysmon_status") return {{kSysmon, {4, 16}}};
  if (c == "ps_module") return {{"microsoft-windows-powershell/operational", {4103}}};
  if (c == "ps_script") return {{"microsoft-windows-powershell/operational", {4104}}};
  if (c == "ps_classic_start") return {{"windows powershell", {400}}};
  if (c == "ps_classic_provider_start") return {{"windows powershell", {600}}};
  if (c == "ps_classic_script") return {{"windows powershell", {800}}};
  return {};
}

// The channels (lower case) a Windows log source's service names, as SigmaHQ's own mapping (tests/thor.yml) gives
// them; empty for a service not listed (matched then as a part of the channel's name).
const std::vector<std::string_view>& windows_service_channels(std::string_view s) {
  static const std::map<std::string_view, std::vector<std::string_view>> kServices = {
      {"security", {"security"}},
      {"system", {"system"}},
      {"application", {"application"}},
      {"sysmon", {"microsoft-windows-sysmon/operational"}},
      {"powershell", {"microsoft-windows-powershell/operational", "powershellcore/operational"}},
      {"powershell-classic", {"windows powershell"}},
      {"taskscheduler", {"microsoft-windows-taskscheduler/operational"}},
      {"wmi", {"microsoft-windows-wmi-activity/operational"}},
      {"wmi-activity", {"microsoft-windows-wmi-activity/operational"}},
      {"windefend", {"microsoft-windows-windows defender/operational"}},
      {"dns-server", {"dns server"}},
      {"bits-client", {"microsoft-windows-bits-client/operational"}},
      {"codeintegrity-operational", {"microsoft-windows-codeintegrity/operational"}},
      {"firewall-as", {"microsoft-windows-windows firewall with advanced security/firewall"}},
      {"terminalservices-localsessionmanager", {"microsoft-windows-terminalservices-localsessionmanager/operational"}},
      {"driver-framework", {"microsoft-windows-driverframeworks-usermode/operational"}},
      {"ntlm", {"microsoft-windows-ntlm/operational"}},
      {"dns-client", {"microsoft-windows-dns client events/operational"}},
      {"appxdeployment-server", {"microsoft-windows-appxdeploymentserver/operational"}},
      {"appxpackaging-om", {"microsoft-windows-appxpackaging/operational"}},
      {"appmodel-runtime", {"microsoft-windows-appmodel-runtime/admin"}},
      {"application-experience",
       {"microsoft-windows-application-experience/program-telemetry",
        "microsoft-windows-application-experience/program-compatibility-assistant"}},
      {"msexchange-management", {"msexchange management"}},
      {"printservice-admin", {"microsoft-windows-printservice/admin"}},
      {"printservice-operational", {"microsoft-windows-printservice/operational"}},
      {"smbclient-security", {"microsoft-windows-smbclient/security"}},
      {"smbclient-connectivity", {"microsoft-windows-smbclient/connectivity"}},
      {"smbserver-connectivity", {"microsoft-windows-smbserver/connectivity"}},
      {"openssh", {"openssh/operational"}},
      {"ldap", {"microsoft-windows-ldap-client/debug"}},
      {"security-mitigations",
       {"microsoft-windows-security-mitigations/kernel mode", "microsoft-windows-security-mitigations/user mode"}},
      {"diagnosis-scripted", {"microsoft-windows-diagnosis-scripted/operational"}},
      {"shell-core", {"microsoft-windows-shell-core/operational"}},
      {"capi2", {"microsoft-windows-capi2/operational"}},
      {"certificateservicesclient-lifecycle-system",
       {"microsoft-windows-certificateservicesclient-lifecycle-system/operational"}},
      {"vhdmp", {"microsoft-windows-vhdmp/operational", "microsoft-windows-vhdmp-operational"}},
      {"applocker",
       {"microsoft-windows-applocker/exe and dll", "microsoft-windows-applocker/msi and script",
        "microsoft-windows-applocker/packaged app-deployment", "microsoft-windows-applocker/packaged app-execution"}},
      {"lsa-server", {"microsoft-windows-lsa/operational"}},
      {"iis-configuration", {"microsoft-iis-configuration/operational"}},
      {"bitlocker", {"microsoft-windows-bitlocker/bitlocker management"}},
      {"dhcp", {"microsoft-windows-dhcp-server/operational"}},
      {"hyper-v-worker", {"microsoft-windows-hyper-v-worker"}},
      {"kernel-event-tracing", {"microsoft-windows-kernel-eventtracing"}},
      {"kernel-shimengine",
       {"microsoft-windows-kernel-shimengine/operational", "microsoft-windows-kernel-shimengine/diagnostic"}},
      {"ntfs", {"microsoft-windows-ntfs/operational"}},
      {"sense", {"microsoft-windows-sense/operational"}},
      {"servicebus-client", {"microsoft-servicebus-client/admin", "microsoft-servicebus-client/operational"}},
      {"microsoft-servicebus-client", {"microsoft-servicebus-client/admin", "microsoft-servicebus-client/operational"}},
  };
  static const std::vector<std::string_view> kNone;
  auto it = kServices.find(s);
  return it == kServices.end() ? kNone : it->second;
}

int event_id(const model::Event& e) {
  const std::string* v = e.get(model::Field::EventID);
  int n = -1;
  if (v) std::from_chars(v->data(), v->data() + v->size(), n);
  return n;
}

}  // namespace

bool in_logsource(const LogSource& ls, const model::Event& e) {
  if (!ls.product.empty() && ls.product != e.product) return false;
  if (e.product == "windows") {
    const std::string& channel = e.service;  // lower-case channel (normalize/evtx)
    if (!ls.service.empty()) {
      const auto& want = windows_service_channels(ls.service);
      if (!want.empty() ? std::find(want.begin(), want.end(), channel) == want.end()
                        : channel.find(ls.service) == std::string::npos)
        return false;
    }
    if (!ls.category.empty()) {
      auto sources = windows_category(ls.category);
      if (sources.empty()) return e.category == ls.category;
      // Not from an event log (a hive, the WMI repository, a collector's table): its category says what it is, in
      // the same taxonomy; registry_event covers every registry_* category.
      if (channel.empty())
        return e.category == ls.category || (ls.category == "registry_event" && e.category.starts_with("registry_"));
      const int id = event_id(e);
      for (const auto& s : sources)
        if (channel == s.channel &&
            (s.event_ids.empty() || std::find(s.event_ids.begin(), s.event_ids.end(), id) != s.event_ids.end()))
          return true;
      return false;
    }
    return true;
  }
  if (!ls.category.empty() && ls.category != e.category) return false;
  if (!ls.service.empty() && ls.service != e.service) return false;
  return true;
}

bool rule_matches(const Rule& rule, const model::Event& e) {
  begin_event();  // one rule on its own: nothing cached can be trusted
  return rule.compiled && in_logsource(rule.logsource, e) && eval(rule.compiled->condition, *rule.compiled, e);
}

namespace {

// A necessary condition of a rule: a set of items of which at least one holds whenever the rule matches (nullopt:
// nothing known). `of_field` gives a field condition's own; `narrow` picks or combines two that must both hold; the
// alternatives of a selection, OR and "1 of" add up; NOT and keywords say nothing. The rule index uses it twice:
// for the event ids a rule can match, and for the literals its prefilter looks for.
template <typename T>
using Requirement = std::optional<std::vector<T>>;

template <typename T>
Requirement<T> either(Requirement<T> a, const Requirement<T>& b) {
  if (!a || !b) return std::nullopt;
  a->insert(a->end(), b->begin(), b->end());
  return a;
}

template <typename T, typename OfField, typename Narrow>
Requirement<T> selection_requirement(const Selection& s, const OfField& of_field, const Narrow& narrow) {
  if (!s.keywords.empty() || s.alternatives.empty()) return std::nullopt;
  Requirement<T> out = std::vector<T>{};
  for (const auto& alt : s.alternatives) {
    Requirement<T> all;
    for (const auto& fc : alt) all = narrow(all, of_field(fc));
    out = either(std::move(out), all);
    if (!out) return std::nullopt;
  }
  return out;
}

template <typename T, typename OfField, typename Narrow>
Requirement<T> condition_requirement(const CondNode& n, const CompiledRule& r, const OfField& of_field,
                                     const Narrow& narrow) {
  auto sel = [&](size_t i) { return selection_requirement<T>(r.selections[i], of_field, narrow); };
  auto kid = [&](size_t i) { return condition_requirement<T>(n.kids[i], r, of_field, narrow); };
  switch (n.kind) {
    case CondNode::Kind::And:
      return narrow(kid(0), kid(1));
    case CondNode::Kind::Or:
      return either(kid(0), kid(1));
    case CondNode::Kind::Not:
      return std::nullopt;
    case CondNode::Kind::Sel:
      return sel(n.sels[0]);
    case CondNode::Kind::OneOf: {
      Requirement<T> out = std::vector<T>{};
      for (size_t i : n.sels) out = either(std::move(out), sel(i));
      return out;
    }
    case CondNode::Kind::AllOf: {
      Requirement<T> out;
      for (size_t i : n.sels) out = narrow(out, sel(i));
      return out;
    }
  }
  return std::nullopt;
}

using IdSet = Requirement<int>;  // nullopt: any event id

// "EventID: 4625" or a list of plain numbers.
IdSet event_ids_of_field(const FieldCond& fc) {
  if (fc.field != "EventID" || fc.all) return std::nullopt;
  std::vector<int> ids;
  for (const auto& vm : fc.values) {
    int n = -1;
    auto r = std::from_chars(vm.pattern.data(), vm.pattern.data() + vm.pattern.size(), n);
    if (vm.op != ValueMatch::Op::Glob || r.ec != std::errc() || r.ptr != vm.pattern.data() + vm.pattern.size())
      return std::nullopt;
    ids.push_back(n);
  }
  return ids;
}

IdSet intersect(const IdSet& a, const IdSet& b) {
  if (!a) return b;
  if (!b) return a;
  std::vector<int> out;
  for (int x : *a)
    if (std::find(b->begin(), b->end(), x) != b->end()) out.push_back(x);
  return out;
}

// The event ids an event must have for the condition to hold (nullopt: not constrained).
IdSet required_ids(const CondNode& n, const CompiledRule& r) {
  return condition_requirement<int>(n, r, event_ids_of_field, intersect);
}

}  // namespace

// ---- literal prefilter ---------------------------------------------------------------------------------------
//
// Most rules need some literal in some field: "CommandLine contains ' -enc '", "Image endswith '\\certutil.exe'".
// A rule's anchor is a set of (field, literal) pairs of which at least one holds (the lower-cased value contains
// the literal) whenever the rule matches. Per bucket, every anchor literal of a field is found in one pass over that
// field's value (4-byte grams, a bit filter, then a compare), and only rules whose anchor was seen, plus the rules
// without one, are evaluated.

namespace {

constexpr size_t kGram = 4;
constexpr size_t kMinRulesForPrefilter = 8;
constexpr size_t kMaxAnchorLiterals = 256;

struct AnchorItem {
  const FieldCond* field;
  std::string literal;  // lower-cased, at least kGram bytes
};
using Anchor = Requirement<AnchorItem>;

// The longest run of literal characters in a glob pattern.
std::string longest_run(const ValueMatch& vm) {
  if (vm.shape != ValueMatch::Shape::Glob) return vm.literal;
  std::string best, cur;
  for (char c : vm.pattern) {
    if (c == '*' || c == '?') {
      if (cur.size() > best.size()) best = cur;
      cur.clear();
    } else {
      cur += c == '\x01' ? '*' : c == '\x02' ? '?' : c;
    }
  }
  return cur.size() > best.size() ? cur : best;
}

Anchor anchor_of_field(const FieldCond& fc) {
  std::vector<AnchorItem> items;
  for (const auto& vm : fc.values) {
    if (vm.op != ValueMatch::Op::Glob) return std::nullopt;
    std::string lit = to_lower_ascii(longest_run(vm));
    if (fc.all) {  // every value must match: the longest one alone is enough
      if (lit.size() >= kGram && (items.empty() || lit.size() > items[0].literal.size()))
        items.assign(1, AnchorItem{&fc, std::move(lit)});
      continue;
    }
    if (lit.size() < kGram) return std::nullopt;
    items.push_back({&fc, std::move(lit)});
  }
  if (items.empty()) return std::nullopt;
  return items;
}

// Both must hold, so either alone is necessary: the one with fewer literals (fewer candidates).
Anchor better(const Anchor& a, const Anchor& b) {
  if (!a) return b;
  if (!b) return a;
  return b->size() < a->size() ? b : a;
}

Anchor anchor_of(const CondNode& n, const CompiledRule& r) {
  return condition_requirement<AnchorItem>(n, r, anchor_of_field, better);
}

uint32_t load_gram(const char* p) {
  uint32_t g;
  std::memcpy(&g, p, sizeof g);
  return g;
}

uint32_t gram_slot(uint32_t g) { return (g * 2654435761u) >> 16; }  // 16 bits

}  // namespace

struct RuleIndex::Prefilter {
  struct FieldScan {
    FieldCond probe;  // name and resolved field, for reading the event's value like the rules do
    std::vector<std::string> literals;
    std::vector<std::vector<uint32_t>> rules_of;                  // per literal: positions in the bucket
    std::unordered_map<uint32_t, std::vector<uint32_t>> by_gram;  // first 4 bytes -> literals
    std::vector<uint64_t> bits = std::vector<uint64_t>(1 << 10);  // 65,536-bit filter over gram_slot
  };
  std::vector<FieldScan> fields;
  std::vector<uint8_t> always;  // rules without an anchor

  void mark(const model::Event& e, std::vector<uint32_t>& stamp, uint32_t epoch) const {
    for (const auto& f : fields) {
      const std::string* v = resolve(f.probe, e);
      scan(f, v, stamp, epoch);
      scan(f, rendered(v), stamp, epoch);  // rules read message codes in either form (match_field)
    }
  }

  static void scan(const FieldScan& f, const std::string* v, std::vector<uint32_t>& stamp, uint32_t epoch) {
    if (!v || v->size() < kGram) return;
    const std::string_view low = lowered(v);
    for (size_t i = 0; i + kGram <= low.size(); ++i) {
      const uint32_t g = load_gram(low.data() + i);
      const uint32_t slot = gram_slot(g);
      if (!(f.bits[slot >> 6] >> (slot & 63) & 1)) continue;
      auto it = f.by_gram.find(g);
      if (it == f.by_gram.end()) continue;
      for (uint32_t lit : it->second) {
        const std::string& l = f.literals[lit];
        if (low.size() - i >= l.size() && std::memcmp(low.data() + i, l.data(), l.size()) == 0)
          for (uint32_t r : f.rules_of[lit]) stamp[r] = epoch;
      }
    }
  }
};

void RuleIndex::check(const Bucket& bucket, const model::Event& e, std::vector<const Rule*>& out) const {
  auto full = [&](const Rule* r) {
    return r->compiled && in_logsource(r->logsource, e) && eval(r->compiled->condition, *r->compiled, e);
  };
  const auto& rules = bucket.rules;
  if (!bucket.prefilter) {
    for (const Rule* r : rules)
      if (full(r)) out.push_back(r);
    return;
  }
  thread_local std::vector<uint32_t> stamp;
  thread_local uint32_t epoch = 0;
  if (stamp.size() < rules.size()) stamp.resize(rules.size(), 0);
  if (++epoch == 0) {  // wrapped: forget every old stamp
    std::fill(stamp.begin(), stamp.end(), 0);
    epoch = 1;
  }
  bucket.prefilter->mark(e, stamp, epoch);
  for (size_t i = 0; i < rules.size(); ++i)
    if ((bucket.prefilter->always[i] || stamp[i] == epoch) && full(rules[i])) out.push_back(rules[i]);
}

void RuleIndex::add(const std::string& channel, int id, const Rule* rule) {
  ByEventId& b = channel.empty() ? any_channel_ : channels_[channel];
  auto& list = (id < 0 ? b.any_id : b.ids[id]).rules;
  if (list.empty() || list.back() != rule) list.push_back(rule);
}

RuleIndex::RuleIndex(std::vector<const Rule*> rules) : rules_(std::move(rules)) {
  for (const Rule* r : rules_) {
    if (!r->compiled) continue;
    const LogSource& ls = r->logsource;
    if (!ls.product.empty() && ls.product != "windows") {
      other_.rules.push_back(r);
      continue;
    }
    const IdSet ids = required_ids(r->compiled->condition, *r->compiled);
    // (channel, ids) pairs from the log source; "" is any channel.
    std::vector<std::pair<std::string, IdSet>> where;
    const auto& service_channels = windows_service_channels(ls.service);
    auto sources = ls.category.empty() ? std::vector<WinSource>{} : windows_category(ls.category);
    if (!sources.empty()) {
      for (const auto& src : sources) {
        if (!service_channels.empty() &&
            std::find(service_channels.begin(), service_channels.end(), src.channel) == service_channels.end())
          continue;
        where.emplace_back(std::string(src.channel),
                           intersect(src.event_ids.empty() ? IdSet{} : IdSet{src.event_ids}, ids));
      }
    } else if (!service_channels.empty()) {
      for (auto channel : service_channels) where.emplace_back(std::string(channel), ids);
    } else {
      where.emplace_back("", ids);
    }
    if (ls.product.empty()) other_.rules.push_back(r);  // a rule without a product also applies to Linux events
    for (const auto& [channel, id_set] : where) {
      if (!id_set)
        add(channel, -1, r);
      else
        for (int id : *id_set) add(channel, id, r);
    }
  }
  // Prefilters for the buckets where they pay: many rules, most of them anchored.
  std::map<const Rule*, Anchor> anchors;
  auto build = [&](Bucket& bucket) {
    const auto& members = bucket.rules;
    if (members.size() < kMinRulesForPrefilter) return;
    auto pf = std::make_shared<Prefilter>();
    pf->always.assign(members.size(), 0);
    std::map<std::pair<size_t, std::string_view>, uint32_t> literal_ids;  // (field scan, literal) -> literal index
    size_t anchored = 0;
    for (size_t i = 0; i < members.size(); ++i) {
      const Rule* r = members[i];
      auto it = anchors.find(r);
      if (it == anchors.end()) it = anchors.emplace(r, anchor_of(r->compiled->condition, *r->compiled)).first;
      if (!it->second || it->second->size() > kMaxAnchorLiterals) {
        pf->always[i] = 1;
        continue;
      }
      ++anchored;
      for (const auto& item : *it->second) {
        auto f = std::find_if(pf->fields.begin(), pf->fields.end(),
                              [&](const Prefilter::FieldScan& x) { return x.probe.field == item.field->field; });
        if (f == pf->fields.end()) {
          pf->fields.emplace_back();
          f = std::prev(pf->fields.end());
          f->probe.field = item.field->field;
          f->probe.known = item.field->known;
        }
        const size_t field_index = static_cast<size_t>(f - pf->fields.begin());
        auto [slot_it, fresh] =
            literal_ids.try_emplace({field_index, item.literal}, static_cast<uint32_t>(f->literals.size()));
        const uint32_t lit = slot_it->second;
        if (fresh) {
          f->literals.push_back(item.literal);
          f->rules_of.emplace_back();
          const uint32_t g = load_gram(item.literal.data());
          f->by_gram[g].push_back(lit);
          const uint32_t slot = gram_slot(g);
          f->bits[slot >> 6] |= uint64_t{1} << (slot & 63);
        }
        auto& rules_of = f->rules_of[lit];
        if (rules_of.empty() || rules_of.back() != i) rules_of.push_back(static_cast<uint32_t>(i));
      }
    }
    if (anchored * 2 >= members.size()) bucket.prefilter = std::move(pf);
  };
  auto build_all = [&](ByEventId& b) {
    build(b.any_id);
    for (auto& [id, bucket] : b.ids) build(bucket);
  };
  build_all(any_channel_);
  for (auto& [channel, b] : channels_) build_all(b);
  build(other_);
}

void RuleIndex::match(const model::Event& e, std::vector<const Rule*>& out) const {
  begin_event();
  auto check = [&](const Bucket& b) { this->check(b, e, out); };
  if (e.product != "windows") {
    check(other_);
    return;
  }
  const int id = event_id(e);
  auto from = [&](const ByEventId& b) {
    check(b.any_id);
    if (auto it = b.ids.find(id); it != b.ids.end()) check(it->second);
  };
  from(any_channel_);
  if (auto it = channels_.find(std::string_view(e.service)); it != channels_.end()) from(it->second);
}

// What yaml-cpp (0.7, Debian 12) must not be given, found by a scan before parsing:
//  - nesting deeper than max_depth (flow brackets or indentation): its parser recurses per level;
//  - a ',' outside any flow collection where no plain scalar can absorb it (at the start of a line, or after a
//    closing bracket, a quoted scalar, a tag, an anchor or "---"): its parser loops forever on it, allocating.
// Quotes open only where a scalar can start, and comments are skipped, so ordinary prose stays ordinary.
std::optional<std::string> yaml_precheck(std::string_view text, int max_depth) {
  // A small tokenizer, enough to know where a ',' stands: inside a flow collection (a separator), inside a plain
  // scalar (a character), or anywhere else (refused).
  int depth = 0;          // flow collection nesting
  char quote = 0;         // inside a quoted scalar
  bool in_plain = false;  // inside a plain scalar on this line
  size_t indent = 0;
  bool line_start = true;
  std::optional<size_t> block_indent;  // inside a block scalar (| or >) opened on a line with this indent
  auto is_space = [](char ch) { return ch == ' ' || ch == '\t'; };
  auto is_break = [](char ch) { return ch == '\n' || ch == '\r'; };
  auto ends_token = [&](size_t k) { return k >= text.size() || is_space(text[k]) || is_break(text[k]); };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    // YAML's character set has no C0 controls but tab and line breaks (yaml-cpp reads a NUL as the end of input and
    // then loops on what follows).
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
      return "a control character YAML does not allow (byte " + std::to_string(static_cast<unsigned char>(c)) + ")";
    if (is_break(c)) {
      line_start = true;
      indent = 0;
      in_plain = false;
      continue;
    }
    if (line_start) {
      if (is_space(c)) {
        if (++indent > static_cast<size_t>(max_depth) * 4) return "nested deeper than " + std::to_string(max_depth);
        continue;
      }
      line_start = false;
      if (block_indent && !quote) {
        if (indent > *block_indent) {  // block scalar content: raw text to the end of the line
          while (i + 1 < text.size() && !is_break(text[i + 1])) ++i;
          continue;
        }
        block_indent.reset();
      }
    }
    if (quote) {
      if (c == quote) quote = 0;  // '' inside single quotes reopens at once: same state
      continue;
    }
    if (is_space(c)) continue;
    if (c == '#' && (i == 0 || is_space(text[i - 1]) || is_break(text[i - 1]))) {
      while (i + 1 < text.size() && !is_break(text[i + 1])) ++i;
      continue;
    }
    const bool flow = depth > 0;
    if (in_plain) {
      if (c == ':' && (ends_token(i + 1) || (flow && (text[i + 1] == ',' || text[i + 1] == ']' || text[i + 1] == '}'))))
        in_plain = false;
      else if (flow && c == ',')
        in_plain = false;
      else if (flow && (c == ']' || c == '}')) {
        --depth;
        in_plain = false;
      }
      continue;  // any other character, ',' included at depth 0, belongs to the scalar
    }
    switch (c) {
      case '"':
      case '\'':
        quote = c;
        break;
      case '&':
      case '!':
      case '*':  // anchor, tag, alias: a token that ends at a space or a flow indicator
        while (i + 1 < text.size() && !ends_token(i + 1) &&
               std::string_view(",[]{}").find(text[i + 1]) == std::string_view::npos)
          ++i;
        break;
      case '[':
      case '{':
        if (++depth > max_depth) return "nested deeper than " + std::to_string(max_depth);
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      case ',':
        if (!flow) return "a ',' outside a flow collection where YAML does not allow one";
        break;
      case '|':
      case '>':
        if (!flow) {
          block_indent = indent;
          while (i + 1 < text.size() && !is_break(text[i + 1])) ++i;  // header and comment
        }
        break;
      case '-':
      case '?':
      case ':':
        if (ends_token(i + 1)) break;  // block indicators
        if (c == '-' && text.substr(i, 3) == "---" && ends_token(i + 3)) {
          i += 2;
          break;
        }
        in_plain = true;
        break;
      default:
        if (c == '.' && text.substr(i, 3) == "..." && ends_token(i + 3)) {
          i += 2;
          break;
        }
        in_plain = true;
    }
  }
  return std::nullopt;
}

int64_t parse_timespan(std::string_view t) {
  if (t.size() < 2) return 0;
  int64_t n = 0;
  auto r = std::from_chars(t.data(), t.data() + t.size() - 1, n);
  if (r.ec != std::errc() || r.ptr != t.data() + t.size() - 1 || n <= 0 || n > 3650LL * 86400) return 0;
  constexpr int64_t kSecond = 1'000'000'000;
  switch (t.back()) {
    case 's':
      return n * kSecond;
    case 'm':
      return n * 60 * kSecond;
    case 'h':
      return n * 3600 * kSecond;
    case 'd':
      return n * 86400 * kSecond;
    case 'w':
      return n <= 520 ? n * 7 * 86400 * kSecond : 0;
    default:
      return 0;
  }
}

namespace {

std::vector<std::string> string_list(const YAML::Node& n, std::string_view what) {
  std::vector<std::string> out;
  if (!n) return out;
  if (n.IsScalar()) {
    out.push_back(n.as<std::string>());
  } else if (n.IsSequence()) {
    for (const auto& v : n) {
      if (!v.IsScalar()) throw Unsupported{"non-scalar entry in " + std::string(what)};
      out.push_back(v.as<std::string>());
    }
  } else {
    throw Unsupported{std::string(what) + " is neither a name nor a list"};
  }
  return out;
}

Correlation parse_correlation(const YAML::Node& c) {
  if (!c.IsMap()) throw Unsupported{"correlation is not a map"};
  Correlation out;
  const std::string type = c["type"] && c["type"].IsScalar() ? lower(c["type"].as<std::string>()) : "";
  if (type == "event_count")
    out.type = Correlation::Type::EventCount;
  else if (type == "value_count")
    out.type = Correlation::Type::ValueCount;
  else if (type == "temporal")
    out.type = Correlation::Type::Temporal;
  else if (type == "temporal_ordered")
    out.type = Correlation::Type::TemporalOrdered;
  else
    throw Unsupported{"correlation type '" + type + "'"};
  out.rules = string_list(c["rules"], "correlation rules");
  if (out.rules.empty() || out.rules.size() > 64) throw Unsupported{"correlation names no rules (or more than 64)"};
  out.group_by = string_list(c["group-by"], "group-by");
  if (out.group_by.size() > 16) throw Unsupported{"more than 16 group-by fields"};
  const YAML::Node span = c["timespan"] ? c["timespan"] : c["timeframe"];
  if (!span || !span.IsScalar()) throw Unsupported{"correlation without timespan"};
  out.timespan_ns = parse_timespan(span.as<std::string>());
  if (out.timespan_ns == 0) throw Unsupported{"timespan '" + span.as<std::string>() + "'"};
  if (const YAML::Node al = c["aliases"]; al && al.IsMap()) {
    for (auto it = al.begin(); it != al.end(); ++it) {
      const YAML::Node k = it->first, v = it->second;
      if (!v.IsMap()) throw Unsupported{"alias that is not a map of rule to field"};
      std::vector<std::pair<std::string, std::string>> per_rule;
      for (auto jt = v.begin(); jt != v.end(); ++jt) {
        const YAML::Node rk = jt->first, rv = jt->second;
        per_rule.emplace_back(rk.as<std::string>(), rv.as<std::string>());
      }
      out.aliases.emplace_back(k.as<std::string>(), std::move(per_rule));
    }
  }
  if (const YAML::Node g = c["generate"]; g && g.IsScalar()) out.generate = lower(g.as<std::string>()) == "true";
  const bool temporal = out.type == Correlation::Type::Temporal || out.type == Correlation::Type::TemporalOrdered;
  if (temporal) out.min = static_cast<double>(out.rules.size());
  const YAML::Node cond = c["condition"];
  if (cond && cond.IsMap()) {
    bool bounded = false;
    for (auto it = cond.begin(); it != cond.end(); ++it) {
      const YAML::Node k = it->first, v = it->second;
      const std::string key = lower(k.as<std::string>());
      if (key == "field") {
        out.field = v.as<std::string>();
        continue;
      }
      double n = 0;
      const std::string text = v.as<std::string>();
      if (std::from_chars(text.data(), text.data() + text.size(), n).ec != std::errc())
        throw Unsupported{"non-numeric correlation condition " + text};
      bounded = true;
      if (key == "gte")
        out.min = n;
      else if (key == "gt")
        out.min = std::floor(n) + 1;
      else if (key == "lte")
        out.max = n;
      else if (key == "lt")
        out.max = std::ceil(n) - 1;
      else if (key == "eq")
        out.min = out.max = n;
      else
        throw Unsupported{"correlation condition '" + key + "'"};
    }
    if (!bounded) throw Unsupported{"correlation condition without a bound"};
  } else if (!temporal) {
    throw Unsupported{"correlation without a condition"};
  }
  if (out.max < out.min) throw Unsupported{"correlation condition that no count meets"};
  if (out.min < 1) throw Unsupported{"correlation condition that fires on zero events (absence is not supported)"};
  if (out.type == Correlation::Type::ValueCount && out.field.empty()) throw Unsupported{"value_count without field"};
  return out;
}

}  // namespace

// YAML aliases share one node, so "a: &x [..], b: [*x, *x, ...]" nests into exponentially many visits when the
// rule is compiled (a "billion laughs"). Visits, aliases counted each time, are bounded before compiling.
bool within_node_budget(const YAML::Node& n, size_t& budget) {
  if (budget == 0) return false;
  --budget;
  if (n.IsMap()) {
    for (auto it = n.begin(); it != n.end(); ++it) {
      const YAML::Node k = it->first, v = it->second;
      if (!within_node_budget(k, budget) || !within_node_budget(v, budget)) return false;
    }
  } else if (n.IsSequence()) {
    for (const auto& v : n)
      if (!within_node_budget(v, budget)) return false;
  }
  return true;
}

std::vector<Rule> load_rules(std::string_view yaml, std::string_view file, Diagnostics& diags,
                             const Placeholders* placeholders) {
  std::vector<Rule> out;
  if (yaml.size() > (16u << 20)) {
    diags.add("sigma.bad_rule", DiagSeverity::Warning, std::string(file), 0, "larger than 16 MiB");
    return out;
  }
  if (auto bad = yaml_precheck(yaml, 64)) {
    diags.add("sigma.bad_rule", DiagSeverity::Warning, std::string(file), 0, "YAML: " + *bad + "; skipped");
    return out;
  }
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(std::string(yaml));
  } catch (const YAML::Exception& e) {
    diags.add("sigma.bad_rule", DiagSeverity::Warning, std::string(file), 0, std::string("YAML: ") + e.what());
    return out;
  }
  YAML::Node global;  // Sigma v1 collections: "action: global" documents are merged into those that follow
  size_t budget = kMaxYamlNodes;
  for (const auto& doc : docs) {
    if (!within_node_budget(doc, budget)) {
      diags.add("sigma.bad_rule", DiagSeverity::Warning, std::string(file), 0,
                "more than " + std::to_string(kMaxYamlNodes) + " YAML nodes once aliases are expanded; skipped");
      return out;
    }
    if (!doc.IsMap()) continue;
    try {
      if (doc["action"] && doc["action"].as<std::string>() == "global") {
        global = doc;
        continue;
      }
      Rule r;
      r.file = file;
      auto get = [&](const char* k) -> std::string {
        if (doc[k] && doc[k].IsScalar()) return doc[k].as<std::string>();
        if (global && global[k] && global[k].IsScalar()) return global[k].as<std::string>();
        return {};
      };
      r.id = get("id");
      r.name = get("name");
      r.title = get("title");
      r.level = lower(get("level"));
      r.status = get("status");
      r.description = get("description");
      if (doc["tags"] && doc["tags"].IsSequence())
        for (const auto& t : doc["tags"]) r.tags.push_back(t.as<std::string>());
      if (doc["correlation"]) {
        r.correlation = std::make_shared<const Correlation>(parse_correlation(doc["correlation"]));
        out.push_back(std::move(r));
        continue;
      }
      const YAML::Node ls = doc["logsource"] ? doc["logsource"] : global["logsource"];
      if (ls && ls.IsMap()) {
        if (ls["product"]) r.logsource.product = lower(ls["product"].as<std::string>());
        if (ls["category"]) r.logsource.category = lower(ls["category"].as<std::string>());
        if (ls["service"]) r.logsource.service = lower(ls["service"].as<std::string>());
      }
      const YAML::Node det = doc["detection"] ? doc["detection"] : global["detection"];
      if (!det || !det.IsMap()) throw Unsupported{"no detection"};
      auto compiled = std::make_shared<CompiledRule>();
      std::vector<std::string> conditions;
      for (auto it = det.begin(); it != det.end(); ++it) {
        const YAML::Node k = it->first, v = it->second;
        const std::string name = k.as<std::string>();
        if (name == "condition") {
          if (v.IsSequence()) {
            for (const auto& c : v) conditions.push_back(c.as<std::string>());
          } else {
            conditions.push_back(v.as<std::string>());
          }
          continue;
        }
        if (name == "timeframe") continue;
        compiled->names.push_back(name);
        compiled->selections.push_back(compile_selection(v, placeholders));
      }
      if (conditions.empty()) throw Unsupported{"no condition"};
      // Several conditions are alternatives.
      CondNode root = CondParser(conditions[0], compiled->names).parse();
      for (size_t i = 1; i < conditions.size(); ++i)
        root = CondNode{CondNode::Kind::Or, {std::move(root), CondParser(conditions[i], compiled->names).parse()}, {}};
      compiled->condition = std::move(root);
      r.compiled = std::move(compiled);
      out.push_back(std::move(r));
    } catch (const Unsupported& u) {
      diags.add("sigma.unsupported", DiagSeverity::Info, std::string(file), 0, u.what);
    } catch (const YAML::Exception& e) {
      diags.add("sigma.bad_rule", DiagSeverity::Warning, std::string(file), 0, std::string("YAML: ") + e.what());
    }
  }
  return out;
}

std::vector<Rule> load_run_rules(const std::vector<std::string>& paths, const Placeholders* placeholders,
                                 Diagnostics& diags, ThreadPool* pool) {
  std::vector<Rule> rules;
  for (const auto& f : data::embedded_files())
    if (f.path.starts_with("rules/sigma/"))
      for (auto& r : load_rules(f.bytes, f.path, diags)) rules.push_back(std::move(r));
  for (auto& r : load_rule_paths(paths, diags, pool, placeholders)) rules.push_back(std::move(r));
  return rules;
}

Result<Placeholders> load_placeholders(const std::string& path) {
  auto file = MappedFile::open(path);
  if (!file) return file.error();
  const std::string_view text = as_chars(file->bytes());
  if (auto bad = yaml_precheck(text, 16)) return Error::make("sigma.placeholders", path + ": " + *bad);
  Placeholders out;
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    if (!root.IsMap())
      return Error::make("sigma.placeholders", path + ": expected a map of placeholder name to values");
    for (auto it = root.begin(); it != root.end(); ++it) {
      const YAML::Node k = it->first, v = it->second;
      std::vector<std::string> values;
      if (v.IsScalar()) {
        values.push_back(v.as<std::string>());
      } else if (v.IsSequence()) {
        for (const auto& x : v)
          if (x.IsScalar()) values.push_back(x.as<std::string>());
      } else {
        return Error::make("sigma.placeholders",
                           path + ": placeholder " + k.as<std::string>() + " is not a value or a list");
      }
      out[k.as<std::string>()] = std::move(values);
    }
  } catch (const YAML::Exception& e) {
    return Error::make("sigma.placeholders", path + ": YAML: " + e.what());
  }
  return out;
}

std::vector<Rule> load_rule_paths(const std::vector<std::string>& paths, Diagnostics& diags, ThreadPool* pool,
                                  const Placeholders* placeholders) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (fs::recursive_directory_iterator it(p, fs::directory_options::skip_permission_denied, ec), end;
           !ec && it != end; it.increment(ec))
        if (it->is_regular_file(ec) && (it->path().extension() == ".yml" || it->path().extension() == ".yaml"))
          files.push_back(it->path());
    } else {
      files.push_back(p);
    }
  }
  std::sort(files.begin(), files.end());
  // Files compile in parallel (a public rule set is thousands of files); results keep file order.
  std::vector<std::vector<Rule>> per_file(files.size());
  std::vector<Diagnostics> per_file_diags(files.size());
  auto load_one = [&](size_t i) {
    auto file = MappedFile::open(files[i].string());
    if (!file) {
      per_file_diags[i].add_error(file.error(), files[i].string());
      return;
    }
    per_file[i] = load_rules(as_chars(file->bytes()), files[i].string(), per_file_diags[i], placeholders);
  };
  if (pool && files.size() > 1)
    pool->parallel_for(files.size(), load_one);
  else
    for (size_t i = 0; i < files.size(); ++i) load_one(i);
  std::vector<Rule> rules;
  for (size_t i = 0; i < files.size(); ++i) {
    for (auto& r : per_file[i]) rules.push_back(std::move(r));
    for (const auto& d : per_file_diags[i].items()) diags.add(d.code, d.severity, d.evidence, d.offset, d.detail);
  }
  return rules;
}

std::vector<std::string> rule_fields(const Rule& r) {
  std::vector<std::string> out;
  if (!r.compiled) return out;
  for (const auto& sel : r.compiled->selections)
    for (const auto& alt : sel.alternatives)
      for (const auto& fc : alt)
        if (std::find(out.begin(), out.end(), fc.field) == out.end()) out.push_back(fc.field);
  return out;
}

model::Finding rule_finding(const Rule& r) {
  model::Finding f;
  f.engine = "sigma";
  f.rule_id = !r.id.empty() ? r.id : !r.name.empty() ? r.name : r.title;
  f.severity = r.level == "critical" ? model::Severity::Critical
               : r.level == "high"   ? model::Severity::High
               : r.level == "medium" ? model::Severity::Medium
               : r.level == "low"    ? model::Severity::Low
                                     : model::Severity::Informational;
  f.title_en = r.title;
  for (const auto& t : r.tags)
    if (t.starts_with("attack.t") && t.size() > 8 && std::isdigit(static_cast<unsigned char>(t[8]))) {
      std::string id = t.substr(7);  // "t1027.001"
      id[0] = 'T';
      f.attack.push_back(std::move(id));
    }
  return f;
}

namespace {

class SigmaEngine final : public Engine {
 public:
  explicit SigmaEngine(const std::vector<Rule>& rules) : rules_(reporting_rules(rules)), index_(pointers(rules_)) {}
  std::string_view name() const override { return "sigma"; }

  void scan_artefact(const ArtefactView& a, std::vector<model::Finding>& out) const override {
    std::map<const Rule*, model::Finding> hits;
    std::vector<const Rule*> matched;
    for (const auto& ev : a.events) {
      matched.clear();
      index_.match(ev, matched);
      for (const Rule* rp : matched) {
        const Rule& r = *rp;
        auto [it, fresh] = hits.try_emplace(rp);
        model::Finding& f = it->second;
        if (fresh) {
          f = rule_finding(r);
          f.title_zh = "Sigma 规则命中：" + r.title;
          f.description_en = r.description;
          f.description_zh = r.description;
          f.time = ev.time;
        }
        if (f.evidence.size() < 20) {
          const std::string* cmd = ev.get(model::Field::CommandLine);
          const std::string* img = ev.get(model::Field::Image);
          std::string excerpt = cmd ? *cmd : img ? *img : "";
          if (const std::string* id = ev.get(model::Field::EventRecordID)) excerpt = "record " + *id + " " + excerpt;
          f.evidence.push_back({std::string(a.path), std::string(a.sha256), ev.offset, 0, 0, excerpt.substr(0, 512)});
        }
        if (ev.time && (!f.time || *ev.time < *f.time)) f.time = ev.time;
      }
    }
    for (auto& [i, f] : hits) out.push_back(std::move(f));
  }

 private:
  static std::vector<Rule> reporting_rules(const std::vector<Rule>& rules) {
    std::vector<Rule> out;
    const auto only = correlation_only(rules);
    for (size_t i = 0; i < rules.size(); ++i)
      if (rules[i].compiled && !only[i]) out.push_back(rules[i]);
    return out;
  }
  static std::vector<const Rule*> pointers(const std::vector<Rule>& rules) {
    std::vector<const Rule*> out;
    for (const auto& r : rules) out.push_back(&r);
    return out;
  }
  std::vector<Rule> rules_;
  RuleIndex index_;
};

}  // namespace

std::unique_ptr<Engine> make_sigma_engine(const std::vector<Rule>& rules) {
  return std::make_unique<SigmaEngine>(rules);
}

}  // namespace msw::detect::sigma
