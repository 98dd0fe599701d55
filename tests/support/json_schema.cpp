#include "support/json_schema.h"

#include <fstream>
#include <set>

namespace msw::test {
namespace {

bool has_type(const nlohmann::json& v, const std::string& t) {
  if (t == "object") return v.is_object();
  if (t == "array") return v.is_array();
  if (t == "string") return v.is_string();
  if (t == "integer") return v.is_number_integer() || v.is_number_unsigned();
  if (t == "number") return v.is_number();
  if (t == "boolean") return v.is_boolean();
  if (t == "null") return v.is_null();
  return false;
}

void check(const nlohmann::json& root, const nlohmann::json& s, const nlohmann::json& v, const std::string& at,
           std::vector<std::string>& errors, int depth) {
  if (depth > 64) {
    errors.push_back(at + ": schema nests too deeply");
    return;
  }
  static const std::set<std::string> known = {
      "$schema", "$id",  "$defs",      "title",    "description",          "type",
      "const",   "enum", "properties", "required", "additionalProperties", "items",
      "minimum", "$ref"};
  for (const auto& [k, _] : s.items())
    if (!known.count(k)) errors.push_back(at + ": the checker does not know keyword " + k);
  if (auto r = s.find("$ref"); r != s.end()) {
    const std::string ref = r->get<std::string>();
    const std::string prefix = "#/$defs/";
    if (!ref.starts_with(prefix) || !root["$defs"].contains(ref.substr(prefix.size()))) {
      errors.push_back(at + ": unresolvable $ref " + ref);
      return;
    }
    check(root, root["$defs"][ref.substr(prefix.size())], v, at, errors, depth + 1);
  }
  if (auto t = s.find("type"); t != s.end()) {
    bool ok = false;
    if (t->is_string())
      ok = has_type(v, t->get<std::string>());
    else
      for (const auto& one : *t) ok = ok || has_type(v, one.get<std::string>());
    if (!ok) {
      errors.push_back(at + ": expected type " + t->dump() + ", got " + v.type_name());
      return;
    }
  }
  if (auto c = s.find("const"); c != s.end() && *c != v) errors.push_back(at + ": expected " + c->dump());
  if (auto e = s.find("enum"); e != s.end()) {
    bool ok = false;
    for (const auto& one : *e) ok = ok || one == v;
    if (!ok) errors.push_back(at + ": " + v.dump() + " is not one of " + e->dump());
  }
  if (auto m = s.find("minimum"); m != s.end() && v.is_number() && v.get<double>() < m->get<double>())
    errors.push_back(at + ": below the minimum " + m->dump());
  if (v.is_object()) {
    const auto props = s.value("properties", nlohmann::json::object());
    for (const auto& req : s.value("required", nlohmann::json::array()))
      if (!v.contains(req.get<std::string>())) errors.push_back(at + ": missing " + req.get<std::string>());
    for (const auto& [k, child] : v.items()) {
      if (props.contains(k)) {
        check(root, props[k], child, at + "/" + k, errors, depth + 1);
      } else if (auto ap = s.find("additionalProperties"); ap != s.end()) {
        if (ap->is_boolean() && !ap->get<bool>())
          errors.push_back(at + ": unexpected property " + k);
        else if (ap->is_object())
          check(root, *ap, child, at + "/" + k, errors, depth + 1);
      }
    }
  }
  if (v.is_array())
    if (auto items = s.find("items"); items != s.end())
      for (size_t i = 0; i < v.size(); ++i) check(root, *items, v[i], at + "/" + std::to_string(i), errors, depth + 1);
}

}  // namespace

std::vector<std::string> validate_json(const nlohmann::json& schema, const nlohmann::json& doc) {
  std::vector<std::string> errors;
  check(schema, schema, doc, "", errors, 0);
  return errors;
}

nlohmann::json load_report_schema() {
  std::ifstream in(std::string(MSW_SOURCE_DIR) + "/docs/schema/minesweep-report-2.json");
  return nlohmann::json::parse(in);
}

}  // namespace msw::test
