#include "pipeline/scan.h"

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

#include <filesystem>

#include "casedb/case_db.h"
#include "core/hash.h"
#include "core/progress.h"
#include "core/thread_pool.h"
#include "core/version.h"
#include "detect/engine.h"
#include "evidence/evidence.h"
#include "normalize/normalize.h"

namespace msw::pipeline {
namespace {

// The outcome of one file, produced on a worker and written by the main thread.
struct FileResult {
  size_t index = 0;
  std::optional<evidence::Artefact> artefact;
  std::string error;  // could not open or read
  bool parsed = false;
  std::string parse_note;
  std::vector<model::Event> events;
  std::vector<model::Finding> findings;
  Diagnostics diags;
};

// Bounded hand-off from workers to the writer: at most `capacity` finished files wait in memory.
class ResultQueue {
 public:
  explicit ResultQueue(size_t capacity) : capacity_(capacity) {}
  void push(FileResult r) {
    std::unique_lock lock(m_);
    not_full_.wait(lock, [&] { return q_.size() < capacity_; });
    q_.push_back(std::move(r));
    not_empty_.notify_one();
  }
  FileResult pop() {
    std::unique_lock lock(m_);
    not_empty_.wait(lock, [&] { return !q_.empty(); });
    FileResult r = std::move(q_.front());
    q_.pop_front();
    not_full_.notify_one();
    return r;
  }

 private:
  size_t capacity_;
  std::mutex m_;
  std::condition_variable not_full_, not_empty_;
  std::deque<FileResult> q_;
};

std::string local_hostname() {
  char buf[256] = {};
  ::gethostname(buf, sizeof buf - 1);
  return buf;
}

FileResult analyse_file(size_t index, const evidence::Candidate& c, const detect::EngineSet& engines,
                        std::string_view subject_host) {
  FileResult r;
  r.index = index;
  auto examined = evidence::examine(c, r.diags);
  if (!examined) {
    r.error = examined.error().message;
    r.diags.add_error(examined.error(), c.display_path);
    return r;
  }
  const evidence::Artefact& a = examined->artefact;
  auto outcome = normalize::parse_artefact(a, examined->file.bytes(), r.diags);
  if (!outcome) {
    r.parse_note = outcome.error().message;
    r.diags.add_error(outcome.error(), c.display_path);
  } else {
    r.parsed = outcome->parsed;
    r.events = std::move(outcome->events);
  }
  if (r.parsed) {
    detect::ArtefactView view{a.source.display_path, a.hashes.sha256, evidence::to_string(a.kind), a.platform,
                              subject_host, r.events};
    engines.scan_artefact(view, r.findings);
  }
  r.artefact = a;
  return r;
}

// Rows per events transaction: large enough to amortise the commit, small enough that a kill loses little.
constexpr size_t kEventBatch = 5000;

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

  auto created = casedb::CaseDb::create(opts.case_path);
  if (!created) return created.error();
  casedb::CaseDb db = std::move(created).value();
  if (auto r = db.begin_run({std::string(kVersion), opts.command_line, local_hostname(), summary.subject_host, now_utc()});
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
  detect::EngineSet engines = detect::make_builtin_engines(run_diags);

  const auto& files = inventory->files;
  std::vector<model::Finding> all_findings;
  {
    ThreadPool pool(resolve_thread_count(opts.threads));
    ResultQueue queue(2 * pool.size() + 2);
    Progress progress("analysing", files.size(), opts.progress);
    std::atomic<size_t> next{0};
    for (unsigned w = 0; w < pool.size(); ++w)
      pool.submit([&] {
        for (size_t i = next++; i < files.size(); i = next++)
          queue.push(analyse_file(i, files[i], engines, summary.subject_host));
      });

    // A failed case write must not strand workers blocked on a full queue: keep draining, stop writing.
    std::optional<Error> write_error;
    auto write = [&](FileResult& r) -> Result<void> {
      const evidence::Candidate& c = files[r.index];
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
      rec.parsed = r.parsed;
      rec.events = r.events.size();
      rec.note = !r.error.empty() ? r.error : r.parse_note;
      auto artefact_id = db.add_artefact(rec);
      if (!artefact_id) return artefact_id.error();
      for (size_t off = 0; off < r.events.size(); off += kEventBatch) {
        size_t n = std::min(kEventBatch, r.events.size() - off);
        if (auto w = db.add_events(*artefact_id, std::span(r.events).subspan(off, n)); !w) return w;
      }
      if (auto w = db.add_findings(r.findings); !w) return w;
      return db.add_diagnostics(r.diags.items());
    };
    for (size_t done = 0; done < files.size(); ++done) {
      FileResult r = queue.pop();
      progress.advance();
      if (write_error) continue;
      if (auto w = write(r); !w) {
        write_error = w.error();
        continue;
      }
      summary.parsed += r.parsed;
      summary.events += r.events.size();
      summary.diagnostics += r.diags.size();
      for (auto& f : r.findings) all_findings.push_back(std::move(f));
    }
    pool.wait();
    if (write_error) return *write_error;
  }

  correlate::Graph graph = correlate::build_graph(summary.subject_host, all_findings);
  if (auto w = db.add_graph(graph.entities, graph.edges); !w) return w.error();
  if (auto w = db.add_diagnostics(run_diags.items()); !w) return w.error();
  summary.diagnostics += run_diags.size();
  summary.verdict = correlate::summarize(all_findings);
  if (auto w = db.finish_run(now_utc()); !w) return w.error();
  return summary;
}

}  // namespace msw::pipeline
