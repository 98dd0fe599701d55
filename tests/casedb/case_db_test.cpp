#include "casedb/case_db.h"

#include <signal.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include "support/test_support.h"

namespace msw::casedb {
namespace {

model::Finding sample_finding() {
  model::Finding f;
  f.rule_id = "heuristic.test";
  f.engine = "heuristics";
  f.severity = model::Severity::High;
  f.title_en = "Title <b>";
  f.title_zh = "标题";
  f.description_en = "desc";
  f.description_zh = "描述";
  f.attack = {"T1053.005", "T1546.003"};
  f.time = Timestamp{1'645'233'089'000'000'000};
  f.family = "MyKings";
  f.evidence = {{"C:/Windows/System32/drivers/etc/hosts", "ab12", 48, 10, 3, "1.2.3.4 x.com"}};
  f.observables = {{model::ObservableKind::Domain, "x.com", "line 3"},
                   {model::ObservableKind::Ip, "1.2.3.4", "line 3"}};
  f.actions = {{model::ActionKind::RestoreHostsFile, "hosts", "remove line 3", "删除第 3 行"}};
  return f;
}

TEST(CaseDb, RoundTripsEveryTable) {
  test::TempDir dir;
  std::string path = (dir / "case.sqlite").string();
  {
    auto db = CaseDb::create(path);
    ASSERT_TRUE(db) << db.error().message;
    ASSERT_TRUE(db->begin_run({"0.1.0", "minesweep scan x", "analyst", "victim", Timestamp{5}}));
    auto ev = db->add_evidence({0, "/evidence", "folder", 10, "", "", "", "note"});
    ASSERT_TRUE(ev);
    ASSERT_TRUE(db->update_evidence(*ev, 11, "m", "s1", "s256"));
    auto art = db->add_artefact({0, *ev, "hosts", "etc/hosts", "text", 3, "m", "s1", "s256", false, 0, ""});
    ASSERT_TRUE(art);
    std::vector<model::Event> events(3);
    for (size_t i = 0; i < events.size(); ++i) {
      events[i].category = "hosts_entry";
      events[i].product = "windows";
      events[i].artefact = "etc/hosts";
      events[i].offset = i * 10;
      events[i].set(model::Field::QueryName, "n" + std::to_string(i));
      events[i].set("RareField", "r");
    }
    events[1].time = Timestamp{42};
    ASSERT_TRUE(db->add_events(*art, events));
    ASSERT_TRUE(db->update_artefact(*art, true, 3, "ok"));
    std::vector<model::Finding> findings = {sample_finding()};
    ASSERT_TRUE(db->add_findings(findings));
    std::vector<Diagnostic> diags = {{"hosts.bad_address", DiagSeverity::Warning, "etc/hosts", 7, "line 7"}};
    ASSERT_TRUE(db->add_diagnostics(diags));
    std::vector<model::Entity> ents = {{{model::EntityKind::Host, "victim"}, "victim"}};
    std::vector<model::Edge> edges = {{{model::EntityKind::Host, "victim"},
                                       {model::EntityKind::Domain, "x.com"},
                                       model::EdgeKind::Contains,
                                       "heuristic.test"}};
    ASSERT_TRUE(db->add_graph(ents, edges));
    ASSERT_TRUE(db->finish_run(Timestamp{9}));
  }
  auto db = CaseDb::open(path, true);
  ASSERT_TRUE(db) << db.error().message;
  auto meta = db->meta();
  ASSERT_TRUE(meta);
  EXPECT_EQ(meta->status, CaseStatus::Complete);
  EXPECT_EQ(meta->schema_version, kSchemaVersion);
  EXPECT_EQ(meta->run.subject_host, "victim");
  EXPECT_EQ(meta->finished->unix_ns, 9);

  auto ev = db->evidence();
  ASSERT_TRUE(ev);
  ASSERT_EQ(ev->size(), 1u);
  EXPECT_EQ((*ev)[0].sha256, "s256");
  EXPECT_EQ((*ev)[0].size, 11u);
  auto arts = db->artefacts();
  ASSERT_TRUE(arts);
  EXPECT_TRUE((*arts)[0].parsed);
  EXPECT_EQ((*arts)[0].events, 3u);
  EXPECT_EQ((*arts)[0].sha1, "s1");

  std::vector<StoredEvent> events;
  ASSERT_TRUE(db->for_each_event([&](const StoredEvent& e) {
    events.push_back(e);
    return true;
  }));
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(*events[2].event.get(model::Field::QueryName), "n2");
  EXPECT_EQ(*events[2].event.get("RareField"), "r");
  EXPECT_EQ(events[1].event.time->unix_ns, 42);
  EXPECT_FALSE(events[0].event.time);
  EXPECT_EQ(events[2].event.offset, 20u);
  EXPECT_EQ(*db->event_count(), 3u);

  auto findings = db->findings();
  ASSERT_TRUE(findings);
  ASSERT_EQ(findings->size(), 1u);
  const model::Finding& f = (*findings)[0].finding;
  const model::Finding want = sample_finding();
  EXPECT_EQ(f.rule_id, want.rule_id);
  EXPECT_EQ(f.title_zh, want.title_zh);
  EXPECT_EQ(f.attack, want.attack);
  EXPECT_EQ(f.time->unix_ns, want.time->unix_ns);
  EXPECT_EQ(f.family, "MyKings");
  ASSERT_EQ(f.evidence.size(), 1u);
  EXPECT_EQ(f.evidence[0].line, 3u);
  EXPECT_EQ(f.evidence[0].excerpt, "1.2.3.4 x.com");
  ASSERT_EQ(f.observables.size(), 2u);
  EXPECT_EQ(f.observables[1].value, "1.2.3.4");
  ASSERT_EQ(f.actions.size(), 1u);
  EXPECT_EQ(f.actions[0].detail_zh, "删除第 3 行");
  auto actions = db->actions();
  ASSERT_TRUE(actions);
  EXPECT_EQ((*actions)[0].status, "proposed");

  auto diags = db->diagnostics();
  ASSERT_TRUE(diags);
  EXPECT_EQ((*diags)[0].code, "hosts.bad_address");
  EXPECT_EQ((*diags)[0].offset, 7u);
  auto edges = db->edges();
  ASSERT_TRUE(edges);
  ASSERT_EQ(edges->size(), 1u);
  EXPECT_EQ((*edges)[0].to.key, "x.com");  // created implicitly from the edge
  EXPECT_EQ(db->entities()->size(), 2u);
}

TEST(CaseDb, RefusesToOverwriteAndRejectsForeignFiles) {
  test::TempDir dir;
  std::string path = (dir / "case.sqlite").string();
  ASSERT_TRUE(CaseDb::create(path));
  auto again = CaseDb::create(path);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, "case.exists");

