#include "core/progress.h"

#include <unistd.h>

#include <chrono>

namespace msw {

Progress::Progress(std::string label, uint64_t total, bool enabled, std::FILE* out)
    : label_(std::move(label)), total_(total), out_(out), active_(enabled && ::isatty(::fileno(out)) != 0) {}

Progress::~Progress() { finish(); }

void Progress::advance(uint64_t n) {
  done_ += n;
  if (active_) draw(false);
}

void Progress::set_label(std::string label) {
  std::lock_guard lock(mutex_);
  label_ = std::move(label);
}

void Progress::finish() {
  if (!active_ || finished_) return;
  draw(true);
  std::lock_guard lock(mutex_);
  std::fputs("\n", out_);
  std::fflush(out_);
  finished_ = true;
}

void Progress::draw(bool force) {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                 std::chrono::steady_clock::now().time_since_epoch())
                 .count();
  if (!force && now - last_draw_ns_ < 50'000'000) return;  // redraw at most 20 times a second
  last_draw_ns_ = now;
  constexpr int kWidth = 30;
  uint64_t done = std::min<uint64_t>(done_.load(), total_);
  int filled = total_ == 0 ? kWidth : static_cast<int>(done * kWidth / total_);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(kWidth, '.');
  std::fprintf(out_, "\r%-24.24s [%s] %llu/%llu", label_.c_str(), bar.c_str(), static_cast<unsigned long long>(done),
               static_cast<unsigned long long>(total_));
  std::fflush(out_);
}

}  // namespace msw
