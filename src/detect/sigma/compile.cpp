// Sigma rule YAML to a compiled rule: field conditions with their modifiers (contains, startswith, endswith, all,
// re, cidr, base64/base64offset, utf16/wide, windash, expand, gt/gte/lt/lte, fieldref, exists, cased), value lists,
// keyword lists, and the condition parser.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <map>

#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include "core/text.h"
#include "detect/sigma/compiled.h"

namespace msw::detect::sigma {
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
  set_field(fc, key.substr(0, bar));
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

}  // namespace

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

CondNode parse_condition(std::string_view text, const std::vector<std::string>& names) {
  return CondParser(text, names).parse();
}

}  // namespace msw::detect::sigma
