#include "core/escape.h"
#include "report/labels.h"
#include "report/report.h"

namespace msw::report {
namespace {
std::string md(std::string_view s) { return escape_markdown(s); }
// Evidence shown as it is, but never raw control or invisible characters (a terminal `cat`ing the report must not be
// driven by them): those become visible \xNN / \u{NNNN}; line breaks stay for blocks.
std::string visible(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t hidden = 0;
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F || invisible_at(s, i, hidden)) {
      const size_t n = hidden ? hidden : 1;
      out += escape_terminal(s.substr(i, n));
      i += n - 1;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}
std::string code(std::string_view s) {
  // Inline code cannot hold backticks or newlines safely; escape them away and fence with a double backtick.
  std::string out;
  for (char c : visible(s)) out += (c == '`' || c == '\n' || c == '\r' || c == '|') ? ' ' : c;
  return "`` " + out + " ``";
}
}  // namespace

std::string render_markdown(const ReportData& d, Lang lang) {
  const bool zh = lang == Lang::Zh;
  auto L = [&](Label l) { return std::string(label(l, lang)); };
  std::string o;
  o += "# " + L(Label::Title) + "\n\n";
  if (d.meta.status != casedb::CaseStatus::Complete) o += "> **" + L(Label::Incomplete) + "**\n\n";
  o += "| | |\n|---|---|\n";
  o += "| " + L(Label::Host) + " | " + md(d.meta.run.subject_host) + " |\n";
  o += "| " + L(Label::CaseStatus) + " | " + std::string(status_label(d.meta.status, lang)) + " |\n";
  o += "| " + L(Label::Tool) + " | " + md(d.meta.run.tool_version) + " |\n";
  o += "| " + L(Label::Command) + " | " + code(d.meta.run.command_line) + " |\n";
  o += "| " + L(Label::Started) + " | " + to_iso8601(d.meta.run.started) + " |\n\n";

  o += "## " + L(Label::Summary) + "\n\n**" + d.verdict.headline(zh ? "zh" : "en") + "**\n\n| | |\n|---|---|\n";
  if (!d.family.empty())
    o += "| " + L(Label::Family) + " | " + md(d.family_name(d.family)) + " (" +
         md(family_basis(d.family_findings, lang)) + ") |\n";
  o += "| " + L(Label::Since) + " | " +
       (d.first_activity ? to_iso8601(*d.first_activity, 0) : L(Label::NotDetermined)) + " |\n";
  std::string how;
  for (auto kind : {correlate::StepKind::Entry, correlate::StepKind::Exposure}) {
    for (const auto& st : d.storyline.steps)
      if (st.kind == kind) how += (how.empty() ? "" : "<br>") + md(zh ? st.text_zh : st.text_en);
    if (!how.empty()) break;
  }
  o += "| " + L(Label::HowIn) + " | " + (how.empty() ? L(Label::NotDetermined) : how) + " |\n";
  std::string bad;
  for (size_t s = d.verdict.by_severity.size(); s-- > 0;)
    if (d.verdict.by_severity[s])
      bad += std::string(severity_label(static_cast<model::Severity>(s), lang)) + " " +
             std::to_string(d.verdict.by_severity[s]) + " ";
  o += "| " + L(Label::HowBad) + " | " + (bad.empty() ? "0" : bad) + " |\n\n";

  if (!d.storyline.steps.empty()) {
    o += "## " + L(Label::Storyline) + "\n\n";
    const std::string& summary = zh ? d.storyline.summary_zh : d.storyline.summary_en;
    if (!summary.empty()) o += "**" + md(summary) + "**\n\n";
    size_t n = 0;
    for (const auto& st : d.storyline.steps)
      o += std::to_string(++n) + ". " + (st.time ? to_iso8601(*st.time, 0) + " " : std::string()) +
           md(zh ? st.text_zh : st.text_en) + (st.evidence.empty() ? "" : " (" + code(st.evidence) + ")") + "\n";
    o += "\n";
  }

  o += "## " + L(Label::Timeline) + "\n\n";
  if (d.timeline.rows.empty())
    o += L(Label::NoTimeline) + "\n\n";
  else {
    if (d.timeline.events_left_out)
      o += "_" + L(Label::TimelineCut) + " " + std::to_string(d.timeline.events_left_out) + "_\n\n";
    o += "| " + L(Label::Time) + " | " + L(Label::Source) + " | " + L(Label::Message) + " |\n|---|---|---|\n";
    for (const auto& r : d.timeline.rows)
      o += "| " + to_iso8601(r.time, 0) + " | " +
           (r.is_finding()
                ? "**" +
                      std::string(severity_label(
                          model::severity_from_string(r.severity).value_or(model::Severity::Informational), lang)) +
                      "**"
                : md(r.source)) +
           " | " + md(zh && !r.message_zh.empty() ? r.message_zh : r.message) + " |\n";
    o += "\n";
  }

  o += "## " + L(Label::Findings) + "\n\n";
  if (d.findings.empty()) o += L(Label::NoFindings) + "\n\n";
  for (const auto& f : d.findings) {
    o += "### [" + std::string(severity_label(f.severity, lang)) + "] " + md(zh ? f.title_zh : f.title_en) + "\n\n";
    o += "- " + L(Label::Rule) + ": " + code(f.rule_id) + "\n";
    if (!f.attack.empty()) {
      o += "- " + L(Label::Attack) + ":";
      for (const auto& a : f.attack) o += " " + md(a);
      o += "\n";
    }
    if (!f.family.empty()) o += "- " + L(Label::Family) + ": " + md(d.family_name(f.family)) + "\n";
    o += "\n```text\n";
    std::string desc = visible(zh ? f.description_zh : f.description_en);
    // A fence inside evidence text would close ours; break any run of backticks (with a space a reader sees).
    for (size_t p; (p = desc.find("```")) != std::string::npos;) desc.replace(p, 3, "`` `");
    o += desc + "\n```\n\n";
    if (!f.evidence.empty()) {
      o += "| " + L(Label::Evidence) + " | " + L(Label::Line) + " | " + L(Label::Excerpt) + " |\n|---|---|---|\n";
      for (const auto& e : f.evidence)
        o += "| " + code(e.path) + " | " + std::to_string(e.line) + " | " + code(e.excerpt) + " |\n";
      o += "\n";
    }
  }

  o += "## " + L(Label::Iocs) + "\n\n";
  if (d.iocs.empty())
    o += L(Label::NoIocs) + "\n\n";
  else {
    o += "| " + L(Label::Type) + " | " + L(Label::Value) + " | " + L(Label::Family) + " | " + L(Label::Confidence) +
         " | " + L(Label::FoundBy) + " |\n|---|---|---|---|---|\n";
    for (const auto& i : d.iocs)
      o += "| " + std::string(ioc_type_label(i.type, lang)) + " | " + code(i.value) + " | " + md(i.family) + " | " +
           md(i.confidence) + " | " + code(i.source) + " |\n";
    o += "\n";
  }

  o += "## " + L(Label::Plan) + "\n\n";
  if (d.plan.empty()) o += L(Label::NoPlan) + "\n\n";
  for (size_t i = 0; i < d.plan.size(); ++i) {
    const auto& p = d.plan[i];
    o += std::to_string(i + 1) + ". **" + std::string(action_label(p.action.kind, lang)) + "** " +
         code(p.action.target) + ": " + md(zh ? p.action.detail_zh : p.action.detail_en) + "\n";
  }
  o += "\n## " + L(Label::Hardening) + "\n\n| " + L(Label::Status) + " | " + L(Label::Check) + " | " + L(Label::Risk) +
       " | " + L(Label::Evidence) + " | " + L(Label::Fix) + " |\n|---|---|---|---|---|\n";
  for (const auto& c : d.hardening) {
    const Label status = c.status == baseline::Status::Pass   ? Label::Pass
                         : c.status == baseline::Status::Fail ? Label::Fail
                                                              : Label::Unknown;
    o += "| " + L(status) + " | " + code(c.id) + " " + md(zh ? c.title_zh : c.title_en) + " | " + md(c.risk) + " | " +
         md(c.evidence) + " | " + md(zh ? c.fix_zh : c.fix_en) + " |\n";
  }
  o += "\n## " + L(Label::Artefacts) + "\n\n";
  o += "| " + L(Label::Path) + " | " + L(Label::Kind) + " | " + L(Label::Format) + " | SHA-256 | " + L(Label::Parsed) +
       " | " + L(Label::Events) + " |\n|---|---|---|---|---|---|\n";
  for (const auto& a : d.artefacts)
    o += "| " + code(a.path) + " | " + md(a.kind) + " | " + md(a.format) + " | " + code(a.sha256) + " | " +
         L(a.parsed ? Label::Yes : Label::No) + " | " + std::to_string(a.events) + " |\n";
  o += "\n## " + L(Label::CouldNotRead) + "\n\n";
  if (d.diagnostics.empty()) o += L(Label::NothingSkipped) + "\n";
  for (const auto& x : d.diagnostics) o += "- " + code(x.code) + " " + code(x.evidence) + ": " + md(x.detail) + "\n";
  return o;
}

}  // namespace msw::report
