#include "collect/linux/proc_tables.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "detect/heuristics/miner_process.h"
#include "support/fake_proc.h"
#include "support/test_support.h"

namespace msw::collect::linux {
namespace {
namespace fs = std::filesystem;

using test::kFakeMinerWallet;
constexpr std::string_view kWallet = kFakeMinerWallet;
using test::make_fake_proc;

TEST(ProcTables, ParsesStatWithHostileComm) {
  auto st = parse_proc_stat("77 (a) b (c)) S 5 0 0 0 0 0 0 0 0 0 10 20 0 0 0 0 4 0 999 0 33 0 0");
  ASSERT_TRUE(st);
  EXPECT_EQ(st->comm, "a) b (c)");
  EXPECT_EQ(st->ppid, 5);
  EXPECT_EQ(st->utime, 10u);
  EXPECT_EQ(st->stime, 20u);
  EXPECT_EQ(st->threads, 4);
  EXPECT_EQ(st->starttime, 999u);
  EXPECT_EQ(st->rss_pages, 33u);
  EXPECT_FALSE(parse_proc_stat("garbage"));
  EXPECT_FALSE(parse_proc_stat("1 (x) S 0"));
}

TEST(ProcTables, ParsesProcNetLines) {
  auto v4 = parse_proc_net_line("0: 0100007F:9C40 0A0B0C0D:0D05 01 0:0 00:0 0 33 0 777 1", false);
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->local_ip, "127.0.0.1");
  EXPECT_EQ(v4->local_port, 40000);
  EXPECT_EQ(v4->remote_ip, "13.12.11.10");
  EXPECT_EQ(v4->remote_port, 3333);
  EXPECT_EQ(v4->state, "ESTABLISHED");
  EXPECT_EQ(v4->inode, 777u);
  auto v6 = parse_proc_net_line("0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A x x x 0 0 501", true);
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->local_ip, "::1");
  EXPECT_EQ(v6->state, "LISTEN");
  EXPECT_FALSE(parse_proc_net_line("0: 0100007F 0100007F:0D05 01 x x x 0 0 1", false));
}

TEST(ProcTables, CollectsAndJoinsSocketsToProcesses) {
  test::TempDir dir;
  make_fake_proc(dir.path());
  auto host = HostView::open(dir.path().string());
  ASSERT_TRUE(host);
  auto t = collect_proc_tables(*host, 0);
  ASSERT_EQ(t.processes.size(), 2u);
  const ProcessRow* miner = nullptr;
  for (const auto& p : t.processes)
    if (p.pid == 4242) miner = &p;
  ASSERT_NE(miner, nullptr);
  EXPECT_EQ(miner->name, "kdev tmp) fsi");
  EXPECT_EQ(miner->user, "www-data");
  EXPECT_TRUE(miner->exe_deleted);
  EXPECT_EQ(miner->exe, "/tmp/kdevtmpfsi (deleted)");
  EXPECT_EQ(miner->parent_cmdline, "/sbin/init");
  EXPECT_EQ(miner->start_unix, 1700000000 + 12345 / 100);
  EXPECT_NE(miner->cmdline.find("stratum+tcp://127.0.0.1:3333"), std::string::npos);
  ASSERT_EQ(t.sockets.size(), 3u);
  EXPECT_EQ(t.sockets[0].pid, 4242);
  EXPECT_EQ(t.sockets[0].exe, "/tmp/kdevtmpfsi (deleted)");
  EXPECT_EQ(t.sockets[2].protocol, "tcp6");
}

TEST(MinerSigns, StrongAndSupportingSigns) {
  auto kb = detect::heuristics::MinerKnowledge::from_text("xmrig\nkdevtmpfsi\n", "3333\n");
  using detect::heuristics::assess_process;
  auto s = assess_process(kb, "/tmp/kdevtmpfsi", "kdevtmpfsi", "x -o stratum+tcp://p:3333 -u " + std::string(kWallet),
                          true, 390);
  EXPECT_EQ(s.strong.size(), 3u);  // stratum URL, wallet, name
  EXPECT_EQ(s.supporting.size(), 3u);  // deleted, /tmp, CPU
  auto opts = assess_process(kb, "/usr/bin/java", "java", "/usr/bin/java --donate-level 1 --cpu-priority 5", false, 0);
  EXPECT_EQ(opts.strong.size(), 1u);
  auto clean = assess_process(kb, "/usr/sbin/nginx", "nginx", "nginx: worker process", false, 99);
  EXPECT_TRUE(clean.strong.empty());
  EXPECT_TRUE(detect::heuristics::looks_like_monero_wallet(kWallet));
  EXPECT_FALSE(detect::heuristics::looks_like_monero_wallet(std::string(95, '0')));
  EXPECT_FALSE(kb.is_miner_name("nginx"));
  EXPECT_TRUE(kb.is_miner_name("XMRig"));
}

}  // namespace
}  // namespace msw::collect::linux
