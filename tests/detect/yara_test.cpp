#include <filesystem>

#include <gtest/gtest.h>

#include "core/mapped_file.h"
#include "detect/yara/yara_rules.h"
#include "support/test_support.h"

namespace msw::detect::yara {
namespace {

TEST(Yara, CompilesWhatItCanReportsTheRestAndCaches) {
  test::TempDir dir;
  test::write_file(dir / "rules/good.yar",
                   "rule Pool { meta: description = \"pool\" family = \"xmrig\" strings: $a = \"stratum+tcp://\" "
                   "condition: $a }\n");
  // LOKI-style: uses the external variables minesweep defines.
  test::write_file(dir / "rules/loki/ext.yara",
                   "rule NamedLikeSvchost { condition: filename == \"svchost.exe\" and not filepath contains "
                   "\"System32\" }\n");
  test::write_file(dir / "rules/bad.yar", "rule Broken { strings: $a = \"x\" condition: $b }\n");
  test::write_file(dir / "rules/notes.txt", "not a rule file");
  const std::string cache = (dir / "cache").string();
  LoadReport report;
  auto rules = Rules::load({(dir / "rules").string()}, false, cache, report);
  ASSERT_TRUE(rules) << rules.error().message;
  EXPECT_EQ(report.files, 3u);
  EXPECT_EQ(report.compiled, 2u);
  EXPECT_EQ(report.rules, 2u);
  ASSERT_EQ(report.failed.size(), 1u);
  EXPECT_NE(report.failed[0].path.find("bad.yar"), std::string::npos);
  EXPECT_NE(report.failed[0].error.find("bad.yar(1)"), std::string::npos) << report.failed[0].error;
  EXPECT_FALSE(report.from_cache);

  auto m = rules->scan(as_bytes(std::string("xx stratum+tcp://pool:3333 yy")), {"a.bin", "/tmp/a.bin", "bin", "", ""});
  ASSERT_TRUE(m);
  ASSERT_EQ(m->size(), 1u);
  EXPECT_EQ((*m)[0].rule, "Pool");
  EXPECT_EQ((*m)[0].rule_namespace, "good.yar");
  ASSERT_EQ((*m)[0].strings.size(), 1u);
  EXPECT_EQ((*m)[0].strings[0], (std::pair<std::string, uint64_t>("$a", 3)));
  EXPECT_EQ((*m)[0].meta[1], (std::pair<std::string, std::string>("family", "xmrig")));

  auto ext =
      rules->scan(as_bytes(std::string("MZ")), {"svchost.exe", "C:\\Users\\Public\\svchost.exe", "exe", "EXE", ""});
  ASSERT_TRUE(ext);
  ASSERT_EQ(ext->size(), 1u);
  EXPECT_EQ((*ext)[0].rule, "NamedLikeSvchost");
  EXPECT_TRUE(
      rules->scan(as_bytes(std::string("MZ")), {"svchost.exe", "C:\\Windows\\System32\\svchost.exe", "exe", "EXE", ""})
          ->empty());

  // The second load comes from the cache, with the same failures; a changed file misses it.
  LoadReport again;
  auto cached = Rules::load({(dir / "rules").string()}, false, cache, again);
  ASSERT_TRUE(cached);
  EXPECT_TRUE(again.from_cache);
  EXPECT_EQ(again.failed.size(), 1u);
  EXPECT_EQ(again.rules, 2u);
  test::write_file(dir / "rules/good.yar", "rule Pool2 { strings: $a = \"stratum\" condition: $a }\n");
  LoadReport changed;
  ASSERT_TRUE(Rules::load({(dir / "rules").string()}, false, cache, changed));
  EXPECT_FALSE(changed.from_cache);

  LoadReport none;
  EXPECT_FALSE(Rules::load({(dir / "rules/bad.yar").string()}, false, "", none));
  EXPECT_FALSE(Rules::load({(dir / "missing").string()}, false, "", none));
}

TEST(Yara, BuiltinRulesCompileAndFindMinersNotPlainText) {
  LoadReport report;
  auto rules = Rules::load({}, true, "", report);
  ASSERT_TRUE(rules) << rules.error().message;
  EXPECT_TRUE(report.failed.empty()) << report.failed[0].path << ": " << report.failed[0].error;
  EXPECT_GE(report.rules, 8u);
  const std::string xmrig_config =
      "{\"donate-level\": 1, \"randomx\": {}, \"pools\": [{\"url\": \"stratum+tcp://pool.example:3333\", "
      "\"nicehash\": false, \"rig-id\": null}]}";
  auto m = rules->scan(as_bytes(xmrig_config), {});
  ASSERT_TRUE(m);
  bool xmrig = false;
  for (const auto& x : *m) xmrig = xmrig || x.rule == "MSW_Miner_XMRig";
  EXPECT_TRUE(xmrig);
  EXPECT_TRUE(rules->scan(as_bytes(std::string("an ordinary text file about mining history")), {})->empty());
}

// The public rule sets (signature-base, Yara-Rules): every file compiles or is named with libyara's error, and the
// rules that load scan real evidence without crashing.
TEST(YaraCorpus, EveryPublicRuleFileLoadsOrIsNamedAndScans) {
  namespace fs = std::filesystem;
  const fs::path root = fs::path(MSW_CORPUS_DIR) / "yara";
  if (!fs::exists(root)) GTEST_SKIP() << "corpus not present";
  size_t on_disk = 0;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    const auto ext = e.path().extension();
    on_disk += e.is_regular_file() && (ext == ".yar" || ext == ".yara");
  }
  LoadReport report;
  auto rules = Rules::load({root.string()}, false, "", report);
  ASSERT_TRUE(rules) << rules.error().message;
  EXPECT_EQ(report.files, on_disk);
  EXPECT_EQ(report.compiled + report.failed.size(), report.files);
  EXPECT_GT(report.compiled * 10, report.files * 9) << "most public rule files compile";
  EXPECT_GT(report.rules, 1000u);
  for (const auto& f : report.failed) EXPECT_FALSE(f.error.empty()) << f.path;
  size_t scanned = 0;
  for (const char* folder : {"windows", "evtx", "pcap"}) {
    if (!fs::exists(fs::path(MSW_CORPUS_DIR) / folder)) continue;
    for (const auto& e : fs::recursive_directory_iterator(fs::path(MSW_CORPUS_DIR) / folder)) {
      // Small files only: 57,000 public rules scan at well under 1 MB/s, and the whole corpus is the benchmark's job.
      if (!e.is_regular_file() || e.file_size() > (256u << 10) || scanned >= 40) continue;
      auto file = MappedFile::open(e.path().string());
      if (!file) continue;
      auto m = rules->scan(file->bytes(), {e.path().filename().string(), e.path().string(), "", "", ""});
      EXPECT_TRUE(m) << e.path();
      ++scanned;
    }
  }
  EXPECT_GT(scanned, 0u);
}

}  // namespace
}  // namespace msw::detect::yara
