#include "collect/linux/packages.h"

#include <gtest/gtest.h>

#include "core/lz4.h"
#include "support/test_support.h"

namespace msw::collect::linux {
namespace {

TEST(DebianVersions, OrderAsDpkgDoes) {
  EXPECT_LT(compare_debian_versions("1.0", "1.0.1"), 0);
  EXPECT_GT(compare_debian_versions("1:1.0", "2.0"), 0);  // the epoch wins
  EXPECT_LT(compare_debian_versions("1.0~rc1", "1.0"), 0);  // '~' sorts before the end
  EXPECT_LT(compare_debian_versions("2.6.1", "2.6.2"), 0);
  EXPECT_LT(compare_debian_versions("1:9.2p1-2+deb12u6", "1:9.2p1-2+deb12u10"), 0);  // numbers, not text
  EXPECT_LT(compare_debian_versions("1.0-1", "1.0-1.1"), 0);
  EXPECT_LT(compare_debian_versions("1.0a", "1.0b"), 0);
  EXPECT_LT(compare_debian_versions("1.0", "1.0a"), 0);
  EXPECT_EQ(compare_debian_versions("1.01", "1.1"), 0);
  EXPECT_EQ(compare_debian_versions("0:1.2-3", "1.2-3"), 0);
}

// An LZ4 frame made by hand: a block of literals, a block with an overlapping match back into the first, an
// uncompressed block, the end mark.
TEST(Lz4, FramesDecodeAndDamageStops) {
  std::string frame("\x04\x22\x4D\x18\x60\x40\x82", 7);
  auto add = [&](const std::string& b, bool raw) {
    uint32_t n = static_cast<uint32_t>(b.size()) | (raw ? 0x80000000u : 0);
    for (int i = 0; i < 4; ++i) frame += static_cast<char>(n >> (8 * i));
    frame += b;
  };
  add(std::string("\x50", 1) + "hello", false);
  // Token 0x1F: 1 literal "!", match length 15+4+5 = 24 at offset 2 ("o!o!..."), then a final 0-literal token.
  add(std::string("\x1F", 1) + "!" + std::string("\x02\x00\x05", 3) + std::string("\x00", 1), false);
  add("RAW", true);
  frame += std::string(4, '\0');
  auto r = lz4_decompress(as_bytes(frame), 1 << 20);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->damaged);
  EXPECT_EQ(r->bytes, "hello!" + std::string("o!o!o!o!o!o!o!o!o!o!o!o!") + "RAW");
  auto small = lz4_decompress(as_bytes(frame), 8);
  ASSERT_TRUE(small);
  EXPECT_TRUE(small->truncated);
  EXPECT_EQ(small->bytes.size(), 8u);
  for (size_t cut = 0; cut < frame.size(); ++cut) (void)lz4_decompress(as_bytes(frame.substr(0, cut)), 1 << 20);
  EXPECT_FALSE(lz4_decompress(as_bytes(std::string("notlz4!!")), 100));
}

TEST(SecurityUpdates, InstalledPackagesBehindTheSecurityListAreListed) {
  test::TempDir dir;
  test::write_file(dir / "var/lib/dpkg/status",
                   "Package: openssl\nStatus: install ok installed\nVersion: 3.0.11-1~deb12u1\n\n"
                   "Package: bash\nStatus: install ok installed\nVersion: 5.2.15-2+b2\n\n"
                   "Package: gone\nStatus: deinstall ok config-files\nVersion: 1.0\n");
  test::write_file(dir / "var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages",
                   "Package: openssl\nVersion: 3.0.15-1~deb12u1\n\nPackage: openssl\nVersion: 3.0.13-1~deb12u1\n\n"
                   "Package: bash\nVersion: 5.2.15-2\n\nPackage: gone\nVersion: 2.0\n");
  auto host = HostView::open(dir.path().string());
  ASSERT_TRUE(host);
  auto rows = security_updates_jsonl(*host);
  ASSERT_TRUE(rows);
  EXPECT_NE(rows->find("\"SecurityLists\":1"), std::string::npos) << *rows;
  EXPECT_NE(rows->find("\"Upgradable\":1"), std::string::npos) << *rows;
  EXPECT_NE(rows->find("\"Fixed\":\"3.0.15-1~deb12u1\""), std::string::npos) << *rows;  // the newest of the list
  EXPECT_EQ(rows->find("\"Package\":\"bash\""), std::string::npos);  // already newer
  EXPECT_EQ(rows->find("\"Package\":\"gone\""), std::string::npos);  // not installed
  test::TempDir empty;
  auto none = HostView::open(empty.path().string());
  EXPECT_FALSE(security_updates_jsonl(*none));  // not a dpkg system
}

}  // namespace
}  // namespace msw::collect::linux
