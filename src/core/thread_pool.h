// A small fixed thread pool. Work is split by file and, inside large files, by independent unit (an EVTX chunk, a
// pcap block range); tasks must not throw (the pipeline returns Result), and a task that does terminates the run.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace msw {

// Threads to use: the request when > 0, otherwise the machine's hardware threads (at least 1).
unsigned resolve_thread_count(int requested);

class ThreadPool {
 public:
  explicit ThreadPool(unsigned threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  void submit(std::function<void()> task);
  // Blocks until every submitted task has finished.
  void wait();
  unsigned size() const { return static_cast<unsigned>(workers_.size()); }

  // Runs fn(i) for i in [0, n) on the calling thread and up to size() - 1 workers, and waits.
  void parallel_for(size_t n, const std::function<void(size_t)>& fn);

 private:
  void worker_loop();

  std::vector<std::thread> workers_;
  std::deque<std::function<void()>> queue_;
  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable all_done_;
  size_t in_flight_ = 0;
  bool stopping_ = false;
};

}  // namespace msw
