// detect/sigma: findings from rule matches, and the engine that runs the detection rules on every event. The parts
// are listed in detect/sigma/compiled.h.
#include "detect/sigma/sigma.h"

#include <algorithm>
#include <map>

#include "core/text.h"
#include "detect/sigma/compiled.h"
#include "detect/sigma/correlation.h"
#include "intel/indicator.h"

namespace msw::detect::sigma {

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
