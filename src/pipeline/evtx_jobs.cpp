#include "pipeline/evtx_jobs.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "core/escape.h"
#include "core/text.h"
#include "correlate/logons.h"
#include "detect/heuristics/windows_events.h"
#include "detect/sigma/correlation.h"
#include "detect/sigma/sigma.h"
#include "formats/evtx/evtx.h"
#include "model/attack.h"
#include "normalize/evtx.h"

namespace msw::pipeline {
namespace {

namespace evtx = formats::evtx;

// One ChunkParser per worker thread, reused by every chunk and log (its buffers are the expensive part).
std::vector<std::unique_ptr<evtx::ChunkParser>> worker_parsers(const ThreadPool& pool) {
  std::vector<std::unique_ptr<evtx::ChunkParser>> parsers;
  for (size_t t = 0; t < pool.size(); ++t) parsers.push_back(std::make_unique<evtx::ChunkParser>(Bytes{}, ""));
  return parsers;
}

// The text of one chunk's records. It grows without initialising the room it hands out (std::string::resize
// would first zero each field's worst-case size), so fields are escaped straight into place.
class LineBuffer {
 public:
  // Room for n more bytes at the end; commit() says where the written bytes end.
  char* reserve(size_t n) {
    if (capacity_ - size_ < n) grow(n);
    return data_.get() + size_;
  }
  void commit(const char* end) { size_ = static_cast<size_t>(end - data_.get()); }
  void append(std::string_view s) {
    char* p = reserve(s.size());
    std::memcpy(p, s.data(), s.size());
    size_ += s.size();
  }
  std::string_view view() const { return {data_.get(), size_}; }
  void clear() { size_ = 0; }

