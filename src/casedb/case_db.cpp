#include "casedb/case_db.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>
#include <sys/file.h>
#include <sys/stat.h>

#include "casedb/sqlite.h"
#include "core/unique_fd.h"

namespace msw::casedb {

std::string_view to_string(CaseStatus s) {
  switch (s) {
    case CaseStatus::Running:
      return "running";
    case CaseStatus::Complete:
      return "complete";
    case CaseStatus::Incomplete:
      return "incomplete";
  }
  return "incomplete";
}

namespace {

// Schema 1-4 kept events in one TEXT column per field, for the fields fields.def listed then; the list is frozen
// here (fields.def has grown since) so those migrations and the reader of old cases stay what they were.
// clang-format off
constexpr std::string_view kWideEventColumns[] = {
    "Image", "CommandLine", "ProcessId", "ParentImage", "ParentCommandLine", "ParentProcessId", "CurrentDirectory",
    "User", "IntegrityLevel", "Hashes", "OriginalFileName", "Product", "Company", "Description", "Protocol",
    "Initiated", "SourceIp", "SourcePort", "SourceHostname", "DestinationIp", "DestinationPort",
    "DestinationHostname", "State", "QueryName", "QueryResults", "QueryStatus", "TargetFilename", "CreationUtcTime",
    "EventType", "TargetObject", "Details", "ImageLoaded", "Signed", "Signature", "EventID", "Channel",
    "Provider_Name", "Computer", "EventRecordID", "SubjectUserName", "SubjectDomainName", "TargetUserName",
    "TargetDomainName", "LogonType", "IpAddress", "IpPort", "WorkstationName", "Status", "SubStatus", "ServiceName",
    "ServiceFileName", "TaskName", "Hostname", "LineNumber", "Message", "Level", "Task", "Opcode", "Keywords",
    "Version", "TimeCreated", "Security_UserID", "Execution_ProcessID", "Execution_ThreadID"};
// clang-format on

std::string event_columns_ddl() {
  std::string cols;
  for (std::string_view name : kWideEventColumns) cols += ",\n  \"" + std::string(name) + "\" TEXT";
  return cols;
}

// Migration i brings a case from schema version i to i+1. Never edit a shipped entry; append a new one.
std::vector<std::string> migrations() {
  return {
      R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  tool_version TEXT NOT NULL, command_line TEXT NOT NULL, host TEXT NOT NULL, subject_host TEXT NOT NULL,
  pid INTEGER NOT NULL, started_ns INTEGER NOT NULL, finished_ns INTEGER,
  status TEXT NOT NULL CHECK (status IN ('running', 'complete')));
CREATE TABLE evidence (
  id INTEGER PRIMARY KEY, run_id INTEGER REFERENCES runs(id),
  path TEXT NOT NULL, kind TEXT NOT NULL, size INTEGER NOT NULL,
  md5 TEXT NOT NULL, sha1 TEXT NOT NULL, sha256 TEXT NOT NULL, note TEXT NOT NULL);
CREATE TABLE artefacts (
  id INTEGER PRIMARY KEY, evidence_id INTEGER NOT NULL REFERENCES evidence(id),
  kind TEXT NOT NULL, path TEXT NOT NULL, format TEXT NOT NULL, size INTEGER NOT NULL,
  md5 TEXT NOT NULL, sha1 TEXT NOT NULL, sha256 TEXT NOT NULL, parsed INTEGER NOT NULL, events INTEGER NOT NULL, note TEXT NOT NULL);
CREATE TABLE events (
  id INTEGER PRIMARY KEY, artefact_id INTEGER NOT NULL REFERENCES artefacts(id),
  time_ns INTEGER, logsource_category TEXT NOT NULL, logsource_product TEXT NOT NULL,
  logsource_service TEXT NOT NULL, source_path TEXT NOT NULL, source_offset INTEGER NOT NULL, extra_json TEXT)sql" +
          event_columns_ddl() + R"sql();
CREATE INDEX events_time ON events(time_ns);
CREATE INDEX events_category ON events(logsource_category);
CREATE TABLE observables (
  id INTEGER PRIMARY KEY, kind TEXT NOT NULL, value TEXT NOT NULL, UNIQUE (kind, value));
CREATE TABLE findings (
  id INTEGER PRIMARY KEY, rule_id TEXT NOT NULL, engine TEXT NOT NULL, severity INTEGER NOT NULL,
  title_en TEXT NOT NULL, title_zh TEXT NOT NULL, description_en TEXT NOT NULL, description_zh TEXT NOT NULL,
  attack_json TEXT NOT NULL, time_ns INTEGER, family TEXT NOT NULL);
CREATE TABLE finding_evidence (
  finding_id INTEGER NOT NULL REFERENCES findings(id), seq INTEGER NOT NULL,
  path TEXT NOT NULL, sha256 TEXT NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL,
  line INTEGER NOT NULL, excerpt TEXT NOT NULL, PRIMARY KEY (finding_id, seq));
CREATE TABLE finding_observables (
  finding_id INTEGER NOT NULL REFERENCES findings(id), observable_id INTEGER NOT NULL REFERENCES observables(id),
  context TEXT NOT NULL, PRIMARY KEY (finding_id, observable_id));
CREATE TABLE actions (
  id INTEGER PRIMARY KEY, finding_id INTEGER NOT NULL REFERENCES findings(id), kind TEXT NOT NULL,
  target TEXT NOT NULL, detail_en TEXT NOT NULL, detail_zh TEXT NOT NULL, status TEXT NOT NULL);
CREATE TABLE entities (
  id INTEGER PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL, label TEXT NOT NULL, UNIQUE (kind, key));
CREATE TABLE edges (
  id INTEGER PRIMARY KEY, src INTEGER NOT NULL REFERENCES entities(id), dst INTEGER NOT NULL REFERENCES entities(id),
  kind TEXT NOT NULL, finding_rule TEXT NOT NULL, UNIQUE (src, dst, kind));
CREATE TABLE diagnostics (
  id INTEGER PRIMARY KEY, code TEXT NOT NULL, severity TEXT NOT NULL, evidence TEXT NOT NULL,
  offset INTEGER NOT NULL, detail TEXT NOT NULL);
INSERT INTO meta (key, value) VALUES ('application', 'minesweep-case');
)sql",
      // 1 -> 2: the logon summary (correlate/logons).
      R"sql(
CREATE TABLE logons (
  id INTEGER PRIMARY KEY, account TEXT NOT NULL, source TEXT NOT NULL, logon_type TEXT NOT NULL, host TEXT NOT NULL,
  successes INTEGER NOT NULL, failures INTEGER NOT NULL, first_ns INTEGER, last_ns INTEGER, last_failure TEXT NOT NULL);
)sql",
      // 2 -> 3: what `respond --apply` did, step by step.
      R"sql(
CREATE TABLE remediation (
  id INTEGER PRIMARY KEY, time_ns INTEGER NOT NULL, step INTEGER NOT NULL, kind TEXT NOT NULL, target TEXT NOT NULL,
  status TEXT NOT NULL, message TEXT NOT NULL, journal TEXT NOT NULL);
)sql",
      // 3 -> 4: what an action's target held when it was flagged (respond checks it before changing anything).
      R"sql(