  test::write_file(dir / "notes.txt", "just text, not a database at all.........................................");
  auto text = CaseDb::open((dir / "notes.txt").string());
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().code, "case.not_a_case");

  sqlite3* raw = nullptr;
  std::string other = (dir / "other.sqlite").string();
  ASSERT_EQ(sqlite3_open(other.c_str(), &raw), SQLITE_OK);
  sqlite3_exec(raw, "CREATE TABLE t(x); PRAGMA user_version = 1;", nullptr, nullptr, nullptr);
  sqlite3_close(raw);
  auto foreign = CaseDb::open(other);
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code, "case.not_a_case");

  auto missing = CaseDb::open((dir / "missing.sqlite").string());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "case.open");
}

// Two runs writing one case: the second is told at once, by name, and readers are never blocked.
TEST(CaseDb, ASecondWriterIsToldAtOnce) {
  test::TempDir dir;
  std::string path = (dir / "case.sqlite").string();
  auto first = CaseDb::create(path);
  ASSERT_TRUE(first);
  ASSERT_TRUE(first->begin_run({"0.1.0", "first", "h", "", Timestamp{1}}));
  auto second = CaseDb::open(path);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, "case.busy");
  EXPECT_NE(second.error().message.find("another minesweep run"), std::string::npos);
  auto reader = CaseDb::open(path, /*read_only=*/true);
  ASSERT_TRUE(reader) << reader.error().message;
  // Another process asking, as a second `respond --apply` would.
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto other = CaseDb::open(path);
    ::_exit(!other && other.error().code == "case.busy" ? 0 : 1);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  first = Error::make("x", "");  // the writer is gone: its lock with it
  EXPECT_TRUE(CaseDb::open(path));
}