 private:
  void grow(size_t n) {
    const size_t capacity = std::max({capacity_ * 2, size_ + n, size_t{1} << 16});
    auto data = std::make_unique_for_overwrite<char[]>(capacity);
    if (size_) std::memcpy(data.get(), data_.get(), size_);
    data_ = std::move(data);
    capacity_ = capacity;
  }
  std::unique_ptr<char[]> data_;
  size_t size_ = 0, capacity_ = 0;
};

// `file_json`: the file's path, already escaped for JSON (it is the same for every record of a chunk).
void append_record_jsonl(const evtx::Record& rec, std::string_view file_json, LineBuffer& out) {
  auto put = [](char* p, std::string_view s) {
    std::memcpy(p, s.data(), s.size());
    return p + s.size();
  };
  auto number = [](char* p, uint64_t v) { return std::to_chars(p, p + 24, v).ptr; };
  char* p = out.reserve(file_json.size() + 160 + kIso8601Max);
  p = put(p, "{\"file\":\"");
  p = put(p, file_json);
  p = put(p, "\",\"chunk\":");
  p = number(p, rec.chunk);
  p = put(p, ",\"record_id\":");
  p = number(p, rec.id);
  p = put(p, ",\"written\":");
  if (rec.written) {
    *p++ = '"';
    p = write_iso8601(p, *rec.written, 7);
    *p++ = '"';
  } else {
    p = put(p, "null");
  }
  p = put(p, rec.recovered ? ",\"recovered\":true" : ",\"recovered\":false");
  p = put(p, ",\"event\":{");
  out.commit(p);
  bool first = true;
  normalize::visit_evtx_fields(*rec.tree, [&](std::string_view k, std::string_view v) {
    char* q = out.reserve(json_escaped_bound(k.size() + v.size()) + 8);
    if (!first) *q++ = ',';
    first = false;
    *q++ = '"';
    q = write_json_escaped_inline(q, k);
    q = put(q, "\":\"");
    q = write_json_escaped_inline(q, v);
    *q++ = '"';
    out.commit(q);
  });
  out.append("}}\n");
}

}  // namespace

DumpSummary dump_evtx(std::vector<EvtxLog>& logs, const DumpOptions& opts, std::ostream& out) {
  ThreadPool pool(resolve_thread_count(opts.threads));
  auto parsers = worker_parsers(pool);
  std::vector<std::string> paths_json;  // each path escaped for JSON Lines, once per log
  for (const auto& log : logs) paths_json.push_back(escape_json(log.path));
  struct Slot {
    LineBuffer text;
    Diagnostics diags;
    uint64_t records = 0, recovered = 0;
  };
  std::vector<Slot> ring(evtx_ring_slots(pool));
  DumpSummary summary;
  Diagnostics diags;
  run_evtx_chunks(
      pool, logs,
      [&](size_t worker, size_t s, ChunkRef c) {
        evtx::ChunkParser& parser = *parsers[worker];
        Slot& slot = ring[s];
        parser.reset(logs[c.log].file.bytes(), logs[c.log].path);
        slot.text.clear();
        std::string xml_text;
        auto parsed = parser.parse_chunk(c.chunk, opts.recover, slot.diags, [&](const evtx::Record& r) {
          if (opts.xml) {
            xml_text.clear();
            r.tree->to_xml(xml_text);
            xml_text += '\n';
            slot.text.append(xml_text);
          } else {
            append_record_jsonl(r, paths_json[c.log], slot.text);
          }
        });
        slot.records = parsed.records;
        slot.recovered = parsed.recovered;
      },
      [&](size_t s, ChunkRef) {
        Slot& slot = ring[s];
        out.write(slot.text.view().data(), static_cast<std::streamsize>(slot.text.view().size()));
        summary.records += slot.records;
        summary.recovered += slot.recovered;
        diags.append(std::move(slot.diags));
        slot.diags = Diagnostics();
      });
  out.flush();
  for (const auto& d : diags.items()) ++summary.diagnostics[d.code];
  return summary;
}

void describe_evtx(const EvtxLog& log, Diagnostics& diags, std::ostream& out) {
  const std::string& path = log.path;
  auto info = evtx::read_file_info(log.file.bytes(), path, diags);
  if (!info) return;  // open_evtx_logs() read this header already
  evtx::ChunkParser parser(log.file.bytes(), path);
  uint64_t records = 0, recovered = 0, bad_chunks = 0, header_crc_bad = 0, records_crc_bad = 0;
  std::set<uint64_t> ids;
  std::optional<Timestamp> first, last;
  for (uint32_t c = 0; c < info->chunks_in_file; ++c) {
    auto s = parser.parse_chunk(c, true, diags, [&](const evtx::Record& r) {
      if (r.recovered) return;
      ids.insert(r.id);
      if (r.written) {
        if (!first || *r.written < *first) first = r.written;
        if (!last || *r.written > *last) last = r.written;
      }
    });
    records += s.records;
    recovered += s.recovered;
    if (!s.header)
      ++bad_chunks;
    else {
      header_crc_bad += !s.header->header_checksum_ok;
      records_crc_bad += !s.header->records_checksum_ok;
    }
  }
  uint64_t gaps = 0;
  for (auto it = ids.begin(); it != ids.end() && std::next(it) != ids.end(); ++it)
    if (*std::next(it) != *it + 1) ++gaps;
  const auto& h = *info->header;
  out << "file:              " << escape_terminal(path) << "\n"
      << "format version:    " << h.major_version << "." << h.minor_version << "\n"
      << "header CRC:        " << (h.checksum_ok ? "ok" : "MISMATCH") << "\n"
      << "dirty / full:      " << (h.dirty() ? "dirty" : "clean") << " / " << (h.full() ? "full" : "not full") << "\n"
      << "chunks:            " << info->chunks_in_file << " in file, " << h.chunk_count << " in header, " << bad_chunks
      << " empty or unreadable\n"
      << "chunk CRC errors:  " << header_crc_bad << " header, " << records_crc_bad << " records\n"
      << "records:           " << records << " (" << recovered << " more recovered from slack)\n"
      << "record ids:        "
      << (ids.empty() ? std::string("-") : std::to_string(*ids.begin()) + " .. " + std::to_string(*ids.rbegin()))
      << ", next " << h.next_record_id << ", " << gaps << " gaps\n"
      << "time range:        " << (first ? to_iso8601(*first, 0) : "-") << " .. " << (last ? to_iso8601(*last, 0) : "-")
      << "\n";
}

namespace {

constexpr std::string_view kLevels[] = {"informational", "low", "medium", "high", "critical"};
int level_rank(std::string_view l) {
  for (size_t i = 0; i < std::size(kLevels); ++i)
    if (kLevels[i] == l) return static_cast<int>(i);
  return 0;
}

// The fields a hunt shows of an event a heuristic flagged, when it has them.
const std::vector<std::string> kShownFields = {
    "SubjectUserName", "TargetUserName",  "IpAddress",  "ServiceName", "ImagePath", "ServiceFileName",
    "TaskName",        "TaskCommandLine", "ActionName", "Path",        "param1",    "param2"};

}  // namespace

// The built-in and given Sigma rules over the logs, one line per matching record (JSON Lines with --json), then the
// correlation rules' findings, then the count per rule. Chunks are matched in parallel; output keeps log and record
// order.
Result<HuntSummary> hunt_evtx(std::vector<EvtxLog>& logs, const HuntOptions& opts, Diagnostics& diags,
                              std::ostream& out) {
  namespace sigma = detect::sigma;
  std::optional<sigma::Placeholders> placeholders;
  if (!opts.placeholders_path.empty()) {
    auto p = sigma::load_placeholders(opts.placeholders_path);
    if (!p) return p.error();
    placeholders = std::move(*p);
  }
  ThreadPool pool(resolve_thread_count(opts.threads));
  const auto rules = sigma::load_run_rules(opts.sigma_paths, placeholders ? &*placeholders : nullptr, diags, &pool);
  const int min = level_rank(opts.min_level);
  // Rules that report on their own, and the inputs of correlations (kept whatever their level).
  const auto only = sigma::correlation_only(rules);
  const auto inputs = sigma::correlation_inputs(rules);
  std::vector<const sigma::Rule*> reporting, correlated;
  size_t loaded = 0;
  for (size_t i = 0; i < rules.size(); ++i) {
    if (rules[i].compiled && !only[i] && level_rank(rules[i].level) >= min) reporting.push_back(&rules[i]);
    if (rules[i].compiled && inputs[i]) correlated.push_back(&rules[i]);
    if (level_rank(rules[i].level) >= min && !only[i]) ++loaded;
  }
  const sigma::RuleIndex index(reporting), correlated_index(correlated);
  auto correlations = sigma::make_correlation_engine(rules, diags);
  const auto event_heuristics = detect::heuristics::make_windows_event_engine();

  struct Slot {
    std::string text;
    std::vector<std::pair<const sigma::Rule*, uint64_t>> counts;
    std::vector<std::pair<std::string, uint64_t>> heuristic_counts;  // "level  rule id"
    std::vector<model::Event> for_correlation;
    Diagnostics diags;
  };
  std::vector<Slot> ring(evtx_ring_slots(pool));
  auto parsers = worker_parsers(pool);
  std::map<std::string, size_t> per_rule;
  HuntSummary summary;
  run_evtx_chunks(
      pool, logs,
      [&](size_t worker, size_t s, ChunkRef c) {
        const std::string& path = logs[c.log].path;
        evtx::ChunkParser& parser = *parsers[worker];
        parser.reset(logs[c.log].file.bytes(), path);
        Slot& o = ring[s];
        o.text.clear();
        o.counts.clear();
        o.heuristic_counts.clear();
        o.for_correlation.clear();
        std::vector<const sigma::Rule*> matched;
        std::vector<model::Finding> heuristic_found;
        model::Event ev;
        parser.parse_chunk(c.chunk, false, o.diags, [&](const evtx::Record& rec) {
          ev = model::Event{};
          normalize::evtx_record_event(rec, path, ev);
          // The event's own time (TimeCreated), as Windows shows it; the record's written time when it has none.
          // Formatted only for a record that matched: most records match nothing.
          const std::optional<Timestamp> at = ev.time ? ev.time : rec.written;
          auto emit = [&](const std::string& rule_id, const std::string& title, const std::string& level,
                          const std::vector<std::string>& tags, const std::string& rule_file,
                          const std::vector<std::string>& fields) {
            const std::string when = at ? to_iso8601(*at, 3) : std::string();
            if (opts.json) {
              nlohmann::json shown = nlohmann::json::object();
              for (const auto& name : fields)
                if (const std::string* v = ev.get(name); v && shown.size() < 16) shown[name] = v->substr(0, 1024);
              nlohmann::json j = {{"file", path},
                                  {"record_id", rec.id},
                                  {"time", when},
                                  {"channel", ev.value(model::Field::Channel)},
                                  {"event_id", ev.value(model::Field::EventID)},
                                  {"computer", ev.value(model::Field::Computer)},
                                  {"rule_id", rule_id},
                                  {"title", title},
                                  {"level", level},
                                  {"tags", tags},
                                  {"rule_file", rule_file},
                                  {"fields", std::move(shown)}};
              o.text += json_for_output(j);
              o.text += '\n';
            } else {
              o.text += when + "  " + escape_terminal(level) + "  " + escape_terminal(title) + "  " +
                        escape_terminal(path) + "#" + std::to_string(rec.id) + "\n";
            }
          };
          matched.clear();
          index.match(ev, matched);
          for (const sigma::Rule* r : matched) {
            auto it = std::find_if(o.counts.begin(), o.counts.end(), [&](const auto& p) { return p.first == r; });
            if (it == o.counts.end())
              o.counts.emplace_back(r, 1);
            else
              ++it->second;
            std::vector<std::string> fields = sigma::rule_fields(*r);
            fields.erase(std::remove(fields.begin(), fields.end(), "EventID"), fields.end());
            emit(r->id, r->title, r->level, r->tags, r->file, fields);
          }
          // The built-in heuristics that judge one record (services, tasks, cleared logs): the same verdicts
          // `scan` gives.
          heuristic_found.clear();
          event_heuristics->scan_artefact({path, "", "evtx", "windows", "", std::span<const model::Event>(&ev, 1)},
                                          heuristic_found);
          for (const auto& f : heuristic_found) {
            const std::string level(model::to_string(f.severity));
            if (level_rank(level) < min) continue;
            o.heuristic_counts.emplace_back(level + "  " + f.rule_id, 1);
            std::vector<std::string> tags;  // as Sigma rules tag: tactics, then techniques
            for (const auto& t : f.attack)
              for (auto tactic : model::attack_tactics(t))
                if (std::find(tags.begin(), tags.end(), "attack." + std::string(tactic)) == tags.end())
                  tags.push_back("attack." + std::string(tactic));
            for (const auto& t : f.attack) tags.push_back("attack." + to_lower_ascii(t));
            emit(f.rule_id, f.title_en, level, tags, "", kShownFields);
          }
          if (correlations && !correlated_index.empty()) {
            matched.clear();
            correlated_index.match(ev, matched);
            if (!matched.empty()) o.for_correlation.push_back(std::move(ev));
          }
        });
      },
      [&](size_t s, ChunkRef c) {
        Slot& o = ring[s];
        out << o.text;
        for (const auto& [r, count] : o.counts) {
          summary.matches += count;
          per_rule[r->level + "  " + r->title] += count;
        }
        for (const auto& [key, count] : o.heuristic_counts) {
          summary.matches += count;
          per_rule[key] += count;
        }
        if (correlations) {
          const std::string sha;  // not hashed here: hunt reads logs, it does not record evidence
          const detect::ArtefactView view{logs[c.log].path, sha, "evtx", "windows", "", {}};
          for (const auto& e : o.for_correlation) correlations->observe(view, e);
        }
        diags.append(std::move(o.diags));
        o.diags = Diagnostics();
      });
  if (correlations) {
    std::vector<model::Finding> found;
    correlations->finish(found);
    std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.time < b.time; });
    for (const auto& f : found) {
      std::string level;
      for (const auto& r : rules)
        if (r.correlation && (r.id == f.rule_id || r.name == f.rule_id || r.title == f.rule_id)) level = r.level;
      if (level_rank(level) < min) continue;
      ++summary.correlations;
      per_rule[level + "  " + f.title_en] += 1;
      const std::string when = f.time ? to_iso8601(*f.time, 3) : std::string();
      if (opts.json) {
        nlohmann::json ev = nlohmann::json::array();
        for (const auto& e : f.evidence) ev.push_back({{"file", e.path}, {"events", e.excerpt}});
        nlohmann::json j = {{"correlation", true}, {"time", when},   {"rule_id", f.rule_id},
                            {"title", f.title_en}, {"level", level}, {"description", f.description_en},
                            {"evidence", ev}};
        out << json_for_output(j) << "\n";
      } else {
        out << when << "  " << escape_terminal(level) << "  " << escape_terminal(f.title_en) << "  (correlation)\n    "
            << escape_terminal(f.description_en) << "\n";
        for (const auto& e : f.evidence)
          out << "    " << escape_terminal(e.path) << ": " << escape_terminal(e.excerpt) << "\n";
      }
    }
  }
  if (!opts.json) {
    out << summary.matches << " matches and " << summary.correlations << " correlations from " << loaded << " rules\n";
    for (const auto& [k, n] : per_rule) out << "  " << n << "  " << escape_terminal(k) << "\n";
  }
  return summary;
}

