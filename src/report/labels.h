// Report labels in both languages, one table so the two reports cannot drift apart.
#pragma once

#include <string_view>

#include "report/report.h"

namespace msw::report {

enum class Label {
  Title,
  CaseStatus,
  Host,
  Tool,
  Command,
  Started,
  Finished,
  Verdict,
  Findings,
  NoFindings,
  Severity,
  Rule,
  Attack,
  Evidence,
  Line,
  Offset,
  Excerpt,
  Observables,
  Plan,
  NoPlan,
  Inputs,
  Artefacts,
  Path,
  Kind,
  Format,
  Parsed,
  Events,
  Note,
  CouldNotRead,
  NothingSkipped,
  Code,
  Detail,
  Incomplete,
  Yes,
  No,
  Reasons,
  Family,
  Storyline,
  // Executive summary
  Summary,
  What,
  Since,
  HowIn,
  HowBad,
  NotDetermined,
  NoEvidenceOfCompromise,
  Contents,
  // Storyline graph and steps
  StorylineGraph,
  Steps,
  NoStoryline,
  // Timeline
  Timeline,
  Time,
  Message,
  Source,
  Show,
  OnlyFindings,
  TimelineCut,
  NoTimeline,
  // IOCs
  Iocs,
  Type,
  Value,
  FoundBy,
  Confidence,
  CopyHint,
  Download,
  NoIocs,
  // Hardening
  Hardening,
  Check,
  Risk,
  Status,
  Fix,
  Pass,
  Fail,
  Unknown,
  Appendix,
  Generated,
};

std::string_view label(Label l, Lang lang);
std::string_view severity_label(model::Severity s, Lang lang);
std::string_view status_label(casedb::CaseStatus s, Lang lang);
// A remediation step's kind as a sentence's verb ("Remove the autorun", "删除自启动项").
std::string_view action_label(model::ActionKind k, Lang lang);
// "1 finding", "2 findings"; "1 条发现".
std::string count_findings(size_t n, Lang lang);
// What the family rests on: "named by 2 findings", "2 条发现指向该家族".
std::string family_basis(size_t n, Lang lang);
// An IOC type as responders name it ("wallet" is 钱包地址, "task_name" 计划任务); English keeps the export's own name.
std::string_view ioc_type_label(intel::IndicatorType t, Lang lang);

}  // namespace msw::report
