// report/: renders a case for people (HTML, Markdown; English or Chinese) and for machines (JSON).
// Every string from evidence is attacker-controlled and is escaped for its output (core/escape.h); the HTML is one
// self-contained file with a Content-Security-Policy that forbids scripts and external requests.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "baseline/baseline.h"
#include "casedb/case_db.h"
#include "correlate/correlate.h"
#include "correlate/storyline.h"
#include "intel/indicator.h"
#include "report/timeline.h"
#include "respond/plan.h"

namespace msw::report {

enum class Format { Json, Markdown, Html, Csv };  // Csv: the timeline (report/timeline.h)
enum class Lang { En, Zh };
std::optional<Format> format_from_string(std::string_view s);
std::optional<Lang> lang_from_string(std::string_view s);

struct ReportData {
  std::string case_path;
  casedb::CaseMeta meta;
  std::vector<casedb::EvidenceRecord> evidence;
  std::vector<casedb::ArtefactRecord> artefacts;
  std::vector<model::Finding> findings;  // most severe first
  std::vector<Diagnostic> diagnostics;
  std::vector<respond::PlannedAction> plan;
  std::vector<model::Entity> entities;
  std::vector<model::Edge> edges;
  correlate::Verdict verdict;
  correlate::Storyline storyline;
  uint64_t events = 0;
  Timeline timeline;                       // at most kReportTimelineEvents events, and every timed finding
  std::vector<intel::Indicator> iocs;      // report/iocs.h, host artefacts included
  std::vector<baseline::Check> hardening;  // the baseline judged on this case
  // For the executive summary.
  std::optional<Timestamp> first_activity;  // earliest time of a finding of at least Medium severity
  std::string family;                       // the family the findings attribute ("" when the evidence is thin)
  size_t family_findings = 0;               // how many findings name it
  // Family ids as people write them ("kinsing_h2miner" is "Kinsing"), from the knowledge base.
  std::map<std::string, std::string> family_names;
  std::string family_name(const std::string& id) const {
    auto it = family_names.find(id);
    return it == family_names.end() ? id : it->second;
  }
};

// The HTML and Markdown timelines keep this many events (the nearest to the findings); the CSV keeps all.
inline constexpr size_t kReportTimelineEvents = 2000;

// Errors: case.* from casedb.
Result<ReportData> load(const casedb::CaseDb& db);

std::string render(const ReportData& data, Format format, Lang lang);
std::string render_json(const ReportData& data);
std::string render_markdown(const ReportData& data, Lang lang);
std::string render_html(const ReportData& data, Lang lang);

}  // namespace msw::report