ALTER TABLE actions ADD COLUMN expected_text TEXT NOT NULL DEFAULT '';
ALTER TABLE actions ADD COLUMN expected_sha256 TEXT NOT NULL DEFAULT '';
)sql",
      // 4 -> 5: events stored compactly. The wide table (one column per field, mostly NULL, extra fields as JSON
      // with their names repeated) cost the writer ~110 values per event and made the case as large as the
      // evidence; now each event's fields are one blob of (field id, length, bytes) with the names in event_fields,
      // and the source path is NULL when it is the artefact's. Events of older runs stay in events_v4.
      R"sql(
ALTER TABLE events RENAME TO events_v4;
CREATE TABLE event_fields (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE events (
  id INTEGER PRIMARY KEY, artefact_id INTEGER NOT NULL REFERENCES artefacts(id),
  time_ns INTEGER, logsource_category TEXT NOT NULL, logsource_product TEXT NOT NULL,
  logsource_service TEXT NOT NULL, source_path TEXT, source_offset INTEGER NOT NULL, fields BLOB NOT NULL);
)sql",
      // 5 -> 6: whose an observable is (model::ObservableRole): a domain the hosts file blocks is affected, not an
      // indicator, and stays out of IOC exports. Older findings' observables read as indicators, as they were.
      R"sql(
ALTER TABLE finding_observables ADD COLUMN role TEXT NOT NULL DEFAULT 'indicator';
)sql",
  };
}

constexpr std::string_view kApplicationMarker = "minesweep-case";

class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) { begun_ = exec(db_, "BEGIN IMMEDIATE").ok(); }
  ~Transaction() {
    if (begun_ && !committed_) (void)exec(db_, "ROLLBACK");
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Result<void> begin_result() const {
    if (!begun_) return Error::make("case.sql", std::string("cannot start transaction: ") + sqlite3_errmsg(db_));
    return {};
  }
  Result<void> commit() {
    auto r = exec(db_, "COMMIT");
    committed_ = r.ok();
    return r;
  }

 private:
  sqlite3* db_;
  bool begun_ = false;
  bool committed_ = false;
};

bool process_alive(int64_t pid) { return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM); }

}  // namespace

struct CaseDb::Impl {
  sqlite3* db = nullptr;
  std::string path;
  int64_t run_id = 0;
  UniqueFd writer_lock;          // held by the one process writing this case
  int version = kSchemaVersion;  // an older case opened read-only keeps its own
  // Columns added after kOldestReadableSchema, read as empty from a case that predates them.
  std::string expected_columns() const {
    return version >= 4 ? "expected_text, expected_sha256" : "'' AS expected_text, '' AS expected_sha256";
  }
  std::string observable_role_column() const { return version >= 6 ? "fo.role" : "'indicator'"; }
  ~Impl() {
    // Statements first: a connection closes for real once its statements are finalised.
    insert_event = Statement();
    insert_field = Statement();
    if (db) sqlite3_close_v2(db);
  }

  // The compact events' writer state: prepared once, field names interned as they first appear.
  Statement insert_event, insert_field;
  // Looked up by string_view: an extra field's name is not copied for every event written.
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, int64_t, NameHash, std::equal_to<>> field_ids;
  std::vector<int64_t> known_field_ids;  // by model::Field, 0 until interned
  bool field_ids_loaded = false;
  std::unordered_map<int64_t, std::string> artefact_paths;  // an event whose source is this path stores NULL

  Result<int64_t> field_id(std::string_view name) {
    if (!field_ids_loaded) {
      auto st = prepare(db, "SELECT id, name FROM event_fields");
      if (!st) return st.error();
      auto read = for_each_row(*st, [&](const Statement& row) {
        field_ids.emplace(row.text(1), row.int64(0));
        return true;
      });
      if (!read) return read.error();
      field_ids_loaded = true;
    }
    if (auto it = field_ids.find(name); it != field_ids.end()) return it->second;
    if (!insert_field.valid()) {
      auto st = prepare(db, "INSERT INTO event_fields (name) VALUES (?)");
      if (!st) return st.error();
      insert_field = std::move(*st);
    }
    insert_field.bind(1, name);
    if (auto r = insert_field.run(); !r) return r.error();
    const int64_t id = sqlite3_last_insert_rowid(db);
    field_ids.emplace(std::string(name), id);
    return id;
  }

  Result<int64_t> intern_observable(const model::Observable& o) {
    auto ins = prepare(db, "INSERT OR IGNORE INTO observables (kind, value) VALUES (?, ?)");
    if (!ins) return ins.error();
    ins->bind(1, model::to_string(o.kind)).bind(2, o.value);
    if (auto r = ins->run(); !r) return r.error();
    auto sel = prepare(db, "SELECT id FROM observables WHERE kind = ? AND value = ?");
    if (!sel) return sel.error();
    sel->bind(1, model::to_string(o.kind)).bind(2, o.value);
    auto row = sel->step();
    if (!row) return row.error();
    return sel->int64(0);
  }

