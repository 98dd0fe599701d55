#include "formats/compression/lzxpress_huffman.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <string>

namespace msw::formats::compression {
namespace {

constexpr size_t kBlockOutput = 65536;
constexpr size_t kTableBytes = 256;
constexpr unsigned kMaxCodeBits = 15;
constexpr uint16_t kNoSymbol = 0xFFFF;
// Words read past the end of the input are taken as zero: the decoder keeps up to 32 bits ahead of what it has
// decoded, so a stream may legitimately end up to two words before the last prefetch. More is a truncated stream.
constexpr unsigned kMaxPaddingWords = 2;

// Decoding table indexed by the next 15 bits: symbol << 4 | code length, or kNoSymbol.
using DecodeTable = std::array<uint16_t, size_t{1} << kMaxCodeBits>;

bool build_table(Bytes lengths_bytes, DecodeTable& table) {
  std::array<uint8_t, 512> lengths{};
  for (size_t i = 0; i < 256; ++i) {
    const auto b = static_cast<uint8_t>(lengths_bytes[i]);
    lengths[2 * i] = b & 0x0F;
    lengths[2 * i + 1] = b >> 4;
  }
  table.fill(kNoSymbol);
  // Canonical code: shorter codes first, then by symbol value.
  uint32_t next = 0;  // next table index, in units of 2^-15
  bool any = false;
  for (unsigned len = 1; len <= kMaxCodeBits; ++len) {
    const uint32_t span = uint32_t{1} << (kMaxCodeBits - len);
    for (unsigned sym = 0; sym < 512; ++sym) {
      if (lengths[sym] != len) continue;
      if (next + span > table.size()) return false;  // over-subscribed: not a prefix code
      for (uint32_t i = 0; i < span; ++i) table[next + i] = static_cast<uint16_t>(sym << 4 | len);
      next += span;
      any = true;
    }
  }
  return any;
}

class BitReader {
 public:
  BitReader(Bytes in, size_t pos) : in_(in), pos_(pos) {
    bits_ = static_cast<uint32_t>(word()) << 16;
    bits_ |= word();
    extra_ = 16;
  }
  uint32_t peek15() const { return bits_ >> (32 - kMaxCodeBits); }
  uint32_t peek(unsigned n) const { return n == 0 ? 0 : bits_ >> (32 - n); }
  void consume(unsigned n) {
    bits_ <<= n;
    extra_ -= static_cast<int>(n);
    if (extra_ < 0) {
      bits_ |= static_cast<uint32_t>(word()) << -extra_;
      extra_ += 16;
    }
  }
  // Bytes between the words (long match lengths).
  bool byte(uint32_t& v) {
    if (pos_ >= in_.size()) return false;
    v = static_cast<uint8_t>(in_[pos_++]);
    return true;
  }
  bool u16(uint32_t& v) {
    if (in_.size() - pos_ < 2) return false;
    v = wire::le16(in_, pos_);
    pos_ += 2;
    return true;
  }
  bool u32(uint32_t& v) {
    if (in_.size() - pos_ < 4) return false;
    v = wire::le32(in_, pos_);
    pos_ += 4;
    return true;
  }
  bool overran() const { return padding_ > kMaxPaddingWords; }
  size_t position() const { return pos_; }

 private:
  uint16_t word() {
    if (in_.size() - pos_ < 2) {
      pos_ = in_.size();
      ++padding_;
      return 0;
    }
    const uint16_t w = wire::le16(in_, pos_);
    pos_ += 2;
    return w;
  }
  Bytes in_;
  size_t pos_;
  uint32_t bits_ = 0;
  int extra_ = 0;
  unsigned padding_ = 0;
};

}  // namespace

Result<void> lzxpress_huffman_decompress(Bytes in, size_t output_size, std::vector<std::byte>& out) {
  if (output_size > kMaxHuffmanOutput)
    return Error::make("lzxpress.too_large", "declared size " + std::to_string(output_size) + " exceeds the " +
                                                 std::to_string(kMaxHuffmanOutput >> 20) + " MiB limit");
  const size_t base = out.size();
  const size_t end = base + output_size;
  out.resize(end);
  std::byte* const o = out.data();
  size_t op = base;
  size_t ip = 0;
  auto fail = [&](std::string_view code, std::string what) -> Error {
    out.resize(base);
    return Error::make(std::string(code), what + " at input offset " + std::to_string(ip) + ", output offset " +
                                 std::to_string(op - base));
  };
  auto table = std::make_unique<DecodeTable>();
  while (op < end) {
    if (in.size() - ip < kTableBytes) return fail("lzxpress.truncated", "code-length table cut short");
    if (!build_table(in.subspan(ip, kTableBytes), *table))
      return fail("lzxpress.bad_table", "code lengths do not form a prefix code");
    BitReader bits(in, ip + kTableBytes);
    const size_t block_end = std::min(end, op + kBlockOutput);
    while (op < block_end) {
      const uint16_t entry = (*table)[bits.peek15()];
      if (entry == kNoSymbol) return fail("lzxpress.bad_symbol", "bits match no code");
      bits.consume(entry & 0x0F);
      const unsigned symbol = entry >> 4;
      if (symbol < 256) {
        o[op++] = static_cast<std::byte>(symbol);
      } else {
        uint32_t length = symbol & 0x0F;
        const unsigned offset_bits = (symbol >> 4) & 0x0F;
        if (length == 15) {
          if (!bits.byte(length)) return fail("lzxpress.truncated", "match length cut short");
          if (length == 255) {
            if (!bits.u16(length)) return fail("lzxpress.truncated", "match length cut short");
            if (length == 0 && !bits.u32(length)) return fail("lzxpress.truncated", "match length cut short");
            if (length < 15) return fail("lzxpress.bad_match", "match length below its minimum");
            length -= 15;
          }
          length += 15;
        }
        length += 3;
        const size_t offset = (size_t{1} << offset_bits) + bits.peek(offset_bits);
        bits.consume(offset_bits);
        if (offset > op - base) return fail("lzxpress.bad_match", "match reaches before the start of the output");
        if (length > end - op) return fail("lzxpress.bad_match", "match runs past the declared size");
        // Byte by byte: an offset shorter than the length repeats the bytes just written.
        for (size_t i = 0; i < length; ++i, ++op) o[op] = o[op - offset];
      }
      if (bits.overran()) return fail("lzxpress.truncated", "input ends before the output is complete");
    }
    ip = bits.position();
  }
  return {};
}

}  // namespace msw::formats::compression
