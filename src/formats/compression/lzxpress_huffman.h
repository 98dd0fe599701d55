// LZXPRESS Huffman ("Xpress Huffman", MS-XCA section 2), the compression Windows 10 uses for Prefetch files (the
// "MAM\x04" container) and elsewhere. Written from the published description: each 64 KiB of output starts with a
// 256-byte table of 512 four-bit code lengths (256 literals, 256 match symbols = 16 length nibbles × 16 offset-bit
// counts); the bit stream is read in little-endian 16-bit words, most significant bit first, and the extra length
// bytes of long matches sit between those words. Matches may reach back into earlier blocks (one stream).
#pragma once

#include <cstddef>
#include <vector>

#include "core/byte_reader.h"
#include "core/result.h"

namespace msw::formats::compression {

// The caller states the decompressed size (from its container) and caps it; this only refuses more than kMaxOutput.
inline constexpr size_t kMaxHuffmanOutput = size_t{256} << 20;

// Appends exactly `output_size` bytes to `out`, or fails with lzxpress.bad_table (a code-length table that is not a
// prefix code), lzxpress.bad_symbol (bits that no code matches), lzxpress.bad_match (a reference before the start
// or an invalid length), lzxpress.truncated (input ends before the output is complete), lzxpress.too_large.
Result<void> lzxpress_huffman_decompress(Bytes in, size_t output_size, std::vector<std::byte>& out);

}  // namespace msw::formats::compression
