// minesweep evtx dump FILES... [--format jsonl|xml] [--recover] [--out FILE]
// minesweep evtx info FILE...
//
// dump parses the chunks of all files in parallel (a ChunkParser per thread, reused across files) into a ring of
// output slots that is written in order, so output is ordered by file and record position while memory stays flat.
#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/escape.h"
#include "core/mapped_file.h"
#include "core/text.h"
#include "core/thread_pool.h"
#include "correlate/logons.h"
#include "detect/heuristics/windows_events.h"
#include "detect/sigma/correlation.h"
#include "detect/sigma/sigma.h"
#include "formats/evtx/evtx.h"
#include "formats/evtx/evtx_limits.h"
#include "model/attack.h"
#include "normalize/evtx.h"

namespace msw::cli {
namespace {

namespace evtx = formats::evtx;

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

int run_dump(const Invocation& inv, std::span<const std::string> files) {
  const std::string format = inv.args.value("--format").value_or("jsonl");
  if (format != "jsonl" && format != "xml") return usage_error("evtx", "--format takes jsonl or xml");
  if (files.empty()) return usage_error("evtx", "dump needs at least one FILE");
  std::ofstream file_out;
  std::ostream* out = &std::cout;
  if (auto o = inv.args.value("--out")) {
    file_out.open(*o, std::ios::binary | std::ios::trunc);
    if (!file_out) return usage_error("evtx", "cannot write " + *o);
    out = &file_out;
  }
  std::ios::sync_with_stdio(false);
  ThreadPool pool(resolve_thread_count(inv.threads));
  const bool xml = format == "xml", recover = inv.args.has("--recover");
  int code = kExitClean;

  // Every chunk of every file is one work item, so many small logs (a triage folder) use both cores as one large
  // log does.
  struct Log {
    std::string path;
    std::string path_json;  // the path escaped for JSON Lines, once per log
    MappedFile file;
    size_t chunks = 0;
  };
  std::vector<Log> logs;
  std::vector<std::pair<size_t, uint32_t>> work;  // (log, chunk)
  Diagnostics diags;
  for (const auto& path : files) {
    auto file = MappedFile::open(path);
    auto info = file ? evtx::read_file_info(file->bytes(), path, diags) : Result<evtx::FileInfo>(file.error());
    if (!info) {
      std::cerr << "minesweep evtx: " << escape_terminal(path) << ": " << escape_terminal(info.error().message) << " ["
                << info.error().code << "]\n";
      code = kExitUsage;
      continue;
    }
    logs.push_back({path, escape_json(path), std::move(*file), info->chunks_in_file});
    for (size_t c = 0; c < info->chunks_in_file; ++c) work.emplace_back(logs.size() - 1, static_cast<uint32_t>(c));
  }
  // A ring of output slots: chunk c is parsed into slot c % slots once chunk c - slots has been written. Every
  // thread claims chunks in order, parses, and then writes whatever is ready in order unless another thread is
  // writing; so no thread waits at a barrier, writing overlaps parsing, and memory stays flat.
  const size_t threads = pool.size(), slots = threads * 8;
  std::vector<std::unique_ptr<evtx::ChunkParser>> parsers;  // one per thread, reused by every chunk and file
  for (size_t t = 0; t < threads; ++t) parsers.push_back(std::make_unique<evtx::ChunkParser>(Bytes{}, ""));
  struct Slot {
    LineBuffer text;
    Diagnostics diags;
    uint64_t records = 0, recovered = 0;
    size_t chunk = SIZE_MAX;  // the work item parsed into it, SIZE_MAX while empty
  };
  std::vector<Slot> ring(slots);
  std::mutex mutex;  // guards next_claim, next_write, writing and Slot::chunk
  std::condition_variable slot_freed;
  size_t next_claim = 0, next_write = 0;
  bool writing = false;
  uint64_t records = 0, recovered_records = 0;

  // Written chunks leave memory: a file is unmapped after its last chunk (every earlier chunk is written by then,
  // so no thread reads it), and the written chunks of a file still being read are released 16 at a time.
  size_t run_log = logs.size();
  uint32_t run_first = 0, run_end = 0;
  auto release_run = [&] {
    if (run_log < logs.size())
      logs[run_log].file.release(evtx::kFileHeaderSize + size_t{run_first} * evtx::kChunkSize,
                                 size_t{run_end - run_first} * evtx::kChunkSize);
    run_log = logs.size();
  };
  auto write_slot = [&](Slot& slot) {
    out->write(slot.text.view().data(), static_cast<std::streamsize>(slot.text.view().size()));
    records += slot.records;
    recovered_records += slot.recovered;
    diags.append(std::move(slot.diags));
    slot.diags = Diagnostics();
    const auto [log, chunk] = work[slot.chunk];
    if (chunk + 1 == logs[log].chunks) {
      if (run_log == log) run_log = logs.size();
      logs[log].file = MappedFile();
    } else if (run_log == log && chunk == run_end && run_end - run_first < 16) {
      ++run_end;
    } else {
      release_run();
      run_log = log;
      run_first = chunk;
      run_end = chunk + 1;
    }
  };

  pool.parallel_for(threads, [&](size_t t) {
    evtx::ChunkParser& parser = *parsers[t];
    std::string xml_text;
    for (;;) {
      size_t c;
      {
        std::unique_lock lock(mutex);
        if (next_claim == work.size()) return;
        c = next_claim++;
        // Chunk next_write is claimed and never waits, so the chunk this one waits for is always written.
        slot_freed.wait(lock, [&] { return c < next_write + slots; });
      }
      Slot& slot = ring[c % slots];
      const auto [log, chunk] = work[c];
      const std::string& path = logs[log].path;
      parser.reset(logs[log].file.bytes(), path);
      slot.text.clear();
      auto summary = parser.parse_chunk(chunk, recover, slot.diags, [&](const evtx::Record& r) {
        if (xml) {
          xml_text.clear();
          r.tree->to_xml(xml_text);
          xml_text += '\n';
          slot.text.append(xml_text);
        } else {
          append_record_jsonl(r, logs[log].path_json, slot.text);
        }
      });
      slot.records = summary.records;
      slot.recovered = summary.recovered;
      std::unique_lock lock(mutex);
      slot.chunk = c;
      if (writing) continue;  // the writing thread takes this slot when its turn comes
      writing = true;
      while (ring[next_write % slots].chunk == next_write) {
        Slot& ready = ring[next_write % slots];
        lock.unlock();
        write_slot(ready);
        lock.lock();
        ready.chunk = SIZE_MAX;
        ++next_write;
        slot_freed.notify_all();
      }
      writing = false;
    }
  });
  release_run();
  out->flush();
  if (!inv.quiet) {
    std::map<std::string, uint64_t> per_code;
    for (const auto& d : diags.items()) ++per_code[d.code];
    std::cerr << "evtx: " << records << " records";
    if (recovered_records) std::cerr << ", " << recovered_records << " recovered from slack";
    for (const auto& [c, k] : per_code) std::cerr << "; " << c << " x" << k;
    std::cerr << "\n";
  }
  return code;
}

int run_info(std::span<const std::string> files) {
  if (files.empty()) return usage_error("evtx", "info needs at least one FILE");
  int code = kExitClean;
  for (const auto& path : files) {
    auto file = MappedFile::open(path);
    Diagnostics diags;
    auto info = file ? evtx::read_file_info(file->bytes(), path, diags) : Result<evtx::FileInfo>(file.error());
    if (!info) {
      std::cerr << "minesweep evtx: " << escape_terminal(path) << ": " << escape_terminal(info.error().message) << "\n";
      code = kExitUsage;
      continue;
    }
    evtx::ChunkParser parser(file->bytes(), path);
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
    std::cout << "file:              " << escape_terminal(path) << "\n"
              << "format version:    " << h.major_version << "." << h.minor_version << "\n"
              << "header CRC:        " << (h.checksum_ok ? "ok" : "MISMATCH") << "\n"
              << "dirty / full:      " << (h.dirty() ? "dirty" : "clean") << " / " << (h.full() ? "full" : "not full")
              << "\n"
              << "chunks:            " << info->chunks_in_file << " in file, " << h.chunk_count << " in header, "
              << bad_chunks << " empty or unreadable\n"
              << "chunk CRC errors:  " << header_crc_bad << " header, " << records_crc_bad << " records\n"
              << "records:           " << records << " (" << recovered << " more recovered from slack)\n"
              << "record ids:        "
              << (ids.empty() ? std::string("-")
                              : std::to_string(*ids.begin()) + " .. " + std::to_string(*ids.rbegin()))
              << ", next " << h.next_record_id << ", " << gaps << " gaps\n"
              << "time range:        " << (first ? to_iso8601(*first, 0) : "-") << " .. "
              << (last ? to_iso8601(*last, 0) : "-") << "\n";
  }
  return code;
}

// The event logs a command reads, mapped, with their chunk counts. A file that cannot be opened is an error; one whose
// header is not EVTX is reported on stderr and left out, and the others are still read.
struct OpenLog {
  std::string path;
  MappedFile file;
  size_t chunks = 0;
};

Result<std::vector<OpenLog>> open_logs(std::span<const std::string> files, std::string_view command,
                                       Diagnostics& diags) {
  // A file that cannot be opened or is not a log is said and skipped; a run that can read none of its inputs is an
  // error, never "0 matches".
  std::vector<OpenLog> out;
  for (const auto& path : files) {
    auto file = MappedFile::open(path);
    auto fi = file ? evtx::read_file_info(file->bytes(), path, diags) : Result<evtx::FileInfo>(file.error());
    if (!fi) {
      std::cerr << command << ": " << escape_terminal(path) << ": " << escape_terminal(fi.error().message) << "\n";
      continue;
    }
    out.push_back({path, std::move(*file), fi->chunks_in_file});
  }
  if (out.empty() && !files.empty())
    return Error::make("evtx.nothing_read", files.size() == 1 ? std::string("the input is not a readable EVTX log")
                                                              : "none of the " + std::to_string(files.size()) +
                                                                    " inputs is a readable EVTX log");
  return out;
}

// The fields a hunt shows of an event a heuristic flagged, when it has them.
const std::vector<std::string> kShownFields = {
    "SubjectUserName", "TargetUserName",  "IpAddress",  "ServiceName", "ImagePath", "ServiceFileName",
    "TaskName",        "TaskCommandLine", "ActionName", "Path",        "param1",    "param2"};

// evtx hunt FILES... [--sigma PATH[,PATH...]] [--min-level L]: the built-in and given Sigma rules over the logs, one
// line per matching record (JSON Lines with --json), then the correlation rules' findings, then the count per rule.
// Chunks are matched in parallel; output keeps file and record order.
int run_hunt(const Invocation& inv, std::span<const std::string> files) {
  namespace sigma = detect::sigma;
  if (files.empty()) return usage_error("evtx hunt", "give at least one .evtx FILE");
  Diagnostics diags;
  std::optional<sigma::Placeholders> placeholders;
  if (auto path = inv.args.value("--sigma-placeholders")) {
    auto p = sigma::load_placeholders(*path);
    if (!p) return input_error("evtx hunt", p.error());
    placeholders = std::move(*p);
  }
  ThreadPool pool(resolve_thread_count(inv.threads));
  const auto rules = sigma::load_run_rules(split_paths(inv.args.value("--sigma").value_or("")),
                                           placeholders ? &*placeholders : nullptr, diags, &pool);
  static constexpr std::string_view kLevels[] = {"informational", "low", "medium", "high", "critical"};
  const std::string min = inv.args.value("--min-level").value_or("informational");
  auto rank = [&](std::string_view l) {
    for (size_t i = 0; i < std::size(kLevels); ++i)
      if (kLevels[i] == l) return static_cast<int>(i);
    return 0;
  };
  if (std::find(std::begin(kLevels), std::end(kLevels), min) == std::end(kLevels))
    return usage_error("evtx hunt", "--min-level is informational, low, medium, high or critical");
  // Rules that report on their own, and the inputs of correlations (kept whatever their level).
  const auto only = sigma::correlation_only(rules);
  const auto inputs = sigma::correlation_inputs(rules);
  std::vector<const sigma::Rule*> reporting, correlated;
  size_t loaded = 0;
  for (size_t i = 0; i < rules.size(); ++i) {
    if (rules[i].compiled && !only[i] && rank(rules[i].level) >= rank(min)) reporting.push_back(&rules[i]);
    if (rules[i].compiled && inputs[i]) correlated.push_back(&rules[i]);
    if (rank(rules[i].level) >= rank(min) && !only[i]) ++loaded;
  }
  const sigma::RuleIndex index(reporting), correlated_index(correlated);
  auto correlations = sigma::make_correlation_engine(rules, diags);
  const auto event_heuristics = detect::heuristics::make_windows_event_engine();

  struct ChunkOut {
    std::string text;
    std::vector<std::pair<const sigma::Rule*, uint64_t>> counts;
    std::vector<std::pair<std::string, uint64_t>> heuristic_counts;  // "level  rule id"
    std::vector<model::Event> for_correlation;
  };

  std::ios::sync_with_stdio(false);
  // Every chunk of every file is one task (the public samples are many one-chunk files); output keeps file and
  // record order, a batch at a time so memory stays bounded.
  auto opened = open_logs(files, "evtx hunt", diags);
  if (!opened) return input_error("evtx hunt", opened.error());
  const std::vector<OpenLog>& open = *opened;
  std::vector<std::pair<size_t, uint32_t>> work;  // (file, chunk)
  for (size_t f = 0; f < open.size(); ++f)
    for (size_t c = 0; c < open[f].chunks; ++c) work.emplace_back(f, static_cast<uint32_t>(c));
  std::map<std::string, size_t> per_rule;
  size_t hits = 0, correlation_hits = 0;
  constexpr size_t kBatch = 512;
  for (size_t start = 0; start < work.size(); start += kBatch) {
    const size_t n = std::min(kBatch, work.size() - start);
    std::vector<ChunkOut> outs(n);
    std::vector<Diagnostics> chunk_diags(n);
    pool.parallel_for(n, [&](size_t k) {
      const auto [fidx, c] = work[start + k];
      const std::string& path = open[fidx].path;
      // One parser per worker thread, reused across chunks and files (its buffers are the expensive part).
      thread_local std::unique_ptr<evtx::ChunkParser> worker_parser;
      if (!worker_parser) worker_parser = std::make_unique<evtx::ChunkParser>(Bytes{}, "");
      evtx::ChunkParser& parser = *worker_parser;
      parser.reset(open[fidx].file.bytes(), path);
      ChunkOut& o = outs[k];
      std::vector<const sigma::Rule*> matched;
      std::vector<model::Finding> heuristic_found;
      model::Event ev;
      parser.parse_chunk(c, false, chunk_diags[k], [&](const evtx::Record& rec) {
        ev = model::Event{};
        normalize::evtx_record_event(rec, path, ev);
        // The event's own time (TimeCreated), as Windows shows it; the record's written time when it has none.
        const std::optional<Timestamp> at = ev.time ? ev.time : rec.written;
        const std::string when = at ? to_iso8601(*at, 3) : std::string();
        auto emit = [&](const std::string& rule_id, const std::string& title, const std::string& level,
                        const std::vector<std::string>& tags, const std::string& rule_file,
                        const std::vector<std::string>& fields) {
          if (inv.json) {
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
            o.text += when + "  " + level + "  " + escape_terminal(title) + "  " + escape_terminal(path) + "#" +
                      std::to_string(rec.id) + "\n";
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
        // The built-in heuristics that judge one record (services, tasks, cleared logs): the same verdicts `scan`
        // gives.
        heuristic_found.clear();
        event_heuristics->scan_artefact({path, "", "evtx", "windows", "", std::span<const model::Event>(&ev, 1)},
                                        heuristic_found);
        for (const auto& f : heuristic_found) {
          const std::string level(model::to_string(f.severity));
          if (rank(level) < rank(min)) continue;
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
    });
    const std::string sha;  // not hashed here: hunt reads logs, it does not record evidence
    for (size_t k = 0; k < n; ++k) {
      ChunkOut& o = outs[k];
      std::cout << o.text;
      for (const auto& [r, count] : o.counts) {
        hits += count;
        per_rule[r->level + "  " + r->title] += count;
      }
      for (const auto& [key, count] : o.heuristic_counts) {
        hits += count;
        per_rule[key] += count;
      }
      if (correlations) {
        const detect::ArtefactView view{open[work[start + k].first].path, sha, "evtx", "windows", "", {}};
        for (const auto& e : o.for_correlation) correlations->observe(view, e);
      }
    }
  }
  if (correlations) {
    std::vector<model::Finding> found;
    correlations->finish(found);
    std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.time < b.time; });
    for (const auto& f : found) {
      std::string level;
      for (const auto& r : rules)
        if (r.correlation && (r.id == f.rule_id || r.name == f.rule_id || r.title == f.rule_id)) level = r.level;
      if (rank(level) < rank(min)) continue;
      ++correlation_hits;
      per_rule[level + "  " + f.title_en] += 1;
      const std::string when = f.time ? to_iso8601(*f.time, 3) : std::string();
      if (inv.json) {
        nlohmann::json ev = nlohmann::json::array();
        for (const auto& e : f.evidence) ev.push_back({{"file", e.path}, {"events", e.excerpt}});
        nlohmann::json j = {{"correlation", true}, {"time", when},   {"rule_id", f.rule_id},
                            {"title", f.title_en}, {"level", level}, {"description", f.description_en},
                            {"evidence", ev}};
        std::cout << json_for_output(j) << "\n";
      } else {
        std::cout << when << "  " << level << "  " << escape_terminal(f.title_en) << "  (correlation)\n    "
                  << escape_terminal(f.description_en) << "\n";
        for (const auto& e : f.evidence)
          std::cout << "    " << escape_terminal(e.path) << ": " << escape_terminal(e.excerpt) << "\n";
      }
    }
  }
  if (!inv.json) {
    std::cout << hits << " matches and " << correlation_hits << " correlations from " << loaded << " rules\n";
    for (const auto& [k, n] : per_rule) std::cout << "  " << n << "  " << escape_terminal(k) << "\n";
  }
  // Rules that could not load, and run-time limits, with the reason: the run goes on without them.
  if (!inv.quiet)
    for (const auto& d : diags.items())
      if (d.code.starts_with("sigma."))
        std::cerr << "evtx hunt: " << escape_terminal(d.evidence) << (d.evidence.empty() ? "" : ": ")
                  << escape_terminal(d.detail) << "\n";
  return hits + correlation_hits ? kExitFindings : kExitClean;
}

// evtx logons FILES...: the logon summary (account x source x logon type x host: successes, failures, first and
// last time, latest failure status), failures first; JSON Lines with --json.
int run_logons(const Invocation& inv, std::span<const std::string> files) {
  if (files.empty()) return usage_error("evtx logons", "give at least one .evtx FILE");
  Diagnostics diags;
  correlate::LogonSummary summary;
  auto opened = open_logs(files, "evtx logons", diags);
  if (!opened) return input_error("evtx logons", opened.error());
  for (const auto& log : *opened) {
    evtx::ChunkParser parser(log.file.bytes(), log.path);
    model::Event ev;
    for (size_t c = 0; c < log.chunks; ++c)
      parser.parse_chunk(static_cast<uint32_t>(c), false, diags, [&](const evtx::Record& rec) {
        ev = model::Event{};
        normalize::evtx_record_event(rec, log.path, ev);
        summary.observe(ev);
      });
  }
  const auto rows = summary.rows();
  auto when = [](const std::optional<Timestamp>& t) { return t ? to_iso8601(*t, 0) : std::string("-"); };
  if (inv.json) {
    for (const auto& r : rows) {
      nlohmann::json j = {{"account", r.account},   {"source", r.source},       {"logon_type", r.logon_type},
                          {"host", r.host},         {"successes", r.successes}, {"failures", r.failures},
                          {"first", when(r.first)}, {"last", when(r.last)},     {"last_failure", r.last_failure}};
      std::cout << json_for_output(j) << "\n";
    }
  } else {
    std::printf("%9s %9s  %-6s  %-32s %-40s %-20s %-20s %s\n", "failures", "successes", "type", "account", "source",
                "first", "last", "last failure");
    for (const auto& r : rows)
      std::printf("%9llu %9llu  %-6s  %-32s %-40s %-20s %-20s %s\n", static_cast<unsigned long long>(r.failures),
                  static_cast<unsigned long long>(r.successes), escape_terminal(r.logon_type).c_str(),
                  escape_terminal(r.account).c_str(), escape_terminal(r.source).c_str(), when(r.first).c_str(),
                  when(r.last).c_str(), escape_terminal(r.last_failure).c_str());
  }
  if (summary.dropped() && !inv.quiet)
    std::cerr << "evtx logons: " << summary.dropped() << " logon events beyond " << correlate::kMaxLogonRows
              << " distinct rows were not summarised\n";
  return kExitClean;
}

}  // namespace

std::vector<std::string> split_paths(std::string_view list) {
  std::vector<std::string> out;
  for (size_t start = 0; start < list.size();) {
    size_t comma = list.find(',', start);
    std::string_view p = list.substr(start, (comma == std::string_view::npos ? list.size() : comma) - start);
    if (!p.empty()) out.emplace_back(p);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

namespace {

// Folders among the inputs are read recursively for event logs, recognised by their header ("ElfFile\0"), in path
// order; symbolic links inside them are not followed. Files are kept as given (a file that is not EVTX is reported
// when it is opened).
std::vector<std::string> expand_evtx_inputs(std::span<const std::string> inputs) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const auto& in : inputs) {
    std::error_code ec;
    const auto st = fs::symlink_status(in, ec);
    if (ec || !fs::is_directory(st)) {
      out.push_back(in);
      continue;
    }
    std::vector<std::string> found;
    for (auto it = fs::recursive_directory_iterator(in, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
      // MappedFile opens with O_NOATIME: looking at a log does not change its access time.
      auto f = MappedFile::open(it->path().string());
      if (f && f->size() >= 8 && std::memcmp(f->bytes().data(), "ElfFile", 8) == 0)
        found.push_back(it->path().string());
    }
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

}  // namespace

int run_evtx(const Invocation& inv) {
  const auto& pos = inv.args.positional();
  if (pos.empty()) return usage_error("evtx", "give a subcommand: dump, info, hunt or logons, then FILE...");
  const std::vector<std::string> inputs = expand_evtx_inputs(std::span<const std::string>(pos.begin() + 1, pos.end()));
  std::span<const std::string> files(inputs);
  if (pos[0] == "dump") return run_dump(inv, files);
  if (pos[0] == "info") return run_info(files);
  if (pos[0] == "hunt") return run_hunt(inv, files);
  if (pos[0] == "logons") return run_logons(inv, files);
  return usage_error("evtx", "unknown subcommand '" + pos[0] + "' (dump, info, hunt or logons)");
}

}  // namespace msw::cli
