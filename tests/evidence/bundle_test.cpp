#include "evidence/bundle.h"
#include "evidence/bundle_zip.h"
#include "support/test_support.h"

#include <gtest/gtest.h>

namespace msw::evidence {
namespace {

TEST(Bundle, ManifestRoundTrip) {
  BundleManifest m;
  m.tool_version = "0.1.0";
  m.collected_at = "2026-11-21T00:00:00Z";
  m.hostname = "web01";
  m.os = "Debian GNU/Linux 12";
  m.kernel = "6.1.0";
  m.artefacts.push_back({"etc/hosts", "/etc/hosts", "hosts", 12, "ab"});
  m.failures.push_back({"/etc/resolv.conf", "missing"});
  auto back = parse_manifest(as_bytes(write_manifest(m)));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->hostname, "web01");
  ASSERT_EQ(back->artefacts.size(), 1u);
  EXPECT_EQ(back->artefacts[0].size, 12u);
  EXPECT_EQ(back->failures[0].reason, "missing");
}

TEST(Bundle, HostileManifestsAreRejected) {
  auto bad = [](std::string_view json) {
    auto r = parse_manifest(as_bytes(json));
    EXPECT_FALSE(r) << json;
    return r.ok() ? std::string() : r.error().code;
  };
  EXPECT_EQ(bad("[]"), "bundle.bad_manifest");
  EXPECT_EQ(bad("{\"format\":\"zip\",\"version\":1}"), "bundle.bad_manifest");
  EXPECT_EQ(bad("{\"format\":\"minesweep-bundle\",\"version\":99}"), "bundle.bad_manifest");
  bad("{\"format\":\"minesweep-bundle\",\"version\":1,\"artefacts\":[{\"path\":\"../../etc/shadow\"}]}");
  bad("{\"format\":\"minesweep-bundle\",\"version\":1,\"artefacts\":[{\"path\":\"/etc/shadow\"}]}");
  bad("{\"format\":\"minesweep-bundle\",\"version\":1,\"artefacts\":[7]}");
  bad(std::string(100000, '['));  // nested far too deep
  bad("\xff\xfe garbage");
}

TEST(Bundle, SafeRelativePaths) {
  EXPECT_TRUE(is_safe_relative_path("etc/hosts"));
  EXPECT_TRUE(is_safe_relative_path("a/b.c/d"));
  EXPECT_FALSE(is_safe_relative_path(""));
  EXPECT_FALSE(is_safe_relative_path("/etc/hosts"));
  EXPECT_FALSE(is_safe_relative_path("a/../../b"));
  EXPECT_FALSE(is_safe_relative_path("a//b"));
  EXPECT_FALSE(is_safe_relative_path("a/./b"));
  EXPECT_TRUE(is_safe_relative_path("system-systemd\\x2dcryptsetup.slice"));  // systemd escapes: a plain character on Linux
  EXPECT_FALSE(is_safe_relative_path(std::string_view("a\0b", 3)));
}

}  // namespace
}  // namespace msw::evidence

namespace msw::evidence {
namespace {

TEST(BundleZip, PacksEveryFileAndUnzipAgrees) {
  test::TempDir dir;
  test::write_file(dir / "b/manifest.json", "{}\n");
  test::write_file(dir / "b/etc/hosts", std::string(10000, 'a'));  // compresses
  test::write_file(dir / "b/empty", "");
  test::write_file(dir / "b/lib/systemd/system/a\\x2db.slice", "[Unit]\n");
  ASSERT_TRUE(write_bundle_zip((dir / "b").string(), (dir / "b.zip").string()));
  EXPECT_FALSE(write_bundle_zip((dir / "b").string(), (dir / "b.zip").string()));  // never overwrites
  const std::string zip = test::read_file(dir / "b.zip");
  EXPECT_TRUE(zip.starts_with("PK\x03\x04"));
  EXPECT_LT(zip.size(), 2000u);
  if (!std::filesystem::exists("/usr/bin/unzip")) GTEST_SKIP() << "unzip not installed (scripts/setup.sh --dev)";
  auto t = test::run({"/usr/bin/unzip", "-t", (dir / "b.zip").string()});
  EXPECT_EQ(t.exit_code, 0) << t.out << t.err;
  EXPECT_NE(t.out.find("No errors detected"), std::string::npos) << t.out;
  auto x = test::run({"/usr/bin/unzip", "-q", (dir / "b.zip").string(), "-d", (dir / "x").string()});
  ASSERT_EQ(x.exit_code, 0) << x.err;
  EXPECT_EQ(test::read_file(dir / "x/etc/hosts"), std::string(10000, 'a'));
  EXPECT_EQ(test::read_file(dir / "x/lib/systemd/system/a\\x2db.slice"), "[Unit]\n");
}

}  // namespace
}  // namespace msw::evidence
