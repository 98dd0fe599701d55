// Writes Prefetch files for tests: uncompressed SCCA files of formats 17/23/26/30 with the chosen executable, run
// count, run times, loaded files and one volume, and the Windows 10 "MAM\x04" container around them, compressed by
// an LZXPRESS Huffman encoder written here for the purpose (Huffman code lengths from symbol frequencies, greedy
// matches, long-length escapes), so the decoder is tested against an independent encoder.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace msw::test {

struct PrefetchSpec {
  uint32_t version = 30;
  std::string executable = "LSMA12.EXE";
  uint32_t hash = 0x1A2B3C4D;
  uint32_t run_count = 3;
  std::vector<uint64_t> last_runs = {132223104000000000ull};  // FILETIMEs, most recent first
  std::vector<std::string> files = {"\\VOLUME{01d3096ba3a46863-2ca3d1ae}\\WINDOWS\\SYSTEM32\\NTDLL.DLL",
                                    "\\VOLUME{01d3096ba3a46863-2ca3d1ae}\\WINDOWS\\DEBUG\\LSMA12.EXE"};
  std::string volume = "\\VOLUME{01d3096ba3a46863-2ca3d1ae}";
};

std::string write_prefetch(const PrefetchSpec& spec);

// LZXPRESS Huffman stream of `data` (64 KiB blocks, each with its own code-length table).
std::string lzxpress_huffman_compress(const std::string& data);
// "MAM\x04" + size + the compressed stream.
std::string write_mam(const std::string& scca);

}  // namespace msw::test