  Result<int64_t> intern_entity(const model::Entity& e) {
    auto ins = prepare(db,
                       "INSERT INTO entities (kind, key, label) VALUES (?, ?, ?) "
                       "ON CONFLICT (kind, key) DO UPDATE SET label = excluded.label WHERE entities.label = ''");
    if (!ins) return ins.error();
    ins->bind(1, model::to_string(e.id.kind)).bind(2, e.id.key).bind(3, e.label);
    if (auto r = ins->run(); !r) return r.error();
    return entity_id(e.id);
  }

  Result<int64_t> entity_id(const model::EntityKey& k) {
    auto sel = prepare(db, "SELECT id FROM entities WHERE kind = ? AND key = ?");
    if (!sel) return sel.error();
    sel->bind(1, model::to_string(k.kind)).bind(2, k.key);
    auto row = sel->step();
    if (!row) return row.error();
    if (!*row) {
      // An edge to an entity that was not listed: create it with its key as label.
      return intern_entity(model::Entity{k, k.key});
    }
    return sel->int64(0);
  }
};

CaseDb::CaseDb(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CaseDb::CaseDb(CaseDb&&) noexcept = default;
CaseDb& CaseDb::operator=(CaseDb&&) noexcept = default;
CaseDb::~CaseDb() = default;
const std::string& CaseDb::path() const { return impl_->path; }

namespace {

Result<void> configure(sqlite3* db, bool read_only) {
  sqlite3_busy_timeout(db, 5000);
  if (auto r = exec(db, "PRAGMA foreign_keys = ON"); !r) return r;
  if (read_only) return {};
  if (auto r = exec(db, "PRAGMA journal_mode = WAL"); !r) return r;
  // NORMAL in WAL mode: a power cut may lose the last commits, never corrupt the file.
  return exec(db, "PRAGMA synchronous = NORMAL");
}

Result<int> user_version(sqlite3* db) {
  auto st = prepare(db, "PRAGMA user_version");
  if (!st) return st.error();
  auto row = st->step();
  if (!row) return row.error();
  return static_cast<int>(st->int64(0));
}

Result<void> migrate(sqlite3* db, int from) {
  auto all = migrations();
  for (size_t v = static_cast<size_t>(from); v < all.size(); ++v) {
    Transaction tx(db);
    if (auto r = tx.begin_result(); !r) return r;
    if (auto r = exec(db, all[v]); !r) return r;
    if (auto r = exec(db, "PRAGMA user_version = " + std::to_string(v + 1)); !r) return r;
    if (auto r = tx.commit(); !r) return r;
  }
  return {};
}

}  // namespace

struct Connector {
  // `immutable`: read a case on read-only media, where SQLite cannot create its -shm file (see CaseDb::open).
  static Result<std::unique_ptr<CaseDb::Impl>> connect(const std::string& path, int flags, bool immutable = false) {
    auto impl = std::make_unique<CaseDb::Impl>();
    impl->path = path;
    std::string name = path;
    if (immutable) {
      // A URI: the path's own '%', '?' and '#' are escaped so they stay part of the name.
      name = "file:";
      for (char c : path) {
        if (c == '%' || c == '?' || c == '#') {
          static constexpr char kHex[] = "0123456789ABCDEF";
          name += '%';
          name += kHex[static_cast<unsigned char>(c) >> 4];
          name += kHex[static_cast<unsigned char>(c) & 15];
        } else {
          name += c;
        }
      }
      name += "?immutable=1";
      flags |= SQLITE_OPEN_URI;
    }
    int rc = sqlite3_open_v2(name.c_str(), &impl->db, flags, nullptr);
    if (rc != SQLITE_OK) {
      std::string msg = impl->db ? sqlite3_errmsg(impl->db) : sqlite3_errstr(rc);
      return Error::make("case.open", "cannot open case " + path + ": " + msg);
    }
    sqlite3_extended_result_codes(impl->db, 1);
    return impl;
  }
};

namespace {

// One writer per case: an exclusive flock on the case file itself, held while the CaseDb lives. (SQLite's own locks
// are fcntl locks, which flock does not touch; they only keep single transactions apart, not two runs.)
Result<UniqueFd> lock_for_writing(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd.ok()) return Error::make("case.open", "cannot open case " + path + ": " + std::strerror(errno));
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK)
      return Error::make("case.busy", path +
                                          " is being written by another minesweep run; wait until it finishes, "
                                          "or write to another --case");
    return Error::make("case.open", "cannot lock case " + path + ": " + std::strerror(errno));
  }
  return fd;
}

}  // namespace

Result<CaseDb> CaseDb::create(const std::string& path) {
  // Created here, exclusively, so two runs given the same new --case cannot both make it.
  UniqueFd made(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!made.ok()) {
    if (errno == EEXIST)
      return Error::make("case.exists",
                         "case file " + path + " already exists; choose another --case path or remove it");
    return Error::make("case.open", "cannot create case " + path + ": " + std::strerror(errno));
  }
  auto lock = lock_for_writing(path);
  if (!lock) return lock.error();
  auto impl = Connector::connect(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX);
  if (!impl) return impl.error();
  (*impl)->writer_lock = std::move(lock).value();
  if (auto r = configure((*impl)->db, false); !r) return r.error();
  if (auto r = migrate((*impl)->db, 0); !r) return r.error();
  return CaseDb(std::move(impl).value());
}

Result<CaseDb> CaseDb::open(const std::string& path, bool read_only) {
  auto opened = open_once(path, read_only, /*immutable=*/false);
  // On read-only media (a write-protected USB stick, a read-only mount, a folder this user cannot write) SQLite
  // cannot create the WAL index beside the case: read it as immutable instead. A finished case has no WAL left.
  if (!opened && read_only && (opened.error().code == "case.not_a_case" || opened.error().code == "case.open"))
    if (auto again = open_once(path, true, /*immutable=*/true)) return again;
  return opened;
}

