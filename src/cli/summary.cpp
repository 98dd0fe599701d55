#include "cli/summary.h"

#include <iostream>

#include <nlohmann/json.hpp>

#include "core/escape.h"
#include "respond/plan.h"

namespace msw::cli {

int print_summary(const pipeline::ScanSummary& s, const Invocation& inv, const ExtraPaths& extra) {
  const bool zh = inv.lang == report::Lang::Zh;
  pipeline::RunStory run = pipeline::read_run_story(s.case_path);
  const std::vector<model::Finding>& top = run.findings;
  const correlate::Storyline& story = run.storyline;
  // Nothing read is no verdict: a usage error, whatever the (empty) findings say.
  const int code = s.nothing_read ? kExitUsage : s.verdict.actionable() ? kExitFindings : kExitClean;
  if (inv.json) {
    nlohmann::json j = {{"case", s.case_path},
                        {"subject_host", s.subject_host},
                        {"files", s.files},
                        {"parsed", s.parsed},
                        {"events", s.events},
                        {"diagnostics", s.diagnostics},
                        {"unreadable", s.unreadable},
                        {"findings", s.verdict.findings},
                        {"worst", model::to_string(s.verdict.worst)},
                        {"exit_code", code}};
    if (!extra.bundle.empty()) j["bundle"] = extra.bundle;
    if (!extra.html.empty()) j["report_html"] = extra.html;
    if (!extra.json.empty()) j["report_json"] = extra.json;
    j["storyline"] = zh ? story.summary_zh : story.summary_en;
    j["top_findings"] = nlohmann::json::array();
    for (const auto& f : top)
      j["top_findings"].push_back({{"rule_id", f.rule_id},
                                   {"severity", model::to_string(f.severity)},
                                   {"title", zh ? f.title_zh : f.title_en}});
    std::cout << json_for_output(j) << "\n";
    return code;
  }
  auto t = [&](std::string_view en, std::string_view zh_text) { return zh ? zh_text : en; };
  std::cout << t("Host:        ", "主机：      ") << escape_terminal(s.subject_host.empty() ? "?" : s.subject_host)
            << "\n"
            << t("Examined:    ", "检查：      ") << s.files << t(" files, ", " 个文件，") << s.parsed
            << t(" parsed, ", " 个已解析，") << s.events << t(" events", " 条事件") << "\n"
            << t("Verdict:     ", "结论：      ")
            << (s.nothing_read
                    ? std::string(t("none: no input could be read (permission denied or not regular files; "
                                    "see the diagnostics). Run as root or give read access.",
                                    "无：所有输入均无法读取（权限不足或不是普通文件，见诊断信息）。请以 root "
                                    "运行或授予读取权限。"))
                    : s.verdict.headline(zh ? "zh" : "en"))
            << "\n";
  if (s.unreadable && !s.nothing_read)
    std::cout << t("Unreadable:  ", "无法读取：  ") << s.unreadable
              << t(" files or folders; the verdict does not cover them (see the diagnostics)",
                   " 个文件或目录；结论不包括它们（见诊断信息）")
              << "\n";
  // The story first (what mines, what restarts it, how it got in), then the findings by severity.
  if (!story.steps.empty()) {
    const std::string& line = zh ? story.summary_zh : story.summary_en;
    if (!line.empty()) std::cout << t("Story:       ", "经过：      ") << escape_terminal(line) << "\n";
    size_t told = 0;
    for (const auto& st : story.steps) {
      if (!st.linked || st.kind == correlate::StepKind::Entry) continue;
      if (told++ == 6) break;
      std::cout << "  - " << escape_terminal(zh ? st.text_zh : st.text_en) << "\n";
    }
  }
  size_t shown = 0;
  for (const auto& f : top) {
    if (shown++ == 5) {
      std::cout << "  ...\n";
      break;
    }
    std::cout << "  [" << model::to_string(f.severity) << "] " << escape_terminal(zh ? f.title_zh : f.title_en) << "\n";
  }
  // Only what high and critical findings imply is urged here; medium ones are for the analyst to verify first.
  std::vector<model::Finding> serious;
  for (const auto& f : top)
    if (f.severity >= model::Severity::High) serious.push_back(f);
  const auto plan = respond::build_plan(serious);
  if (!plan.empty()) {
    std::cout << t("Do next:", "下一步：") << "\n";
    for (size_t i = 0; i < plan.size() && i < 3; ++i)
      std::cout << "  " << (i + 1) << ". " << escape_terminal(zh ? plan[i].action.detail_zh : plan[i].action.detail_en)
                << "\n";
    if (plan.size() > 3) std::cout << t("  (full plan in the report)\n", "  （完整处置计划见报告）\n");
  }
  if (s.diagnostics)
    std::cout << t("Not read:    ", "未读取：    ") << s.diagnostics
              << t(" diagnostics (see report)", " 条诊断（见报告）") << "\n";
  std::cout << t("Case:        ", "案例：      ") << escape_terminal(s.case_path) << "\n";
  if (!extra.bundle.empty()) std::cout << t("Bundle:      ", "采集包：    ") << escape_terminal(extra.bundle) << "\n";
  if (!extra.html.empty()) std::cout << t("Report:      ", "报告：      ") << escape_terminal(extra.html) << "\n";
  if (!extra.json.empty()) std::cout << t("JSON:        ", "JSON：      ") << escape_terminal(extra.json) << "\n";
  return code;
}

}  // namespace msw::cli
