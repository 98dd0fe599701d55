// Self-contained HTML: inline CSS and inline SVG only, no scripts, no external resources, and a
// Content-Security-Policy that makes the browser refuse both even if escaping were ever missed somewhere. The
// timeline filters are CSS (checkboxes and sibling selectors), so they work with scripts forbidden; the IOC export
// is a data: link and a text box to copy from.
#include <map>

#include "core/escape.h"
#include "intel/import.h"
#include "report/labels.h"
#include "report/report.h"
#include "report/storyline_graph.h"

namespace msw::report {
namespace {

constexpr std::string_view kStyle = R"css(
body{font:14px/1.5 system-ui,"Noto Sans CJK SC","WenQuanYi Micro Hei","Microsoft YaHei",sans-serif;margin:2em auto;max-width:80em;color:#1d1d1f;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;width:100%;margin:.5em 0}td,th{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f5f5f7}td{overflow-wrap:anywhere}td code{word-break:break-all}code,pre,textarea{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em}
pre{white-space:pre-wrap;word-break:break-all;background:#f8f8fa;padding:.6em;border-radius:4px}
.sev{display:inline-block;padding:0 .5em;border-radius:3px;color:#fff;font-weight:600;font-size:.85em}
.critical{background:#7d0a0a}.high{background:#c62828}.medium{background:#ef6c00}.low{background:#1565c0}.informational{background:#607d8b}
.pass{background:#2e7d32}.fail{background:#c62828}.unknown{background:#757575}
.banner{background:#fff3cd;border:1px solid #e0b400;padding:.6em;border-radius:4px}
.verdict{font-size:1.2em;font-weight:600}.finding{border:1px solid #ddd;border-radius:6px;padding:0 1em 1em;margin:1em 0}
.muted{color:#666}nav ol{columns:2;margin:.3em 0}.graph{overflow-x:auto;border:1px solid #eee;border-radius:6px;padding:.5em}
.graph svg{max-width:100%;height:auto}.filters label{margin-right:1em;white-space:nowrap}
table.timeline tr.finding-row{background:#fff4f4}textarea{width:100%;height:8em}
@media print{.filters,input[type=checkbox],label[for^="tl-"],textarea,a.download,nav{display:none}.finding,tr{break-inside:avoid}body{max-width:none;margin:0}}
)css";

std::string h(std::string_view s) { return escape_html(s); }

std::string sev_badge(model::Severity s, Lang lang) {
  return "<span class=\"sev " + std::string(model::to_string(s)) + "\">" + h(severity_label(s, lang)) + "</span>";
}

// Every byte outside RFC 3986's unreserved set as %XX: the value can hold nothing that ends the URL or the attribute.
std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 2);
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

class Page {
 public:
  Page(const ReportData& d, Lang lang) : d_(d), lang_(lang), zh_(lang == Lang::Zh) { o_.reserve(65536); }

  std::string render() {
    head();
    summary();
    storyline();
    timeline();
    findings();
    iocs();
    plan();
    hardening();
    appendix();
    o_ += "</body>\n</html>\n";
    return std::move(o_);
  }

 private:
  std::string L(Label l) const { return h(label(l, lang_)); }
  void section(std::string_view id, Label title) {
    o_ += "<section id=\"";
    o_ += id;
    o_ += "\">\n<h2>" + L(title) + "</h2>\n";
  }
  void end_section() { o_ += "</section>\n"; }
  const std::string& text(const std::string& en, const std::string& zh) const { return zh_ && !zh.empty() ? zh : en; }

  void head() {
    o_ += "<!DOCTYPE html>\n<html lang=\"";
    o_ += zh_ ? "zh-CN" : "en";
    o_ +=
        "\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "img-src data:; base-uri 'none'; form-action 'none'\">\n"
        "<meta name=\"referrer\" content=\"no-referrer\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>";
    o_ += L(Label::Title) + " — " + h(d_.meta.run.subject_host);
    o_ += "</title>\n<style>";
    o_ += kStyle;
    o_ += timeline_filter_css();
    o_ += "</style>\n</head>\n<body>\n<h1>" + L(Label::Title) + "</h1>\n";
    if (d_.meta.status != casedb::CaseStatus::Complete) o_ += "<p class=\"banner\">" + L(Label::Incomplete) + "</p>\n";
    o_ += "<table>\n";
    row(Label::Host, d_.meta.run.subject_host.empty() ? "<span class=\"muted\">?</span>" : h(d_.meta.run.subject_host));
    row(Label::CaseStatus, h(status_label(d_.meta.status, lang_)));
    row(Label::Generated, "minesweep " + h(d_.meta.run.tool_version));
    row(Label::Command, "<code>" + h(d_.meta.run.command_line) + "</code>");
    row(Label::Started, h(to_iso8601(d_.meta.run.started)));
    if (d_.meta.finished) row(Label::Finished, h(to_iso8601(*d_.meta.finished)));
    o_ += "</table>\n<nav><b>" + L(Label::Contents) + "</b><ol>";
    const std::pair<std::string_view, Label> toc[] = {{"summary", Label::Summary},     {"storyline", Label::Storyline},
                                                      {"timeline", Label::Timeline},   {"findings", Label::Findings},
                                                      {"iocs", Label::Iocs},           {"plan", Label::Plan},
                                                      {"hardening", Label::Hardening}, {"appendix", Label::Appendix}};
    for (const auto& [id, l] : toc) o_ += "<li><a href=\"#" + std::string(id) + "\">" + L(l) + "</a></li>";
    o_ += "</ol></nav>\n";
  }

  void row(Label l, const std::string& value_html) {
    o_ += "<tr><th>" + L(l) + "</th><td>" + value_html + "</td></tr>\n";
  }

  void summary() {
    section("summary", Label::Summary);
    o_ += "<p class=\"verdict\">" + sev_badge(d_.verdict.worst, lang_) + " " +
          h(d_.verdict.headline(zh_ ? "zh" : "en")) + "</p>\n<table>\n";
    row(Label::What, what_happened());
    if (!d_.family.empty())
      row(Label::Family, "<b>" + h(d_.family_name(d_.family)) + "</b> <span class=\"muted\">(" +
                             h(family_basis(d_.family_findings, lang_)) + ")</span>");
    row(Label::Since,
        d_.first_activity ? "<code>" + h(to_iso8601(*d_.first_activity, 0)) + "</code>" : L(Label::NotDetermined));
    std::string how;
    for (auto kind : {correlate::StepKind::Entry, correlate::StepKind::Exposure}) {
      for (const auto& st : d_.storyline.steps)
        if (st.kind == kind)
          how += "<div>" + (st.time ? "<code>" + h(to_iso8601(*st.time, 0)) + "</code> " : std::string()) +
                 h(text(st.text_en, st.text_zh)) + "</div>";
      if (!how.empty()) break;  // a proven entry outranks the open doors
    }
    row(Label::HowIn, how.empty() ? L(Label::NotDetermined) : how);
    std::string bad;
    for (size_t s = d_.verdict.by_severity.size(); s-- > 0;)
      if (d_.verdict.by_severity[s])
        bad += sev_badge(static_cast<model::Severity>(s), lang_) + " " + std::to_string(d_.verdict.by_severity[s]) +
               " &nbsp; ";
    row(Label::HowBad, bad.empty() ? "0" : bad);
    o_ += "</table>\n";
    end_section();
  }

  // The storyline's one line when there is one; otherwise the most severe findings' titles.
  std::string what_happened() const {
    if (!d_.verdict.actionable()) return L(Label::NoEvidenceOfCompromise);
    const std::string& line = text(d_.storyline.summary_en, d_.storyline.summary_zh);
    if (!line.empty()) return h(line);
    std::string out;
    for (size_t i = 0; i < d_.findings.size() && i < 3; ++i)
      out += "<div>" + sev_badge(d_.findings[i].severity, lang_) + " " +
             h(text(d_.findings[i].title_en, d_.findings[i].title_zh)) + "</div>";
    return out;
  }

  void storyline() {
    section("storyline", Label::Storyline);
    if (d_.storyline.steps.empty()) {
      o_ += "<p>" + L(Label::NoStoryline) + "</p>\n";
      end_section();
      return;
    }
    const std::string& summary = text(d_.storyline.summary_en, d_.storyline.summary_zh);
    if (!summary.empty()) o_ += "<p><strong>" + h(summary) + "</strong></p>\n";
    const std::string svg = storyline_svg(d_.storyline, d_.meta.run.subject_host, lang_);
    if (!svg.empty())
      o_ += "<figure class=\"graph\" aria-label=\"" + L(Label::StorylineGraph) + "\">\n" + svg + "</figure>\n";
    o_ += "<h3>" + L(Label::Steps) + "</h3>\n<ol>\n";
    for (const auto& st : d_.storyline.steps)
      o_ += "<li>" + (st.time ? "<code>" + h(to_iso8601(*st.time, 0)) + "</code> " : std::string()) +
            h(text(st.text_en, st.text_zh)) + (st.evidence.empty() ? "" : " <small>(" + h(st.evidence) + ")</small>") +
            "</li>\n";
    o_ += "</ol>\n";
    end_section();
  }

  // Sources become numbered classes (s0, s1, ...): evidence text never reaches a selector or a class name.
  std::map<std::string, size_t> sources() const {
    std::map<std::string, size_t> out;
    for (const auto& r : d_.timeline.rows)
      if (!r.is_finding() && out.size() < kMaxFilterSources) out.emplace(r.source, 0);
    size_t i = 0;
    for (auto& [name, index] : out) index = i++;
    return out;
  }

  std::string timeline_filter_css() const {
    std::string css = "#tl-only:checked~table tr.ev{display:none}";
    for (const auto& [name, i] : sources()) {
      const std::string n = std::to_string(i);
      css += "#tl-s" + n + ":not(:checked)~table tr.s" + n + "{display:none}";
    }
    return css + "\n";
  }

  void timeline() {
    section("timeline", Label::Timeline);
    if (d_.timeline.rows.empty()) {
      o_ += "<p>" + L(Label::NoTimeline) + "</p>\n";
      end_section();
      return;
    }
    if (d_.timeline.events_left_out)
      o_ +=
          "<p class=\"muted\">" + L(Label::TimelineCut) + " " + std::to_string(d_.timeline.events_left_out) + "</p>\n";
    const auto src = sources();
    std::map<std::string, size_t> counts;
    for (const auto& r : d_.timeline.rows) ++counts[r.source];
    o_ += "<div class=\"filters\">" + L(Label::Show) + ":</div>\n";
    o_ += "<input type=\"checkbox\" id=\"tl-only\"><label for=\"tl-only\">" + L(Label::OnlyFindings) + "</label>\n";
    for (const auto& [name, i] : src)
      o_ += "<input type=\"checkbox\" id=\"tl-s" + std::to_string(i) + "\" checked><label for=\"tl-s" +
            std::to_string(i) + "\">" + h(name) + " (" + std::to_string(counts[name]) + ")</label>\n";
    o_ += "<table class=\"timeline\"><tr><th>" + L(Label::Time) + "</th><th>" + L(Label::Source) + "</th><th>" +
          L(Label::Message) + "</th><th>" + L(Label::Evidence) + "</th></tr>\n";
    for (const auto& r : d_.timeline.rows) {
      if (r.is_finding()) {
        const auto sev = model::severity_from_string(r.severity).value_or(model::Severity::Informational);
        o_ += "<tr class=\"finding-row\"><td><code>" + h(to_iso8601(r.time, 0)) + "</code></td><td>" +
              sev_badge(sev, lang_) + "</td><td>" + h(text(r.message, r.message_zh)) + " <code>" + h(r.rule_id) +
              "</code></td><td><code>" + h(r.artefact) + "</code></td></tr>\n";
        continue;
      }
      auto it = src.find(r.source);
      o_ += "<tr class=\"ev" + (it == src.end() ? std::string() : " s" + std::to_string(it->second)) + "\"><td><code>" +
            h(to_iso8601(r.time, 0)) + "</code></td><td>" + h(r.source) + "</td><td>" + h(r.message) +
            "</td><td><code>" + h(r.artefact) + "</code></td></tr>\n";
    }
    o_ += "</table>\n";
    end_section();
  }

  void findings() {
    section("findings", Label::Findings);
    if (d_.findings.empty()) o_ += "<p>" + L(Label::NoFindings) + "</p>\n";
    for (const auto& f : d_.findings) {
      o_ += "<section class=\"finding\">\n<h3>" + sev_badge(f.severity, lang_) + " " + h(text(f.title_en, f.title_zh)) +
            "</h3>\n<p class=\"muted\">" + L(Label::Rule) + ": <code>" + h(f.rule_id) + "</code>";
      if (f.time) o_ += " · <code>" + h(to_iso8601(*f.time, 0)) + "</code>";
      if (!f.attack.empty()) {
        o_ += " · " + L(Label::Attack) + ":";
        for (const auto& a : f.attack) o_ += " <code>" + h(a) + "</code>";
      }
      if (!f.family.empty()) o_ += " · " + L(Label::Family) + ": " + h(d_.family_name(f.family));
      o_ += "</p>\n<pre>" + h(text(f.description_en, f.description_zh)) + "</pre>\n";
      if (!f.evidence.empty()) {
        o_ += "<table><tr><th>" + L(Label::Evidence) + "</th><th>" + L(Label::Line) + "</th><th>" + L(Label::Offset) +
              "</th><th>" + L(Label::Excerpt) + "</th></tr>\n";
        for (const auto& e : f.evidence)
          o_ += "<tr><td><code>" + h(e.path) + "</code><br><span class=\"muted\">SHA-256 " + h(e.sha256) +
                "</span></td><td>" + std::to_string(e.line) + "</td><td>" + std::to_string(e.offset) +
                "</td><td><code>" + h(e.excerpt) + "</code></td></tr>\n";
        o_ += "</table>\n";
      }
      if (!f.observables.empty()) {
        o_ += "<p>" + L(Label::Observables) + ":";
        for (const auto& ob : f.observables)
          o_ += " <code>" + h(model::to_string(ob.kind)) + ":" + h(ob.value) + "</code>";
        o_ += "</p>\n";
      }
      o_ += "</section>\n";
    }
    end_section();
  }

  void iocs() {
    section("iocs", Label::Iocs);
    if (d_.iocs.empty()) {
      o_ += "<p>" + L(Label::NoIocs) + "</p>\n";
      end_section();
      return;
    }
    o_ += "<table><tr><th>" + L(Label::Type) + "</th><th>" + L(Label::Value) + "</th><th>" + L(Label::Family) +
          "</th><th>" + L(Label::Confidence) + "</th><th>" + L(Label::FoundBy) + "</th></tr>\n";
    for (const auto& i : d_.iocs)
      o_ += "<tr><td>" + h(ioc_type_label(i.type, lang_)) + "</td><td><code>" + h(i.value) + "</code></td><td>" +
            h(i.family) + "</td><td>" + h(i.confidence) + "</td><td><code>" + h(i.source) + "</code></td></tr>\n";
    const std::string csv = intel::export_csv(d_.iocs);
    o_ += "</table>\n<p>" + L(Label::CopyHint) +
          " <a class=\"download\" download=\"minesweep-iocs.csv\" href=\"data:text/csv;charset=utf-8," +
          percent_encode(csv) + "\">" + L(Label::Download) + "</a></p>\n<textarea readonly aria-label=\"IOC CSV\">" +
          h(csv) + "</textarea>\n";
    end_section();
  }

  void plan() {
    section("plan", Label::Plan);
    if (d_.plan.empty())
      o_ += "<p>" + L(Label::NoPlan) + "</p>\n";
    else
      o_ += "<ol>\n";
    for (const auto& p : d_.plan) {
      o_ += "<li><b>" + h(action_label(p.action.kind, lang_)) + "</b> <code>" + h(p.action.target) +
            "</code>: " + h(text(p.action.detail_en, p.action.detail_zh));
      if (!p.reasons.empty()) {
        o_ += " <span class=\"muted\">(" + L(Label::Reasons) + ":";
        for (const auto& r : p.reasons) o_ += " <code>" + h(r) + "</code>";
        o_ += ")</span>";
      }
      o_ += "</li>\n";
    }
    if (!d_.plan.empty()) o_ += "</ol>\n";
    end_section();
  }

  void hardening() {
    section("hardening", Label::Hardening);
    o_ += "<table><tr><th>" + L(Label::Status) + "</th><th>" + L(Label::Check) + "</th><th>" + L(Label::Risk) +
          "</th><th>" + L(Label::Evidence) + "</th><th>" + L(Label::Fix) + "</th></tr>\n";
    for (const auto& c : d_.hardening) {
      const Label status = c.status == baseline::Status::Pass   ? Label::Pass
                           : c.status == baseline::Status::Fail ? Label::Fail
                                                                : Label::Unknown;
      o_ += "<tr><td><span class=\"sev " + std::string(baseline::to_string(c.status)) + "\">" + L(status) +
            "</span></td><td><code>" + h(c.id) + "</code> " + h(text(c.title_en, c.title_zh)) + "</td><td>" +
            h(c.risk) + "</td><td>" + h(c.evidence) + "</td><td>" + h(text(c.fix_en, c.fix_zh));
      const std::string& cmd = c.platform == "windows" ? c.fix_powershell : c.fix_bash;
      if (c.status == baseline::Status::Fail && !cmd.empty()) o_ += "<pre>" + h(cmd) + "</pre>";
      o_ += "</td></tr>\n";
    }
    o_ += "</table>\n";
    end_section();
  }

  void appendix() {
    section("appendix", Label::Appendix);
    o_ += "<h3>" + L(Label::Inputs) + "</h3>\n<table><tr><th>" + L(Label::Path) + "</th><th>" + L(Label::Kind) +
          "</th><th>SHA-256</th><th>" + L(Label::Note) + "</th></tr>\n";
    for (const auto& e : d_.evidence)
      o_ += "<tr><td><code>" + h(e.path) + "</code></td><td>" + h(e.kind) + "</td><td><code>" + h(e.sha256) +
            "</code></td><td>" + h(e.note) + "</td></tr>\n";
    o_ += "</table>\n<h3>" + L(Label::Artefacts) + "</h3>\n<table><tr><th>" + L(Label::Path) + "</th><th>" +
          L(Label::Kind) + "</th><th>" + L(Label::Format) + "</th><th>SHA-256</th><th>" + L(Label::Parsed) +
          "</th><th>" + L(Label::Events) + "</th><th>" + L(Label::Note) + "</th></tr>\n";
    for (const auto& a : d_.artefacts)
      o_ += "<tr><td><code>" + h(a.path) + "</code></td><td>" + h(a.kind) + "</td><td>" + h(a.format) +
            "</td><td><code>" + h(a.sha256) + "</code></td><td>" + L(a.parsed ? Label::Yes : Label::No) + "</td><td>" +
            std::to_string(a.events) + "</td><td>" + h(a.note) + "</td></tr>\n";
    o_ += "</table>\n<h3>" + L(Label::CouldNotRead) + "</h3>\n";
    if (d_.diagnostics.empty()) {
      o_ += "<p>" + L(Label::NothingSkipped) + "</p>\n";
    } else {
      o_ += "<table><tr><th>" + L(Label::Code) + "</th><th>" + L(Label::Evidence) + "</th><th>" + L(Label::Offset) +
            "</th><th>" + L(Label::Detail) + "</th></tr>\n";
      for (const auto& x : d_.diagnostics)
        o_ += "<tr><td><code>" + h(x.code) + "</code></td><td><code>" + h(x.evidence) + "</code></td><td>" +
              std::to_string(x.offset) + "</td><td>" + h(x.detail) + "</td></tr>\n";
      o_ += "</table>\n";
    }
    end_section();
  }

  static constexpr size_t kMaxFilterSources = 40;
  const ReportData& d_;
  Lang lang_;
  bool zh_;
  std::string o_;
};

}  // namespace

std::string render_html(const ReportData& d, Lang lang) { return Page(d, lang).render(); }

}  // namespace msw::report
