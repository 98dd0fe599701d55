#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "detect/sigma/correlation.h"
#include "normalize/evtx.h"
#include "support/evtx_events.h"
#include "support/evtx_writer.h"

namespace msw::detect::sigma {
namespace {
namespace fs = std::filesystem;

constexpr uint64_t kTicksPerSecond = 10'000'000;
constexpr uint64_t kT0 = 132223104000000000ull;  // 2020-01-01T00:00:00Z as FILETIME

std::vector<model::Event> parse_evtx(const std::string& bytes, const std::string& path) {
  return test::evtx_events(bytes, path);
}
std::vector<model::Event> parse_evtx_file(const fs::path& p) { return test::evtx_file_events(p); }

// Runs the rules' correlations over the events as one artefact; returns the findings.
std::vector<model::Finding> correlate(const std::vector<Rule>& rules, const std::vector<model::Event>& events,
                                      Diagnostics& d, std::string_view path = "Security.evtx",
                                      size_t hits_in_memory = kCorrelationHitsInMemory) {
  auto engine = make_correlation_engine(rules, d, hits_in_memory);
  EXPECT_TRUE(engine);
  std::vector<model::Finding> out;
  if (!engine) return out;
  ArtefactView view{path, "", "evtx", "windows", "", events};
  for (const auto& e : events) engine->observe(view, e);
  engine->finish(out);
  return out;
}

std::vector<Rule> builtin_rules() {
  Diagnostics d;
  auto rules = load_rule_paths({std::string(MSW_SOURCE_DIR) + "/data/rules/sigma"}, d);
  for (const auto& x : d.items()) ADD_FAILURE() << x.evidence << ": " << x.detail;
  return rules;
}

test::EvtxEvent logon(uint16_t id, uint64_t second, std::string user, std::string ip, std::string type = "3",
                      std::string status = "0xc000006d", std::string sub = "0xc000006a") {
  test::EvtxEvent e;
  e.event_id = id;
  e.filetime = kT0 + second * kTicksPerSecond;
  e.data = {{"TargetUserName", std::move(user)},
            {"TargetDomainName", "WIN-SERVER"},
            {"LogonType", std::move(type)},
            {"IpAddress", std::move(ip)},
            {"IpPort", "49152"}};
  if (id == 4625) {
    e.data.emplace_back("Status", std::move(status));
    e.data.emplace_back("SubStatus", std::move(sub));
  }
  return e;
}

// An sshd-style authentication event as normalize/linux_logs makes it.
model::Event auth_event(int64_t second, std::string kind, std::string_view ip_field, std::string ip) {
  model::Event e;
  e.product = "linux";
  e.service = "auth";
  e.category = "authentication";
  e.time = Timestamp{second * 1'000'000'000};
  e.set(model::Field::EventType, std::move(kind));
  e.set(ip_field, std::move(ip));
  return e;
}

std::vector<std::string> rule_titles(const std::vector<model::Finding>& fs) {
  std::vector<std::string> out;
  for (const auto& f : fs) out.push_back(f.title_en);
  std::sort(out.begin(), out.end());
  return out;
}

const model::Finding* find_title(const std::vector<model::Finding>& fs, std::string_view title) {
  for (const auto& f : fs)
    if (f.title_en == title) return &f;
  return nullptr;
}

TEST(SigmaCorrelation, ParsesEveryTypeAndRejectsWhatItCannotRun) {
  Diagnostics d;
  auto rules = load_rules(R"(title: a
name: a
correlation: {type: value_count, rules: [b], group-by: [IpAddress], timespan: 90s, condition: {gt: 3, field: User}}
---
title: t
correlation: {type: temporal, rules: [a, b], timespan: 2h}
---
title: no span
correlation: {type: event_count, rules: [b], condition: {gte: 2}}
---
title: absence
correlation: {type: event_count, rules: [b], timespan: 1h, condition: {lt: 1}}
---
title: weird
correlation: {type: sometimes, rules: [b], timespan: 1h}
)",
                          "c.yml", d);
  ASSERT_EQ(rules.size(), 2u);
  ASSERT_TRUE(rules[0].correlation);
  EXPECT_EQ(rules[0].correlation->type, Correlation::Type::ValueCount);
  EXPECT_EQ(rules[0].correlation->timespan_ns, 90'000'000'000);
  EXPECT_EQ(rules[0].correlation->min, 4);
  EXPECT_EQ(rules[0].correlation->field, "User");
  EXPECT_EQ(rules[1].correlation->min, 2);  // temporal: every rule by default
  EXPECT_EQ(rules[1].correlation->timespan_ns, 7'200'000'000'000);
  EXPECT_EQ(d.size(), 3u);
  EXPECT_EQ(parse_timespan("15m"), 900'000'000'000);
  EXPECT_EQ(parse_timespan("1d"), 86'400'000'000'000);
  EXPECT_EQ(parse_timespan("m"), 0);
  EXPECT_EQ(parse_timespan("-5m"), 0);
  EXPECT_EQ(parse_timespan("5y"), 0);
}

TEST(SigmaCorrelation, UnknownReferencesAndCyclesAreDiagnostics) {
  Diagnostics d;
  auto rules = load_rules(R"(title: x
name: x
correlation: {type: event_count, rules: [missing], timespan: 1h, condition: {gte: 2}}
---
title: y
name: y
correlation: {type: event_count, rules: [z], timespan: 1h, condition: {gte: 2}}
---
title: z
name: z
correlation: {type: event_count, rules: [y], timespan: 1h, condition: {gte: 2}}
)",
                          "c.yml", d);
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_FALSE(make_correlation_engine(rules, d));
  size_t unsupported = 0;
  for (const auto& x : d.items()) unsupported += x.code == "sigma.unsupported";
  EXPECT_GE(unsupported, 2u);
}

// The windows, in isolation: counts, distinct values, unordered and ordered pairs, aliases, group separation, and
// the contributing events listed as record ranges.
TEST(SigmaCorrelation, WindowsGroupsAliasesAndEvidence) {
  Diagnostics d;
  auto rules = load_rules(R"(title: fail
name: fail
logsource: {product: linux, service: auth}
detection: {sel: {EventType: failure}, condition: sel}
---
title: ok
name: ok
logsource: {product: linux, service: auth}
detection: {sel: {EventType: success}, condition: sel}
---
title: five failures in a minute
name: burst
correlation: {type: event_count, rules: [fail], group-by: [IpAddress], timespan: 1m, condition: {gte: 5}}
---
title: three accounts
correlation: {type: value_count, rules: [fail], group-by: [IpAddress], timespan: 10m, condition: {gte: 3, field: TargetUserName}}
---
title: burst then success
correlation: {type: temporal_ordered, rules: [burst, ok], group-by: [src], timespan: 5m,
              aliases: {src: {burst: IpAddress, ok: SourceIp}}}
---
title: success then failure, any order
correlation: {type: temporal, rules: [ok, fail], group-by: [TargetUserName], timespan: 30s}
)",
                          "c.yml", d);
  ASSERT_EQ(rules.size(), 6u) << (d.items().empty() ? "" : d.items()[0].detail);
  std::vector<model::Event> evs;
  auto ev = [&](int64_t second, std::string kind, std::string ip, std::string user,
                std::string ip_field = "IpAddress") {
    model::Event e = auth_event(second, std::move(kind), ip_field, std::move(ip));
    e.set(model::Field::TargetUserName, std::move(user));
    e.set(model::Field::LineNumber, std::to_string(evs.size() + 1));
    evs.push_back(std::move(e));
  };
  // 10.0.0.1: six failures in 50 s over two accounts, then a success 2 minutes later (ok names its source SourceIp).
  for (int i = 0; i < 6; ++i) ev(1000 + i * 10, "failure", "10.0.0.1", i % 2 ? "root" : "admin");
  ev(1170, "success", "10.0.0.1", "root", "SourceIp");
  // 10.0.0.2: five failures spread over 5 minutes (never five within a minute) on three accounts.
  for (int i = 0; i < 5; ++i) ev(2000 + i * 70, "failure", "10.0.0.2", "u" + std::to_string(i % 3));
  // 10.0.0.3: a burst, but its success comes 10 minutes later (outside 5m).
  for (int i = 0; i < 5; ++i) ev(3000 + i, "failure", "10.0.0.3", "x");
  ev(3600, "success", "10.0.0.3", "x", "SourceIp");
  auto found = correlate(rules, evs, d, "auth.log");
  std::map<std::string, std::vector<const model::Finding*>> by;
  for (const auto& f : found) by[f.title_en].push_back(&f);
  ASSERT_EQ(by["five failures in a minute"].size(), 0u) << "referenced by a correlation without generate: not reported";
  ASSERT_EQ(by["three accounts"].size(), 1u);
  EXPECT_NE(by["three accounts"][0]->description_en.find("IpAddress=10.0.0.2"), std::string::npos);
  EXPECT_NE(by["three accounts"][0]->description_en.find("u0, u1, u2"), std::string::npos);
  ASSERT_EQ(by["burst then success"].size(), 1u);
  const model::Finding& chain = *by["burst then success"][0];
  EXPECT_NE(chain.description_en.find("src=10.0.0.1"), std::string::npos);
  // The window that fired (the first five failures and the success) is listed, the sixth failure counted.
  ASSERT_EQ(chain.evidence.size(), 2u);
  EXPECT_EQ(chain.evidence[0].path, "auth.log");
  EXPECT_EQ(chain.evidence[0].excerpt, "records 1-5, 7 (6 events)");
  EXPECT_EQ(chain.evidence[1].excerpt, "1 more contributing events, outside that window");
  EXPECT_NE(chain.description_en.find("7 contributing events in all"), std::string::npos) << chain.description_en;
  EXPECT_EQ(chain.time->unix_ns, 1170'000'000'000);
  ASSERT_EQ(chain.observables.size(), 1u);
  EXPECT_EQ(chain.observables[0].value, "10.0.0.1");
  // temporal: root failed at 1010/1030/1050 and succeeded at 1170 — more than 30 s apart; nothing else pairs.
  EXPECT_EQ(by["success then failure, any order"].size(), 0u);
}

TEST(SigmaCorrelation, BuiltInBruteForceRulesFireOnAGeneratedSecurityLog) {
  auto rules = builtin_rules();
  std::vector<test::EvtxEvent> log;
  // 10.1.1.20 guesses "administrator" 300 times, one per second, then logs on (WannaMine-like).
  for (uint64_t i = 0; i < 300; ++i) log.push_back(logon(4625, i, "administrator", "10.1.1.20"));
  log.push_back(logon(4624, 400, "administrator", "10.1.1.20"));
  // 10.1.1.30 sprays 8 accounts, then gets in with one of them.
  for (uint64_t i = 0; i < 8; ++i) log.push_back(logon(4625, 1000 + i, "user" + std::to_string(i), "10.1.1.30"));
  log.push_back(logon(4624, 1100, "user3", "10.1.1.30", "10"));
  // 10.1.1.40: an expired password guessed 50 times, then a success hours later (after the reset).
  for (uint64_t i = 0; i < 50; ++i)
    log.push_back(logon(4625, 5000 + i * 60, "backup", "10.1.1.40", "3", "0xc000006e", "0xc0000071"));
  log.push_back(logon(4624, 5000 + 6 * 3600, "backup", "10.1.1.40"));
  // 10.1.1.50: two mistakes, then the right password: nothing.
  log.push_back(logon(4625, 9000, "alice", "10.1.1.50"));
  log.push_back(logon(4625, 9005, "alice", "10.1.1.50"));
  log.push_back(logon(4624, 9010, "alice", "10.1.1.50"));
  auto file = test::write_evtx(log);
  auto events = parse_evtx(file.bytes, "Security.evtx");
  ASSERT_EQ(events.size(), log.size());
  Diagnostics d;
  auto found = correlate(rules, events, d);
  for (const auto& t : rule_titles(found)) std::cout << "  fired: " << t << "\n";
  const model::Finding* brute = find_title(found, "Brute Force Then Successful Logon From The Same Address");
  ASSERT_TRUE(brute);
  EXPECT_EQ(brute->severity, model::Severity::High);
  EXPECT_NE(brute->description_en.find("IpAddress=10.1.1.20"), std::string::npos);
  // Of 300 failures and the success, the ten that made the burst and the success are listed; the rest counted.
  EXPECT_EQ(brute->evidence[0].excerpt, "records 1-10, 301 (11 events)");
  EXPECT_NE(brute->description_en.find("301 contributing events in all"), std::string::npos) << brute->description_en;
  EXPECT_EQ(std::count_if(
                found.begin(), found.end(),
                [](const auto& f) { return f.title_en == "Brute Force Then Successful Logon From The Same Address"; }),
            1);
  const model::Finding* spray = find_title(found, "Password Spraying Then Successful Logon From The Same Address");
  ASSERT_TRUE(spray);
  EXPECT_NE(spray->description_en.find("10.1.1.30"), std::string::npos);
  const model::Finding* expired =
      find_title(found, "Logon Failures On An Expired Password Then Success From The Same Address");
  ASSERT_TRUE(expired);
  EXPECT_NE(expired->description_en.find("10.1.1.40"), std::string::npos);
  for (const auto& f : found) EXPECT_EQ(f.description_en.find("10.1.1.50"), std::string::npos) << f.title_en;
}

// Everything a correlation finding says, for comparing runs.
std::string describe(const std::vector<model::Finding>& found) {
  std::string out;
  for (const auto& f : found) {
    out += f.title_en + " @" + (f.time ? std::to_string(f.time->unix_ns) : "-") + "\n  " + f.description_en + "\n  " +
           f.description_zh + "\n";
    for (const auto& e : f.evidence) out += "  evidence " + e.path + ": " + e.excerpt + "\n";
    for (const auto& o : f.observables) out += "  observable " + o.value + "\n";
  }
  return out;
}

// Past the memory cap, hits go to disk in sorted runs and are merged when the run ends: the findings are the same
// whatever the cap, for chained correlations, several logs and events that arrive out of time order.
TEST(SigmaCorrelation, SpilledRunsGiveTheSameFindings) {
  auto rules = builtin_rules();
  std::vector<test::EvtxEvent> later, earlier;
  // The later log (observed first): 10.1.1.20 guesses 400 times, gets in, guesses 400 times more, gets in again.
  for (uint64_t i = 0; i < 400; ++i) later.push_back(logon(4625, 10'000 + i, "administrator", "10.1.1.20"));
  later.push_back(logon(4624, 10'500, "administrator", "10.1.1.20"));
  for (uint64_t i = 0; i < 400; ++i) later.push_back(logon(4625, 20'000 + i * 2, "administrator", "10.1.1.20"));
  later.push_back(logon(4624, 21'000, "administrator", "10.1.1.20"));
  // Sprays from 10.1.1.30 interleaved with single mistakes from many users.
  for (uint64_t i = 0; i < 60; ++i) {
    later.push_back(logon(4625, 30'000 + i, "user" + std::to_string(i % 12), "10.1.1.30"));
    later.push_back(logon(4625, 30'000 + i, "staff" + std::to_string(i), "10.2.0." + std::to_string(i + 1)));
  }
  later.push_back(logon(4624, 30'100, "user3", "10.1.1.30", "10"));
  // The earlier log: the same source's first attempt, and an expired password guessed then reset.
  for (uint64_t i = 0; i < 30; ++i) earlier.push_back(logon(4625, 100 + i, "administrator", "10.1.1.20"));
  earlier.push_back(logon(4624, 200, "administrator", "10.1.1.20"));
  for (uint64_t i = 0; i < 50; ++i)
    earlier.push_back(logon(4625, 1000 + i * 60, "backup", "10.1.1.40", "3", "0xc000006e", "0xc0000071"));
  earlier.push_back(logon(4624, 1000 + 6 * 3600, "backup", "10.1.1.40"));
  const auto later_events = parse_evtx(test::write_evtx(later).bytes, "later.evtx");
  const auto earlier_events = parse_evtx(test::write_evtx(earlier).bytes, "earlier.evtx");
  auto run = [&](size_t hits_in_memory) {
    Diagnostics d;
    auto engine = make_correlation_engine(rules, d, hits_in_memory);
    EXPECT_TRUE(engine);
    std::vector<model::Finding> out;
    if (!engine) return std::string();
    for (const auto* events : {&later_events, &earlier_events}) {
      const std::string_view path = events == &later_events ? "later.evtx" : "earlier.evtx";
      ArtefactView view{path, "", "evtx", "windows", "", *events};
      for (const auto& e : *events) engine->observe(view, e);
    }
    engine->finish(out);
    EXPECT_TRUE(d.items().empty()) << d.items()[0].detail;
    return describe(out);
  };
  const std::string in_memory = run(kCorrelationHitsInMemory);
  EXPECT_NE(in_memory.find("Brute Force Then Successful Logon"), std::string::npos) << in_memory;
  EXPECT_NE(in_memory.find("Password Spraying Then Successful Logon"), std::string::npos) << in_memory;
  EXPECT_NE(in_memory.find("Expired Password"), std::string::npos) << in_memory;
  EXPECT_NE(in_memory.find("earlier.evtx"), std::string::npos) << in_memory;
  for (size_t cap : {1, 2, 7, 100, 999}) EXPECT_EQ(run(cap), in_memory) << "hits in memory: " << cap;
}

// A spill folder that cannot be written costs completeness, not the run, and the user is told what to change.
TEST(SigmaCorrelation, AnUnwritableSpillFolderIsReported) {
  const char* old = std::getenv("TMPDIR");
  const std::string saved = old ? old : "";
  ::setenv("TMPDIR", "/nonexistent/minesweep-spill", 1);
  std::vector<test::EvtxEvent> log;
  for (uint64_t i = 0; i < 50; ++i) log.push_back(logon(4625, i, "administrator", "10.1.1.20"));
  log.push_back(logon(4624, 100, "administrator", "10.1.1.20"));
  const auto events = parse_evtx(test::write_evtx(log).bytes, "Security.evtx");
  Diagnostics d;
  auto found = correlate(builtin_rules(), events, d, "Security.evtx", 8);
  if (old)
    ::setenv("TMPDIR", saved.c_str(), 1);
  else
    ::unsetenv("TMPDIR");
  ASSERT_EQ(d.items().size(), 1u);
  EXPECT_EQ(d.items()[0].code, "sigma.correlation_limit");
  EXPECT_NE(d.items()[0].detail.find("set TMPDIR"), std::string::npos) << d.items()[0].detail;
  EXPECT_NE(d.items()[0].detail.find("matches were not kept for correlation past 8 in memory"), std::string::npos)
      << d.items()[0].detail;
}

TEST(SigmaCorrelation, BuiltInRulesStayQuietOnAFewMistakes) {
  const fs::path p = fs::path(MSW_CORPUS_DIR) / "evtx/parser-samples/Security_with_size_t.evtx";
  if (!fs::exists(p)) GTEST_SKIP() << "corpus not present";
  auto events = parse_evtx_file(p);
  ASSERT_GT(events.size(), 0u);
  size_t failures = 0;
  for (const auto& e : events)
    if (const std::string* id = e.get(model::Field::EventID); id && *id == "4625") ++failures;
  EXPECT_GE(failures, 10u);  // spread over weeks: a few mistakes at a time, each followed by a success
  Diagnostics d;
  auto found = correlate(builtin_rules(), events, d, p.string());
  for (const auto& f : found) ADD_FAILURE() << "fired: " << f.title_en << " " << f.description_en;
}

TEST(SigmaCorrelation, BuiltInSshAndMssqlRules) {
  auto rules = builtin_rules();
  std::vector<model::Event> evs;
  auto ssh = [&](int64_t second, std::string kind, std::string ip) {
    model::Event e = auth_event(second, std::move(kind), "IpAddress", std::move(ip));
    e.set(model::Field::Image, "sshd");
    e.set(model::Field::TargetUserName, "root");
    evs.push_back(std::move(e));
  };
  for (int i = 0; i < 40; ++i) ssh(i * 2, i % 3 ? "failure" : "invalid_user", "203.0.113.9");
  ssh(200, "success", "203.0.113.9");
  ssh(300, "failure", "198.51.100.7");
  ssh(301, "success", "198.51.100.7");
  auto mssql = [&](int64_t second, uint16_t id, std::string client) {
    model::Event e;
    e.product = "windows";
    e.service = "application";
    e.time = Timestamp{second * 1'000'000'000};
    e.set(model::Field::EventID, std::to_string(id));
    e.set(model::Field::Provider_Name, "MSSQLSERVER");
    // As SQL Server 2017 renders it: one value, the message strings joined.
    e.set("Data_1", id == 18456
                        ? "sa,  Reason: Password did not match that for the login provided.,  [CLIENT: " + client + "]"
                        : "sa, SQL Server,  [CLIENT: " + client + "]");
    normalize::mssql_login_fields(e);
    EXPECT_EQ(*e.get(model::Field::IpAddress), client);
    EXPECT_EQ(*e.get(model::Field::TargetUserName), "sa");
    evs.push_back(std::move(e));
  };
  for (int i = 0; i < 25; ++i) mssql(1000 + i, 18456, "192.0.2.44");
  mssql(1100, 18454, "192.0.2.44");
  mssql(1200, 18456, "192.0.2.45");
  mssql(1201, 18454, "192.0.2.45");
  Diagnostics d;
  auto found = correlate(rules, evs, d);
  const model::Finding* s = find_title(found, "SSH Brute Force Then Successful Logon From The Same Address");
  ASSERT_TRUE(s);
  EXPECT_NE(s->description_en.find("203.0.113.9"), std::string::npos);
  const model::Finding* m = find_title(found, "MSSQL Brute Force Then Successful Login From The Same Client");
  ASSERT_TRUE(m);
  EXPECT_NE(m->description_en.find("192.0.2.44"), std::string::npos);
  EXPECT_EQ(found.size(), 2u);
}

// A real SQL Server log (ten 18456 from one client, no success): the client becomes IpAddress; no correlation fires.
TEST(SigmaCorrelationCorpus, MssqlFailuresGetTheirClientAndDoNotFireWithoutASuccess) {
  const fs::path p =
      fs::path(MSW_CORPUS_DIR) / "evtx/attack-samples/Credential Access/MSSQL_multiple_failed_logon_EventID_18456.evtx";
  if (!fs::exists(p)) GTEST_SKIP() << "corpus not present";
  auto events = parse_evtx_file(p);
  ASSERT_EQ(events.size(), 10u);
  for (const auto& e : events) {
    ASSERT_TRUE(e.get(model::Field::IpAddress));
    EXPECT_EQ(*e.get(model::Field::IpAddress), "10.0.2.17");
  }
  EXPECT_EQ(*events[0].get(model::Field::TargetUserName), "sa");
  Diagnostics d;
  EXPECT_TRUE(correlate(builtin_rules(), events, d, p.string()).empty());
}

// Hayabusa's correlation rules (value_count and event_count over its own base rules) load and run.
TEST(SigmaCorrelationCorpus, HayabusaCorrelationRulesLoadAndRun) {
  const fs::path root = fs::path(MSW_CORPUS_DIR) / "sigma/hayabusa/hayabusa";
  if (!fs::exists(root)) GTEST_SKIP() << "corpus not present";
  std::vector<std::string> files;
  for (fs::recursive_directory_iterator it(root), end; it != end; ++it)
    if (it->path().filename().string().find("Correlation") != std::string::npos) files.push_back(it->path().string());
  ASSERT_GE(files.size(), 3u);
  Diagnostics d;
  auto rules = load_rule_paths(files, d);
  for (const auto& x : d.items()) ADD_FAILURE() << x.evidence << ": " << x.detail;
  size_t correlations = 0;
  for (const auto& r : rules) correlations += r.correlation != nullptr;
  EXPECT_EQ(correlations, files.size());
  std::vector<test::EvtxEvent> log;
  for (uint64_t i = 0; i < 6; ++i) log.push_back(logon(4625, i * 10, "Administrator", "192.168.198.149"));
  for (uint64_t i = 0; i < 5; ++i)
    log.push_back(
        logon(4625, 100 + i, "nouser" + std::to_string(i), "192.168.198.150", "3", "0xc000006d", "0xc0000064"));
  auto events = parse_evtx(test::write_evtx(log).bytes, "Security.evtx");
  auto found = correlate(rules, events, d);
  EXPECT_TRUE(find_title(found, "PW Guessing"));
  EXPECT_TRUE(find_title(found, "User Guessing"));
  EXPECT_FALSE(find_title(found, "PW Spray"));
}

}  // namespace
}  // namespace msw::detect::sigma
