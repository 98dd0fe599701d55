#include "support/prefetch_writer.h"

#include "support/bytes.h"

#include <algorithm>
#include <array>
#include <bit>
#include <functional>
#include <queue>
#include <unordered_map>

namespace msw::test {
namespace {

using namespace bytes;

// Code lengths (≤ 15) for 512 symbols from their frequencies; every symbol gets a code so the code is complete.
std::array<uint8_t, 512> code_lengths(const std::array<uint32_t, 512>& freq) {
  struct Node {
    uint64_t weight;
    int left, right;
  };
  std::vector<Node> nodes;
  using Item = std::pair<uint64_t, int>;
  std::priority_queue<Item, std::vector<Item>, std::greater<>> heap;
  for (int s = 0; s < 512; ++s) {
    nodes.push_back({uint64_t{freq[s]} + 1, -1, -1});
    heap.push({nodes.back().weight, s});
  }
  while (heap.size() > 1) {
    auto [wa, a] = heap.top();
    heap.pop();
    auto [wb, b] = heap.top();
    heap.pop();
    nodes.push_back({wa + wb, a, b});
    heap.push({wa + wb, static_cast<int>(nodes.size() - 1)});
  }
  std::array<uint8_t, 512> len{};
  bool too_deep = false;
  std::function<void(int, int)> walk = [&](int n, int depth) {
    if (nodes[n].left < 0) {
      if (depth > 15) too_deep = true;
      len[n] = static_cast<uint8_t>(depth);
      return;
    }
    walk(nodes[n].left, depth + 1);
    walk(nodes[n].right, depth + 1);
  };
  walk(heap.top().second, 0);
  if (too_deep) len.fill(9);  // 512 codes of 9 bits: complete and always valid
  return len;
}

struct Token {
  uint16_t symbol;
  uint32_t length;   // full match length (0 for a literal)
  uint32_t offset;
};

}  // namespace

std::string lzxpress_huffman_compress(const std::string& data) {
  std::string out;
  std::unordered_map<uint32_t, size_t> last_seen;  // 3-byte prefix -> latest position
  auto key = [&](size_t p) {
    return static_cast<uint32_t>(static_cast<uint8_t>(data[p])) << 16 |
           static_cast<uint32_t>(static_cast<uint8_t>(data[p + 1])) << 8 | static_cast<uint8_t>(data[p + 2]);
  };
  size_t pos = 0;
  while (pos < data.size()) {
    const size_t block_end = pos + 65536;
    std::vector<Token> tokens;
    std::array<uint32_t, 512> freq{};
    while (pos < block_end && pos < data.size()) {
      size_t best_len = 0, best_off = 0;
      if (pos + 3 <= data.size()) {
        auto it = last_seen.find(key(pos));
        if (it != last_seen.end() && pos - it->second < 65536) {
          const size_t from = it->second;
          size_t n = 0;
          while (pos + n < data.size() && data[from + n] == data[pos + n] && n < 70000) ++n;
          if (n >= 3) best_len = n, best_off = pos - from;
        }
        last_seen[key(pos)] = pos;
      }
      if (best_len == 0) {
        tokens.push_back({static_cast<uint8_t>(data[pos]), 0, 0});
        ++freq[static_cast<uint8_t>(data[pos])];
        ++pos;
        continue;
      }
      const auto offset_bits = static_cast<unsigned>(std::bit_width(best_off) - 1);
      const uint32_t nibble = std::min<uint32_t>(static_cast<uint32_t>(best_len - 3), 15);
      const auto symbol = static_cast<uint16_t>(256 + (offset_bits << 4) + nibble);
      tokens.push_back({symbol, static_cast<uint32_t>(best_len), static_cast<uint32_t>(best_off)});
      ++freq[symbol];
      for (size_t i = 1; i < best_len && pos + i + 3 <= data.size(); ++i) last_seen[key(pos + i)] = pos + i;
      pos += best_len;
    }
    const auto len = code_lengths(freq);
    // Canonical codes, as the decoder rebuilds them.
    std::array<uint32_t, 512> code{};
    uint32_t next = 0;
    for (unsigned l = 1; l <= 15; ++l) {
      for (unsigned s = 0; s < 512; ++s)
        if (len[s] == l) code[s] = next++;
      next <<= 1;
    }
    // The table.
    for (unsigned i = 0; i < 256; ++i) out += static_cast<char>(len[2 * i] | len[2 * i + 1] << 4);
    // First the bit string and the schedule of what the decoder consumes; then the bytes in the order it reads them.
    std::vector<bool> bits;
    struct Step {
      unsigned consume;      // bits
      std::string bytes;     // extra length bytes read after this step
    };
    std::vector<Step> steps;
    auto emit_bits = [&](uint32_t value, unsigned n) {
      for (unsigned i = n; i-- > 0;) bits.push_back((value >> i) & 1);
    };
    for (const auto& t : tokens) {
      emit_bits(code[t.symbol], len[t.symbol]);
      steps.push_back({len[t.symbol], {}});
      if (t.symbol < 256) continue;
      const uint32_t l = t.length - 3;
      if (l >= 15) {
        std::string extra;
        if (l - 15 < 255) {
          extra += static_cast<char>(l - 15);
        } else {
          extra += static_cast<char>(0xFF);
          std::string w(l < 65536 ? 2 : 6, '\0');
          if (l < 65536) put16(w, 0, static_cast<uint16_t>(l));
          else put32(w, 2, l);
          extra += w;
        }
        steps.back().bytes = extra;
      }
      const unsigned offset_bits = (t.symbol - 256) >> 4;
      emit_bits(t.offset - (1u << offset_bits), offset_bits);
      steps.push_back({offset_bits, {}});
    }
    std::vector<size_t> slots;
    auto reserve = [&] {
      slots.push_back(out.size());
      out += std::string(2, '\0');
    };
    reserve();
    reserve();
    size_t consumed = 0;
    for (const auto& s : steps) {
      consumed += s.consume;
      if (consumed > 16 * (slots.size() - 1)) reserve();
      out += s.bytes;
    }
    for (size_t w = 0; w < slots.size(); ++w) {
      uint16_t v = 0;
      for (size_t i = 0; i < 16; ++i) {
        const size_t b = w * 16 + i;
        v = static_cast<uint16_t>(v << 1 | (b < bits.size() && bits[b] ? 1 : 0));
      }
      put16(out, slots[w], v);
    }
  }
  return out;
}

std::string write_mam(const std::string& scca) {
  std::string out = "MAM\x04";
  out += std::string(4, '\0');
  put32(out, 4, static_cast<uint32_t>(scca.size()));
  return out + lzxpress_huffman_compress(scca);
}

std::string write_prefetch(const PrefetchSpec& spec) {
  // info size, last-run offset, run-count offset, volume entry size — per format version.
  size_t info = 224, last_run = 44, run_count = 124, volume_entry = 96, runs = 8;
  if (spec.version == 17) info = 68, last_run = 36, run_count = 60, volume_entry = 40, runs = 1;
  if (spec.version == 23) info = 156, last_run = 44, run_count = 68, volume_entry = 104, runs = 1;
  if (spec.version == 26) volume_entry = 104;
  std::string f(84 + info, '\0');
  put32(f, 0, spec.version);
  f.replace(4, 4, "SCCA");
  const std::string name = utf16(spec.executable.substr(0, 29));
  f.replace(16, name.size(), name);
  put32(f, 76, spec.hash);
  const size_t i = 84;
  put32(f, i + 0, static_cast<uint32_t>(84 + info));  // metrics (empty here)
  for (size_t k = 0; k < std::min(runs, spec.last_runs.size()); ++k) put64(f, i + last_run + 8 * k, spec.last_runs[k]);
  put32(f, i + run_count, spec.run_count);
  // File names.
  std::string names;
  for (const auto& n : spec.files) names += utf16(n) + std::string(2, '\0');
  put32(f, i + 16, static_cast<uint32_t>(f.size()));
  put32(f, i + 20, static_cast<uint32_t>(names.size()));
  f += names;
  while (f.size() % 8) f += '\0';
  // One volume: the entry, then its device path.
  std::string vol(volume_entry, '\0');
  const std::string path = utf16(spec.volume) + std::string(2, '\0');
  put32(vol, 0, static_cast<uint32_t>(volume_entry));
  put32(vol, 4, static_cast<uint32_t>(spec.volume.size()));
  put64(vol, 8, 131000000000000000ull);
  put32(vol, 16, 0x2CA3D1AE);
  vol += path;
  put32(f, i + 24, static_cast<uint32_t>(f.size()));
  put32(f, i + 28, 1);
  put32(f, i + 32, static_cast<uint32_t>(vol.size()));
  f += vol;
  put32(f, 12, static_cast<uint32_t>(f.size()));
  return f;
}

}  // namespace msw::test
