// Resolving remediation targets inside --root: which links are followed, which are refused, and why.
#include "respond/system_root.h"

#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace msw::respond {
namespace {
namespace fs = std::filesystem;

TEST(SystemRoot, ResolvesPlainFoldersAndNeverTheLastLink) {
  test::TempDir dir;
  const fs::path root = fs::canonical(dir.path());
  test::write_file(root / "var/spool/cron/crontabs/root", "* * * * * true\n");
  auto r = SystemRoot::open(root.string());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->live());
  auto f = r->resolve("/var/spool/cron/crontabs/root");
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->in_root, "/var/spool/cron/crontabs/root");
  EXPECT_EQ(f->path, (root / "var/spool/cron/crontabs/root").string());
  EXPECT_EQ(f->name, "root");
  // The last component is left for the caller to open with O_NOFOLLOW: a link there is resolved to its folder only.
  fs::create_symlink("/etc/shadow", root / "var/spool/cron/crontabs/evil");
  auto link = r->resolve("/var/spool/cron/crontabs/evil");
  ASSERT_TRUE(link);
  EXPECT_EQ(link->name, "evil");
}

TEST(SystemRoot, AFolderLinkLeavingAMountedRootIsRefused) {
  test::TempDir dir;
  const fs::path root = fs::canonical(dir.path()) / "root";
  const fs::path outside = fs::canonical(dir.path()) / "outside";
  test::write_file(outside / "root", "0 3 * * * /usr/local/bin/backup.sh\n");
  fs::create_directories(root / "var/spool/cron");
  fs::create_symlink(outside, root / "var/spool/cron/crontabs");  // absolute: this machine's folder
  fs::create_directories(root / "etc");
  fs::create_symlink("../../../outside", root / "etc/cron.d");  // relative, climbing above the root
  auto r = SystemRoot::open(root.string());
  ASSERT_TRUE(r);
  auto abs = r->resolve("/var/spool/cron/crontabs/root");
  ASSERT_FALSE(abs);
  EXPECT_EQ(abs.error().code, "respond.link");
  EXPECT_NE(abs.error().message.find("/var/spool/cron/crontabs"), std::string::npos) << abs.error().message;
  EXPECT_NE(abs.error().message.find(outside.string()), std::string::npos) << abs.error().message;
  auto rel = r->resolve("/etc/cron.d/root");
  ASSERT_FALSE(rel);
  EXPECT_EQ(rel.error().code, "respond.link");
  EXPECT_NE(rel.error().message.find("climbs above"), std::string::npos) << rel.error().message;
}

TEST(SystemRoot, RelativeLinksInsideTheRootAreFollowed) {
  test::TempDir dir;
  const fs::path root = fs::canonical(dir.path());
  test::write_file(root / "usr/bin/kdevtmpfsi", "miner");
  fs::create_symlink("usr/bin", root / "bin");  // merged /usr, as Debian lays it out
  fs::create_directories(root / "opt/a");
  fs::create_symlink("../../usr/bin", root / "opt/a/b");
  auto r = SystemRoot::open(root.string());
  ASSERT_TRUE(r);
  auto f = r->resolve("/bin/kdevtmpfsi");
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->in_root, "/usr/bin/kdevtmpfsi");
  auto g = r->resolve("/opt/a/b/kdevtmpfsi");
  ASSERT_TRUE(g) << g.error().message;
  EXPECT_EQ(g->in_root, "/usr/bin/kdevtmpfsi");
}

TEST(SystemRoot, LinksAUserCouldHavePlantedAreRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a link another owner";
  test::TempDir dir;
  const fs::path root = fs::canonical(dir.path());
  test::write_file(root / "home/ops/real/miner", "x");
  fs::create_symlink("real", root / "home/ops/.cache");
  ASSERT_EQ(::lchown((root / "home/ops/.cache").c_str(), 1000, 1000), 0);
  auto r = SystemRoot::open(root.string());
  ASSERT_TRUE(r);
  auto f = r->resolve("/home/ops/.cache/miner");
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().message.find("uid 1000"), std::string::npos) << f.error().message;
  // On the live host too, where an absolute link cannot leave "/": the owner decides.
  auto live = SystemRoot::open("/");
  ASSERT_TRUE(live);
  EXPECT_TRUE(live->live());
  EXPECT_FALSE(live->resolve((root / "home/ops/.cache/miner").string()));
  fs::create_symlink(root / "home/ops/real", root / "home/ops/by-root");  // absolute, root's own
  auto ok = live->resolve((root / "home/ops/by-root/miner").string());
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->in_root, (root / "home/ops/real/miner").string());
}

TEST(SystemRoot, BadTargetsAndRootsSayWhy) {
  EXPECT_EQ(SystemRoot::open("/nonexistent/minesweep-root").error().code, "respond.root");
  test::TempDir dir;
  test::write_file(dir / "file", "x");
  EXPECT_EQ(SystemRoot::open((dir / "file").string()).error().code, "respond.root");
  auto r = SystemRoot::open(dir.path().string());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->resolve("relative/path").error().code, "respond.bad_path");
  EXPECT_EQ(r->resolve("/etc/../etc/shadow").error().code, "respond.bad_path");
  EXPECT_EQ(r->resolve("/").error().code, "respond.bad_path");
  EXPECT_EQ(r->resolve("/no/such/folder/file").error().code, "respond.missing");
  EXPECT_EQ(r->resolve("/file/below").error().code, "respond.not_folder");
  fs::create_symlink("loop", dir / "loop");
  EXPECT_EQ(r->resolve("/loop/x").error().code, "respond.link");
}

}  // namespace
}  // namespace msw::respond
