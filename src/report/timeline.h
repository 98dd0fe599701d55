// The case as a timeline in the CSV Timesketch imports: `message`, `datetime` (ISO 8601, UTC), `timestamp_desc`,
// then `source` (the event's category), `artefact`, `host`, `severity` and `rule_id` (for findings), `fields`
// (the event's own key=value pairs). One row per timestamped event and per timed finding, oldest first. Every cell
// is CSV-escaped, and cells a spreadsheet would evaluate are defused (core/escape.h).
#pragma once

#include <string>

#include "casedb/case_db.h"
#include "core/result.h"
#include "report/report.h"

namespace msw::report {

// Errors: case.* reading the case.
Result<std::string> render_timeline_csv(const casedb::CaseDb& db, Lang lang);

}  // namespace msw::report
