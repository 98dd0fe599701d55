#include "report/report.h"

#include <map>

#include <nlohmann/json.hpp>

#include "core/escape.h"
#include "intel/kb.h"
#include "report/iocs.h"

namespace msw::report {

std::optional<Format> format_from_string(std::string_view s) {
  if (s == "json") return Format::Json;
  if (s == "md" || s == "markdown") return Format::Markdown;
  if (s == "html") return Format::Html;
  if (s == "csv") return Format::Csv;
  return std::nullopt;
}

std::optional<Lang> lang_from_string(std::string_view s) {
  if (s == "en") return Lang::En;
  if (s == "zh" || s == "zh-CN" || s == "zh_CN") return Lang::Zh;
  return std::nullopt;
}

Result<ReportData> load(const casedb::CaseDb& db) {
  ReportData d;
  d.case_path = db.path();
  auto meta = db.meta();
  if (!meta) return meta.error();
  d.meta = std::move(meta).value();
  auto ev = db.evidence();
  if (!ev) return ev.error();
  d.evidence = std::move(ev).value();
  auto arts = db.artefacts();
  if (!arts) return arts.error();
  d.artefacts = std::move(arts).value();
  auto findings = db.findings();
  if (!findings) return findings.error();
  for (auto& sf : *findings) d.findings.push_back(std::move(sf.finding));
  auto diags = db.diagnostics();
  if (!diags) return diags.error();
  d.diagnostics = std::move(diags).value();
  auto ents = db.entities();
  if (!ents) return ents.error();
  d.entities = std::move(ents).value();
  auto edges = db.edges();
  if (!edges) return edges.error();
  d.edges = std::move(edges).value();
  auto count = db.event_count();
  if (!count) return count.error();
  d.events = *count;
  d.plan = respond::build_plan(d.findings);
  d.verdict = correlate::summarize(d.findings);
  d.storyline = correlate::build_storyline(d.findings);
  auto timeline = load_timeline(db, kReportTimelineEvents);
  if (!timeline) return timeline.error();
  d.timeline = std::move(timeline).value();
  d.iocs = case_indicators(d.findings, "", IocScope::WithHost);
  auto checks = baseline::evaluate(db);
  if (!checks) return checks.error();
  d.hardening = std::move(checks).value();
  // The case's family comes from findings that attribute: the knowledge base's attribution (which weighs every
  // matched indicator), a file's own analysis, a family's own behaviour. A finding that only lists indicators known
  // for a family ("ioc.known_indicator": a shared dropper, a pool, a file name) names none; it is counted with the
  // family once another finding names it. Thin evidence leaves the family unknown.
  std::map<std::string, size_t> families, attributing;
  for (const auto& f : d.findings) {
    if (!f.family.empty()) {
      ++families[f.family];
      if (f.rule_id != "ioc.known_indicator") ++attributing[f.family];
    }
    if (f.time && f.severity >= model::Severity::Medium && (!d.first_activity || *f.time < *d.first_activity))
      d.first_activity = f.time;
  }
  for (const auto& f : d.findings)
    if (f.rule_id == "kb.family_attribution" && !f.family.empty()) d.family = f.family;
  if (d.family.empty()) {
    size_t most = 0;
    for (const auto& [name, n] : attributing)
      if (n > most) d.family = name, most = n;
  }
  if (!d.family.empty()) d.family_findings = families[d.family];
  Diagnostics kb_diags;  // the knowledge base is compiled in; its problems were reported when the case was made
  for (const auto& fi : intel::builtin_kb(kb_diags).families)
    if (!fi.names.empty()) d.family_names[fi.id] = fi.names.front();
  return d;
}

std::string render(const ReportData& data, Format format, Lang lang) {
  switch (format) {
    case Format::Json:
      return render_json(data);
    case Format::Markdown:
      return render_markdown(data, lang);
    case Format::Html:
      return render_html(data, lang);
    case Format::Csv:
      break;  // the timeline reads the case's events: render_timeline_csv
  }
  return {};
}

std::string render_json(const ReportData& d) {
  using nlohmann::json;
  auto opt_time = [](const std::optional<Timestamp>& t) { return t ? json(to_iso8601(*t)) : json(nullptr); };
  json j;
  j["schema"] = "minesweep-report/2";
  j["case"] = {{"path", d.case_path},
               {"status", casedb::to_string(d.meta.status)},
               {"schema_version", d.meta.schema_version},
               {"tool_version", d.meta.run.tool_version},
               {"command_line", d.meta.run.command_line},
               {"analysis_host", d.meta.run.host},
               {"subject_host", d.meta.run.subject_host},
               {"started", to_iso8601(d.meta.run.started)},
               {"finished", opt_time(d.meta.finished)},
               {"events", d.events}};
  json counts = json::object();
  for (size_t s = 0; s < d.verdict.by_severity.size(); ++s)
    counts[std::string(model::to_string(static_cast<model::Severity>(s)))] = d.verdict.by_severity[s];
  j["verdict"] = {{"worst", model::to_string(d.verdict.worst)}, {"findings", d.verdict.findings},
                  {"actionable", d.verdict.actionable()},       {"by_severity", counts},
                  {"headline_en", d.verdict.headline("en")},    {"headline_zh", d.verdict.headline("zh")}};
  j["findings"] = json::array();
  for (const auto& f : d.findings) {
    json jf = {{"rule_id", f.rule_id},
               {"engine", f.engine},
               {"severity", model::to_string(f.severity)},
               {"title_en", f.title_en},
               {"title_zh", f.title_zh},
               {"description_en", f.description_en},
               {"description_zh", f.description_zh},
               {"attack", f.attack},
               {"time", opt_time(f.time)},
               {"family", f.family}};
    jf["evidence"] = json::array();
    for (const auto& e : f.evidence)
      jf["evidence"].push_back({{"path", e.path},
                                {"sha256", e.sha256},
                                {"offset", e.offset},
                                {"length", e.length},
                                {"line", e.line},
                                {"excerpt", e.excerpt}});
    jf["observables"] = json::array();
    for (const auto& o : f.observables)
      jf["observables"].push_back({{"kind", model::to_string(o.kind)},
                                   {"value", o.value},
                                   {"context", o.context},
                                   {"role", model::to_string(o.role)}});
    jf["actions"] = json::array();
    for (const auto& a : f.actions)
      jf["actions"].push_back({{"kind", model::to_string(a.kind)},
                               {"target", a.target},
                               {"detail_en", a.detail_en},
                               {"detail_zh", a.detail_zh}});
    j["findings"].push_back(std::move(jf));
  }
  j["storyline"] = {
      {"summary_en", d.storyline.summary_en}, {"summary_zh", d.storyline.summary_zh}, {"steps", json::array()}};
  for (const auto& st : d.storyline.steps)
    j["storyline"]["steps"].push_back({{"kind", correlate::to_string(st.kind)},
                                       {"time", st.time ? to_iso8601(*st.time) : std::string()},
                                       {"text_en", st.text_en},
                                       {"text_zh", st.text_zh},
                                       {"rule_id", st.rule_id},
                                       {"evidence", st.evidence},
                                       {"linked", st.linked}});
  j["summary"] = {
      {"first_activity", opt_time(d.first_activity)}, {"family", d.family}, {"family_findings", d.family_findings}};
  j["iocs"] = json::array();
  for (const auto& i : d.iocs)
    j["iocs"].push_back({{"type", intel::to_string(i.type)},
                         {"value", i.value},
                         {"family", i.family},
                         {"confidence", i.confidence},
                         {"rule_id", i.source}});
  j["hardening"] = json::array();
  for (const auto& c : d.hardening)
    j["hardening"].push_back({{"id", c.id},
                              {"platform", c.platform},
                              {"risk", c.risk},
                              {"status", baseline::to_string(c.status)},
                              {"title_en", c.title_en},
                              {"title_zh", c.title_zh},
                              {"evidence", c.evidence},
                              {"fix_en", c.fix_en},
                              {"fix_zh", c.fix_zh},
                              {"fix_powershell", c.fix_powershell},
                              {"fix_bash", c.fix_bash}});
  j["plan"] = json::array();
  for (const auto& p : d.plan)
    j["plan"].push_back({{"kind", model::to_string(p.action.kind)},
                         {"target", p.action.target},
                         {"detail_en", p.action.detail_en},
                         {"detail_zh", p.action.detail_zh},
                         {"reasons", p.reasons}});
  j["evidence"] = json::array();
  for (const auto& e : d.evidence)
    j["evidence"].push_back({{"path", e.path},
                             {"kind", e.kind},
                             {"size", e.size},
                             {"md5", e.md5},
                             {"sha1", e.sha1},
                             {"sha256", e.sha256},
                             {"note", e.note}});
  j["artefacts"] = json::array();
  for (const auto& a : d.artefacts)
    j["artefacts"].push_back({{"path", a.path},
                              {"kind", a.kind},
                              {"format", a.format},
                              {"sha256", a.sha256},
                              {"parsed", a.parsed},
                              {"events", a.events},
                              {"note", a.note}});
  j["diagnostics"] = json::array();
  for (const auto& x : d.diagnostics)
    j["diagnostics"].push_back({{"code", x.code},
                                {"severity", to_string(x.severity)},
                                {"evidence", x.evidence},
                                {"offset", x.offset},
                                {"detail", x.detail}});
  j["graph"] = {{"entities", json::array()}, {"edges", json::array()}};
  for (const auto& e : d.entities)
    j["graph"]["entities"].push_back({{"kind", model::to_string(e.id.kind)}, {"key", e.id.key}, {"label", e.label}});
  for (const auto& e : d.edges)
    j["graph"]["edges"].push_back({{"from", std::string(model::to_string(e.from.kind)) + ":" + e.from.key},
                                   {"to", std::string(model::to_string(e.to.kind)) + ":" + e.to.key},
                                   {"kind", model::to_string(e.kind)}});
  // Evidence may hold invalid UTF-8; replace rather than throw.
  return json_for_output(j, 2) + "\n";
}

}  // namespace msw::report
