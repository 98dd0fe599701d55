// Progress for long work: a bar on stderr when it is a terminal, nothing otherwise (logs and pipes stay clean) or
// when the user asked for --quiet. Thread-safe: workers call advance() directly.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

namespace msw {

class Progress {
 public:
  // `enabled` false (--quiet, --json) silences it regardless of the terminal.
  Progress(std::string label, uint64_t total, bool enabled, std::FILE* out = stderr);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void advance(uint64_t n = 1);
  void set_label(std::string label);
  void finish();
  bool active() const { return active_; }

 private:
  void draw(bool force);

  std::string label_;
  uint64_t total_;
  std::atomic<uint64_t> done_{0};
  std::FILE* out_;
  bool active_;
  bool finished_ = false;
  std::mutex mutex_;
  int64_t last_draw_ns_ = 0;
};

}  // namespace msw