Result<CaseDb> CaseDb::open_once(const std::string& path, bool read_only, bool immutable) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return Error::make("case.open",
                       "case file " + path + " does not exist (create one with 'minesweep scan' or 'triage')");
  UniqueFd lock;
  if (!read_only) {
    auto l = lock_for_writing(path);
    if (!l) return l.error();
    lock = std::move(l).value();
  }
  int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX;
  auto impl = Connector::connect(path, flags, immutable);
  if (!impl) return impl.error();
  (*impl)->writer_lock = std::move(lock);
  sqlite3* db = (*impl)->db;
  if (auto r = configure(db, read_only); !r)
    return Error::make("case.not_a_case", path + " is not a minesweep case (" + r.error().message + ")");
  auto version = user_version(db);
  if (!version)
    return Error::make("case.not_a_case", path + " is not a minesweep case (" + version.error().message + ")");
  if (*version > kSchemaVersion)
    return Error::make("case.newer_schema", path + " has case schema " + std::to_string(*version) +
                                                "; this minesweep reads up to " + std::to_string(kSchemaVersion) +
                                                ". Use a newer minesweep.");
  auto marker = prepare(db, "SELECT value FROM meta WHERE key = 'application'");
  if (!marker || !marker->step().value_or(false) || marker->text(0) != kApplicationMarker)
    return Error::make("case.not_a_case", path + " is an SQLite file but not a minesweep case");
  (*impl)->version = *version;
  if (*version < kSchemaVersion) {
    if (read_only && *version < kOldestReadableSchema)
      return Error::make("case.old_schema", path + " needs a schema upgrade; open it once without read-only mode");
    if (read_only) return CaseDb(std::move(impl).value());
    if (auto r = migrate(db, *version); !r) return r.error();
    (*impl)->version = kSchemaVersion;
  }
  return CaseDb(std::move(impl).value());
}

Result<void> CaseDb::begin_run(const RunInfo& run) {
  auto st = prepare(impl_->db,
                    "INSERT INTO runs (tool_version, command_line, host, subject_host, pid, started_ns, status) "
                    "VALUES (?, ?, ?, ?, ?, ?, 'running')");
  if (!st) return st.error();
  st->bind(1, run.tool_version).bind(2, run.command_line).bind(3, run.host).bind(4, run.subject_host);
  st->bind(5, static_cast<int64_t>(::getpid())).bind(6, run.started.unix_ns);
  if (auto r = st->run(); !r) return r;
  impl_->run_id = sqlite3_last_insert_rowid(impl_->db);
  return {};
}

Result<void> CaseDb::set_subject_host(std::string_view host) {
  auto st = prepare(impl_->db, "UPDATE runs SET subject_host = ? WHERE id = ?");
  if (!st) return st.error();
  st->bind(1, std::string(host)).bind(2, impl_->run_id);
  return st->run();
}

Result<void> CaseDb::finish_run(Timestamp finished) {
  auto st = prepare(impl_->db, "UPDATE runs SET status = 'complete', finished_ns = ? WHERE id = ?");
  if (!st) return st.error();
  st->bind(1, finished.unix_ns).bind(2, impl_->run_id);
  if (auto r = st->run(); !r) return r;
  // Fold the WAL back so a finished case is one self-contained file that can be copied or mailed.
  return exec(impl_->db, "PRAGMA wal_checkpoint(TRUNCATE)");
}

Result<int64_t> CaseDb::add_evidence(const EvidenceRecord& e) {
  auto st = prepare(
      impl_->db, "INSERT INTO evidence (run_id, path, kind, size, md5, sha1, sha256, note) VALUES (?,?,?,?,?,?,?,?)");
  if (!st) return st.error();
  if (impl_->run_id)
    st->bind(1, impl_->run_id);
  else
    st->bind_null(1);
  st->bind(2, e.path).bind(3, e.kind).bind(4, static_cast<int64_t>(e.size)).bind(5, e.md5).bind(6, e.sha1);
  st->bind(7, e.sha256).bind(8, e.note);
  if (auto r = st->run(); !r) return r.error();
  return sqlite3_last_insert_rowid(impl_->db);
}

Result<void> CaseDb::update_evidence(int64_t id, uint64_t size, const std::string& md5, const std::string& sha1,
                                     const std::string& sha256) {
  auto st = prepare(impl_->db, "UPDATE evidence SET size = ?, md5 = ?, sha1 = ?, sha256 = ? WHERE id = ?");
  if (!st) return st.error();
  st->bind(1, static_cast<int64_t>(size)).bind(2, md5).bind(3, sha1).bind(4, sha256).bind(5, id);
  return st->run();
}

Result<int64_t> CaseDb::add_artefact(const ArtefactRecord& a) {
  auto st =
      prepare(impl_->db,
              "INSERT INTO artefacts (evidence_id, kind, path, format, size, md5, sha1, sha256, parsed, events, note) "
              "VALUES (?,?,?,?,?,?,?,?,?,?,?)");
  if (!st) return st.error();
  st->bind(1, a.evidence_id).bind(2, a.kind).bind(3, a.path).bind(4, a.format).bind(5, static_cast<int64_t>(a.size));
  st->bind(6, a.md5).bind(7, a.sha1).bind(8, a.sha256);
  st->bind(9, int64_t{a.parsed}).bind(10, static_cast<int64_t>(a.events)).bind(11, a.note);
  if (auto r = st->run(); !r) return r.error();
  const int64_t id = sqlite3_last_insert_rowid(impl_->db);
  impl_->artefact_paths.emplace(id, a.path);
  return id;
}

Result<void> CaseDb::set_artefact_md5(int64_t id, const std::string& md5) {
  auto st = prepare(impl_->db, "UPDATE artefacts SET md5 = ? WHERE id = ?");
  if (!st) return st.error();
  st->bind(1, md5).bind(2, id);
  return st->run();
}

