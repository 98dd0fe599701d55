// The HTML report in a real browser. Debian's Chromium opens, headless, the reports of the Windows (MyKings) and
// Linux (Kinsing-style, with hostile strings planted in the evidence) scenarios in both languages, takes a screenshot
// of each (kept under the build folder's test-artifacts/ for people to look at), and checks what a reader's browser
// would do: no console message (a CSP violation is one), no request from the page, every section present in the
// report's language, the storyline graph drawn, and the planted strings shown as text.
//
// Chromium is a test dependency (scripts/setup.sh --dev). Without it the test skips, except under CI (CI set), where
// a missing browser is a failure: the check must not pass by not running.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/escape.h"
#include "report/labels.h"
#include "support/linux_tree.h"
#include "support/test_support.h"
#include "support/windows_tree.h"

namespace msw {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> chromium() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"})
    if (fs::exists(p)) return std::string(p);
  return std::nullopt;
}

#define REQUIRE_CHROMIUM(var)                                                           \
  const auto var = chromium();                                                          \
  if (!var) {                                                                           \
    if (std::getenv("CI")) FAIL() << "Chromium is missing: run scripts/setup.sh --dev"; \
    GTEST_SKIP() << "Chromium is not installed (scripts/setup.sh --dev installs it)";   \
  }

test::RunResult ms(std::vector<std::string> args) {
  args.insert(args.begin(), MSW_BINARY);
  return test::run(args);
}

struct PageLoad {
  int exit_code = -1;
  std::vector<std::string> console;   // lines Chromium logged from the page's console
  std::vector<std::string> requests;  // URLs the page itself asked for
  std::string dom;                    // the document after loading, serialised
  std::string log;                    // Chromium's stderr, for failure messages
};

std::vector<std::string> flags(const std::string& browser, const fs::path& profile) {
  std::vector<std::string> f = {browser,
                                "--headless",
                                "--disable-gpu",
                                "--no-first-run",
                                "--disable-sync",
                                "--disable-default-apps",
                                "--disable-background-networking",
                                "--disable-component-update",
                                "--user-data-dir=" + profile.string()};
  if (::geteuid() == 0) f.push_back("--no-sandbox");  // Chromium refuses to run as root with its sandbox
  return f;
}

// A page's own requests are the net-log events whose initiator is the page's origin; a file:// page's origin is
// opaque and logged as "null". Chromium's background traffic (update checks, sign-in) has no page initiator.
void collect_page_requests(const nlohmann::json& j, std::vector<std::string>& out) {
  if (j.is_object()) {
    auto init = j.find("initiator");
    auto url = j.find("url");
    if (init != j.end() && url != j.end() && init->is_string() && url->is_string()) {
      const std::string i = init->get<std::string>();
      if (i == "null" || i.starts_with("file://")) out.push_back(url->get<std::string>());
    }
    for (const auto& [k, v] : j.items()) collect_page_requests(v, out);
  } else if (j.is_array()) {
    for (const auto& v : j) collect_page_requests(v, out);
  }
}

PageLoad open_page(const std::string& browser, const fs::path& html, const fs::path& screenshot, const fs::path& work) {
  PageLoad p;
  const fs::path netlog = work / (html.stem().string() + ".netlog.json");
  auto shot = flags(browser, work / "profile-shot");
  for (std::string f : {std::string("--enable-logging=stderr"), std::string("--v=0"),
                        std::string("--window-size=1280,4000"), "--log-net-log=" + netlog.string(),
                        "--screenshot=" + screenshot.string(), "file://" + fs::absolute(html).string()})
    shot.push_back(std::move(f));
  auto r = test::run(shot);
  p.exit_code = r.exit_code;
  p.log = r.err;
  size_t start = 0;
  while (start < r.err.size()) {
    size_t end = r.err.find('\n', start);
    if (end == std::string::npos) end = r.err.size();
    std::string line = r.err.substr(start, end - start);
    if (line.find(":CONSOLE") != std::string::npos) p.console.push_back(line);
    start = end + 1;
  }
  std::ifstream in(netlog);
  auto j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    p.requests.push_back("(net log unreadable: " + netlog.string() + ")");
  else
    collect_page_requests(j["events"], p.requests);

  auto dump = flags(browser, work / "profile-dom");
  dump.push_back("--dump-dom");
  dump.push_back("file://" + fs::absolute(html).string());
  p.dom = test::run(dump).out;
  return p;
}