// A case on read-only media: SQLite cannot make its WAL index beside it, and the case is still read.
TEST(CaseDb, ACaseOnReadOnlyMediaIsRead) {
  if (::geteuid() == 0) GTEST_SKIP() << "root writes into read-only folders; the CLI test covers it as another user";
  test::TempDir dir;
  std::string path = (dir / "ro/case.sqlite").string();
  std::filesystem::create_directories(dir / "ro");
  {
    auto db = CaseDb::create(path);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->begin_run({"0.1.0", "x", "h", "", Timestamp{1}}));
    ASSERT_TRUE(db->add_findings(std::vector<model::Finding>{sample_finding()}));
    ASSERT_TRUE(db->finish_run(Timestamp{2}));
  }
  std::filesystem::permissions(dir / "ro", std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  auto db = CaseDb::open(path, /*read_only=*/true);
  std::filesystem::permissions(dir / "ro", std::filesystem::perms::owner_all);
  ASSERT_TRUE(db) << db.error().message;
  EXPECT_EQ(db->findings()->size(), 1u);
}

// An observable's role is kept; a case of schema 5, which had none, reads every observable as an indicator (as they
// were then) before and after its upgrade.
TEST(CaseDb, ObservableRolesAreKeptAndOlderCasesReadAsIndicators) {
  test::TempDir dir;
  std::string path = (dir / "case.sqlite").string();
  model::Finding f = sample_finding();
  f.observables[0].role = model::ObservableRole::Affected;
  {
    auto db = CaseDb::create(path);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->begin_run({"0.1.0", "x", "h", "", Timestamp{1}}));
    ASSERT_TRUE(db->add_findings(std::vector<model::Finding>{f}));
    ASSERT_TRUE(db->finish_run(Timestamp{2}));
  }
  auto roles = [&](bool read_only) {
    std::vector<model::ObservableRole> out;
    auto db = CaseDb::open(path, read_only);
    EXPECT_TRUE(db) << db.error().message;
    if (!db) return out;
    auto findings = db->findings();  // kept: the loop reads into it
    EXPECT_TRUE(findings);
    if (findings && !findings->empty())
      for (const auto& o : findings->front().finding.observables) out.push_back(o.role);
    return out;
  };
  EXPECT_EQ(roles(true), (std::vector{model::ObservableRole::Affected, model::ObservableRole::Indicator}));
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "ALTER TABLE finding_observables DROP COLUMN role; PRAGMA user_version = 5;", nullptr,
                         nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  EXPECT_EQ(roles(true), (std::vector{model::ObservableRole::Indicator, model::ObservableRole::Indicator}));
  EXPECT_EQ(roles(false), (std::vector{model::ObservableRole::Indicator, model::ObservableRole::Indicator}));
}

