#include <fstream>
#include <iostream>

#include "casedb/case_db.h"
#include "cli/commands.h"
#include "report/timeline.h"

namespace msw::cli {

int run_report(const Invocation& inv) {
  std::string path = inv.case_path;
  if (path.empty() && inv.args.positional().size() == 1) path = inv.args.positional()[0];
  if (path.empty() || inv.args.positional().size() > 1) return usage_error("report", "give exactly one CASE file");
  auto format = report::format_from_string(inv.args.value("--format").value_or("html"));
  if (!format) return usage_error("report", "--format takes html, md, json or csv (the timeline)");

  auto db = casedb::CaseDb::open(path, /*read_only=*/true);
  if (!db) return input_error("report", db.error());
  std::string text;
  if (*format == report::Format::Csv) {
    auto csv = report::render_timeline_csv(*db, inv.lang);
    if (!csv) return input_error("report", csv.error());
    text = std::move(*csv);
  } else {
    auto data = report::load(*db);
    if (!data) return input_error("report", data.error());
    text = report::render(*data, *format, inv.lang);
  }

  if (auto out = inv.args.value("--out")) {
    std::ofstream f(*out, std::ios::binary | std::ios::trunc);
    f << text;
    if (!f.flush()) return usage_error("report", "cannot write " + *out);
  } else {
    std::cout << text;
  }
  return kExitClean;
}

}  // namespace msw::cli
