// The case as a timeline: every timestamped event and every timed finding, oldest first. Rendered as the CSV
// Timesketch imports — `message`, `datetime` (ISO 8601, UTC), `timestamp_desc`, then `source` (the event's category),
// `artefact`, `host`, `severity` and `rule_id` (for findings), `fields` (the event's own key=value pairs) — and as
// the HTML and Markdown reports' timeline section. CSV cells are escaped and cells a spreadsheet would evaluate are
// defused (core/escape.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "casedb/case_db.h"
#include "core/result.h"
#include "core/time.h"

namespace msw::report {

struct TimelineRow {
  Timestamp time;
  std::string message;     // events: one readable line; findings: the English title
  std::string message_zh;  // findings: the Chinese title; events: empty (their text is the evidence's own)
  std::string timestamp_desc;
  std::string source;  // event category ("event_log" for Windows logs), or "finding"
  std::string artefact;
  std::string severity, rule_id;  // findings only
  std::string fields;
  bool is_finding() const { return !rule_id.empty(); }
};

struct Timeline {
  std::vector<TimelineRow> rows;  // oldest first; a finding sorts after an event of the same instant
  uint64_t events_left_out = 0;   // events beyond `max_events` (the CSV has them all)
};

// max_events = 0 keeps every event. Otherwise the events nearest in time to a timed finding are kept (the latest
// ones when no finding has a time), so a report of a multi-million-event case stays readable. Findings are always
// kept. Errors: case.* reading the case.
Result<Timeline> load_timeline(const casedb::CaseDb& db, size_t max_events = 0);

std::string render_timeline_csv(const Timeline& timeline, std::string_view host, bool zh);

}  // namespace msw::report