// Events are stored compactly (a blob of field ids and values): every value comes back as it went in — empty,
// binary with NUL bytes, longer than one varint byte — and an event from another file than its artefact keeps its path.
TEST(CaseDb, EventsKeepEveryValue) {
  test::TempDir dir;
  std::string path = (dir / "case.sqlite").string();
  const std::string binary("a\0b\xff\x80", 5), long_value(70'000, 'x');
  {
    auto db = CaseDb::create(path);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->begin_run({"0.1.0", "test", "analyst", "victim", Timestamp{5}}));
    auto ev = db->add_evidence({0, "/evidence", "folder", 10, "", "", "", ""});
    auto art = db->add_artefact({0, *ev, "evtx", "Logs/Security.evtx", "evtx", 3, "", "", "", true, 0, ""});
    ASSERT_TRUE(art);
    std::vector<model::Event> events(2);
    events[0].artefact = "Logs/Security.evtx";
    events[0].set(model::Field::CommandLine, long_value);
    events[0].set(model::Field::Image, "");
    events[0].set("RawBytes", binary);  // a name fields.def does not list
    events[0].set("Zeta", "z");
    events[0].set("Alpha", "a");
    events[1].artefact = "Logs/Security.evtx (recovered)";
    events[1].set(model::Field::EventID, "4625");
    ASSERT_TRUE(db->add_events(*art, events));
    ASSERT_TRUE(db->finish_run(Timestamp{9}));
  }
  auto db = CaseDb::open(path, true);
  ASSERT_TRUE(db);
  std::vector<model::Event> got;
  ASSERT_TRUE(db->for_each_event([&](const StoredEvent& e) {
    got.push_back(e.event);
    return true;
  }));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(*got[0].get(model::Field::CommandLine), long_value);
  ASSERT_TRUE(got[0].get(model::Field::Image));
  EXPECT_EQ(*got[0].get(model::Field::Image), "");
  EXPECT_EQ(*got[0].get("RawBytes"), binary);
  ASSERT_EQ(got[0].extra.size(), 3u);
  EXPECT_EQ(got[0].extra[0].first, "Alpha");  // by name, as the JSON object of older cases gave them
  EXPECT_EQ(got[0].artefact, "Logs/Security.evtx");
  EXPECT_EQ(got[1].artefact, "Logs/Security.evtx (recovered)");
  EXPECT_EQ(*got[1].get(model::Field::EventID), "4625");
  // A cut or hostile blob ends that event's fields; nothing else is lost.
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "UPDATE events SET fields = x'01ffffffffffffffffffff7f' WHERE id = 1", nullptr, nullptr,
                         nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  size_t n = 0;
  ASSERT_TRUE(CaseDb::open(path, true)->for_each_event([&](const StoredEvent&) { return ++n, true; }));
  EXPECT_EQ(n, 2u);
}

// A case of schema 4 (one column per field) is read as it is, and after an upgrade its events come first, then the
// compact ones.
TEST(CaseDb, EventsOfAnOlderCaseAreReadBeforeAndAfterTheUpgrade) {
  test::TempDir dir;
  std::string path = (dir / "case.sqlite").string();
  {
    auto db = CaseDb::create(path);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->begin_run({"0.1.0", "test", "analyst", "victim", Timestamp{5}}));
    auto ev = db->add_evidence({0, "/evidence", "folder", 10, "", "", "", ""});
    ASSERT_TRUE(db->add_artefact({0, *ev, "hosts", "etc/hosts", "text", 3, "", "", "", true, 1, ""}));
    ASSERT_TRUE(db->finish_run(Timestamp{9}));
  }
  // Back to schema 4's shape, with one event as version 4 wrote it.
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw,
                         "DROP TABLE events; DROP TABLE event_fields; ALTER TABLE events_v4 RENAME TO events;"
                         "ALTER TABLE finding_observables DROP COLUMN role;"
                         "INSERT INTO events (artefact_id, time_ns, logsource_category, logsource_product, "
                         "logsource_service, source_path, source_offset, extra_json, QueryName) VALUES "
                         "(1, 42, 'hosts_entry', 'linux', '', 'etc/hosts', 7, "
                         "'{\"RareField\":\"r\",\"LogonProcessName\":\"NtLmSsp\"}', "
                         "'old.example');"
                         "PRAGMA user_version = 4;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  auto names = [&](CaseDb& db) {
    std::vector<std::string> out;
    EXPECT_TRUE(db.for_each_event([&](const StoredEvent& e) {
      // LogonProcessName was an extra field in version 4 and is a field of fields.def now.
      out.push_back(e.event.value(model::Field::QueryName) + "/" + e.event.value("RareField") + "/" +
                    e.event.value(model::Field::LogonProcessName) + "/" + e.event.artefact);
      return true;
    }));
    return out;
  };
  {
    auto db = CaseDb::open(path, true);
    ASSERT_TRUE(db) << db.error().message;
    EXPECT_EQ(names(*db), std::vector<std::string>{"old.example/r/NtLmSsp/etc/hosts"});
    EXPECT_EQ(*db->event_count(), 1u);
  }
  {
    auto db = CaseDb::open(path);  // writing upgrades it
    ASSERT_TRUE(db) << db.error().message;
    ASSERT_TRUE(db->begin_run({"0.1.0", "test", "analyst", "victim", Timestamp{10}}));
    std::vector<model::Event> events(1);
    events[0].artefact = "etc/hosts";
    events[0].set(model::Field::QueryName, "new.example");
    ASSERT_TRUE(db->add_events(1, events));
    ASSERT_TRUE(db->finish_run(Timestamp{11}));
  }
  auto db = CaseDb::open(path, true);
  ASSERT_TRUE(db);
  EXPECT_EQ(db->meta()->schema_version, kSchemaVersion);
  EXPECT_EQ(names(*db), (std::vector<std::string>{"old.example/r/NtLmSsp/etc/hosts", "new.example///etc/hosts"}));
  EXPECT_EQ(*db->event_count(), 2u);
}

