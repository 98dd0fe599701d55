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

}  // namespace

Result<Timeline> load_timeline(const casedb::CaseDb& db, size_t max_events) {
  Timeline t;
  auto events = db.for_each_event([&](const casedb::StoredEvent& se) {
    const model::Event& e = se.event;
    if (!e.time) return true;
    t.rows.push_back({*e.time,
                      message(e),
                      {},
                      std::string(time_meaning(e)),
                      e.category.empty() ? "event_log" : e.category,
                      e.artefact,
                      {},
                      {},
                      fields_of(e)});
    return true;
  });
  if (!events) return events.error();
  auto findings = db.findings();
  if (!findings) return findings.error();
  std::vector<int64_t> finding_times;
  std::vector<TimelineRow> finding_rows;
  for (const auto& sf : *findings) {
    const auto& f = sf.finding;
    if (!f.time) continue;
    finding_times.push_back(f.time->unix_ns);
    finding_rows.push_back({*f.time,
                            f.title_en,
                            f.title_zh,
                            "Finding",
                            "finding",
                            f.evidence.empty() ? "" : f.evidence.front().path,
                            std::string(model::to_string(f.severity)),
                            f.rule_id,
                            {}});
  }
  auto by_time = [](const TimelineRow& a, const TimelineRow& b) { return a.time.unix_ns < b.time.unix_ns; };
  if (max_events && t.rows.size() > max_events) {
    t.events_left_out = t.rows.size() - max_events;
    std::sort(finding_times.begin(), finding_times.end());
    // Distance to the nearest finding; with no timed finding, age (so the latest events stay).
    auto distance = [&](const TimelineRow& r) -> uint64_t {
      const int64_t ns = r.time.unix_ns;
      if (finding_times.empty()) return static_cast<uint64_t>(INT64_MAX) - static_cast<uint64_t>(ns - INT64_MIN);
      auto it = std::lower_bound(finding_times.begin(), finding_times.end(), ns);
      uint64_t best = UINT64_MAX;
      if (it != finding_times.end()) best = static_cast<uint64_t>(*it) - static_cast<uint64_t>(ns);
      if (it != finding_times.begin())
        best = std::min(best, static_cast<uint64_t>(ns) - static_cast<uint64_t>(*(it - 1)));
      return best;
    };
    std::nth_element(t.rows.begin(), t.rows.begin() + static_cast<ptrdiff_t>(max_events), t.rows.end(),
                     [&](const TimelineRow& a, const TimelineRow& b) { return distance(a) < distance(b); });
    t.rows.resize(max_events);
  }
  std::stable_sort(t.rows.begin(), t.rows.end(), by_time);
  std::stable_sort(finding_rows.begin(), finding_rows.end(), by_time);
  std::vector<TimelineRow> merged;
  merged.reserve(t.rows.size() + finding_rows.size());
  std::merge(std::make_move_iterator(t.rows.begin()), std::make_move_iterator(t.rows.end()),
             std::make_move_iterator(finding_rows.begin()), std::make_move_iterator(finding_rows.end()),
             std::back_inserter(merged), by_time);
  t.rows = std::move(merged);
  return t;
}

std::string render_timeline_csv(const Timeline& timeline, std::string_view host, bool zh) {
  std::string out = "message,datetime,timestamp_desc,source,artefact,host,severity,rule_id,fields\r\n";
  for (const auto& r : timeline.rows) {
    const std::string& msg = zh && !r.message_zh.empty() ? r.message_zh : r.message;
    const std::string datetime = to_iso8601(r.time, 6);
    bool first = true;
    for (std::string_view c : {std::string_view(msg), std::string_view(datetime), std::string_view(r.timestamp_desc),
                               std::string_view(r.source), std::string_view(r.artefact), host,
                               std::string_view(r.severity), std::string_view(r.rule_id), std::string_view(r.fields)}) {
      out += first ? "" : ",";
      out += escape_csv(c);
      first = false;
    }
    out += "\r\n";
  }
  return out;
}

}  // namespace msw::report
