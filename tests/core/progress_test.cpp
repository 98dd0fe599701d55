#include "core/progress.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace msw {
namespace {

TEST(Progress, SilentWhenNotATerminal) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    Progress p("work", 10, /*enabled=*/true, f);
    EXPECT_FALSE(p.active());  // a file is not a terminal
    p.advance(5);
    p.finish();
  }
  EXPECT_EQ(std::ftell(f), 0);
  std::fclose(f);
}

}  // namespace
}  // namespace msw
