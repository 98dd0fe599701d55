#include <cstddef>
#include <cstdint>

#include "formats/prefetch/prefetch.h"

// A Prefetch file from a triage collection, plain or MAM-compressed (so the LZXPRESS Huffman decoder is fuzzed
// through its only caller): parse it and ask for what the normalizer uses.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  msw::Diagnostics diags;
  auto pf = msw::formats::prefetch::parse(msw::Bytes(reinterpret_cast<const std::byte*>(data), size), "fuzz.pf", diags);
  if (pf) (void)pf->executable_path();
  return 0;
}