Result<void> CaseDb::update_artefact(int64_t id, bool parsed, uint64_t events, const std::string& note) {
  auto st = prepare(impl_->db, "UPDATE artefacts SET parsed = ?, events = ?, note = ? WHERE id = ?");
  if (!st) return st.error();
  st->bind(1, int64_t{parsed}).bind(2, static_cast<int64_t>(events)).bind(3, note).bind(4, id);
  return st->run();
}

namespace {

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

// Reads a varint at `pos`; false at the end of the bytes or on more than ten bytes.
bool get_varint(std::string_view in, size_t& pos, uint64_t& v) {
  v = 0;
  for (unsigned shift = 0; pos < in.size() && shift < 70; shift += 7) {
    const auto b = static_cast<unsigned char>(in[pos++]);
    v |= uint64_t{b & 0x7fu} << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

}  // namespace

Result<void> CaseDb::add_events(int64_t artefact_id, std::span<const model::Event> events) {
  if (events.empty()) return {};
  auto& impl = *impl_;
  Transaction tx(impl.db);
  if (auto r = tx.begin_result(); !r) return r;
  if (!impl.insert_event.valid()) {
    auto st = prepare(impl.db,
                      "INSERT INTO events (artefact_id, time_ns, logsource_category, logsource_product, "
                      "logsource_service, source_path, source_offset, fields) VALUES (?,?,?,?,?,?,?,?)");
    if (!st) return st.error();
    impl.insert_event = std::move(*st);
  }
  if (impl.known_field_ids.empty()) impl.known_field_ids.assign(model::all_fields().size(), 0);
  const auto artefact_path = impl.artefact_paths.find(artefact_id);
  Statement& st = impl.insert_event;
  std::string blob;
  for (const auto& ev : events) {
    blob.clear();
    for (const auto& [f, v] : ev.fields) {
      int64_t& id = impl.known_field_ids[static_cast<size_t>(f)];
      if (!id) {
        auto interned = impl.field_id(model::field_name(f));
        if (!interned) return interned.error();
        id = *interned;
      }
      put_varint(blob, static_cast<uint64_t>(id));
      put_varint(blob, v.size());
      blob += v;
    }
    for (const auto& [k, v] : ev.extra) {
      auto id = impl.field_id(k);
      if (!id) return id.error();
      put_varint(blob, static_cast<uint64_t>(*id));
      put_varint(blob, v.size());
      blob += v;
    }
    st.bind(1, artefact_id);
    if (ev.time)
      st.bind(2, ev.time->unix_ns);
    else
      st.bind_null(2);
    st.bind_static(3, ev.category).bind_static(4, ev.product).bind_static(5, ev.service);
    if (artefact_path != impl.artefact_paths.end() && artefact_path->second == ev.artefact)
      st.bind_null(6);
    else
      st.bind_static(6, ev.artefact);
    st.bind(7, static_cast<int64_t>(ev.offset));
    st.bind_blob_static(8, blob);
    if (auto r = st.run(); !r) return r;
  }
  return tx.commit();
}

Result<void> CaseDb::add_findings(std::span<const model::Finding> findings) {
  if (findings.empty()) return {};
  Transaction tx(impl_->db);
  if (auto r = tx.begin_result(); !r) return r;
  auto ins = prepare(impl_->db,
                     "INSERT INTO findings (rule_id, engine, severity, title_en, title_zh, description_en, "
                     "description_zh, attack_json, time_ns, family) VALUES (?,?,?,?,?,?,?,?,?,?)");
  auto ev = prepare(impl_->db,
                    "INSERT INTO finding_evidence (finding_id, seq, path, sha256, offset, length, line, excerpt) "
                    "VALUES (?,?,?,?,?,?,?,?)");
  auto obs =
      prepare(impl_->db,
              "INSERT OR IGNORE INTO finding_observables (finding_id, observable_id, context, role) VALUES (?,?,?,?)");
  auto act = prepare(impl_->db,
                     "INSERT INTO actions (finding_id, kind, target, detail_en, detail_zh, status, expected_text, "
                     "expected_sha256) VALUES (?,?,?,?,?,'proposed',?,?)");
  if (!ins) return ins.error();
  if (!ev) return ev.error();
  if (!obs) return obs.error();
  if (!act) return act.error();
  for (const auto& f : findings) {
    nlohmann::json attack = f.attack;
    ins->bind(1, f.rule_id).bind(2, f.engine).bind(3, static_cast<int64_t>(f.severity)).bind(4, f.title_en);
    ins->bind(5, f.title_zh).bind(6, f.description_en).bind(7, f.description_zh).bind(8, attack.dump());
    if (f.time)
      ins->bind(9, f.time->unix_ns);
    else
      ins->bind_null(9);
    ins->bind(10, f.family);
    if (auto r = ins->run(); !r) return r;
    int64_t id = sqlite3_last_insert_rowid(impl_->db);
    int64_t seq = 0;
    for (const auto& e : f.evidence) {
      ev->bind(1, id).bind(2, seq++).bind(3, e.path).bind(4, e.sha256).bind(5, static_cast<int64_t>(e.offset));
      ev->bind(6, static_cast<int64_t>(e.length)).bind(7, static_cast<int64_t>(e.line)).bind(8, e.excerpt);
      if (auto r = ev->run(); !r) return r;
    }
    for (const auto& o : f.observables) {
      auto oid = impl_->intern_observable(o);
      if (!oid) return oid.error();
      obs->bind(1, id).bind(2, *oid).bind(3, o.context).bind(4, model::to_string(o.role));
      if (auto r = obs->run(); !r) return r;
    }
    for (const auto& a : f.actions) {
      act->bind(1, id).bind(2, model::to_string(a.kind)).bind(3, a.target).bind(4, a.detail_en).bind(5, a.detail_zh);
      act->bind(6, a.expected_text).bind(7, a.expected_sha256);
      if (auto r = act->run(); !r) return r;
    }
  }
  return tx.commit();
}

Result<void> CaseDb::add_diagnostics(std::span<const Diagnostic> diagnostics) {
  if (diagnostics.empty()) return {};
  Transaction tx(impl_->db);
  if (auto r = tx.begin_result(); !r) return r;
  auto st = prepare(impl_->db, "INSERT INTO diagnostics (code, severity, evidence, offset, detail) VALUES (?,?,?,?,?)");
  if (!st) return st.error();
  for (const auto& d : diagnostics) {
    st->bind(1, d.code).bind(2, to_string(d.severity)).bind(3, d.evidence).bind(4, static_cast<int64_t>(d.offset));
    st->bind(5, d.detail);
    if (auto r = st->run(); !r) return r;
  }
  return tx.commit();
}

Result<void> CaseDb::add_graph(std::span<const model::Entity> entities, std::span<const model::Edge> edges) {
  Transaction tx(impl_->db);
  if (auto r = tx.begin_result(); !r) return r;
  for (const auto& e : entities)
    if (auto r = impl_->intern_entity(e); !r) return r.error();
  auto st = prepare(impl_->db, "INSERT OR IGNORE INTO edges (src, dst, kind, finding_rule) VALUES (?,?,?,?)");
  if (!st) return st.error();
  for (const auto& e : edges) {
    auto src = impl_->entity_id(e.from);
    if (!src) return src.error();
    auto dst = impl_->entity_id(e.to);
    if (!dst) return dst.error();
    st->bind(1, *src).bind(2, *dst).bind(3, model::to_string(e.kind)).bind(4, e.finding_rule);
    if (auto r = st->run(); !r) return r;
  }
  return tx.commit();
}

Result<CaseMeta> CaseDb::meta() const {
  CaseMeta m;
  auto v = user_version(impl_->db);
  if (!v) return v.error();
  m.schema_version = *v;
  auto st = prepare(impl_->db,
                    "SELECT tool_version, command_line, host, subject_host, pid, started_ns, finished_ns, status "
                    "FROM runs ORDER BY id DESC LIMIT 1");
  if (!st) return st.error();
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) {
    m.status = CaseStatus::Incomplete;  // created but no run ever recorded
    return m;
  }
  m.run = RunInfo{st->text(0), st->text(1), st->text(2), st->text(3), Timestamp{st->int64(5)}};
  if (!st->is_null(6)) m.finished = Timestamp{st->int64(6)};
  if (st->text(7) == "complete") {
    m.status = CaseStatus::Complete;
  } else {
    // Still 'running': either it is (same host, live pid) or it was killed and the case is incomplete.
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    bool same_process_alive = m.run.host == host && st->int64(4) != ::getpid() && process_alive(st->int64(4));
    m.status = same_process_alive ? CaseStatus::Running : CaseStatus::Incomplete;
    if (st->int64(4) == ::getpid() && m.run.host == host) m.status = CaseStatus::Running;
  }
  return m;
}

Result<std::vector<EvidenceRecord>> CaseDb::evidence() const {
  auto st = prepare(impl_->db, "SELECT id, path, kind, size, md5, sha1, sha256, note FROM evidence ORDER BY id");
  if (!st) return st.error();
  std::vector<EvidenceRecord> out;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back({st->int64(0), st->text(1), st->text(2), static_cast<uint64_t>(st->int64(3)), st->text(4),
                   st->text(5), st->text(6), st->text(7)});
  }
  return out;
}

