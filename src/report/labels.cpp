#include "report/labels.h"

namespace msw::report {
namespace {

struct Row {
  Label label;
  std::string_view en, zh;
};

constexpr Row kRows[] = {
    {Label::Title, "minesweep incident report", "minesweep 应急响应报告"},
    {Label::CaseStatus, "Case status", "案例状态"},
    {Label::Host, "Host", "主机"},
    {Label::Tool, "Tool version", "工具版本"},
    {Label::Command, "Command", "命令"},
    {Label::Started, "Started", "开始时间"},
    {Label::Finished, "Finished", "结束时间"},
    {Label::Verdict, "Verdict", "结论"},
    {Label::Storyline, "Storyline", "事件经过"},
    {Label::Findings, "Findings", "发现"},
    {Label::NoFindings, "No findings.", "无发现。"},
    {Label::Severity, "Severity", "严重程度"},
    {Label::Rule, "Rule", "规则"},
    {Label::Attack, "ATT&CK", "ATT&CK"},
    {Label::Evidence, "Evidence", "证据"},
    {Label::Line, "Line", "行"},
    {Label::Offset, "Offset", "偏移"},
    {Label::Excerpt, "Excerpt", "内容"},
    {Label::Observables, "Observables", "可观测对象"},
    {Label::Plan, "What to do", "处置建议"},
    {Label::NoPlan, "Nothing to remediate.", "无需处置。"},
    {Label::Inputs, "Inputs", "输入"},
    {Label::Artefacts, "Artefacts examined", "已检查的证据文件"},
    {Label::Path, "Path", "路径"},
    {Label::Kind, "Kind", "类型"},
    {Label::Format, "Format", "格式"},
    {Label::Parsed, "Parsed", "已解析"},
    {Label::Events, "Events", "事件数"},
    {Label::Note, "Note", "备注"},
    {Label::CouldNotRead, "What we could not read", "未能读取的内容"},
    {Label::NothingSkipped, "Everything was read.", "全部内容均已读取。"},
    {Label::Code, "Code", "代码"},
    {Label::Detail, "Detail", "详情"},
    {Label::Incomplete,
     "This case is incomplete: the run that wrote it did not finish. Results below are partial.",
     "此案例不完整：生成它的运行未正常结束，以下结果不完整。"},
    {Label::Yes, "yes", "是"},
    {Label::No, "no", "否"},
    {Label::Reasons, "Because of", "依据"},
    {Label::Family, "Family", "家族"},
};

}  // namespace

std::string_view label(Label l, Lang lang) {
  for (const auto& r : kRows)
    if (r.label == l) return lang == Lang::Zh ? r.zh : r.en;
  return {};
}

std::string_view severity_label(model::Severity s, Lang lang) {
  if (lang == Lang::En) return model::to_string(s);
  switch (s) {
    case model::Severity::Informational: return "提示";
    case model::Severity::Low: return "低危";
    case model::Severity::Medium: return "中危";
    case model::Severity::High: return "高危";
    case model::Severity::Critical: return "严重";
  }
  return "";
}

std::string_view status_label(casedb::CaseStatus s, Lang lang) {
  if (lang == Lang::En) return casedb::to_string(s);
  switch (s) {
    case casedb::CaseStatus::Running: return "运行中";
    case casedb::CaseStatus::Complete: return "完成";
    case casedb::CaseStatus::Incomplete: return "不完整";
  }
  return "";
}

}  // namespace msw::report
