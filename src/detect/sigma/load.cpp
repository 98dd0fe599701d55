// Rule files: the YAML checks that keep yaml-cpp safe, rule documents (detection and correlation), placeholders, and
// every rule under a folder compiled on the pool.
#include <algorithm>
#include <charconv>
#include <filesystem>
#include <map>

#include <yaml-cpp/yaml.h>

#include "core/mapped_file.h"
#include "core/text.h"
#include "core/thread_pool.h"
#include "data/embedded.h"
#include "detect/sigma/compiled.h"
#include "detect/sigma/correlation.h"

namespace msw::detect::sigma {
namespace {

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
  const std::string type = c["type"] && c["type"].IsScalar() ? to_lower_ascii(c["type"].as<std::string>()) : "";
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
  if (const YAML::Node g = c["generate"]; g && g.IsScalar())
    out.generate = to_lower_ascii(g.as<std::string>()) == "true";
  const bool temporal = out.type == Correlation::Type::Temporal || out.type == Correlation::Type::TemporalOrdered;
  if (temporal) out.min = static_cast<double>(out.rules.size());
  const YAML::Node cond = c["condition"];
  if (cond && cond.IsMap()) {
    bool bounded = false;
    for (auto it = cond.begin(); it != cond.end(); ++it) {
      const YAML::Node k = it->first, v = it->second;
      const std::string key = to_lower_ascii(k.as<std::string>());
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
      r.level = to_lower_ascii(get("level"));
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
        if (ls["product"]) r.logsource.product = to_lower_ascii(ls["product"].as<std::string>());
        if (ls["category"]) r.logsource.category = to_lower_ascii(ls["category"].as<std::string>());
        if (ls["service"]) r.logsource.service = to_lower_ascii(ls["service"].as<std::string>());
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
      CondNode root = parse_condition(conditions[0], compiled->names);
      for (size_t i = 1; i < conditions.size(); ++i)
        root = CondNode{CondNode::Kind::Or, {std::move(root), parse_condition(conditions[i], compiled->names)}, {}};
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

}  // namespace msw::detect::sigma