Result<std::vector<ArtefactRecord>> CaseDb::artefacts() const {
  auto st = prepare(
      impl_->db,
      "SELECT id, evidence_id, kind, path, format, size, md5, sha1, sha256, parsed, events, note FROM artefacts "
      "ORDER BY path, id");
  if (!st) return st.error();
  std::vector<ArtefactRecord> out;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back({st->int64(0), st->int64(1), st->text(2), st->text(3), st->text(4),
                   static_cast<uint64_t>(st->int64(5)), st->text(6), st->text(7), st->text(8), st->int64(9) != 0,
                   static_cast<uint64_t>(st->int64(10)), st->text(11)});
  }
  return out;
}

Result<std::vector<StoredFinding>> CaseDb::findings() const {
  auto st = prepare(
      impl_->db,
      "SELECT id, rule_id, engine, severity, title_en, title_zh, description_en, description_zh, "
      "attack_json, time_ns, family FROM findings "
      // Workers finish in any order; sort on content so reports are reproducible.
      "ORDER BY severity DESC, rule_id, (SELECT min(path) FROM finding_evidence WHERE finding_id = findings.id), "
      "title_en, id");
  auto ev = prepare(impl_->db,
                    "SELECT path, sha256, offset, length, line, excerpt FROM finding_evidence WHERE finding_id = ? "
                    "ORDER BY seq");
  auto obs = prepare(impl_->db, "SELECT o.kind, o.value, fo.context, " + impl_->observable_role_column() +
                                    " FROM finding_observables fo JOIN observables o ON o.id = fo.observable_id "
                                    "WHERE fo.finding_id = ? ORDER BY o.id");
  auto act = prepare(impl_->db, "SELECT kind, target, detail_en, detail_zh, " + impl_->expected_columns() +
                                    " FROM actions WHERE finding_id = ? ORDER BY id");
  if (!st) return st.error();
  if (!ev) return ev.error();
  if (!obs) return obs.error();
  if (!act) return act.error();
  std::vector<StoredFinding> out;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) break;
    StoredFinding sf;
    sf.id = st->int64(0);
    model::Finding& f = sf.finding;
    f.rule_id = st->text(1);
    f.engine = st->text(2);
    f.severity = static_cast<model::Severity>(std::clamp<int64_t>(st->int64(3), 0, 4));
    f.title_en = st->text(4);
    f.title_zh = st->text(5);
    f.description_en = st->text(6);
    f.description_zh = st->text(7);
    auto attack = nlohmann::json::parse(st->text(8), nullptr, false);
    if (attack.is_array())
      for (const auto& a : attack)
        if (a.is_string()) f.attack.push_back(a.get<std::string>());
    if (!st->is_null(9)) f.time = Timestamp{st->int64(9)};
    f.family = st->text(10);

    ev->bind(1, sf.id);
    while (ev->step().value_or(false))
      f.evidence.push_back({ev->text(0), ev->text(1), static_cast<uint64_t>(ev->int64(2)),
                            static_cast<uint64_t>(ev->int64(3)), static_cast<uint64_t>(ev->int64(4)), ev->text(5)});
    ev->reset();
    obs->bind(1, sf.id);
    while (obs->step().value_or(false)) {
      auto kind = model::observable_kind_from_string(obs->text(0));
      if (kind)
        f.observables.push_back(
            {*kind, obs->text(1), obs->text(2),
             model::observable_role_from_string(obs->text(3)).value_or(model::ObservableRole::Indicator)});
    }
    obs->reset();
    act->bind(1, sf.id);
    while (act->step().value_or(false)) {
      auto kind = model::action_kind_from_string(act->text(0));
      if (kind) f.actions.push_back({*kind, act->text(1), act->text(2), act->text(3), act->text(4), act->text(5)});
    }
    act->reset();
    out.push_back(std::move(sf));
  }
  return out;
}

