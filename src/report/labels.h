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
  FamilyConfidence,
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
// An IOC type as responders name it ("wallet" is 钱包地址, "task_name" 计划任务); English keeps the export's own name.
std::string_view ioc_type_label(intel::IndicatorType t, Lang lang);

}  // namespace msw::report
