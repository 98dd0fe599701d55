#include "detect/heuristics/linux_host.h"

#include <gtest/gtest.h>

#include <map>

#include "normalize/normalize.h"

namespace msw::detect::heuristics {
namespace {

std::vector<model::Event> table(std::string_view category, std::string_view jsonl) {
  Diagnostics d;
  std::vector<model::Event> out;
  normalize::keyed_table_events(as_bytes(jsonl), {"tables/x.jsonl", "linux"}, category, "ModifiedUnix", d, out);
  return out;
}

std::map<std::string, std::vector<model::Finding>> scan(const std::vector<model::Event>& events) {
  auto engine = make_linux_host_engine();
  std::vector<model::Finding> out;
  engine->scan_artefact({"tables/x.jsonl", "", "file_table", "linux", "", events}, out);
  std::map<std::string, std::vector<model::Finding>> by_rule;
  for (auto& f : out) by_rule[f.rule_id].push_back(std::move(f));
  return by_rule;
}

TEST(LinuxHost, LockedFilesAndRecentKeys) {
  auto r = scan(table("file_info", R"({"TargetFilename":"/etc/resolv.conf","Reason":"watched","FileAttributes":"immutable","AgeSeconds":9999999}
{"TargetFilename":"/root/.ssh/authorized_keys","Reason":"watched","FileAttributes":"immutable,append_only","AgeSeconds":3600}
{"TargetFilename":"/home/bob/.ssh/authorized_keys","Reason":"watched","AgeSeconds":99999999}
{"TargetFilename":"/etc/hosts","Reason":"watched","AgeSeconds":10}
)"));
  ASSERT_EQ(r[std::string(kLockedFileRule)].size(), 2u);
  EXPECT_EQ(r[std::string(kLockedFileRule)][0].severity, model::Severity::Medium);  // resolv.conf alone
  EXPECT_EQ(r[std::string(kLockedFileRule)][1].severity, model::Severity::High);
  ASSERT_EQ(r[std::string(kRecentKeysRule)].size(), 1u);  // root's, changed an hour before; bob's is old
  EXPECT_NE(r[std::string(kRecentKeysRule)][0].title_en.find("/root/.ssh"), std::string::npos);
}

TEST(LinuxHost, DroppedExecutablesAreJudgedPerFolder) {
  std::string rows = R"({"TargetFilename":"/tmp/kdevtmpfsi","Reason":"dropped_executable","FileType":"elf","Hashes":"SHA256=ab"}
{"TargetFilename":"/tmp/notes.txt","Reason":"dropped_executable","FileType":"other"}
{"TargetFilename":"/root/.configrc/a/upd","Reason":"hidden_executable","FileType":"elf"}
)";
  for (int i = 0; i < 30; ++i)
    rows += R"({"TargetFilename":"/tmp/build/out/prog)" + std::to_string(i) + R"(","Reason":"dropped_executable","FileType":"elf"})" "\n";
  auto r = scan(table("file_info", rows));
  auto& f = r[std::string(kDroppedExecutableRule)];
  ASSERT_EQ(f.size(), 3u);  // kdevtmpfsi, upd, and one summary for the build tree
  size_t low = 0;
  for (const auto& x : f) low += x.severity == model::Severity::Low;
  EXPECT_EQ(low, 1u);
}

TEST(LinuxHost, SetIdFiles) {
  auto r = scan(table("file_info", R"({"TargetFilename":"/usr/bin/passwd","Reason":"setid","FileMode":"4755"}
{"TargetFilename":"/usr/bin/bash","Reason":"setid","FileMode":"4755"}
{"TargetFilename":"/usr/bin/.sshd","Reason":"setid","FileMode":"4755"}
{"TargetFilename":"/var/tmp/x","Reason":"setid","FileMode":"4755"}
)"));
  EXPECT_EQ(r[std::string(kSetIdRule)].size(), 3u);  // not passwd
}

TEST(LinuxHost, AccountsModulesAndServices) {
  auto acc = scan(table("user_account", R"({"User":"root","Uid":0,"Shell":"/bin/bash","PasswordState":"hash:yescrypt"}
{"User":"toor","Uid":0,"Shell":"/bin/bash","PasswordState":"hash:sha512"}
{"User":"guest","Uid":1001,"Shell":"/bin/bash","PasswordState":"empty"}
{"User":"daemon","Uid":1,"Shell":"/usr/sbin/nologin","PasswordState":"empty"}
{"User":"old","Uid":1002,"Shell":"/bin/sh","PasswordState":"hash:md5"}
)"));
  auto& a = acc[std::string(kAccountRule)];
  ASSERT_EQ(a.size(), 3u);  // toor (uid 0), guest (empty, can log in), old (md5); not root, not daemon
  EXPECT_EQ(a[0].severity, model::Severity::High);

  auto mod = scan(table("kernel_module", R"({"ModuleName":"ext4"}
{"ModuleName":"diamorphine","Taint":"OE"}
)"));
  ASSERT_EQ(mod[std::string(kRootkitModuleRule)].size(), 1u);
  EXPECT_EQ(mod[std::string(kRootkitModuleRule)][0].severity, model::Severity::Critical);

  std::vector<model::Event> conns;
  Diagnostics d;
  normalize::connection_table_events(
      as_bytes(R"({"protocol":"tcp","local_ip":"0.0.0.0","local_port":2375,"remote_ip":"0.0.0.0","remote_port":0,"state":"LISTEN"}
{"protocol":"tcp","local_ip":"127.0.0.1","local_port":6379,"remote_ip":"0.0.0.0","remote_port":0,"state":"LISTEN"}
{"protocol":"tcp6","local_ip":"::","local_port":6379,"remote_ip":"::","remote_port":0,"state":"LISTEN"}
)"),
      {"live/connections.jsonl", "linux"}, d, conns);
  auto svc = scan(conns);
  ASSERT_EQ(svc[std::string(kExposedServiceRule)].size(), 2u);  // docker on all interfaces, redis on ::
  EXPECT_EQ(svc[std::string(kExposedServiceRule)][0].severity, model::Severity::High);
}

TEST(LinuxHost, RedisConfiguration) {
  auto conf = [](std::string_view text) {
    std::vector<model::Event> ev;
    Diagnostics d;
    EXPECT_TRUE(normalize::redis_conf_events(as_bytes(text), {"/etc/redis/redis.conf", "linux"}, d, ev));
    return scan(ev)[std::string(kExposedServiceRule)].size();
  };
  EXPECT_EQ(conf("bind 127.0.0.1 -::1\nprotected-mode yes\n"), 0u);
  EXPECT_EQ(conf("bind 0.0.0.0\nprotected-mode no\n"), 1u);
  EXPECT_EQ(conf("bind 0.0.0.0\nrequirepass s3cret\n"), 0u);
  EXPECT_EQ(conf("# nothing set: all interfaces\n"), 1u);
}

TEST(LinuxHost, MinerConfiguration) {
  std::vector<model::Event> ev;
  Diagnostics d;
  ASSERT_TRUE(normalize::miner_config_events(
      as_bytes("{\"pools\": [ {\"url\" : \"gulf.moneroocean.stream:10128\", \"user\": \"4Abc.rig1\", \"pass\": \"x\"},\n"
               "{\"url\":\"pool.supportxmr.com:443\"} ] }"),
      {"/tmp/.x/config.json", "linux"}, d, ev));
  ASSERT_EQ(ev.size(), 2u);
  auto r = scan(ev);
  auto& f = r[std::string(kMinerConfigRule)];
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].severity, model::Severity::High);
  EXPECT_EQ(f[0].observables[1].value, "4Abc");  // the wallet without the worker name
  std::vector<model::Event> none;
  ASSERT_TRUE(normalize::miner_config_events(as_bytes("{\"url\": 5, \"user\"}"), {"x.json", "linux"}, d, none));
  EXPECT_TRUE(none.empty());
}

}  // namespace
}  // namespace msw::detect::heuristics