Result<std::vector<Diagnostic>> CaseDb::diagnostics() const {
  auto st = prepare(impl_->db, "SELECT code, severity, evidence, offset, detail FROM diagnostics ORDER BY id");
  if (!st) return st.error();
  std::vector<Diagnostic> out;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) break;
    std::string sev = st->text(1);
    DiagSeverity s = sev == "info" ? DiagSeverity::Info : sev == "error" ? DiagSeverity::Error : DiagSeverity::Warning;
    out.push_back({st->text(0), s, st->text(2), static_cast<uint64_t>(st->int64(3)), st->text(4)});
  }
  return out;
}

Result<std::vector<ActionRecord>> CaseDb::actions() const {
  auto st = prepare(impl_->db, "SELECT id, finding_id, kind, target, detail_en, detail_zh, status, " +
                                   impl_->expected_columns() + " FROM actions ORDER BY id");
  if (!st) return st.error();
  std::vector<ActionRecord> out;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) break;
    auto kind = model::action_kind_from_string(st->text(2));
    if (!kind) continue;
    out.push_back({st->int64(0),
                   st->int64(1),
                   {*kind, st->text(3), st->text(4), st->text(5), st->text(7), st->text(8)},
                   st->text(6)});
  }
  return out;
}

Result<std::vector<model::Entity>> CaseDb::entities() const {
  auto st = prepare(impl_->db, "SELECT kind, key, label FROM entities ORDER BY id");
  if (!st) return st.error();
  std::vector<model::Entity> out;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) break;
    if (auto k = model::entity_kind_from_string(st->text(0))) out.push_back({{*k, st->text(1)}, st->text(2)});
  }
  return out;
}

Result<std::vector<model::Edge>> CaseDb::edges() const {
  auto st = prepare(impl_->db,
                    "SELECT a.kind, a.key, b.kind, b.key, e.kind, e.finding_rule FROM edges e "
                    "JOIN entities a ON a.id = e.src JOIN entities b ON b.id = e.dst ORDER BY e.id");
  if (!st) return st.error();
  std::vector<model::Edge> out;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) break;
    auto ak = model::entity_kind_from_string(st->text(0));
    auto bk = model::entity_kind_from_string(st->text(2));
    auto ek = model::edge_kind_from_string(st->text(4));
    if (ak && bk && ek) out.push_back({{*ak, st->text(1)}, {*bk, st->text(3)}, *ek, st->text(5)});
  }
  return out;
}

Result<void> CaseDb::add_logons(std::span<const model::LogonRow> rows) {
  Transaction tx(impl_->db);
  if (auto r = tx.begin_result(); !r) return r;
  auto st = prepare(impl_->db,
                    "INSERT INTO logons (account, source, logon_type, host, successes, failures, first_ns, last_ns, "
                    "last_failure) VALUES (?,?,?,?,?,?,?,?,?)");
  if (!st) return st.error();
  for (const auto& r : rows) {
    st->bind(1, r.account).bind(2, r.source).bind(3, r.logon_type).bind(4, r.host);
    st->bind(5, static_cast<int64_t>(r.successes)).bind(6, static_cast<int64_t>(r.failures));
    if (r.first)
      st->bind(7, r.first->unix_ns);
    else
      st->bind_null(7);
    if (r.last)
      st->bind(8, r.last->unix_ns);
    else
      st->bind_null(8);
    st->bind(9, r.last_failure);
    if (auto w = st->run(); !w) return w;
  }
  return tx.commit();
}

Result<void> CaseDb::add_remediation(std::span<const RemediationRecord> steps) {
  Transaction tx(impl_->db);
  if (auto r = tx.begin_result(); !r) return r;
  auto st =
      prepare(impl_->db,
              "INSERT INTO remediation (time_ns, step, kind, target, status, message, journal) VALUES (?,?,?,?,?,?,?)");
  if (!st) return st.error();
  for (const auto& s : steps) {
    st->bind(1, s.time_ns).bind(2, s.step).bind(3, s.kind).bind(4, s.target).bind(5, s.status).bind(6, s.message);
    st->bind(7, s.journal);
    if (auto w = st->run(); !w) return w;
  }
  return tx.commit();
}

Result<std::vector<RemediationRecord>> CaseDb::remediation() const {
  auto st =
      prepare(impl_->db, "SELECT time_ns, step, kind, target, status, message, journal FROM remediation ORDER BY id");
  if (!st) return st.error();
  std::vector<RemediationRecord> out;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back({st->int64(0), st->int64(1), st->text(2), st->text(3), st->text(4), st->text(5), st->text(6)});
  }
  return out;
}

Result<std::vector<model::LogonRow>> CaseDb::logons() const {
  auto st = prepare(impl_->db,
                    "SELECT account, source, logon_type, host, successes, failures, first_ns, last_ns, last_failure "
                    "FROM logons ORDER BY id");
  if (!st) return st.error();
  std::vector<model::LogonRow> out;
  for (;;) {
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) break;
    model::LogonRow r;
    r.account = st->text(0);
    r.source = st->text(1);
    r.logon_type = st->text(2);
    r.host = st->text(3);
    r.successes = static_cast<uint64_t>(st->int64(4));
    r.failures = static_cast<uint64_t>(st->int64(5));
    if (!st->is_null(6)) r.first = Timestamp{st->int64(6)};
    if (!st->is_null(7)) r.last = Timestamp{st->int64(7)};
    r.last_failure = st->text(8);
    out.push_back(std::move(r));
  }
  return out;
}