TEST(CaseDb, RefusesNewerSchema) {
  test::TempDir dir;
  std::string path = (dir / "case.sqlite").string();
  ASSERT_TRUE(CaseDb::create(path));
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  sqlite3_exec(raw, ("PRAGMA user_version = " + std::to_string(kSchemaVersion + 1)).c_str(), nullptr, nullptr, nullptr);
  sqlite3_close(raw);
  auto db = CaseDb::open(path);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, "case.newer_schema");
}

TEST(CaseDb, RunWithoutFinishIsIncomplete) {
  test::TempDir dir;
  std::string path = (dir / "case.sqlite").string();
  {
    auto db = CaseDb::create(path);
    ASSERT_TRUE(db);
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    ASSERT_TRUE(db->begin_run({"0.1.0", "x", host, "", Timestamp{1}}));
    EXPECT_EQ(db->meta()->status, CaseStatus::Running);  // the writer itself sees its run in progress
  }
  // A case created but never given a run is incomplete; a writer killed mid-run is covered below.
  auto created = CaseDb::create((dir / "never-run.sqlite").string());
  ASSERT_TRUE(created);
  EXPECT_EQ(created->meta()->status, CaseStatus::Incomplete);
}

// The crash-safety promise: a writer killed with SIGKILL in the middle of writing leaves a case that opens and says
// it is incomplete, with every committed batch intact.
TEST(CaseDb, SurvivesSigkillMidWrite) {
  test::TempDir dir;
  std::string path = (dir / "case.sqlite").string();
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(ready[0]);
    auto db = CaseDb::create(path);
    if (!db || !db->begin_run({"0.1.0", "child", "h", "victim", Timestamp{1}})) ::_exit(3);
    auto ev = db->add_evidence({0, "/e", "folder", 0, "", "", "", ""});
    auto art = db->add_artefact({0, *ev, "hosts", "p", "text", 0, "", "", "", true, 0, ""});
    std::vector<model::Event> batch(2000);
    for (auto& e : batch) e.set(model::Field::QueryName, std::string(200, 'x'));
    for (int i = 0;; ++i) {
      if (!db->add_events(*art, batch)) ::_exit(4);
      if (i == 2) {
        char c = 'r';
        (void)::write(ready[1], &c, 1);  // three batches committed; keep writing until killed
      }
    }
  }
  ::close(ready[1]);
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ::usleep(20'000);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(ready[0]);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the writer must have been killed mid-write";

  auto db = CaseDb::open(path, true);
  ASSERT_TRUE(db) << db.error().message;
  auto meta = db->meta();
  ASSERT_TRUE(meta);
  EXPECT_EQ(meta->status, CaseStatus::Incomplete);
  auto n = db->event_count();
  ASSERT_TRUE(n);
  EXPECT_GE(*n, 6000u);
  EXPECT_EQ(*n % 2000, 0u);  // whole batches only: a transaction is all or nothing
}

}  // namespace
}  // namespace msw::casedb
