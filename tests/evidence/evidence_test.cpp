#include "evidence/evidence.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/hash.h"
#include "evidence/windows_layout.h"
#include "support/test_support.h"

namespace msw::evidence {
namespace {
namespace fs = std::filesystem;

const Candidate* find(const Inventory& inv, std::string_view rel) {
  for (const auto& c : inv.files)
    if (c.relative_path == rel) return &c;
  return nullptr;
}

bool has_code(const Diagnostics& d, std::string_view code) {
  return std::any_of(d.items().begin(), d.items().end(), [&](const Diagnostic& x) { return x.code == code; });
}

TEST(Evidence, WindowsLayoutIsMatchedCaseInsensitively) {
  test::TempDir dir;
  // KAPE writes the volume under a drive-letter folder, with the case Windows happens to use.
  test::write_file(dir / "C/WINDOWS/system32/Drivers/ETC/HOSTS", "127.0.0.1 localhost\n");
  test::write_file(dir / "C/Users/a/notes.txt", "not a hosts file");
  std::vector<std::string> inputs{dir.path().string()};
  auto inv = enumerate(inputs);
  ASSERT_TRUE(inv) << inv.error().message;
  ASSERT_EQ(inv->items.size(), 1u);
  EXPECT_EQ(inv->items[0].kind, InputKind::Folder);
  ASSERT_EQ(inv->files.size(), 2u);
  const Candidate* hosts = find(*inv, "C/WINDOWS/system32/Drivers/ETC/HOSTS");
  ASSERT_NE(hosts, nullptr);
  Diagnostics d;
  auto ex = examine(*hosts, d);
  ASSERT_TRUE(ex);
  EXPECT_EQ(ex->artefact.kind, ArtefactKind::HostsFile);
  EXPECT_EQ(ex->artefact.platform, "windows");
  EXPECT_EQ(ex->artefact.hashes.sha256, sha256_hex(as_bytes("127.0.0.1 localhost\n")));
  auto other = examine(*find(*inv, "C/Users/a/notes.txt"), d);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->artefact.kind, ArtefactKind::File);
  EXPECT_EQ(other->artefact.format, formats::FileFormat::Text);
}

// KAPE (C/ and C%3A/) and Velociraptor (uploads/auto/C%3A/) collections: the artefacts are found by their path
// endings whatever the prefix, and what is missing is named.
TEST(Evidence, WindowsLayoutLocatorNamesWhatIsMissing) {
  auto files = [](std::initializer_list<const char*> rels) {
    std::vector<Candidate> out;
    for (auto r : rels) out.push_back({"/x", "/x", r, 0, std::nullopt, "", ""});
    return out;
  };
  const auto kape = files({"C%3A/Windows/System32/config/SYSTEM", "C%3A/Windows/System32/config/SOFTWARE",
                           "C%3A/Windows/System32/config/SAM", "C%3A/Windows/System32/winevt/Logs/Security.evtx",
                           "C%3A/Windows/System32/winevt/Logs/System.evtx", "C%3A/Windows/System32/Tasks/Mysa",
                           "C%3A/Windows/System32/wbem/Repository/OBJECTS.DATA", "C%3A/Windows/Prefetch/CMD.EXE-1.pf",
                           "C%3A/Windows/AppCompat/Programs/Amcache.hve", "C%3A/Windows/System32/drivers/etc/hosts"});
  EXPECT_TRUE(missing_windows_artefacts(kape, 0).empty());
  const auto velociraptor = files({"uploads/auto/C%3A/Windows/System32/config/SYSTEM",
                                   "uploads/auto/C%3A/windows/system32/winevt/logs/security.evtx"});
  std::vector<std::string> names;
  for (const auto& m : missing_windows_artefacts(velociraptor, 0)) names.emplace_back(m.name);
  EXPECT_EQ(names, (std::vector<std::string>{"SOFTWARE hive", "SAM hive", "System event log", "Scheduled tasks",
                                             "WMI repository", "Prefetch", "Amcache", "hosts file"}));
  // Not a Windows volume (a Linux bundle): nothing is expected.
  EXPECT_TRUE(missing_windows_artefacts(files({"etc/passwd", "var/log/auth.log"}), 0).empty());
  // Only the files of the input asked about count.
  EXPECT_EQ(missing_windows_artefacts(kape, 1).size(), 0u);
}

TEST(Evidence, LocationRequiresMatchingBytes) {
  test::TempDir dir;
  test::write_file(dir / "etc/hosts", std::string("\x7f" "ELF\x02\x01\x01\0\0\0", 10));
  std::vector<std::string> inputs{dir.path().string()};
  auto inv = enumerate(inputs);
  ASSERT_TRUE(inv);
  Diagnostics d;
  auto ex = examine(inv->files.at(0), d);
  ASSERT_TRUE(ex);
  EXPECT_EQ(ex->artefact.kind, ArtefactKind::File);  // an ELF at etc/hosts is not parsed as a hosts file
  EXPECT_TRUE(has_code(d, "evidence.unexpected_format"));
}

TEST(Evidence, WideHostsFileWithoutBomIsStillAHostsFile) {
  test::TempDir dir;
  std::string wide;
  for (char c : std::string("127.0.0.1 www.360.cn\r\n")) wide += c, wide += '\0';
  test::write_file(dir / "C/Windows/System32/drivers/etc/hosts", wide);
  std::vector<std::string> inputs{dir.path().string()};
  auto inv = enumerate(inputs);
  ASSERT_TRUE(inv);
  Diagnostics d;
  auto ex = examine(inv->files.at(0), d);
  ASSERT_TRUE(ex);
  EXPECT_EQ(ex->artefact.kind, ArtefactKind::HostsFile);
}

TEST(Evidence, SingleFilesAreTypedByContentNotName) {
  test::TempDir dir;
  test::write_file(dir / "whatever.txt", "# copied from a server\n10.1.1.1 update.microsoft.com\n");
  test::write_file(dir / "hosts", "@echo off\r\nschtasks /create /tn Mysa\r\n");
  std::vector<std::string> inputs{(dir / "whatever.txt").string(), (dir / "hosts").string()};
  auto inv = enumerate(inputs);
  ASSERT_TRUE(inv);
  ASSERT_EQ(inv->files.size(), 2u);
  Diagnostics d;
  EXPECT_EQ(examine(inv->files[0], d)->artefact.kind, ArtefactKind::HostsFile);
  EXPECT_EQ(examine(inv->files[1], d)->artefact.kind, ArtefactKind::File);
}

TEST(Evidence, MissingInputIsAnError) {
  std::vector<std::string> inputs{"/definitely/not/here"};
  auto inv = enumerate(inputs);
  ASSERT_FALSE(inv);
  EXPECT_EQ(inv.error().code, "evidence.missing");
}

TEST(Evidence, LinksOutOfTheRootAreRefusedAndInsideAreFollowed) {
  test::TempDir outside;
  test::write_file(outside / "secret", "analyst's own file");
  test::TempDir dir;
  fs::path root = fs::canonical(dir.path());
  test::write_file(root / "real/hosts", "1.2.3.4 a.com\n");
  fs::create_directories(root / "etc");
  fs::create_symlink("/real/hosts", root / "etc/hosts");           // absolute, resolved inside the root
  // The image's absolute link would point at the analyst's disk; read as root-relative it finds nothing.
  fs::create_symlink(outside / "secret", root / "etc/leak");
  fs::create_symlink(fs::path(outside.path()), root / "dirlink");   // folder link: not walked
  std::vector<std::string> inputs{root.string()};
  auto inv = enumerate(inputs);
  ASSERT_TRUE(inv);
  EXPECT_NE(find(*inv, "etc/hosts"), nullptr);
  EXPECT_EQ(find(*inv, "etc/hosts")->disk_path, (root / "real/hosts").string());
  EXPECT_EQ(find(*inv, "etc/leak"), nullptr);
  EXPECT_EQ(find(*inv, "dirlink/secret"), nullptr);
  EXPECT_TRUE(has_code(inv->diagnostics, "evidence.dangling_link"));
}

TEST(Evidence, BundleManifestDeclaresKindsAndCatchesTampering) {
  test::TempDir dir;
  test::write_file(dir / "etc/hosts", "1.2.3.4 changed.after.collection\n");
  BundleManifest m;
  m.hostname = "victim";
  m.artefacts.push_back({"etc/hosts", "/etc/hosts", "hosts", 10, std::string(64, '0')});
  m.failures.push_back({"/etc/shadow", "permission denied"});
  test::write_file(dir / "manifest.json", write_manifest(m));
  std::vector<std::string> inputs{dir.path().string()};
  auto inv = enumerate(inputs);
  ASSERT_TRUE(inv);
  ASSERT_EQ(inv->items[0].kind, InputKind::Bundle);
  EXPECT_EQ(inv->items[0].manifest->hostname, "victim");
  ASSERT_EQ(inv->files.size(), 1u);  // the manifest itself is not an artefact
  EXPECT_EQ(inv->files[0].display_path, "/etc/hosts");
  EXPECT_TRUE(has_code(inv->diagnostics, "collect.failed"));
  Diagnostics d;
  auto ex = examine(inv->files[0], d);
  ASSERT_TRUE(ex);
  EXPECT_EQ(ex->artefact.kind, ArtefactKind::HostsFile);
  EXPECT_TRUE(has_code(d, "bundle.hash_mismatch"));
}

TEST(Evidence, BrokenManifestDowngradesToFolder) {
  test::TempDir dir;
  test::write_file(dir / "manifest.json", "{\"format\": \"minesweep-bundle\", \"version\": ");
  test::write_file(dir / "etc/hosts", "127.0.0.1 localhost\n");
  std::vector<std::string> inputs{dir.path().string()};
  auto inv = enumerate(inputs);
  ASSERT_TRUE(inv);
  EXPECT_EQ(inv->items[0].kind, InputKind::Folder);
  EXPECT_TRUE(has_code(inv->diagnostics, "bundle.bad_manifest"));
  EXPECT_EQ(inv->files.size(), 2u);  // a folder's manifest.json is just a file
}

}  // namespace
}  // namespace msw::evidence
