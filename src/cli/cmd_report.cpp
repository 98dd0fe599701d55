#include <fstream>
#include <iostream>

#include "casedb/case_db.h"
#include "cli/commands.h"
#include "report/pdf.h"
#include "report/timeline.h"

namespace msw::cli {

int run_report(const Invocation& inv) {
  std::string path = inv.case_path;
  if (path.empty() && inv.args.positional().size() == 1) path = inv.args.positional()[0];
  if (path.empty() || inv.args.positional().size() > 1) return usage_error("report", "give exactly one CASE file");
  auto format = report::format_from_string(inv.args.value("--format").value_or("html"));
  if (!format) return usage_error("report", "--format takes html, md, json or csv (the timeline)");

  const auto pdf = inv.args.value("--pdf");
  if (pdf && *format != report::Format::Html)
    return usage_error("report", "--pdf prints the HTML report: leave out --format or use --format html");

  auto db = casedb::CaseDb::open(path, /*read_only=*/true);
  if (!db) return input_error("report", db.error());
  std::string text;
  if (*format == report::Format::Csv) {
    auto meta = db->meta();
    if (!meta) return input_error("report", meta.error());
    auto timeline = report::load_timeline(*db);
    if (!timeline) return input_error("report", timeline.error());
    text = report::render_timeline_csv(*timeline, meta->run.subject_host, inv.lang == report::Lang::Zh);
  } else {
    auto data = report::load(*db);
    if (!data) return input_error("report", data.error());
    text = report::render(*data, *format, inv.lang);
  }

  if (pdf) {
    if (auto printed = report::print_pdf(text, *pdf); !printed) return input_error("report", printed.error());
    if (!inv.args.value("--out")) return kExitClean;  // the PDF was asked for, not the HTML on the terminal
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