Result<uint64_t> CaseDb::event_count() const {
  uint64_t n = 0;
  for (const char* table : {"events", "events_v4"}) {
    if (impl_->version < 5 && std::string_view(table) == "events_v4") continue;
    auto st = prepare(impl_->db, std::string("SELECT count(*) FROM ") + table);
    if (!st) return st.error();
    auto row = st->step();
    if (!row) return row.error();
    n += static_cast<uint64_t>(st->int64(0));
  }
  return n;
}

namespace {

// The columns both event tables share, selected first and in this order: id, artefact_id, time_ns, the logsource,
// source_path (read by the caller: NULL means the artefact's path since schema 5), source_offset.
StoredEvent event_head(const Statement& st) {
  StoredEvent se;
  se.id = st.int64(0);
  se.artefact_id = st.int64(1);
  if (!st.is_null(2)) se.event.time = Timestamp{st.int64(2)};
  se.event.category = st.text(3);
  se.event.product = st.text(4);
  se.event.service = st.text(5);
  se.event.offset = static_cast<uint64_t>(st.int64(7));
  return se;
}

constexpr std::string_view kEventHeadColumns =
    "id, artefact_id, time_ns, logsource_category, logsource_product, logsource_service, source_path, source_offset";

// Events of schema 4 and older: one column per field, extra fields as a JSON object. False: fn asked to stop.
Result<bool> for_each_wide_event(sqlite3* db, const std::string& table,
                                 const std::function<bool(const StoredEvent&)>& fn) {
  std::string sql = "SELECT " + std::string(kEventHeadColumns) + ", extra_json";
  for (std::string_view name : kWideEventColumns) sql += ",\"" + std::string(name) + "\"";
  sql += " FROM " + table + " ORDER BY id";
  auto st = prepare(db, sql);
  if (!st) return st.error();
  constexpr int kFirstFieldCol = 9;
  bool more = true;
  auto read = for_each_row(*st, [&](const Statement& row) {
    StoredEvent se = event_head(row);
    se.event.artefact = row.text(6);
    if (!row.is_null(8)) {
      auto extra = nlohmann::json::parse(row.text(8), nullptr, false);
      if (extra.is_object())
        for (auto it = extra.begin(); it != extra.end(); ++it)
          if (it.value().is_string()) se.event.set(it.key(), it.value().get<std::string>());  // may be a field now
    }
    for (size_t i = 0; i < std::size(kWideEventColumns); ++i) {
      const int col = kFirstFieldCol + static_cast<int>(i);
      if (!row.is_null(col)) se.event.set(kWideEventColumns[i], row.text(col));
    }
    std::stable_sort(se.event.fields.begin(), se.event.fields.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    return more = fn(se);
  });
  if (!read) return read.error();
  return more;
}

}  // namespace

Result<void> CaseDb::for_each_event(const std::function<bool(const StoredEvent&)>& fn) const {
  sqlite3* db = impl_->db;
  if (impl_->version < 5) {
    auto r = for_each_wide_event(db, "events", fn);
    if (!r) return r.error();
    return {};
  }
  auto old = for_each_wide_event(db, "events_v4", fn);
  if (!old) return old.error();
  if (!*old) return {};
  // What each field id names: a field of fields.def, or an extra field kept by its name.
  struct Name {
    std::optional<model::Field> field;
    std::string extra;
  };
  std::unordered_map<int64_t, Name> names;
  std::unordered_map<int64_t, std::string> paths;
  {
    auto st = prepare(db, "SELECT id, name FROM event_fields");
    if (!st) return st.error();
    auto read = for_each_row(*st, [&](const Statement& row) {
      std::string name = row.text(1);
      Name n;
      n.field = model::field_from_name(name);
      if (!n.field) n.extra = std::move(name);
      names.emplace(row.int64(0), std::move(n));
      return true;
    });
    if (!read) return read.error();
    auto arts = prepare(db, "SELECT id, path FROM artefacts");
    if (!arts) return arts.error();
    read = for_each_row(*arts, [&](const Statement& row) {
      paths.emplace(row.int64(0), row.text(1));
      return true;
    });
    if (!read) return read.error();
  }
  auto st = prepare(db, "SELECT " + std::string(kEventHeadColumns) + ", fields FROM events ORDER BY id");
  if (!st) return st.error();
  return for_each_row(*st, [&](const Statement& row) {
    StoredEvent se = event_head(row);
    if (row.is_null(6)) {
      if (auto p = paths.find(se.artefact_id); p != paths.end()) se.event.artefact = p->second;
    } else {
      se.event.artefact = row.text(6);
    }
    const std::string_view blob = row.bytes(8);
    for (size_t pos = 0; pos < blob.size();) {
      uint64_t id = 0, len = 0;
      if (!get_varint(blob, pos, id) || !get_varint(blob, pos, len) || len > blob.size() - pos) break;
      const std::string_view value = blob.substr(pos, len);
      pos += len;
      auto n = names.find(static_cast<int64_t>(id));
      if (n == names.end()) continue;
      if (n->second.field)
        se.event.set(*n->second.field, std::string(value));
      else
        se.event.extra.emplace_back(n->second.extra, std::string(value));
    }
    // As the wide table gave them back: fields in fields.def order, extra fields by name, the last of a name kept.
    std::stable_sort(se.event.fields.begin(), se.event.fields.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    auto& extra = se.event.extra;
    std::stable_sort(extra.begin(), extra.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    for (size_t i = 0; i + 1 < extra.size();)
      if (extra[i].first == extra[i + 1].first)
        extra.erase(extra.begin() + static_cast<std::ptrdiff_t>(i));
      else
        ++i;
    return fn(se);
  });
}

}  // namespace msw::casedb
