#include "intel/import.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "intel/store.h"
#include "support/test_support.h"

namespace msw::intel {
namespace {

std::set<std::string> values(const ImportResult& r) {
  std::set<std::string> out;
  for (const auto& i : r.indicators) out.insert(std::string(to_string(i.type)) + ":" + i.value);
  return out;
}

TEST(Import, CsvWithHeaderAndDefangedValues) {
  ImportResult r;
  import_text("feed.csv",
              "Indicator,Type,Malware,Confidence\n"
              "hxxp://evil[.]com/a,url,Kinsing,high\n"
              "1.2.3(.)4,ip,Kinsing,\n"
              "\"bad, value\",domain,x,\n"
              "abc,wrongtype,x,\n",
              "", r);
  EXPECT_EQ(values(r), (std::set<std::string>{"url:http://evil.com/a", "ip:1.2.3.4"}));
  EXPECT_EQ(r.indicators[0].family, "kinsing");
  EXPECT_EQ(r.indicators[0].confidence, "high");
  ASSERT_EQ(r.rejected.size(), 2u);
  EXPECT_EQ(r.rejected[0].line, 4u);
  EXPECT_NE(r.rejected[1].reason.find("unknown indicator type"), std::string::npos);
}

TEST(Import, PlainListsSignatureBaseAndFileNameHints) {
  ImportResult r;
  import_text("c2-iocs.txt", "# Monero pools\npool.minexmr.com\n45.9.148.35 # comment\n\nnot an ioc at all\n", "", r);
  import_text("hash-iocs.txt", std::string(64, 'a') + ";Dark thing\n" + std::string(31, 'b') + ";short\n", "", r);
  import_text("filename-iocs.txt", "\\\\usbclass\\.sys;80\n(unclosed;70\nno-score\n", "", r);
  import_text("mutexes.txt", "Windows 7 Professional02\n", "coinhelper", r);
  auto v = values(r);
  EXPECT_TRUE(v.count("domain:pool.minexmr.com"));
  EXPECT_TRUE(v.count("ip:45.9.148.35"));
  EXPECT_TRUE(v.count("sha256:" + std::string(64, 'a')));
  EXPECT_TRUE(v.count("path_pattern:\\\\usbclass\\.sys"));
  EXPECT_TRUE(v.count("mutex:Windows 7 Professional02"));  // spaces allowed where the file says what it holds
  EXPECT_EQ(r.rejected.size(), 4u);  // the sentence, the short hash, the bad regex, the missing score
  for (const auto& x : r.rejected) EXPECT_FALSE(x.reason.empty());
}

TEST(Import, MispEventWithObjectsAndCompositeTypes) {
  ImportResult r;
  import_text("event.json", R"({"Event":{"info":"Kinsing wave","Tag":[{"name":"tlp:green"}],
    "Attribute":[{"type":"ip-dst|port","value":"45.9.148.35|3333"},{"type":"domain","value":"Bad.Example."},
                 {"type":"link","value":"https://report"},{"type":"filename|sha256","value":"kinsing|)" + std::string(64, 'c') + R"("}],
    "Object":[{"Attribute":[{"type":"md5","value":")" + std::string(32, 'd') + R"("}]}]}})",
              "", r);
  auto v = values(r);
  EXPECT_TRUE(v.count("ip:45.9.148.35"));
  EXPECT_TRUE(v.count("domain:bad.example"));
  EXPECT_TRUE(v.count("filename:kinsing"));
  EXPECT_TRUE(v.count("sha256:" + std::string(64, 'c')));
  EXPECT_TRUE(v.count("md5:" + std::string(32, 'd')));
  EXPECT_EQ(r.rejected.size(), 1u);  // the link
  EXPECT_EQ(r.indicators[0].tags, "tlp:green");
}

