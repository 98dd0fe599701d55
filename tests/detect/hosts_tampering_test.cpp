#include "detect/heuristics/hosts_tampering.h"

#include <map>

#include <gtest/gtest.h>

#include "normalize/normalize.h"

namespace msw::detect::heuristics {
namespace {

class HostsTampering : public ::testing::Test {
 protected:
  HostsTampering() : kb_(HostsKnowledge::builtin(diags_)) {}

  EntryAssessment assess(std::string_view name, std::string_view ip, std::vector<std::string_view> line = {},
                         std::string_view own = "") {
    if (line.empty()) line.push_back(name);
    return assess_hosts_entry(kb_, name, *parse_ip(ip), line, own);
  }

  std::vector<model::Finding> scan(std::string_view hosts_text, std::string_view subject_host = "") {
    Diagnostics d;
    auto file = formats::hosts::parse(as_bytes(hosts_text), "hosts", d);
    EXPECT_TRUE(file);
    std::vector<model::Event> events;
    normalize::hosts_events(*file, {"C:/Windows/System32/drivers/etc/hosts", "windows"}, events);
    auto engine = make_hosts_tampering_engine(d);
    std::vector<model::Finding> out;
    engine->scan_artefact({"C:/Windows/System32/drivers/etc/hosts", "abc", "hosts", "windows", subject_host, events},
                          out);
    return out;
  }