fs::path artifacts() {
  fs::path dir = fs::path(MSW_ARTIFACT_DIR) / "report";
  fs::create_directories(dir);
  return dir;
}

// The checks can fail: a page that fetches an image is seen requesting it, and the same page under the report's
// Content-Security-Policy is seen logging the refusal.
TEST(Browser, DetectsPageRequestsAndConsoleMessages) {
  REQUIRE_CHROMIUM(browser);
  test::TempDir dir;
  test::write_file(dir / "fetches.html",
                   "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><p>canary</p>"
                   "<img src=\"http://192.0.2.1:9/canary.png\"></body></html>");
  test::write_file(
      dir / "refused.html",
      "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta http-equiv=\"Content-Security-Policy\" "
      "content=\"default-src 'none'\"></head><body><img src=\"http://192.0.2.1:9/canary.png\"></body></html>");
  auto fetches = open_page(*browser, dir / "fetches.html", dir / "fetches.png", dir.path());
  EXPECT_EQ(fetches.exit_code, 0) << fetches.log;
  ASSERT_FALSE(fetches.requests.empty()) << "the net-log check sees nothing: it cannot catch a report that fetches";
  EXPECT_EQ(fetches.requests.front(), "http://192.0.2.1:9/canary.png");
  auto refused = open_page(*browser, dir / "refused.html", dir / "refused.png", dir.path());
  ASSERT_FALSE(refused.console.empty()) << "the console check sees nothing: " << refused.log;
  EXPECT_NE(refused.console.front().find("Content Security Policy"), std::string::npos) << refused.console.front();
  EXPECT_TRUE(refused.requests.empty());
}

struct Scenario {
  std::string name;
  bool hostile;
};

class ReportInBrowser : public ::testing::TestWithParam<Scenario> {};