TEST(Import, StixPatternsAndJsonLimits) {
  ImportResult r;
  import_text("bundle.json", R"({"type":"bundle","id":"bundle--1","objects":[
    {"type":"indicator","spec_version":"2.1","pattern_type":"stix","pattern":"[ipv4-addr:value = '198.51.100.0/24'] OR [domain-name:value = 'x.example'] OR [file:hashes.'SHA-256' = ')" +
                  std::string(64, 'e') + R"('] OR [process:pid = '4']"},
    {"type":"indicator","pattern_type":"sigma","pattern":"title: x"},
    {"type":"url","value":"http://y.example/p"}]})",
              "", r);
  auto v = values(r);
  EXPECT_TRUE(v.count("cidr:198.51.100.0/24"));
  EXPECT_TRUE(v.count("domain:x.example"));
  EXPECT_TRUE(v.count("sha256:" + std::string(64, 'e')));
  EXPECT_TRUE(v.count("url:http://y.example/p"));
  EXPECT_EQ(r.rejected.size(), 2u);  // process:pid, and the Sigma pattern
  ImportResult deep;
  import_text("deep.json", "{\"type\":\"bundle\",\"objects\":" + std::string(100, '[') + std::string(100, ']') + "}", "", deep);
  ASSERT_EQ(deep.rejected.size(), 1u);
  EXPECT_NE(deep.rejected[0].reason.find("nested"), std::string::npos);
}

TEST(Import, ExportedStixReimportsToTheSameIndicators) {
  std::vector<Indicator> in;
  for (auto [t, v] : std::initializer_list<std::pair<IndicatorType, std::string>>{
           {IndicatorType::Ip, "45.9.148.35"},           {IndicatorType::Ip, "2001:db8::1"},
           {IndicatorType::Domain, "pool.example"},      {IndicatorType::Url, "http://x.example/a?b='c'"},
           {IndicatorType::Sha256, std::string(64, 'f')}, {IndicatorType::Md5, std::string(32, 'a')},
           {IndicatorType::FileName, "kdevtmpfsi"}}) {
    Indicator i;
    i.type = t;
    i.value = v;
    i.family = "kinsing_h2miner";
    in.push_back(i);
  }
  ImportResult back;
  import_text("export.json", export_stix(in, "case"), "", back);
  EXPECT_TRUE(back.rejected.empty());
  ASSERT_EQ(back.indicators.size(), in.size());
  for (size_t k = 0; k < in.size(); ++k) {
    EXPECT_EQ(back.indicators[k].type, in[k].type);
    EXPECT_EQ(back.indicators[k].value, in[k].value);
    EXPECT_EQ(back.indicators[k].family, "kinsing_h2miner");
  }
  ImportResult misp;
  import_text("export-misp.json", export_misp(in, "case"), "", misp);
  EXPECT_EQ(misp.indicators.size(), in.size());
  ImportResult csv;
  import_text("export.csv", export_csv(in), "", csv);
  EXPECT_EQ(csv.indicators.size(), in.size());
  EXPECT_TRUE(csv.rejected.empty());
}

TEST(Store, ImportIsIdempotent) {
  test::TempDir dir;
  auto store = Store::open((dir / "s.sqlite").string(), true);
  ASSERT_TRUE(store);
  ImportResult r;
  import_text("list.txt", "a.example\nb.example\n", "", r);
  EXPECT_EQ(*store->upsert(r.indicators), 2u);
  EXPECT_EQ(*store->upsert(r.indicators), 0u);
  auto all = store->all("2026-11-21");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 2u);
  EXPECT_FALSE(Store::open((dir / "missing.sqlite").string(), false));
}

// The public feeds in the corpus: everything imports, and every rejected line says why.
TEST(ImportCorpus, AvastAndSignatureBaseIocs) {
  const std::filesystem::path corpus = MSW_CORPUS_DIR;
  if (!std::filesystem::exists(corpus / "ioc/avast")) GTEST_SKIP() << "corpus not present";
  size_t accepted = 0;
  for (const char* sub : {"ioc/avast", "yara/signature-base/iocs"}) {
    auto r = import_path((corpus / sub).string());
    ASSERT_TRUE(r) << sub;
    EXPECT_FALSE(r->files.empty());
    accepted += r->indicators.size();
    for (const auto& x : r->rejected) EXPECT_FALSE(x.reason.empty()) << x.file << ":" << x.line;
  }
  EXPECT_GT(accepted, 10'000u);
}

}  // namespace
}  // namespace msw::intel
