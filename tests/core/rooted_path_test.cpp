#include "core/rooted_path.h"

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace msw {
namespace {
namespace fs = std::filesystem;

TEST(RootedPath, AbsoluteLinksResolveInsideTheRoot) {
  test::TempDir dir;
  fs::path root = fs::canonical(dir.path());
  test::write_file(root / "run/systemd/resolve/stub-resolv.conf", "nameserver 127.0.0.53\n");
  fs::create_directories(root / "etc");
  fs::create_symlink("/run/systemd/resolve/stub-resolv.conf", root / "etc/resolv.conf");
  std::string why;
  auto r = resolve_in_root(root, root / "etc/resolv.conf", why);
  ASSERT_TRUE(r) << why;
  EXPECT_EQ(*r, root / "run/systemd/resolve/stub-resolv.conf");
}

TEST(RootedPath, DotDotCannotClimbOutAndLoopsStop) {
  test::TempDir dir;
  fs::path root = fs::canonical(dir.path());
  fs::create_directories(root / "a");
  fs::create_symlink("../../../../etc/passwd", root / "a/up");
  std::string why;
  auto r = resolve_in_root(root, root / "a/up", why);
  ASSERT_TRUE(r);  // like chroot: '..' at the root stays at the root
  EXPECT_EQ(*r, root / "etc/passwd");
  EXPECT_TRUE(path_within(root, *r));

  fs::create_symlink("loop2", root / "loop1");
  fs::create_symlink("loop1", root / "loop2");
  EXPECT_FALSE(resolve_in_root(root, root / "loop1", why));
  EXPECT_NE(why.find("loop"), std::string::npos);
}

TEST(RootedPath, LinkedParentFoldersResolveInsideTheRoot) {
  test::TempDir dir;
  fs::path root = fs::canonical(dir.path());
  test::write_file(root / "real/etc/hosts", "127.0.0.1 localhost\n");
  fs::create_symlink("/real/etc", root / "etc");
  std::string why;
  auto r = resolve_in_root(root, root / "etc/hosts", why);
  ASSERT_TRUE(r) << why;
  EXPECT_EQ(*r, root / "real/etc/hosts");
  EXPECT_FALSE(resolve_in_root(root, "/somewhere/else", why));
}

}  // namespace
}  // namespace msw
