#include "intel/store.h"

#include <cstdlib>
#include <filesystem>

#include "casedb/sqlite.h"
#include "core/time.h"

namespace msw::intel {
namespace fs = std::filesystem;
using casedb::exec;
using casedb::prepare;

std::string default_store_path() {
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return std::string(x) + "/minesweep/intel.sqlite";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.local/share/minesweep/intel.sqlite";
  return "minesweep-intel.sqlite";
}

Result<std::vector<Indicator>> run_indicators(const std::string& path) {
  const std::string chosen = path.empty() ? default_store_path() : path;
  std::error_code ec;
  if (path.empty() && !std::filesystem::exists(chosen, ec)) return std::vector<Indicator>{};
  auto store = Store::open(chosen, false);
  if (!store) return store.error();
  return store->all(to_iso8601(now_utc(), 0).substr(0, 10));
}

struct Store::Impl {
  sqlite3* db = nullptr;
  std::string path;
  ~Impl() { sqlite3_close(db); }
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;
Store::~Store() = default;
const std::string& Store::path() const { return impl_->path; }

Result<Store> Store::open(const std::string& path, bool create) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    if (!create)
      return Error::make("intel.no_store", "no intel store at " + path + "; import a feed first (minesweep intel import FILE)");
    fs::create_directories(fs::path(path).parent_path().empty() ? fs::path(".") : fs::path(path).parent_path(), ec);
  }
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  const int flags = create ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
  if (sqlite3_open_v2(path.c_str(), &impl->db, flags, nullptr) != SQLITE_OK)
    return Error::make("intel.open", "cannot open intel store " + path + ": " + sqlite3_errmsg(impl->db));
  sqlite3_busy_timeout(impl->db, 5000);
  if (create) {
    auto r = exec(impl->db,
                  "PRAGMA journal_mode=WAL;"
                  "CREATE TABLE IF NOT EXISTS indicators(id INTEGER PRIMARY KEY, type TEXT NOT NULL, value TEXT NOT NULL,"
                  " subdomains INTEGER NOT NULL DEFAULT 0, regex INTEGER NOT NULL DEFAULT 0, family TEXT, source TEXT NOT NULL,"
                  " confidence TEXT, tags TEXT, first_seen TEXT, last_seen TEXT, expiry TEXT, description TEXT,"
                  " UNIQUE(type, value, source));"
                  "CREATE INDEX IF NOT EXISTS indicators_value ON indicators(value);");
    if (!r) return Error::make("intel.open", r.error().message);
  }
  return Store(std::move(impl));
}

Result<uint64_t> Store::upsert(std::span<const Indicator> inds) {
  if (auto r = exec(impl_->db, "BEGIN IMMEDIATE"); !r) return r.error();
  auto stmt = prepare(impl_->db,
                      "INSERT INTO indicators(type, value, subdomains, regex, family, source, confidence, tags, first_seen,"
                      " last_seen, expiry, description) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)"
                      " ON CONFLICT(type, value, source) DO UPDATE SET family=excluded.family, confidence=excluded.confidence,"
                      " tags=excluded.tags, subdomains=excluded.subdomains, regex=excluded.regex,"
                      " first_seen=COALESCE(indicators.first_seen, excluded.first_seen), last_seen=excluded.last_seen,"
                      " expiry=excluded.expiry, description=excluded.description");
  if (!stmt) return stmt.error();
  auto count = prepare(impl_->db, "SELECT 1 FROM indicators WHERE type=? AND value=? AND source=?");
  if (!count) return count.error();
  uint64_t fresh = 0;
  for (const auto& i : inds) {
    count->bind(1, to_string(i.type)).bind(2, i.value).bind(3, i.source);
    auto exists = count->step();
    count->reset();
    if (!exists) return exists.error();
    if (!*exists) ++fresh;
    stmt->bind(1, to_string(i.type)).bind(2, i.value).bind(3, int64_t{i.subdomains}).bind(4, int64_t{i.regex});
    stmt->bind(5, i.family).bind(6, i.source).bind(7, i.confidence).bind(8, i.tags).bind(9, i.first_seen);
    stmt->bind(10, i.last_seen).bind(11, i.expiry).bind(12, i.description);
    if (auto r = stmt->run(); !r) {
      (void)exec(impl_->db, "ROLLBACK");
      return r.error();
    }
  }
  if (auto r = exec(impl_->db, "COMMIT"); !r) return r.error();
  return fresh;
}

Result<std::vector<Indicator>> Store::all(const std::string& today) const {
  auto stmt = prepare(impl_->db,
                      "SELECT type, value, subdomains, regex, family, source, confidence, tags, first_seen, last_seen,"
                      " expiry, description FROM indicators WHERE expiry IS NULL OR expiry = '' OR expiry >= ?");
  if (!stmt) return stmt.error();
  stmt->bind(1, today);
  std::vector<Indicator> out;
  for (;;) {
    auto row = stmt->step();
    if (!row) return row.error();
    if (!*row) break;
    auto type = indicator_type_from_string(stmt->text(0));
    if (!type) continue;
    Indicator i;
    i.type = *type;
    i.value = stmt->text(1);
    i.subdomains = stmt->int64(2) != 0;
    i.regex = stmt->int64(3) != 0;
    i.family = stmt->text(4);
    i.source = stmt->text(5);
    i.confidence = stmt->text(6);
    i.tags = stmt->text(7);
    i.first_seen = stmt->text(8);
    i.last_seen = stmt->text(9);
    i.expiry = stmt->text(10);
    i.description = stmt->text(11);
    out.push_back(std::move(i));
  }
  return out;
}

Result<StoreStats> Store::stats() const {
  StoreStats st;
  auto group = [&](const char* col, std::vector<std::pair<std::string, uint64_t>>& into) -> Result<void> {
    auto s = prepare(impl_->db, std::string("SELECT COALESCE(") + col + ", ''), COUNT(*) FROM indicators GROUP BY 1 ORDER BY 2 DESC LIMIT 50");
    if (!s) return s.error();
    for (;;) {
      auto row = s->step();
      if (!row) return row.error();
      if (!*row) break;
      into.emplace_back(s->text(0), static_cast<uint64_t>(s->int64(1)));
      st.total += col == std::string("type") ? static_cast<uint64_t>(s->int64(1)) : 0;
    }
    return {};
  };
  if (auto r = group("type", st.by_type); !r) return r.error();
  if (auto r = group("family", st.by_family); !r) return r.error();
  if (auto r = group("source", st.by_source); !r) return r.error();
  return st;
}

}  // namespace msw::intel
