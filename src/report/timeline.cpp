#include "report/timeline.h"

#include <algorithm>
#include <vector>

#include "core/escape.h"
#include "core/time.h"
#include "model/field.h"

namespace msw::report {
namespace {

// What the time of an event of this kind means.
std::string_view time_meaning(const model::Event& e) {
  const std::string& c = e.category;
  if (c.empty()) return "Event Recorded";  // event logs
  if (c == "prefetch_execution") return "Last Run";
  if (c == "amcache_entry" || c == "registry_set") return "Key Last Written";
  if (c == "scheduled_task") return e.value("TaskSource") == "job" ? "Last Run" : "Registered";
  if (c == "local_account") return "Account Created";
  if (c == "authentication") return "Logged";
  if (c == "network_connection") return "Connection Start";
  if (c == "wmi_event") return "Record Written";
  if (c == "file_info") return "Content Modification Time";
  return "Recorded";
}

// One line a person can read in Timesketch's list view.
std::string message(const model::Event& e) {
  if (auto m = e.get(model::Field::Message); m && !m->empty()) return m->substr(0, 1024);
  auto v = [&](std::string_view name) { return e.value(name); };
  const std::string& c = e.category;
  if (c.empty())
    return "EventID " + e.value(model::Field::EventID) + " " + e.value(model::Field::Channel) +
           (v("TargetUserName").empty() ? "" : " " + v("TargetUserName")) +
           (v("IpAddress").empty() ? "" : " from " + v("IpAddress"));
  if (c == "registry_set") return v("TargetObject") + " = " + v("Details");
  if (c == "scheduled_task") return "Task " + v("TaskName") + ": " + v("CommandLine");
  if (c == "prefetch_execution") return v("Image") + " ran (" + v("RunCount") + " runs)";
  if (c == "amcache_entry") return v("Image") + " " + v("Hashes");
  if (c == "wmi_event") return v("EventType") + " " + v("Name") + v("Filter") + " " + v("Destination") + v("Query");
  if (c == "network_connection")
    return v("SourceIp") + ":" + v("SourcePort") + " -> " + v("DestinationIp") + ":" + v("DestinationPort");
  if (c == "local_account") return "Local account " + v("TargetUserName") + " (RID " + v("Rid") + ")";
  std::string out = c;
  size_t n = 0;
  for (const auto& [f, value] : e.fields) {
    if (++n > 4) break;
    out += " " + std::string(model::field_name(f)) + "=" + value.substr(0, 128);
  }
  return out;
}

std::string fields_of(const model::Event& e) {
  std::string out;
  for (const auto& [f, value] : e.fields) {
    if (out.size() > 4096) break;
    out += (out.empty() ? "" : "; ") + std::string(model::field_name(f)) + "=" + value.substr(0, 256);
  }
  for (const auto& [k, value] : e.extra) {
    if (out.size() > 4096) break;
    out += (out.empty() ? "" : "; ") + k + "=" + value.substr(0, 256);
  }
  return out;
}

struct Row {
  int64_t ns;
  std::string line;
};

}  // namespace

Result<std::string> render_timeline_csv(const casedb::CaseDb& db, Lang lang) {
  auto meta = db.meta();
  if (!meta) return meta.error();
  const std::string host = meta->run.subject_host;
  std::vector<Row> rows;
  auto add = [&](const Timestamp& t, std::initializer_list<std::string_view> cells) {
    std::string line;
    bool first = true;
    for (auto c : cells) {
      line += (first ? "" : ",") + escape_csv(c);
      first = false;
    }
    rows.push_back({t.unix_ns, std::move(line)});
  };
  auto events = db.for_each_event([&](const casedb::StoredEvent& se) {
    const model::Event& e = se.event;
    if (!e.time) return true;
    add(*e.time, {message(e), to_iso8601(*e.time, 6), time_meaning(e), e.category.empty() ? "event_log" : e.category,
                  e.artefact, host, "", "", fields_of(e)});
    return true;
  });
  if (!events) return events.error();
  auto findings = db.findings();
  if (!findings) return findings.error();
  for (const auto& sf : *findings) {
    const auto& f = sf.finding;
    if (!f.time) continue;
    add(*f.time, {lang == Lang::Zh ? f.title_zh : f.title_en, to_iso8601(*f.time, 6), "Finding", "finding",
                  f.evidence.empty() ? "" : f.evidence.front().path, host, model::to_string(f.severity), f.rule_id, ""});
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.ns < b.ns; });
  std::string out = "message,datetime,timestamp_desc,source,artefact,host,severity,rule_id,fields\r\n";
  for (const auto& r : rows) out += r.line + "\r\n";
  return out;
}

}  // namespace msw::report
