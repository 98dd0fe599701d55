#include "core/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace msw {
namespace {

TEST(ThreadPool, ParallelForVisitsEveryIndexOnce) {
  ThreadPool pool(4);
  std::vector<std::atomic<int>> seen(10007);
  pool.parallel_for(seen.size(), [&](size_t i) { seen[i]++; });
  for (const auto& s : seen) ASSERT_EQ(s.load(), 1);
}

TEST(ThreadPool, WaitCoversAllSubmittedTasksAndPoolIsReusable) {
  ThreadPool pool(2);
  std::atomic<int> n{0};
  for (int i = 0; i < 1000; ++i) pool.submit([&] { n++; });
  pool.wait();
  EXPECT_EQ(n.load(), 1000);
  pool.parallel_for(0, [&](size_t) { n++; });  // empty range returns at once
  EXPECT_EQ(n.load(), 1000);
}

TEST(ThreadPool, ThreadCount) {
  EXPECT_EQ(resolve_thread_count(3), 3u);
  EXPECT_GE(resolve_thread_count(0), 1u);
  ThreadPool zero(0);  // clamps to one worker
  EXPECT_EQ(zero.size(), 1u);
}

}  // namespace
}  // namespace msw