  Diagnostics diags_;
  HostsKnowledge kb_;
};

TEST_F(HostsTampering, BuiltinKnowledgeLoadsCleanly) { EXPECT_TRUE(diags_.empty()); }

TEST_F(HostsTampering, StandardAndLocalEntriesAreBenign) {
  EXPECT_EQ(assess("localhost", "127.0.0.1").verdict, EntryVerdict::Benign);
  EXPECT_EQ(assess("ip6-allnodes", "ff02::1").verdict, EntryVerdict::Benign);
  EXPECT_EQ(assess("web01", "127.0.1.1").verdict, EntryVerdict::Benign);
  EXPECT_EQ(assess("db.internal", "10.0.0.5").verdict, EntryVerdict::Benign);
  EXPECT_EQ(assess("nas.home.arpa", "192.168.1.2").verdict, EntryVerdict::Benign);
  EXPECT_EQ(assess("printer.local", "192.168.1.3").verdict, EntryVerdict::Benign);
  // hosts(5)'s own idiom: "address fqdn shortname" defines this host.
  EXPECT_EQ(assess("web01.example.com", "203.0.113.10", {"web01.example.com", "web01"}).verdict, EntryVerdict::Benign);
  EXPECT_EQ(assess("web01.example.com", "8.8.4.4", {"web01.example.com"}, "web01").verdict, EntryVerdict::Benign);
}

TEST_F(HostsTampering, WatchedDomainsBlockedOrRedirectedAreHigh) {
  auto blocked = assess("update.microsoft.com", "127.0.0.1");
  EXPECT_EQ(blocked.verdict, EntryVerdict::BlocksWatched);
  EXPECT_EQ(blocked.category, DomainCategory::Update);
  EXPECT_EQ(blocked.severity, model::Severity::High);
  EXPECT_EQ(assess("WWW.Kaspersky.COM.", "0.0.0.0").category, DomainCategory::Security);  // case, trailing dot
  EXPECT_EQ(assess("xmr-eu1.nanopool.org", "127.0.0.1").category, DomainCategory::Pool);
  EXPECT_EQ(assess("pool.supportxmr.com", "10.1.1.1").verdict, EntryVerdict::RedirectsWatched);
  EXPECT_EQ(assess("notkaspersky.com", "127.0.0.1").category, DomainCategory::None);  // label boundary
}

TEST_F(HostsTampering, OtherPublicNamesAreGradedByWhereTheyPoint) {
  EXPECT_EQ(assess("www.google.com", "1.2.3.4").verdict, EntryVerdict::RedirectsPublic);
  EXPECT_EQ(assess("www.google.com", "1.2.3.4").severity, model::Severity::Medium);
  EXPECT_EQ(assess("js.1226bye.xyz", "10.1.1.1").verdict, EntryVerdict::RedirectsInternal);
  EXPECT_EQ(assess("ads.example.de", "0.0.0.0").verdict, EntryVerdict::BlocksPublic);
  EXPECT_EQ(assess("ads.example.de", "0.0.0.0").severity, model::Severity::Informational);
  EXPECT_EQ(assess("xn--fiqs8s.xn--fiqs8s", "1.2.3.4").verdict, EntryVerdict::RedirectsPublic);  // IDN TLD
  EXPECT_EQ(assess("host.unknowntld", "1.2.3.4").verdict, EntryVerdict::Benign);
}

TEST_F(HostsTampering, OneFindingNamesEveryEntryWithItsLine) {
  auto findings = scan(
      "# <script>alert(1)</script>\n"
      "127.0.0.1 localhost\n"
      "1.2.3.4 www.google.com\n"
      "5.6.7.8 www.bing.com api.github.com\n");
  ASSERT_EQ(findings.size(), 1u);
  const auto& f = findings[0];
  EXPECT_EQ(f.rule_id, kHostsTamperingRule);
  EXPECT_EQ(f.severity, model::Severity::Medium);
  for (auto name : {"www.google.com", "www.bing.com", "api.github.com"}) {
    EXPECT_NE(f.description_en.find(name), std::string::npos) << name;
    EXPECT_NE(f.description_zh.find(name), std::string::npos) << name;
  }
  ASSERT_EQ(f.evidence.size(), 2u);  // one per offending line
  EXPECT_EQ(f.evidence[0].line, 3u);
  EXPECT_EQ(f.evidence[1].line, 4u);
  EXPECT_EQ(f.evidence[1].excerpt, "5.6.7.8 www.bing.com api.github.com");
  EXPECT_EQ(f.evidence[0].sha256, "abc");
  ASSERT_EQ(f.actions.size(), 1u);
  EXPECT_EQ(f.actions[0].kind, model::ActionKind::RestoreHostsFile);
  EXPECT_NE(f.actions[0].detail_en.find("3, 4"), std::string::npos);
  EXPECT_EQ(f.attack, std::vector<std::string>{"T1565.001"});
}

// The names a hosts file blocks (or a watched name it sends elsewhere) are the victims'; where it sends a name, and
// a name of no known kind it pins, are the attacker's.
TEST_F(HostsTampering, BlockedNamesAreAffectedAndRedirectsAreIndicators) {
  auto findings = scan(
      "127.0.0.1 www.360.cn\n"
      "0.0.0.0 xmr-eu1.nanopool.org\n"
      "45.77.10.9 js.mys2016.info\n");
  ASSERT_EQ(findings.size(), 1u);
  std::map<std::string, model::ObservableRole> role;
  for (const auto& o : findings[0].observables) role[o.value] = o.role;
  EXPECT_EQ(role.at("www.360.cn"), model::ObservableRole::Affected);
  EXPECT_EQ(role.at("xmr-eu1.nanopool.org"), model::ObservableRole::Affected);
  EXPECT_EQ(role.at("js.mys2016.info"), model::ObservableRole::Indicator);
  EXPECT_EQ(role.at("45.77.10.9"), model::ObservableRole::Indicator);
  EXPECT_EQ(role.count("127.0.0.1") + role.count("0.0.0.0"), 0u);
}

TEST_F(HostsTampering, BlockingSecurityUpdatesMapsToImpairDefenses) {
  auto findings = scan("127.0.0.1 localhost\n0.0.0.0 update.microsoft.com\n127.0.0.1 www.eset.com\n");
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].severity, model::Severity::High);
  EXPECT_EQ(findings[0].attack, std::vector<std::string>{"T1562.001"});
  // Loopback addresses are not observables worth matching; the domains are.
  for (const auto& o : findings[0].observables) EXPECT_EQ(o.kind, model::ObservableKind::Domain);
}

TEST_F(HostsTampering, CleanFilesGiveNothing) {
  EXPECT_TRUE(scan("127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n127.0.1.1 web01\n").empty());
  EXPECT_TRUE(scan("").empty());
  EXPECT_TRUE(scan("10.0.0.1 web01.corp.example.com web01\n", "web01").empty());
}

TEST_F(HostsTampering, EvidenceIsCappedButCountIsKept) {
  std::string big;
  for (size_t i = 0; i < kMaxHostsEvidence + 50; ++i) big += "1.2.3.4 h" + std::to_string(i) + ".example.com\n";
  auto findings = scan(big);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].evidence.size(), kMaxHostsEvidence);
  EXPECT_NE(findings[0].title_en.find(std::to_string(kMaxHostsEvidence + 50)), std::string::npos);
  EXPECT_NE(findings[0].description_en.find("and 50 more"), std::string::npos);
}

}  // namespace
}  // namespace msw::detect::heuristics
