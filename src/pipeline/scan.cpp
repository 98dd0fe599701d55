#include "pipeline/scan.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <exception>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "casedb/case_db.h"
#include "core/hash.h"
#include "core/progress.h"
#include "core/thread_pool.h"
#include "core/version.h"
#include "correlate/logons.h"
#include "correlate/spread.h"
#include "detect/engine.h"
#include "detect/yara/yara_rules.h"
#include "evidence/evidence.h"
#include "intel/kb.h"
#include "intel/store.h"
#include "normalize/normalize.h"
#include "sample/analyse.h"
#include "sample/findings.h"

namespace msw::pipeline {
namespace {

// Produced on a worker, written by the main thread: a batch of one file's events with the findings engines drew
// from it, and finally (final == true) how the file ended. Every file sends exactly one final message.
struct FileResult {
  size_t index = 0;
  bool final = false;
  std::optional<evidence::Artefact> artefact;  // nullopt when the file could not be opened
  std::string error;                           // final: could not open or read
  bool parsed = false;                         // final
  bool md5_late = false;                       // final: the artefact's MD5 was computed beside the parse
  std::string parse_note;                      // final: why parsing stopped
  std::vector<model::Event> events;
  std::vector<model::Finding> findings;
  Diagnostics diags;  // final
};

// A bounded hand-over between threads: push blocks while it is full, so a fast producer cannot outgrow memory.
template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity) {}
  void push(T r) {
    std::unique_lock lock(m_);
    not_full_.wait(lock, [&] { return q_.size() < capacity_; });
    q_.push_back(std::move(r));
    not_empty_.notify_one();
  }
  T pop() {
    std::unique_lock lock(m_);
    not_empty_.wait(lock, [&] { return !q_.empty(); });
    T r = std::move(q_.front());
    q_.pop_front();
    not_full_.notify_one();
    return r;
  }

 private:
  size_t capacity_;
  std::mutex m_;
  std::condition_variable not_full_, not_empty_;
  std::deque<T> q_;
};
using ResultQueue = BoundedQueue<FileResult>;

std::string local_hostname() {
  char buf[256] = {};
  ::gethostname(buf, sizeof buf - 1);
  return buf;
}

// Files that are not a known artefact (a PE in a drop folder, an archive, a script) and scripts found where worms
// drop them get the same analysis as `minesweep sample`: YARA, packers, script commands, SFX scripts, members.
bool deserves_sample_analysis(const evidence::Artefact& a) {
  using K = evidence::ArtefactKind;
  using F = formats::FileFormat;
  if (a.size == 0 || a.size > (256ull << 20)) return false;
  if (a.kind == K::DroppedScript || a.kind == K::StartupItem || a.kind == K::MinerConfig) return true;
  if (a.kind != K::File) return false;
  // Of the other files, what can carry or be a payload; text only when small (scripts, not logs).
  switch (a.format) {
    case F::Pe:
    case F::Elf:
    case F::Zip:
    case F::SevenZip:
    case F::Rar:
    case F::Cab:
    case F::Gzip:
    case F::Xz:
    case F::Ole:
    case F::Lnk:
    case F::Unknown:
      return true;
    case F::Text:
      return a.size <= (4u << 20);
    default:
      return false;
  }
}

