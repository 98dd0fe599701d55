#include "collect/linux/journal.h"

#include <gtest/gtest.h>

#include "formats/authlog/authlog.h"
#include "support/test_support.h"

namespace msw::collect::linux {
namespace {
namespace fs = std::filesystem;

TEST(Journal, LinesReadAsRfc3339AuthLog) {
  std::string line = journal_line(Timestamp{1'700'000'000'123'456'000}, "lab", "sshd", "77",
                                  "Failed password for root from 198.51.100.9 port 2222 ssh2\nsecond line");
  EXPECT_EQ(line, "2023-11-14T22:13:20.123456+00:00 lab sshd[77]: Failed password for root from 198.51.100.9 port "
                  "2222 ssh2 second line\n");
  auto rec = formats::authlog::parse_line(std::string_view(line).substr(0, line.size() - 1), Timestamp{});
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->address, "198.51.100.9");
  EXPECT_EQ(to_iso8601(*rec->time, 6), "2023-11-14T22:13:20.123456Z");
}

TEST(Journal, NoJournalUnderTheRootIsNotAFailure) {
  test::TempDir dir;
  auto host = HostView::open(dir.path().string());
  ASSERT_TRUE(host);
  std::string why;
  EXPECT_FALSE(export_auth_journal(*host, why));
  EXPECT_TRUE(why.starts_with("no journal")) << why;
}

// A real journal file, written by systemd-journal-remote from the journal export format.
TEST(Journal, ReadsSshdEntriesFromARootsJournal) {
  const fs::path tool = "/lib/systemd/systemd-journal-remote";
  if (!fs::exists(tool)) GTEST_SKIP() << "systemd-journal-remote not installed (scripts/setup.sh --dev)";
  test::TempDir dir;
  std::string exported;
  for (int i = 0; i < 25; ++i)
    exported += "__REALTIME_TIMESTAMP=" + std::to_string(1'700'000'000'000'000LL + i * 1'000'000LL) +
                "\n__MONOTONIC_TIMESTAMP=" + std::to_string(i + 1) +
                "\n_BOOT_ID=0123456789abcdef0123456789abcdef\n_HOSTNAME=lab\nSYSLOG_IDENTIFIER=sshd\n_PID=77\n"
                "MESSAGE=Failed password for root from 198.51.100.9 port 2222 ssh2\n\n";
  exported += "__REALTIME_TIMESTAMP=1700000100000000\n__MONOTONIC_TIMESTAMP=99\n_BOOT_ID=0123456789abcdef0123456789abcdef\n"
              "_HOSTNAME=lab\nSYSLOG_IDENTIFIER=cron\nMESSAGE=(root) CMD (true)\n\n";
  test::write_file(dir / "export.txt", exported);
  const fs::path journal_dir = dir / "root/var/log/journal/0123456789abcdef0123456789abcdef";
  fs::create_directories(journal_dir);
  auto r = test::run({"/bin/sh", "-c",
                      tool.string() + " -o " + (journal_dir / "system.journal").string() + " - < " +
                          (dir / "export.txt").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto host = HostView::open((dir / "root").string());
  ASSERT_TRUE(host);
  std::string why;
  auto j = export_auth_journal(*host, why);
#ifdef MSW_TEST_NO_SYSTEMD
  GTEST_SKIP() << why;
#endif
  ASSERT_TRUE(j) << why;
  EXPECT_EQ(j->entries, 25u);  // sshd only, not cron
  size_t failures = 0;
  formats::authlog::parse(j->text, Timestamp{}, [&](const formats::authlog::Record& rec) {
    failures += rec.kind == formats::authlog::Kind::Failure && rec.address == "198.51.100.9";
  });
  EXPECT_EQ(failures, 25u);
}

}  // namespace
}  // namespace msw::collect::linux
