// The intel matcher's free-text scan over a large file, for bench/peers_intel.sh: loads indicators from a list
// (one per line, as `intel import` reads plain lists), maps the text, splits it at line boundaries across threads
// and prints "bytes seconds matches" for the script to compare with grep -F -f.
//   intel_scan INDICATORS TEXT [THREADS]
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "core/mapped_file.h"
#include "intel/import.h"
#include "intel/matcher.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: intel_scan INDICATORS TEXT [THREADS]\n");
    return 2;
  }
  auto feed = msw::MappedFile::open(argv[1]);
  auto text = msw::MappedFile::open(argv[2]);
  if (!feed || !text) {
    std::fprintf(stderr, "cannot read inputs\n");
    return 2;
  }
  const unsigned threads = argc > 3 ? static_cast<unsigned>(std::stoul(argv[3])) : std::thread::hardware_concurrency();
  msw::intel::ImportResult r;
  msw::intel::import_text("indicators.txt", msw::as_chars(feed->bytes()), "", r);
  const msw::intel::Matcher m(std::move(r.indicators));
  const std::string_view all = msw::as_chars(text->bytes());

  const auto start = std::chrono::steady_clock::now();
  std::vector<size_t> counts(threads, 0);
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      // This thread's slice, moved to line boundaries so no line is cut in two.
      size_t begin = all.size() * t / threads, end = all.size() * (t + 1) / threads;
      if (t > 0) begin = all.find('\n', begin) == std::string_view::npos ? all.size() : all.find('\n', begin) + 1;
      if (t + 1 < threads) end = all.find('\n', end) == std::string_view::npos ? all.size() : all.find('\n', end) + 1;
      std::vector<msw::intel::Match> out;
      for (size_t pos = begin; pos < end;) {
        size_t eol = all.find('\n', pos);
        if (eol == std::string_view::npos || eol > end) eol = end;
        out.clear();
        m.scan_text(all.substr(pos, eol - pos), out);
        counts[t] += !out.empty();  // matching lines, as grep -c counts them
        pos = eol + 1;
      }
    });
  for (auto& th : pool) th.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  size_t lines = 0;
  for (size_t c : counts) lines += c;
  std::printf("%zu %.3f %zu %zu\n", all.size(), secs, lines, m.size());
  return 0;
}