void analyse_file_unguarded(size_t index, const evidence::Candidate& c, const detect::EngineSet& engines,
                            const sample::Options* sample_options, std::string_view subject_host, ResultQueue& queue) {
  FileResult done;
  done.index = index;
  done.final = true;
  auto examined = evidence::examine(c, done.diags, /*defer_large_md5=*/true);
  if (!examined) {
    done.error = examined.error().message;
    done.diags.add_error(examined.error(), c.display_path);
    queue.push(std::move(done));
    return;
  }
  const evidence::Artefact& a = examined->artefact;
  const MappedFile& file = examined->file;
  // A large log's MD5 beside its parse (the case gets it with the file's last message); joined on every way out.
  std::string md5;
  std::jthread md5_side;
  if (examined->md5_deferred)
    md5_side = std::jthread([&] {
      try {
        md5 = md5_mapped(file);
      } catch (...) {  // out of memory or a read error: the MD5 stays empty, the SHA-256 identifies the file
      }
    });
  // Hashing touched every page: they leave memory now and come back from the page cache as the parser reads, and
  // again after every batch, so a multi-gigabyte log costs a batch's pages, not its size. (Dropping the pages of a
  // read-only file mapping never loses data: the next read faults them in again.)
  file.release(0, file.size());
  auto on_batch = [&](std::vector<model::Event>&& batch) {
    file.release(0, file.size());
    FileResult part;
    part.index = index;
    part.artefact = a;
    part.events = std::move(batch);
    detect::ArtefactView view{a.source.display_path, a.hashes.sha256, evidence::to_string(a.kind), a.platform,
                              subject_host,          part.events};
    engines.scan_artefact(view, part.findings);
    queue.push(std::move(part));  // blocks while the writer is behind: memory stays bounded
  };
  if (sample_options && deserves_sample_analysis(a))
    if (auto analysis = sample::analyse(examined->file.bytes(), a.source.display_path, *sample_options, &a.hashes))
      for (auto& f : sample::findings_from(*analysis, a.source.display_path, a.hashes.sha256))
        done.findings.push_back(std::move(f));
  auto parsed = normalize::parse_artefact(a, examined->file.bytes(), done.diags, on_batch);
  if (!parsed) {
    done.parse_note = parsed.error().message;
    done.diags.add_error(parsed.error(), c.display_path);
  } else {
    done.parsed = *parsed;
  }
  done.artefact = a;
  if (md5_side.joinable()) {
    md5_side.join();
    done.artefact->hashes.md5 = md5;
    done.md5_late = true;
  }
  queue.push(std::move(done));
}

// One file's work, with its failures kept to that file: running out of memory on a hostile file (or any other
// exception from a library) becomes that file's diagnostic, and the run goes on with the next one.
void analyse_file(size_t index, const evidence::Candidate& c, const detect::EngineSet& engines,
                  const sample::Options* sample_options, std::string_view subject_host, ResultQueue& queue) {
  std::string what;
  std::string code = "scan.internal_error";
  try {
    analyse_file_unguarded(index, c, engines, sample_options, subject_host, queue);
    return;
  } catch (const std::bad_alloc&) {
    code = "scan.out_of_memory";
    what = "out of memory while analysing this file; it was skipped (a decompression bomb or a hostile length?)";
  } catch (const std::exception& e) {
    what = std::string("analysis of this file stopped: ") + e.what();
  }
  FileResult done;
  done.index = index;
  done.final = true;
  done.error = what;
  done.diags.add(code, DiagSeverity::Error, c.display_path, 0, what);
  queue.push(std::move(done));
}

// A host name as evidence spells it, when it looks like one (RFC 1123 labels, NetBIOS names, up to 253 bytes);
// anything else is not trusted to name the case.
std::string plausible_host_name(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  if (s.empty() || s.size() > 253) return {};
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') return {};
  return std::string(s);
}

// A Linux root names itself in etc/hostname.
std::string host_name_of_folder(const std::filesystem::path& root) {
  std::error_code ec;
  const auto p = root / "etc" / "hostname";
  if (!std::filesystem::is_regular_file(p, ec) || std::filesystem::file_size(p, ec) > 1024) return {};
  auto text = read_file_text(p.string(), 1024);  // O_NOATIME: evidence keeps its access time
  if (!text) return {};
  return plausible_host_name(std::string_view(*text).substr(0, text->find('\n')));
}

}  // namespace