LogonSummaryCounts summarise_evtx_logons(std::vector<EvtxLog>& logs, const LogonOptions& opts, Diagnostics& diags,
                                         std::ostream& out) {
  ThreadPool pool(resolve_thread_count(opts.threads));
  auto parsers = worker_parsers(pool);
  struct Slot {
    std::vector<model::Event> events;
    Diagnostics diags;
  };
  std::vector<Slot> ring(evtx_ring_slots(pool));
  correlate::LogonSummary summary;
  run_evtx_chunks(
      pool, logs,
      [&](size_t worker, size_t s, ChunkRef c) {
        evtx::ChunkParser& parser = *parsers[worker];
        parser.reset(logs[c.log].file.bytes(), logs[c.log].path);
        Slot& slot = ring[s];
        slot.events.clear();
        model::Event ev;
        parser.parse_chunk(c.chunk, false, slot.diags, [&](const evtx::Record& rec) {
          ev = model::Event{};
          normalize::evtx_record_event(rec, logs[c.log].path, ev);
          slot.events.push_back(std::move(ev));
        });
      },
      [&](size_t s, ChunkRef) {
        Slot& slot = ring[s];
        for (const auto& ev : slot.events) summary.observe(ev);
        diags.append(std::move(slot.diags));
        slot.diags = Diagnostics();
      });
  const auto rows = summary.rows();
  auto when = [](const std::optional<Timestamp>& t) { return t ? to_iso8601(*t, 0) : std::string("-"); };
  if (opts.json) {
    for (const auto& r : rows) {
      nlohmann::json j = {{"account", r.account},   {"source", r.source},       {"logon_type", r.logon_type},
                          {"host", r.host},         {"successes", r.successes}, {"failures", r.failures},
                          {"first", when(r.first)}, {"last", when(r.last)},     {"last_failure", r.last_failure}};
      out << json_for_output(j) << "\n";
    }
  } else {
    out << printf_string("%9s %9s  %-6s  %-32s %-40s %-20s %-20s %s\n", "failures", "successes", "type", "account",
                         "source", "first", "last", "last failure");
    for (const auto& r : rows)
      out << printf_string("%9llu %9llu  %-6s  %-32s %-40s %-20s %-20s %s\n",
                           static_cast<unsigned long long>(r.failures), static_cast<unsigned long long>(r.successes),
                           escape_terminal(r.logon_type).c_str(), escape_terminal(r.account).c_str(),
                           escape_terminal(r.source).c_str(), when(r.first).c_str(), when(r.last).c_str(),
                           escape_terminal(r.last_failure).c_str());
  }
  return {summary.dropped(), correlate::kMaxLogonRows};
}

}  // namespace msw::pipeline
