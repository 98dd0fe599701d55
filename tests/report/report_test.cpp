#include "report/report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "support/json_schema.h"

namespace msw::report {
namespace {

ReportData sample() {
  ReportData d;
  d.case_path = "/cases/c.sqlite";
  d.meta.status = casedb::CaseStatus::Complete;
  d.meta.run = {"0.1.0", "minesweep scan <x>", "analyst", "victim\"><img src=x onerror=alert(1)>", Timestamp{0}};
  model::Finding f;
  f.rule_id = "heuristic.hosts_tampering";
  f.engine = "heuristics";
  f.severity = model::Severity::Medium;
  f.title_en = "Hosts file overrides 1 domain";
  f.title_zh = "hosts 文件被篡改";
  f.description_en = "line 2: <script>alert(1)</script> -> 1.2.3.4";
  f.description_zh = "第 2 行：<script>alert(1)</script>";
  f.evidence = {{"etc/hosts", "ab", 10, 0, 2, "1.2.3.4 x.com # <script>alert(1)</script>"}};
  f.observables = {{model::ObservableKind::Domain, "x.com", "line 2"}};
  f.actions = {{model::ActionKind::RestoreHostsFile, "etc/hosts", "remove line 2", "删除第 2 行"}};
  d.findings.push_back(f);
  d.plan = respond::build_plan(d.findings);
  d.verdict = correlate::summarize(d.findings);
  d.artefacts.push_back({1, 1, "hosts", "etc/hosts", "text", 40, "m", "s1", "ab", true, 1, ""});
  d.diagnostics.push_back({"hosts.bad_address", DiagSeverity::Warning, "etc/hosts", 3, "<b>bold</b>"});
  return d;
}

TEST(Report, HtmlRendersAttackerTextInert) {
  std::string html = render_html(sample(), Lang::En);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<b>bold"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);  // shown as text
  EXPECT_NE(html.find("Content-Security-Policy"), std::string::npos);
  EXPECT_NE(html.find("default-src 'none'"), std::string::npos);
}

TEST(Report, HtmlIsSelfContained) {
  std::string html = render_html(sample(), Lang::Zh);
  // No attribute may load anything: no src=, no href= to other documents (in-page anchors and the IOC download's
  // data: URL only), no url() in CSS, no @import.
  const std::regex link(R"re(<[^>]*\s(src|href|action|srcset)\s*=\s*("[^"]*"|'[^']*'|[^\s>]*))re", std::regex::icase);
  size_t links = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), link); it != std::sregex_iterator(); ++it, ++links) {
    const std::string attr = (*it)[1].str(), value = (*it)[2].str();
    EXPECT_EQ(attr, "href") << it->str();
    EXPECT_TRUE(value.starts_with("\"#") || value.starts_with("\"data:text/csv;charset=utf-8,")) << it->str();
  }
  EXPECT_GE(links, 8u);  // the table of contents
  EXPECT_EQ(html.find("url("), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_NE(html.find("lang=\"zh-CN\""), std::string::npos);
  EXPECT_NE(html.find("处置建议"), std::string::npos);
  EXPECT_NE(html.find("删除第 2 行"), std::string::npos);
}

TEST(Report, IncompleteCasesSaySo) {
  ReportData d = sample();
  d.meta.status = casedb::CaseStatus::Incomplete;
  EXPECT_NE(render_html(d, Lang::En).find("incomplete"), std::string::npos);
  EXPECT_NE(render_markdown(d, Lang::Zh).find("不完整"), std::string::npos);
}

TEST(Report, MarkdownEscapesEvidence) {
  std::string md = render_markdown(sample(), Lang::En);
  EXPECT_EQ(md.find("<script>"), md.find("<script>alert(1)</script> -> 1.2.3.4"));  // only inside the code fence
  EXPECT_EQ(md.find("<img"), std::string::npos);
  EXPECT_NE(md.find("## What to do"), std::string::npos);
}

TEST(Report, JsonIsValidAndComplete) {
  auto j = nlohmann::json::parse(render_json(sample()));
  EXPECT_EQ(j["schema"], "minesweep-report/2");
  EXPECT_EQ(j["findings"][0]["evidence"][0]["line"], 2);
  EXPECT_EQ(j["verdict"]["worst"], "medium");
  EXPECT_EQ(j["verdict"]["actionable"], true);
  EXPECT_EQ(j["plan"].size(), 2u);  // restore + rescan
  EXPECT_EQ(j["diagnostics"][0]["code"], "hosts.bad_address");
}

TEST(Report, JsonFollowsItsSchema) {
  const auto schema = test::load_report_schema();
  const auto j = nlohmann::json::parse(render_json(sample()));
  const auto errors = test::validate_json(schema, j);
  EXPECT_TRUE(errors.empty()) << errors.front();
  // The check can fail: a missing field, a wrong type, an unknown property and a value outside its enum.
  auto broken = j;
  broken["verdict"].erase("worst");
  broken["case"]["events"] = "many";
  broken["findings"][0]["surprise"] = 1;
  broken["findings"][0]["severity"] = "apocalyptic";
  EXPECT_EQ(test::validate_json(schema, broken).size(), 4u);
}

TEST(Report, JsonSurvivesInvalidUtf8) {
  ReportData d = sample();
  d.findings[0].evidence[0].excerpt = "\xff\xfe broken";
  EXPECT_NO_THROW(nlohmann::json::parse(render_json(d)));
}

TEST(Report, FormatAndLangNames) {
  EXPECT_EQ(format_from_string("md"), Format::Markdown);
  EXPECT_FALSE(format_from_string("pdf"));
  EXPECT_EQ(lang_from_string("zh"), Lang::Zh);
  EXPECT_FALSE(lang_from_string("fr"));
}

}  // namespace
}  // namespace msw::report
