// The report's parts: the storyline graph (DOT text and Graphviz SVG), the capped timeline, the case's IOCs.
#include <gtest/gtest.h>

#include "casedb/case_db.h"
#include "report/iocs.h"
#include "report/labels.h"
#include "report/storyline_graph.h"
#include "report/timeline.h"
#include "support/test_support.h"

namespace msw::report {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

correlate::Storyline hostile_story() {
  correlate::Storyline s;
  s.steps.push_back({correlate::StepKind::Entry, Timestamp{1'700'000'000 * kSecond},
                     "Got in: \"quoted\" \\N back\\slash\nnew line <img src=x onerror=alert(1)>", "入侵途径：爆破",
                     "heuristic.brute_force_then_logon", "auth.log:3", true});
  s.steps.push_back({correlate::StepKind::Miner, std::nullopt, "Mining: PID 7 xmrig", "挖矿：PID 7 xmrig",
                     "heuristic.miner_process", "", true});
  s.steps.push_back({correlate::StepKind::Persistence, std::nullopt, "Brings it back: cron", "使其复活：计划任务",
                     "heuristic.cron_download_exec", "", true});
  return s;
}

TEST(StorylineGraph, DotEscapesEvidenceText) {
  const std::string dot = storyline_dot(hostile_story(), "web\"01", Lang::En);
  // Quotes and backslashes from evidence cannot end the string or become Graphviz escapes; newlines are spaces.
  EXPECT_NE(dot.find("\\\"quoted\\\""), std::string::npos) << dot;
  EXPECT_NE(dot.find("\\\\N back\\\\slash"), std::string::npos) << dot;
  EXPECT_EQ(dot.find("back\\slash"), std::string::npos);
  EXPECT_NE(dot.find("web\\\"01"), std::string::npos);
  // The linked persistence points at the miner it restarts; the miner hangs off the host; the entry leads in.
  EXPECT_NE(dot.find("s2 -> s1 [label=\"restarts\"]"), std::string::npos) << dot;
  EXPECT_NE(dot.find("host -> s1 [label=\"runs\"]"), std::string::npos);
  EXPECT_NE(dot.find("s0 -> host [label=\"got in\"]"), std::string::npos);
  EXPECT_NE(dot.find("2023-11-14T22:13:20Z"), std::string::npos);  // the entry's time in its box
}

TEST(StorylineGraph, DotCutsLongTextAndCountsHiddenSteps) {
  correlate::Storyline s;
  for (size_t i = 0; i < kMaxGraphSteps + 5; ++i)
    s.steps.push_back({correlate::StepKind::Persistence, std::nullopt, std::string(500, 'a'),
                       "持久化" + std::string(300, 'b'), "heuristic.x", "", false});
  const std::string dot = storyline_dot(s, "h", Lang::Zh);
  EXPECT_EQ(dot.find(std::string(120, 'b')), std::string::npos);  // cut
  EXPECT_NE(dot.find("…"), std::string::npos);
  EXPECT_NE(dot.find("+5"), std::string::npos);
  EXPECT_EQ(dot.find("s" + std::to_string(kMaxGraphSteps) + " "), std::string::npos);
}

TEST(StorylineGraph, SvgIsLaidOutAndInert) {
  const std::string svg = storyline_svg(hostile_story(), "web-01", Lang::Zh);
  ASSERT_TRUE(svg.starts_with("<svg")) << svg.substr(0, 200);
  EXPECT_TRUE(svg.ends_with("</svg>\n"));
  EXPECT_EQ(svg.find("<img"), std::string::npos);
  EXPECT_EQ(svg.find("<script"), std::string::npos);
  EXPECT_NE(svg.find("初始入侵"), std::string::npos);
  EXPECT_NE(svg.find("web&#45;01"), std::string::npos);  // Graphviz writes "-" as a character reference
  EXPECT_TRUE(storyline_svg({}, "h", Lang::En).empty());
}

model::Event timed(int64_t seconds, std::string_view category) {
  model::Event e;
  e.category = category;
  e.artefact = "log";
  e.time = Timestamp{seconds * kSecond};
  return e;
}

TEST(Timeline, KeepsTheEventsNearestTheFindings) {
  test::TempDir dir;
  auto db = casedb::CaseDb::create((dir / "case.sqlite").string());
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->begin_run({"0.1.0", "test", "a", "h", Timestamp{0}}));
  auto ev = db->add_evidence({0, "/e", "folder", 0, "", "", "", ""});
  ASSERT_TRUE(ev);
  auto art = db->add_artefact({0, *ev, "log", "log", "text", 1, "", "", "", true, 0, ""});
  ASSERT_TRUE(art);
  std::vector<model::Event> events;
  for (int64_t s = 0; s < 100; ++s) events.push_back(timed(s * 100, "authentication"));
  events.push_back(model::Event{});  // untimed: never in a timeline
  ASSERT_TRUE(db->add_events(*art, events));
  model::Finding f;
  f.rule_id = "heuristic.logon_brute_force";
  f.severity = model::Severity::High;
  f.title_en = "guessing";
  f.title_zh = "爆破";
  f.time = Timestamp{5'010 * kSecond};
  std::vector<model::Finding> fs = {f};
  ASSERT_TRUE(db->add_findings(fs));

  auto all = load_timeline(*db);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->rows.size(), 101u);
  EXPECT_EQ(all->events_left_out, 0u);

  auto cut = load_timeline(*db, 4);
  ASSERT_TRUE(cut);
  ASSERT_EQ(cut->rows.size(), 5u);
  EXPECT_EQ(cut->events_left_out, 96u);
  // 4,900 .. 5,200 s are the four events nearest 5,010 s; the finding sorts between them, oldest first.
  std::vector<int64_t> secs;
  for (const auto& r : cut->rows) secs.push_back(r.time.unix_ns / kSecond);
  EXPECT_EQ(secs, (std::vector<int64_t>{4'900, 5'000, 5'010, 5'100, 5'200}));
  EXPECT_TRUE(cut->rows[2].is_finding());

  const std::string csv = render_timeline_csv(*cut, "h", /*zh=*/true);
  EXPECT_TRUE(csv.starts_with("message,datetime,timestamp_desc,source,artefact,host,severity,rule_id,fields\r\n"));
  EXPECT_NE(csv.find("爆破,"), std::string::npos);
}

TEST(CaseIocs, NormalisedDeduplicatedAndPublicOnly) {
  model::Finding f;
  f.rule_id = "heuristic.cron_download_exec";
  f.severity = model::Severity::High;
  f.family = "kinsing";
  f.observables = {{model::ObservableKind::Ip, "203.0.113.9", ""},  // documentation range: not public
                   {model::ObservableKind::Ip, "45.9.148.99", ""},
                   {model::ObservableKind::Domain, "Pool.SupportXMR.com.", ""},
                   {model::ObservableKind::Domain, "pool.supportxmr.com", ""},
                   {model::ObservableKind::Ip, "10.0.0.5", ""},
                   {model::ObservableKind::ScheduledTask, "Mysa1", ""}};
  model::Finding info = f;
  info.severity = model::Severity::Informational;
  info.observables = {{model::ObservableKind::Domain, "benign.example", ""}};
  std::vector<model::Finding> fs = {f, info};
  const auto shareable = case_indicators(fs, "case: ", IocScope::Shareable);
  ASSERT_EQ(shareable.size(), 2u);
  EXPECT_EQ(shareable[0].value, "45.9.148.99");
  EXPECT_EQ(shareable[1].value, "pool.supportxmr.com");
  EXPECT_EQ(shareable[1].source, "case: heuristic.cron_download_exec");
  EXPECT_EQ(shareable[1].confidence, "high");
  EXPECT_EQ(shareable[1].family, "kinsing");
  const auto with_host = case_indicators(fs, "", IocScope::WithHost);
  ASSERT_EQ(with_host.size(), 3u);
  EXPECT_EQ(with_host[2].type, intel::IndicatorType::TaskName);
}

// What the attack acted on — a vendor's domain the hosts file blocks, a public resolver it forced, the infected
// host's own address — is evidence of the change and never exported as the attacker's.
TEST(CaseIocs, AffectedObservablesAreNeverIndicators) {
  model::Finding f;
  f.rule_id = "heuristic.hosts_tampering";
  f.severity = model::Severity::High;
  f.observables = {{model::ObservableKind::Domain, "www.360.cn", "hosts line 5", model::ObservableRole::Affected},
                   {model::ObservableKind::Ip, "8.8.8.8", "forced DNS server", model::ObservableRole::Affected},
                   {model::ObservableKind::Domain, "js.mys2016.info", "hosts line 8"},
                   {model::ObservableKind::Ip, "45.77.10.9", "hosts line 8"}};
  for (auto scope : {IocScope::Shareable, IocScope::WithHost}) {
    const auto iocs = case_indicators(std::vector<model::Finding>{f}, "", scope);
    ASSERT_EQ(iocs.size(), 2u);
    EXPECT_EQ(iocs[0].value, "js.mys2016.info");
    EXPECT_EQ(iocs[1].value, "45.77.10.9");
  }
}

// People read step kinds and families by name: every step kind has a sentence in both languages (never its id),
// counts agree with their number, and a family id reads as the knowledge base names it.
TEST(Labels, StepKindsFamiliesAndCountsReadAsWords) {
  for (int k = 0; k <= static_cast<int>(model::ActionKind::Rescan); ++k) {
    const auto kind = static_cast<model::ActionKind>(k);
    for (Lang lang : {Lang::En, Lang::Zh}) {
      const std::string_view text = action_label(kind, lang);
      EXPECT_FALSE(text.empty());
      EXPECT_NE(text, model::to_string(kind)) << text;
      EXPECT_EQ(text.find('_'), std::string_view::npos) << text;
    }
  }
  EXPECT_EQ(action_label(model::ActionKind::RemoveAutorun, Lang::En), "Remove the autorun");
  EXPECT_EQ(count_findings(1, Lang::En), "1 finding");
  EXPECT_EQ(count_findings(2, Lang::En), "2 findings");
  EXPECT_EQ(family_basis(1, Lang::En), "named by 1 finding");
  EXPECT_EQ(family_basis(3, Lang::Zh), "3 条发现指向该家族");
  ReportData d;
  d.family_names = {{"8220_gang", "8220 Gang"}};
  EXPECT_EQ(d.family_name("8220_gang"), "8220 Gang");
  EXPECT_EQ(d.family_name("unknown_family"), "unknown_family");
}

}  // namespace
}  // namespace msw::report
