#include "core/mapped_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "core/hash.h"
#include "support/test_support.h"

namespace msw {
namespace {

TEST(MappedFile, MapsContentWithoutChangingTheFile) {
  test::TempDir dir;
  auto p = dir / "evidence.bin";
  test::write_file(p, "hello evidence");
  struct stat before {};
  ASSERT_EQ(::stat(p.c_str(), &before), 0);
  {
    auto f = MappedFile::open(p.string());
    ASSERT_TRUE(f);
    EXPECT_EQ(as_chars(f->bytes()), "hello evidence");
    MappedFile moved = std::move(f).value();
    EXPECT_EQ(moved.size(), 14u);
  }
  struct stat after {};
  ASSERT_EQ(::stat(p.c_str(), &after), 0);
  EXPECT_EQ(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
  EXPECT_EQ(before.st_mtime, after.st_mtime);
  EXPECT_EQ(before.st_size, after.st_size);
}

TEST(MappedFile, EmptyFilesAndProcFiles) {
  test::TempDir dir;
  test::write_file(dir / "empty", "");
  auto e = MappedFile::open((dir / "empty").string());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->size(), 0u);
  // /proc files report size 0 but have content: read, not mapped.
  auto p = MappedFile::open("/proc/self/status");
  ASSERT_TRUE(p);
  EXPECT_GT(p->size(), 0u);
}

TEST(MappedFile, ErrorsSayWhatToDo) {
  test::TempDir dir;
  auto missing = MappedFile::open((dir / "nope").string());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "file.open");
  auto folder = MappedFile::open(dir.path().string());
  ASSERT_FALSE(folder);
  EXPECT_EQ(folder.error().code, "file.not_regular");
  std::filesystem::create_symlink(dir / "nope", dir / "link");
  auto link = MappedFile::open((dir / "link").string());
  ASSERT_FALSE(link);  // links are resolved by the evidence walker, never followed blindly
}

TEST(MappedFile, ReadFileTextEnforcesCap) {
  test::TempDir dir;
  test::write_file(dir / "big", std::string(100, 'x'));
  EXPECT_TRUE(read_file_text((dir / "big").string(), 100));
  auto r = read_file_text((dir / "big").string(), 99);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "file.too_large");
}

}  // namespace
}  // namespace msw
