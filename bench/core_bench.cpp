// Inner-loop benchmarks for the foundation: hashing evidence, checked reads, escaping, decoding, hosts parsing.
// Run: build/dev/bench/core_bench  (numbers are for comparing commits on one machine, never asserted in tests)
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "core/byte_reader.h"
#include "core/escape.h"
#include "core/hash.h"
#include "core/text.h"
#include "formats/hosts/hosts_file.h"

namespace {

std::string pseudo_random_bytes(size_t n) {
  std::string s(n, '\0');
  uint64_t x = 0x9E3779B97F4A7C15ull;
  for (auto& c : s) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x);
  }
  return s;
}

void BM_MultiHash(benchmark::State& state) {
  std::string data = pseudo_random_bytes(static_cast<size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(msw::hash_bytes(msw::as_bytes(data)));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_MultiHash)->Arg(1 << 20)->Arg(16 << 20);

void BM_ByteReaderU32(benchmark::State& state) {
  std::string data = pseudo_random_bytes(1 << 20);
  for (auto _ : state) {
    msw::ByteReader r(msw::as_bytes(data));
    uint64_t sum = 0;
    while (auto v = r.u32le()) sum += *v;
    benchmark::DoNotOptimize(sum);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * (1 << 20));
}
BENCHMARK(BM_ByteReaderU32);

void BM_EscapeHtml(benchmark::State& state) {
  std::string text;
  while (text.size() < (64u << 10)) text += "1.2.3.4 www.example.com # <script>alert(\"x\")</script> & more\n";
  for (auto _ : state) benchmark::DoNotOptimize(msw::escape_html(text));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_EscapeHtml);

void BM_DecodeGbk(benchmark::State& state) {
  std::string text;
  while (text.size() < (64u << 10)) text += "echo \xCD\xDA\xBF\xF3 \xD6\xD0\xCE\xC4 schtasks /create /tn Mysa\r\n";
  for (auto _ : state) benchmark::DoNotOptimize(msw::decode_text(msw::as_bytes(text)));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_DecodeGbk);

void BM_ParseHosts(benchmark::State& state) {
  std::string text;
  for (int i = 0; i < 100000; ++i) text += "0.0.0.0 ads" + std::to_string(i) + ".tracker.example.com # blocked\n";
  for (auto _ : state) {
    msw::Diagnostics d;
    benchmark::DoNotOptimize(msw::formats::hosts::parse(msw::as_bytes(text), "bench", d));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_ParseHosts);

}  // namespace