TEST_P(ReportInBrowser, RendersEverySectionInertInBothLanguages) {
  REQUIRE_CHROMIUM(browser);
  const Scenario& sc = GetParam();
  test::TempDir dir;
  if (sc.name == "windows-mykings")
    test::write_windows_tree(dir / "evidence", test::WindowsScenario::MyKings);
  else
    test::write_linux_tree(dir / "evidence", sc.hostile);
  const std::string case_path = (dir / "case.sqlite").string();
  auto scan = ms({"scan", "--quiet", "--case", case_path, (dir / "evidence").string()});
  ASSERT_TRUE(scan.exit_code == 0 || scan.exit_code == 1) << scan.err;

  for (auto lang : {report::Lang::En, report::Lang::Zh}) {
    const std::string code = lang == report::Lang::Zh ? "zh" : "en";
    SCOPED_TRACE(sc.name + " " + code);
    const fs::path html = artifacts() / ("report-" + sc.name + "-" + code + ".html");
    const fs::path png = artifacts() / ("report-" + sc.name + "-" + code + ".png");
    fs::remove(png);
    auto rep = ms({"report", case_path, "--format", "html", "--lang", code, "--out", html.string()});
    ASSERT_EQ(rep.exit_code, 0) << rep.err;

    const PageLoad page = open_page(*browser, html, png, dir.path());
    EXPECT_EQ(page.exit_code, 0) << page.log;
    ASSERT_TRUE(fs::exists(png)) << page.log;
    EXPECT_GT(fs::file_size(png), 20'000u);  // a rendered page, not a blank one
    EXPECT_TRUE(page.console.empty()) << page.console.front();
    EXPECT_TRUE(page.requests.empty()) << page.requests.front();

    // Every section, titled in the report's language.
    using report::Label;
    const std::pair<std::string, Label> sections[] = {{"summary", Label::Summary},     {"storyline", Label::Storyline},
                                                      {"timeline", Label::Timeline},   {"findings", Label::Findings},
                                                      {"iocs", Label::Iocs},           {"plan", Label::Plan},
                                                      {"hardening", Label::Hardening}, {"appendix", Label::Appendix}};
    for (const auto& [id, title] : sections) {
      const size_t at = page.dom.find("<section id=\"" + id + "\">");
      ASSERT_NE(at, std::string::npos) << id;
      // The title is escaped text in the DOM ("&amp;" for "&").
      EXPECT_NE(page.dom.find(escape_html(report::label(title, lang)), at), std::string::npos) << id;
    }
    EXPECT_NE(page.dom.find(lang == report::Lang::Zh ? "<html lang=\"zh-CN\">" : "<html lang=\"en\">"),
              std::string::npos);
    // The storyline graph: the host in the middle and the way in on its left.
    const size_t svg = page.dom.find("<svg");
    ASSERT_NE(svg, std::string::npos);
    EXPECT_NE(page.dom.find(lang == report::Lang::Zh ? "初始入侵" : "Initial access", svg), std::string::npos);
    EXPECT_NE(page.dom.find(lang == report::Lang::Zh ? "持久化" : "Persistence", svg), std::string::npos);

    // Nothing from evidence became markup.
    EXPECT_EQ(page.dom.find("<script"), std::string::npos);
    EXPECT_EQ(page.dom.find("<img"), std::string::npos);
    EXPECT_EQ(page.dom.find("href=\"javascript:"), std::string::npos);
    if (sc.hostile) {
      EXPECT_NE(page.dom.find(escape_html(test::kHostileHtml)), std::string::npos);
      EXPECT_NE(page.dom.find(escape_html(test::kHostileScriptEnd)), std::string::npos);
      EXPECT_NE(page.dom.find(test::kHostileJsUrl), std::string::npos);  // as text
    }
  }

  // The timeline CSV: no cell a spreadsheet would evaluate.
  auto csv = ms({"report", case_path, "--format", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  const auto rows = test::parse_csv(csv.out);
  ASSERT_GT(rows.size(), 1u);
  bool formula_seen = false;
  for (const auto& row : rows)
    for (const auto& cell : row) {
      EXPECT_TRUE(cell.empty() || std::string_view("=+-@").find(cell[0]) == std::string_view::npos) << cell;
      formula_seen = formula_seen || cell.find(test::kHostileFormula) != std::string::npos;
    }
  if (sc.hostile) {
    EXPECT_TRUE(formula_seen) << "the planted formula should be in the timeline, defused";
  }
}

TEST(Browser, PrintsTheReportToPdf) {
  REQUIRE_CHROMIUM(browser);
  test::TempDir dir;
  test::write_linux_tree(dir / "evidence", false);
  const std::string case_path = (dir / "case.sqlite").string();
  auto scan = ms({"scan", "--quiet", "--case", case_path, (dir / "evidence").string()});
  ASSERT_TRUE(scan.exit_code == 0 || scan.exit_code == 1) << scan.err;
  const fs::path pdf = artifacts() / "report-linux-kinsing-zh.pdf";
  auto r = ms({"report", case_path, "--lang", "zh", "--pdf", pdf.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.empty());  // the PDF was asked for, not the HTML on the terminal
  EXPECT_TRUE(test::read_file(pdf).starts_with("%PDF-"));
  EXPECT_GT(fs::file_size(pdf), 20'000u);

  EXPECT_EQ(ms({"report", case_path, "--format", "md", "--pdf", (dir / "x.pdf").string()}).exit_code, 2);
  ::setenv("MINESWEEP_CHROMIUM", "/nonexistent/chromium", 1);
  auto missing = ms({"report", case_path, "--pdf", (dir / "y.pdf").string()});
  ::unsetenv("MINESWEEP_CHROMIUM");
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("print it from a browser"), std::string::npos) << missing.err;
  EXPECT_FALSE(fs::exists(dir / "y.pdf"));
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ReportInBrowser,
                         ::testing::Values(Scenario{"windows-mykings", false}, Scenario{"linux-kinsing", true}),
                         [](const ::testing::TestParamInfo<Scenario>& p) {
                           return p.param.name == "windows-mykings" ? "WindowsMyKings" : "LinuxKinsingHostile";
                         });

}  // namespace
}  // namespace msw