Result<ScanSummary> run_scan(const ScanOptions& opts) {
  auto inventory = evidence::enumerate(opts.inputs);
  if (!inventory) return inventory.error();

  ScanSummary summary;
  summary.case_path = opts.case_path;
  summary.inputs = inventory->items.size();
  summary.files = inventory->files.size();
  summary.subject_host = opts.subject_host;
  if (summary.subject_host.empty())
    for (const auto& item : inventory->items)
      if (item.manifest && !item.manifest->hostname.empty()) {
        summary.subject_host = item.manifest->hostname;
        break;
      }
  if (summary.subject_host.empty())
    for (const auto& item : inventory->items)
      if (item.kind == evidence::InputKind::Folder)
        if (auto name = host_name_of_folder(item.path); !name.empty()) {
          summary.subject_host = std::move(name);
          break;
        }
  // Windows names itself in every event log record (System/Computer): the most common name, when none was given.
  std::unordered_map<std::string, size_t> computers;
  correlate::HostDirectory hosts;  // who is who in a case of several hosts

  auto created = casedb::CaseDb::create(opts.case_path);
  if (!created) return created.error();
  casedb::CaseDb db = std::move(created).value();
  if (auto r =
          db.begin_run({std::string(kVersion), opts.command_line, local_hostname(), summary.subject_host, now_utc()});
      !r)
    return r.error();

  std::vector<int64_t> evidence_ids;
  for (const auto& item : inventory->items) {
    casedb::EvidenceRecord rec;
    rec.path = item.path;
    rec.kind = evidence::to_string(item.kind);
    if (item.manifest) {
      const auto& m = *item.manifest;
      rec.note = "bundle from " + (m.hostname.empty() ? std::string("an unnamed host") : m.hostname) + ", collected " +
                 (m.collected_at.empty() ? std::string("at an unknown time") : m.collected_at) + " by minesweep " +
                 (m.tool_version.empty() ? std::string("?") : m.tool_version);
      // The manifest lists the SHA-256 of every file, so its own hashes fingerprint the whole bundle.
      if (auto h = hash_file((std::filesystem::path(item.path) / evidence::kManifestName).string())) {
        rec.md5 = h->md5;
        rec.sha1 = h->sha1;
        rec.sha256 = h->sha256;
      }
    }
    auto id = db.add_evidence(rec);
    if (!id) return id.error();
    evidence_ids.push_back(*id);
  }

  Diagnostics run_diags = std::move(inventory->diagnostics);
  auto store_indicators = intel::run_indicators(opts.intel_path);
  if (!store_indicators) return store_indicators.error();
  // Sample analysis of loose files: the knowledge base with the user's intel, and the YARA rules.
  Diagnostics kb_again;  // the engines loaded the same knowledge base and already reported its problems
  std::vector<intel::Indicator> sample_indicators = intel::builtin_kb(kb_again).indicators;
  sample_indicators.insert(sample_indicators.end(), store_indicators->begin(), store_indicators->end());
  const intel::Matcher sample_matcher(std::move(sample_indicators));
  detect::yara::LoadReport yara_report;
  auto yara_rules = detect::yara::Rules::load(opts.yara_paths, true, opts.yara_cache, yara_report);
  if (!yara_rules && !opts.yara_paths.empty()) return yara_rules.error();
  for (const auto& f : yara_report.failed)
    run_diags.add("yara.rule_file", DiagSeverity::Warning, f.path, 0, "YARA rule file skipped: " + f.error);
  sample::Options sample_options;
  sample_options.matcher = &sample_matcher;
  if (yara_rules) sample_options.yara = &*yara_rules;
  detect::EngineSet engines = detect::make_builtin_engines(run_diags, std::move(store_indicators).value(),
                                                           opts.sigma_paths, opts.sigma_placeholders);
  correlate::LogonSummary logons;  // fed on this (the writer) thread, like the case engines

  const auto& files = inventory->files;
  // Workers finish files in any order: findings and diagnostics are kept per file and handed on in file order, so
  // the same evidence always gives the same case (the graph and the diagnostics list included).
  std::vector<std::vector<model::Finding>> file_findings(files.size());
  std::vector<Diagnostics> file_diags(files.size());
  std::vector<bool> read_ok(inventory->items.size(), false);  // per input: at least one file was read
  {
    ThreadPool pool(resolve_thread_count(opts.threads));
    ResultQueue queue(2 * pool.size() + 2);
    Progress progress("analysing", files.size(), opts.progress);
    std::atomic<size_t> next{0};
    for (unsigned w = 0; w < pool.size(); ++w)
      pool.submit([&] {
        for (size_t i = next++; i < files.size(); i = next++)
          analyse_file(i, files[i], engines, &sample_options, summary.subject_host, queue);
      });

    struct Open {
      int64_t artefact_id;
      uint64_t events;
    };
    std::unordered_map<size_t, Open> open;  // files with messages written but no final one yet
    // A failed case write must not strand workers blocked on a full queue: keep draining, stop writing.
    std::optional<Error> write_error;
    auto write = [&](FileResult& r) -> Result<void> {
      const evidence::Candidate& c = files[r.index];
      auto it = open.find(r.index);
      if (it == open.end()) {
        casedb::ArtefactRecord rec;
        rec.evidence_id = evidence_ids[c.evidence_index];
        rec.path = c.display_path;
        if (r.artefact) {
          const auto& a = *r.artefact;
          rec.kind = evidence::to_string(a.kind);
          rec.format = formats::to_string(a.format);
          rec.size = a.size;
          rec.md5 = a.hashes.md5;
          rec.sha1 = a.hashes.sha1;
          rec.sha256 = a.hashes.sha256;
          if (c.relative_path.empty())
            if (auto u = db.update_evidence(rec.evidence_id, a.size, a.hashes.md5, a.hashes.sha1, a.hashes.sha256); !u)
              return u;
        } else {
          rec.kind = "file";
          rec.format = "unread";
        }
        auto id = db.add_artefact(rec);
        if (!id) return id.error();
        it = open.emplace(r.index, Open{*id, 0}).first;
      }
      // One transaction per slice: cheap commits, and a killed run loses at most one slice.
      for (size_t off = 0; off < r.events.size(); off += normalize::kEventBatch) {
        size_t n = std::min(normalize::kEventBatch, r.events.size() - off);
        if (auto w = db.add_events(it->second.artefact_id, std::span(r.events).subspan(off, n)); !w) return w;
      }
      it->second.events += r.events.size();
      if (auto w = db.add_findings(r.findings); !w) return w;
      if (r.final) {
        if (r.md5_late && r.artefact) {
          if (auto w = db.set_artefact_md5(it->second.artefact_id, r.artefact->hashes.md5); !w) return w;
          const auto& h = r.artefact->hashes;
          if (c.relative_path.empty())
            if (auto u = db.update_evidence(evidence_ids[c.evidence_index], r.artefact->size, h.md5, h.sha1, h.sha256);
                !u)
              return u;
        }
        const std::string note = !r.error.empty() ? r.error : r.parse_note;
        if (auto w = db.update_artefact(it->second.artefact_id, r.parsed, it->second.events, note); !w) return w;
        open.erase(it);
      }
      return {};
    };
    // The case engines (Sigma correlation, logons, hosts) see every event in the order the case gets them, on a
    // thread of their own: writing the case and correlating are each as much work as parsing, and on two cores the
    // three stages share them.
    BoundedQueue<std::shared_ptr<const FileResult>> to_observe(4);
    std::exception_ptr observer_failed;  // rethrown here once the observer has stopped, as if it ran on this thread
    std::thread observer([&] {
      while (auto r = to_observe.pop()) {
        if (observer_failed) continue;  // keep draining: the writer must never block on a full queue
        try {
          const auto& a = *r->artefact;
          detect::ArtefactView view{a.source.display_path,       a.hashes.sha256,
                                    evidence::to_string(a.kind), a.platform,
                                    summary.subject_host,        {}};
          engines.observe(view, r->events);
          for (const auto& ev : r->events) {
            logons.observe(ev);
            hosts.observe(ev);
          }
          if (summary.subject_host.empty() && computers.size() < 64)
            for (const auto& ev : r->events)
              if (auto c = ev.get(model::Field::Computer); c && !c->empty()) ++computers[*c];
        } catch (...) {
          observer_failed = std::current_exception();
        }
      }
    });
    // Stops the observer on every way out of the loop below: the end marker, then the join.
    struct StopObserver {
      BoundedQueue<std::shared_ptr<const FileResult>>& queue;
      std::thread& thread;
      void operator()() {
        if (!thread.joinable()) return;
        queue.push(nullptr);
        thread.join();
      }
      ~StopObserver() { (*this)(); }
    } stop_observer{to_observe, observer};
    for (size_t finished = 0; finished < files.size();) {
      auto r = std::make_shared<FileResult>(queue.pop());
      if (r->final) {
        ++finished;
        progress.advance();
        if (r->artefact)
          read_ok[files[r->index].evidence_index] = true;
        else
          ++summary.unreadable;
        summary.parsed += r->parsed;
        summary.diagnostics += r->diags.size();
      }
      summary.events += r->events.size();
      if (r->artefact && !r->events.empty()) to_observe.push(r);
      if (!write_error)
        if (auto w = write(*r); !w) write_error = w.error();
      for (auto& f : r->findings) file_findings[r->index].push_back(std::move(f));
      if (r->final) file_diags[r->index] = std::move(r->diags);
    }
    stop_observer();
    if (observer_failed) std::rethrow_exception(observer_failed);
    pool.wait();
    if (write_error) return *write_error;
  }
  std::vector<model::Finding> all_findings;
  for (auto& list : file_findings)
    for (auto& f : list) all_findings.push_back(std::move(f));
  file_findings.clear();
  for (const auto& d : file_diags)
    if (auto w = db.add_diagnostics(d.items()); !w) return w.error();
  file_diags.clear();

  {
    const auto rows = logons.rows();
    if (auto w = db.add_logons(rows); !w) return w.error();
    const auto movements = correlate::find_movements(hosts, rows);
    auto spread = correlate::spread_findings(movements);
    if (auto w = db.add_findings(spread); !w) return w.error();
    for (auto& f : spread) all_findings.push_back(std::move(f));
    if (logons.dropped())
      run_diags.add("logons.limit", DiagSeverity::Warning, "", 0,
                    std::to_string(logons.dropped()) + " logon events were not summarised (more than " +
                        std::to_string(correlate::kMaxLogonRows) + " account/source/type/host combinations)");
  }
  {
    std::vector<model::Finding> case_findings;
    engines.finish(case_findings);
    if (auto w = db.add_findings(case_findings); !w) return w.error();
    for (auto& f : case_findings) all_findings.push_back(std::move(f));
  }
  // A case of several Windows hosts is about all of them.
  if (opts.subject_host.empty() && hosts.size() >= 2) {
    std::string all;
    for (const auto& n : hosts.names())
      if (auto name = plausible_host_name(n); !name.empty() && all.size() < 1024)
        all += (all.empty() ? "" : ", ") + name;
    if (!all.empty() && all != summary.subject_host) {
      summary.subject_host = std::move(all);
      if (auto w = db.set_subject_host(summary.subject_host); !w) return w.error();
    }
  }
  if (summary.subject_host.empty() && !computers.empty()) {
    auto most = std::max_element(computers.begin(), computers.end(),
                                 [](const auto& a, const auto& b) { return a.second < b.second; });
    if (auto name = plausible_host_name(most->first); !name.empty()) {
      summary.subject_host = std::move(name);
      if (auto w = db.set_subject_host(summary.subject_host); !w) return w.error();
    }
  }
  correlate::Graph graph = correlate::build_graph(summary.subject_host, all_findings);
  if (auto w = db.add_graph(graph.entities, graph.edges); !w) return w.error();
  if (auto w = db.add_diagnostics(run_diags.items()); !w) return w.error();
  summary.diagnostics += run_diags.size();
  summary.verdict = correlate::summarize(all_findings);
  // An input nothing could be read from, because of the reader's rights, is not a clean input.
  size_t unread_inputs = 0;
  for (size_t i = 0; i < inventory->items.size(); ++i) {
    summary.unreadable += inventory->items[i].unreadable;
    const bool had_files =
        std::any_of(files.begin(), files.end(), [&](const auto& c) { return c.evidence_index == i; });
    if (!read_ok[i] && (had_files || inventory->items[i].unreadable)) ++unread_inputs;
  }
  summary.nothing_read = !inventory->items.empty() && unread_inputs == inventory->items.size();
  if (auto w = db.finish_run(now_utc()); !w) return w.error();
  return summary;
}

RunStory read_run_story(const std::string& case_path) {
  RunStory story;
  if (auto db = casedb::CaseDb::open(case_path, true))
    if (auto f = db->findings())
      for (auto& sf : *f) story.findings.push_back(std::move(sf.finding));
  story.storyline = correlate::build_storyline(story.findings);
  return story;
}

std::string default_yara_cache_dir() { return detect::yara::default_cache_dir(); }

}  // namespace msw::pipeline
