// Self-contained HTML: inline CSS only, no scripts, no external resources, and a Content-Security-Policy that makes
// the browser refuse both even if escaping were ever missed somewhere.
#include "core/escape.h"
#include "report/labels.h"
#include "report/report.h"

namespace msw::report {
namespace {

constexpr std::string_view kStyle = R"css(
body{font:14px/1.5 system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em auto;max-width:72em;color:#1d1d1f;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;width:100%;margin:.5em 0}td,th{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f5f5f7}td{overflow-wrap:anywhere}td code{word-break:break-all}code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em}
pre{white-space:pre-wrap;word-break:break-all;background:#f8f8fa;padding:.6em;border-radius:4px}
.sev{display:inline-block;padding:0 .5em;border-radius:3px;color:#fff;font-weight:600;font-size:.85em}
.critical{background:#7d0a0a}.high{background:#c62828}.medium{background:#ef6c00}.low{background:#1565c0}.informational{background:#607d8b}
.banner{background:#fff3cd;border:1px solid #e0b400;padding:.6em;border-radius:4px}
.verdict{font-size:1.2em;font-weight:600}.finding{border:1px solid #ddd;border-radius:6px;padding:0 1em 1em;margin:1em 0}
.muted{color:#666}
)css";

std::string h(std::string_view s) { return escape_html(s); }

std::string sev_badge(model::Severity s, Lang lang) {
  return "<span class=\"sev " + std::string(model::to_string(s)) + "\">" + h(severity_label(s, lang)) + "</span>";
}

}  // namespace

std::string render_html(const ReportData& d, Lang lang) {
  const bool zh = lang == Lang::Zh;
  auto L = [&](Label l) { return h(label(l, lang)); };
  std::string o;
  o.reserve(16384);
  o += "<!DOCTYPE html>\n<html lang=\"";
  o += zh ? "zh-CN" : "en";
  o += "\">\n<head>\n<meta charset=\"utf-8\">\n"
       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
       "img-src data:; base-uri 'none'; form-action 'none'\">\n"
       "<meta name=\"referrer\" content=\"no-referrer\">\n"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
  o += L(Label::Title) + " — " + h(d.meta.run.subject_host);
  o += "</title>\n<style>";
  o += kStyle;
  o += "</style>\n</head>\n<body>\n<h1>" + L(Label::Title) + "</h1>\n";
  if (d.meta.status != casedb::CaseStatus::Complete) o += "<p class=\"banner\">" + L(Label::Incomplete) + "</p>\n";
  o += "<table>\n";
  auto row = [&](Label l, const std::string& value_html) {
    o += "<tr><th>" + L(l) + "</th><td>" + value_html + "</td></tr>\n";
  };
  row(Label::Host, d.meta.run.subject_host.empty() ? "<span class=\"muted\">?</span>" : h(d.meta.run.subject_host));
  row(Label::CaseStatus, h(status_label(d.meta.status, lang)));
  row(Label::Tool, h(d.meta.run.tool_version));
  row(Label::Command, "<code>" + h(d.meta.run.command_line) + "</code>");
  row(Label::Started, h(to_iso8601(d.meta.run.started)));
  if (d.meta.finished) row(Label::Finished, h(to_iso8601(*d.meta.finished)));
  o += "</table>\n";

  o += "<h2>" + L(Label::Verdict) + "</h2>\n<p class=\"verdict\">" + sev_badge(d.verdict.worst, lang) + " " +
       h(d.verdict.headline(zh ? "zh" : "en")) + "</p>\n<p>";
  for (size_t s = d.verdict.by_severity.size(); s-- > 0;)
    if (d.verdict.by_severity[s])
      o += sev_badge(static_cast<model::Severity>(s), lang) + " " + std::to_string(d.verdict.by_severity[s]) + " &nbsp; ";
  o += "</p>\n";

  if (!d.storyline.steps.empty()) {
    o += "<h2>" + L(Label::Storyline) + "</h2>\n";
    const std::string& summary = zh ? d.storyline.summary_zh : d.storyline.summary_en;
    if (!summary.empty()) o += "<p><strong>" + h(summary) + "</strong></p>\n";
    o += "<ol>\n";
    for (const auto& st : d.storyline.steps)
      o += "<li>" + (st.time ? "<code>" + h(to_iso8601(*st.time, 0)) + "</code> " : std::string()) +
           h(zh ? st.text_zh : st.text_en) + (st.evidence.empty() ? "" : " <small>(" + h(st.evidence) + ")</small>") + "</li>\n";
    o += "</ol>\n";
  }

  o += "<h2>" + L(Label::Findings) + "</h2>\n";
  if (d.findings.empty()) o += "<p>" + L(Label::NoFindings) + "</p>\n";
  for (const auto& f : d.findings) {
    o += "<section class=\"finding\">\n<h3>" + sev_badge(f.severity, lang) + " " + h(zh ? f.title_zh : f.title_en) +
         "</h3>\n<p class=\"muted\">" + L(Label::Rule) + ": <code>" + h(f.rule_id) + "</code>";
    if (!f.attack.empty()) {
      o += " · " + L(Label::Attack) + ":";
      for (const auto& a : f.attack) o += " <code>" + h(a) + "</code>";
    }
    if (!f.family.empty()) o += " · " + L(Label::Family) + ": " + h(f.family);
    o += "</p>\n<pre>" + h(zh ? f.description_zh : f.description_en) + "</pre>\n";
    if (!f.evidence.empty()) {
      o += "<table><tr><th>" + L(Label::Evidence) + "</th><th>" + L(Label::Line) + "</th><th>" + L(Label::Offset) +
           "</th><th>" + L(Label::Excerpt) + "</th></tr>\n";
      for (const auto& e : f.evidence)
        o += "<tr><td><code>" + h(e.path) + "</code><br><span class=\"muted\">SHA-256 " + h(e.sha256) +
             "</span></td><td>" + std::to_string(e.line) + "</td><td>" + std::to_string(e.offset) +
             "</td><td><code>" + h(e.excerpt) + "</code></td></tr>\n";
      o += "</table>\n";
    }
    if (!f.observables.empty()) {
      o += "<p>" + L(Label::Observables) + ":";
      for (const auto& ob : f.observables)
        o += " <code>" + h(model::to_string(ob.kind)) + ":" + h(ob.value) + "</code>";
      o += "</p>\n";
    }
    o += "</section>\n";
  }

  o += "<h2>" + L(Label::Plan) + "</h2>\n";
  if (d.plan.empty()) o += "<p>" + L(Label::NoPlan) + "</p>\n";
  else o += "<ol>\n";
  for (const auto& p : d.plan) {
    o += "<li><b>" + h(model::to_string(p.action.kind)) + "</b> <code>" + h(p.action.target) + "</code>: " +
         h(zh ? p.action.detail_zh : p.action.detail_en);
    if (!p.reasons.empty()) {
      o += " <span class=\"muted\">(" + L(Label::Reasons) + ":";
      for (const auto& r : p.reasons) o += " <code>" + h(r) + "</code>";
      o += ")</span>";
    }
    o += "</li>\n";
  }
  if (!d.plan.empty()) o += "</ol>\n";

  o += "<h2>" + L(Label::Inputs) + "</h2>\n<table><tr><th>" + L(Label::Path) + "</th><th>" + L(Label::Kind) +
       "</th><th>SHA-256</th><th>" + L(Label::Note) + "</th></tr>\n";
  for (const auto& e : d.evidence)
    o += "<tr><td><code>" + h(e.path) + "</code></td><td>" + h(e.kind) + "</td><td><code>" + h(e.sha256) +
         "</code></td><td>" + h(e.note) + "</td></tr>\n";
  o += "</table>\n<h2>" + L(Label::Artefacts) + "</h2>\n<table><tr><th>" + L(Label::Path) + "</th><th>" +
       L(Label::Kind) + "</th><th>" + L(Label::Format) + "</th><th>SHA-256</th><th>" + L(Label::Parsed) + "</th><th>" +
       L(Label::Events) + "</th><th>" + L(Label::Note) + "</th></tr>\n";
  for (const auto& a : d.artefacts)
    o += "<tr><td><code>" + h(a.path) + "</code></td><td>" + h(a.kind) + "</td><td>" + h(a.format) +
         "</td><td><code>" + h(a.sha256) + "</code></td><td>" + L(a.parsed ? Label::Yes : Label::No) + "</td><td>" +
         std::to_string(a.events) + "</td><td>" + h(a.note) + "</td></tr>\n";
  o += "</table>\n<h2>" + L(Label::CouldNotRead) + "</h2>\n";
  if (d.diagnostics.empty()) {
    o += "<p>" + L(Label::NothingSkipped) + "</p>\n";
  } else {
    o += "<table><tr><th>" + L(Label::Code) + "</th><th>" + L(Label::Evidence) + "</th><th>" + L(Label::Offset) +
         "</th><th>" + L(Label::Detail) + "</th></tr>\n";
    for (const auto& x : d.diagnostics)
      o += "<tr><td><code>" + h(x.code) + "</code></td><td><code>" + h(x.evidence) + "</code></td><td>" +
           std::to_string(x.offset) + "</td><td>" + h(x.detail) + "</td></tr>\n";
    o += "</table>\n";
  }
  o += "</body>\n</html>\n";
  return o;
}

}  // namespace msw::report
