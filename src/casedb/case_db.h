// casedb: a case is one SQLite file holding everything a run learned: the evidence and its hashes, artefacts,
// normalized events, findings with their evidence, observables, the entity graph, diagnostics and remediation
// actions, plus who ran what, when, on which host.
//
// Crash safety: the file is in WAL mode and every batch is one transaction, so a run killed at any point leaves a
// case that opens. A run marks itself `running` (committed first) and `complete` last; a case whose last run never
// completed reports CaseStatus::Incomplete.
//
// The interface is deliberately narrow (append batches, read whole tables) so a PostgreSQL implementation for a
// team or fleet can stand behind the same calls later. Not thread-safe: one writer, the pipeline's main thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/diagnostics.h"
#include "core/result.h"
#include "core/time.h"
#include "model/entity.h"
#include "model/event.h"
#include "model/finding.h"
#include "model/logon.h"

namespace msw::casedb {

inline constexpr int kSchemaVersion = 6;
// Older cases a read-only open still reads (their missing columns read as empty); writing upgrades them first.
inline constexpr int kOldestReadableSchema = 3;

enum class CaseStatus { Running, Complete, Incomplete };
std::string_view to_string(CaseStatus s);

struct RunInfo {
  std::string tool_version;
  std::string command_line;
  std::string host;          // host the analysis ran on
  std::string subject_host;  // host the evidence came from, when known
  Timestamp started;
};

struct CaseMeta {
  int schema_version = 0;
  CaseStatus status = CaseStatus::Incomplete;
  RunInfo run;
  std::optional<Timestamp> finished;
};

struct EvidenceRecord {
  int64_t id = 0;
  std::string path;  // as given by the user or relative to the bundle root
  std::string kind;  // "file", "folder", "bundle"
  uint64_t size = 0;
  std::string md5, sha1, sha256;
  std::string note;
};

struct ArtefactRecord {
  int64_t id = 0;
  int64_t evidence_id = 0;
  std::string kind;    // "hosts", "resolv_conf", ...
  std::string path;    // path shown to the user
  std::string format;  // sniffed file format
  uint64_t size = 0;
  std::string md5, sha1, sha256;
  bool parsed = false;
  uint64_t events = 0;
  std::string note;  // why it was not parsed, when it was not
};

struct StoredEvent {
  int64_t id = 0;
  int64_t artefact_id = 0;
  model::Event event;
};

struct ActionRecord {
  int64_t id = 0;
  int64_t finding_id = 0;
  model::RemediationAction action;
  std::string status;  // "proposed", later "applied", "undone"
};

// One step of `respond --apply` and what came of it.
struct RemediationRecord {
  int64_t time_ns = 0;
  int64_t step = 0;
  std::string kind, target, status, message;
  std::string journal;  // where to undo it from
};

struct StoredFinding {
  int64_t id = 0;
  model::Finding finding;
};

class CaseDb {
 public:
  // Creates a new case file; fails (case.exists) rather than overwrite a file that is already there. The creator is
  // the case's one writer until the CaseDb is gone.
  static Result<CaseDb> create(const std::string& path);
  // Opens an existing case, migrating older schemas forward. A writer takes the case's writer lock (case.busy when
  // another run holds it); a reader needs none, and reads a case on read-only media too. Errors: case.open,
  // case.busy, case.not_a_case, case.newer_schema (written by a newer minesweep).
  static Result<CaseDb> open(const std::string& path, bool read_only = false);

  CaseDb(CaseDb&&) noexcept;
  CaseDb& operator=(CaseDb&&) noexcept;
  ~CaseDb();

  const std::string& path() const;

  // Writes ------------------------------------------------------------------------------------------------------
  Result<void> begin_run(const RunInfo& run);
  Result<void> finish_run(Timestamp finished);
  // The subject host learnt during the run (from the evidence itself) when the run began without one.
  Result<void> set_subject_host(std::string_view host);
  Result<int64_t> add_evidence(const EvidenceRecord& e);
  Result<void> update_evidence(int64_t id, uint64_t size, const std::string& md5, const std::string& sha1,
                               const std::string& sha256);
  Result<int64_t> add_artefact(const ArtefactRecord& a);
  Result<void> update_artefact(int64_t id, bool parsed, uint64_t events, const std::string& note);
  // A large log's MD5, computed while it was parsed (evidence::examine's defer_large_md5).
  Result<void> set_artefact_md5(int64_t id, const std::string& md5);
  // One transaction per call: callers batch (a chunk of records) to keep commits cheap and crash loss small.
  Result<void> add_events(int64_t artefact_id, std::span<const model::Event> events);
  Result<void> add_findings(std::span<const model::Finding> findings);
  Result<void> add_diagnostics(std::span<const Diagnostic> diagnostics);
  Result<void> add_graph(std::span<const model::Entity> entities, std::span<const model::Edge> edges);
  Result<void> add_logons(std::span<const model::LogonRow> rows);
  Result<void> add_remediation(std::span<const RemediationRecord> steps);

  // Reads -------------------------------------------------------------------------------------------------------
  Result<CaseMeta> meta() const;
  Result<std::vector<EvidenceRecord>> evidence() const;
  // Artefacts by path, findings most severe first then by rule and evidence path: stable across thread timing.
  Result<std::vector<ArtefactRecord>> artefacts() const;
  Result<std::vector<StoredFinding>> findings() const;
  Result<std::vector<Diagnostic>> diagnostics() const;
  Result<std::vector<ActionRecord>> actions() const;
  Result<std::vector<model::Entity>> entities() const;
  Result<std::vector<model::Edge>> edges() const;
  Result<std::vector<model::LogonRow>> logons() const;
  Result<std::vector<RemediationRecord>> remediation() const;
  Result<uint64_t> event_count() const;
  // Streams events in insertion order; `fn` returns false to stop.
  Result<void> for_each_event(const std::function<bool(const StoredEvent&)>& fn) const;

 private:
  static Result<CaseDb> open_once(const std::string& path, bool read_only, bool immutable);
  friend struct Connector;
  struct Impl;
  explicit CaseDb(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace msw::casedb
