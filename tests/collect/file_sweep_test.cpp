#include "collect/linux/file_sweep.h"

#include <gtest/gtest.h>
#include <linux/fs.h>
#include <sys/stat.h>

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "collect/linux/host_tables.h"
#include "collect/linux/proc_tables.h"
#include "support/test_support.h"

namespace msw::collect::linux {
namespace {
namespace fs = std::filesystem;

std::string elf(uint8_t type) {
  std::string h("\x7f" "ELF\x02\x01\x01", 7);
  h.resize(16, '\0');
  h += static_cast<char>(type);
  h += '\0';
  return h + std::string(64, '\0');
}

std::map<std::string, nlohmann::json> rows(const std::string& jsonl) {
  std::map<std::string, nlohmann::json> out;
  size_t pos = 0;
  while (pos < jsonl.size()) {
    size_t eol = jsonl.find('\n', pos);
    auto j = nlohmann::json::parse(jsonl.substr(pos, eol - pos));
    out[j["TargetFilename"].get<std::string>()] = j;
    pos = eol + 1;
  }
  return out;
}

TEST(FileSweep, FindsDroppedHiddenAndSetIdFilesWithoutLeavingTheRoot) {
  test::TempDir dir;
  const fs::path root = dir / "root";
  test::write_file(root / "etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");
  test::write_file(root / "etc/resolv.conf", "nameserver 1.1.1.1\n");
  test::write_file(root / "tmp/kdevtmpfsi", elf(2));
  test::write_file(root / "tmp/a.o", elf(1));  // compiler output: not listed
  test::write_file(root / "tmp/.x/run.sh", "#!/bin/sh\nexec /tmp/kdevtmpfsi\n");
  test::write_file(root / "tmp/readme.txt", "hello\n");
  test::write_file(root / "root/.configrc/a/upd", elf(3));
  test::write_file(root / "root/.cargo/bin/cargo", elf(3));  // a toolchain's dot-folder: not walked
  test::write_file(root / "root/bin/tool", elf(2));           // not hidden: not listed
  test::write_file(root / "usr/local/bin/sushell", elf(2));
  test::write_file(root / "secret/outside", elf(2));
  test::write_file(root / "tmp/d.sh", "#!/bin/sh\npkill -f xmrig\n");
  test::write_file(root / "tmp/checkout/.git/HEAD", "ref: refs/heads/main\n");  // a developer's clone in /tmp
  test::write_file(root / "tmp/checkout/bench/gen.sh", "#!/bin/sh\necho 'wget -O- x | sh'\n");
  fs::permissions(root / "tmp/checkout/bench/gen.sh", fs::perms::owner_all);
  test::write_file(root / "tmp/notes.sh", "#!/bin/sh\necho not executable\n");
  test::write_file(root / "var/tmp/.m/config.json", R"({"pools":[{"url":"pool.example:3333","user":"4Abc"}]})");
  test::write_file(root / "var/tmp/.m/other.json", R"({"name":"not a miner"})");
  fs::permissions(root / "tmp/d.sh", fs::perms::owner_all);
  fs::permissions(root / "tmp/kdevtmpfsi", fs::perms::owner_all);
  fs::permissions(root / "tmp/.x/run.sh", fs::perms::owner_all);
  ASSERT_EQ(::chmod((root / "usr/local/bin/sushell").c_str(), 04755), 0);
  fs::create_directory_symlink(root / "secret", root / "tmp/escape");  // a link inside /tmp is not followed

  auto host = HostView::open(root.string());
  ASSERT_TRUE(host);
  FileSweep sweep = sweep_files(*host, {"/etc/resolv.conf", "/etc/missing"}, 2'000'000'000);
  auto r = rows(sweep.jsonl);
  EXPECT_EQ(r.count("/etc/resolv.conf"), 1u);
  EXPECT_EQ(r["/etc/resolv.conf"]["Reason"], "watched");
  EXPECT_EQ(r["/etc/resolv.conf"]["FileOwner"], "root");  // uid 0 named from the root's passwd
  EXPECT_EQ(r["/tmp/kdevtmpfsi"]["Reason"], "dropped_executable");
  EXPECT_EQ(r["/tmp/kdevtmpfsi"]["FileType"], "elf");
  EXPECT_TRUE(r["/tmp/kdevtmpfsi"]["Hashes"].get<std::string>().starts_with("SHA256="));
  EXPECT_EQ(r["/tmp/.x/run.sh"]["FileType"], "script");
  EXPECT_EQ(r.count("/tmp/a.o"), 0u);
  EXPECT_EQ(r.count("/tmp/readme.txt"), 0u);
  EXPECT_EQ(r["/root/.configrc/a/upd"]["Reason"], "hidden_executable");
  EXPECT_EQ(r.count("/root/.cargo/bin/cargo"), 0u);
  EXPECT_EQ(r.count("/root/bin/tool"), 0u);
  EXPECT_EQ(r["/usr/local/bin/sushell"]["Reason"], "setid");
  EXPECT_EQ(r["/usr/local/bin/sushell"]["FileMode"], "4755");
  for (const auto& [path, row] : r) EXPECT_EQ(path.find("outside"), std::string::npos) << path;
  std::sort(sweep.dropped_scripts.begin(), sweep.dropped_scripts.end());
  // Not notes.sh (no execute bit), not the checkout's own script (inside a git work tree).
  EXPECT_EQ(sweep.dropped_scripts, std::vector<std::string>({"/tmp/.x/run.sh", "/tmp/d.sh"}));
  EXPECT_EQ(sweep.miner_configs, std::vector<std::string>({"/var/tmp/.m/config.json"}));
  EXPECT_GT(r["/etc/resolv.conf"]["AgeSeconds"].get<int64_t>(), 0);
}

TEST(FileSweep, InodeFlagsAreNamed) {
  EXPECT_EQ(describe_inode_flags(0), "");
  EXPECT_EQ(describe_inode_flags(FS_IMMUTABLE_FL), "immutable");
  EXPECT_EQ(describe_inode_flags(FS_IMMUTABLE_FL | FS_APPEND_FL), "immutable,append_only");
}

TEST(HostTables, PasswordStatesNeverCarryTheHash) {
  EXPECT_EQ(password_state(""), "empty");
  EXPECT_EQ(password_state("!$6$abc$def"), "locked");
  EXPECT_EQ(password_state("*"), "no_password_login");
  EXPECT_EQ(password_state("$6$salt$hash"), "hash:sha512");
  EXPECT_EQ(password_state("$y$j9T$salt$hash"), "hash:yescrypt");
  EXPECT_EQ(password_state("$1$salt$hash"), "hash:md5");
  EXPECT_EQ(password_state("abJnggxhB/yWI"), "hash:des");

  test::TempDir dir;
  test::write_file(dir / "etc/passwd", "root:x:0:0:root:/root:/bin/bash\ntoor:$1$x$y:0:0::/:/bin/sh\nbob:x:1000:1000::/home/bob:/bin/bash\n");
  test::write_file(dir / "etc/shadow", "root:$y$j9T$s$h:19000:0:99999:7:::\nbob::19000::::::\n");
  auto host = HostView::open(dir.path().string());
  ASSERT_TRUE(host);
  AccountsTable t = accounts_jsonl(*host);
  EXPECT_TRUE(t.shadow_read);
  EXPECT_EQ(t.jsonl.find("$y$"), std::string::npos);  // no hash leaves the host
  EXPECT_NE(t.jsonl.find(R"("User":"toor","Uid":0)"), std::string::npos);
  EXPECT_NE(t.jsonl.find(R"("PasswordState":"hash:md5","PasswordInPasswd":true)"), std::string::npos);
  EXPECT_NE(t.jsonl.find(R"("User":"bob","Uid":1000,"Gid":1000,"Home":"/home/bob","Shell":"/bin/bash","PasswordState":"empty")"),
            std::string::npos);
}

}  // namespace
}  // namespace msw::collect::linux

namespace msw::collect::linux {
namespace {

TEST(HiddenProcesses, ThreeViewsOfProcTellUserAndKernelRootkitsApart) {
  // 1, 2 listed everywhere; 300 only in getdents (a readdir hook hides it); 400 only found by probing.
  auto h = classify_hidden({1, 2}, {1, 2, 300}, {300, 400});
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0], (std::pair<int64_t, std::string>{300, "readdir"}));
  EXPECT_EQ(h[1], (std::pair<int64_t, std::string>{400, "getdents"}));
  EXPECT_TRUE(classify_hidden({1, 2}, {1, 2}, {}).empty());
}

TEST(HiddenProcesses, NoneOnThisMachine) {
  // The probe runs for real on the live /proc: on the CI machine nothing is hidden.
  auto host = HostView::open("/");
  ASSERT_TRUE(host);
  ProcTables t = collect_proc_tables(*host, 0);
  for (const auto& p : t.processes) EXPECT_TRUE(p.hidden_from.empty()) << p.pid << " " << p.name << " " << p.hidden_from;
}

}  // namespace
}  // namespace msw::collect::linux
