#include "core/lz4.h"

namespace msw {
namespace {

enum class BlockEnd { Done, Damaged, Full };

// One compressed block appended to `out` (earlier output is the dictionary); Full when `max_out` was reached.
BlockEnd block(Bytes in, std::string& out, size_t max_out) {
  size_t i = 0;
  while (i < in.size()) {
    const auto token = static_cast<uint8_t>(in[i++]);
    size_t lit = token >> 4;
    if (lit == 15)
      for (uint8_t b = 255; b == 255;) {
        if (i >= in.size()) return BlockEnd::Damaged;
        b = static_cast<uint8_t>(in[i++]);
        lit += b;
      }
    if (lit > in.size() - i) return BlockEnd::Damaged;
    if (lit > max_out - out.size()) {
      out.append(reinterpret_cast<const char*>(in.data()) + i, max_out - out.size());
      return BlockEnd::Full;
    }
    out.append(reinterpret_cast<const char*>(in.data()) + i, lit);
    i += lit;
    if (i == in.size()) return BlockEnd::Done;  // the last sequence has literals only
    if (in.size() - i < 2) return BlockEnd::Damaged;
    const size_t offset = wire::le16(in, i);
    i += 2;
    if (offset == 0 || offset > out.size()) return BlockEnd::Damaged;
    size_t len = (token & 0x0F) + 4u;
    if ((token & 0x0F) == 15)
      for (uint8_t b = 255; b == 255;) {
        if (i >= in.size()) return BlockEnd::Damaged;
        b = static_cast<uint8_t>(in[i++]);
        len += b;
      }
    const bool full = len > max_out - out.size();
    if (full) len = max_out - out.size();
    const size_t from = out.size() - offset;
    for (size_t k = 0; k < len; ++k) out.push_back(out[from + k]);  // may overlap what it writes
    if (full) return BlockEnd::Full;
  }
  return BlockEnd::Done;
}

}  // namespace

Result<Inflated> lz4_decompress(Bytes data, size_t max_out) {
  if (data.size() < 7 || wire::le32(data, 0) != 0x184D2204u) return Error::make("lz4.bad_header", "not an LZ4 frame");
  const auto flg = static_cast<uint8_t>(data[4]);
  size_t at = 6 + ((flg & 0x08) ? 8 : 0) + ((flg & 0x01) ? 4 : 0) + 1;  // FLG, BD, [size], [dict id], HC
  const bool block_checksum = flg & 0x10;
  Inflated r;
  while (at + 4 <= data.size()) {
    const uint32_t size = wire::le32(data, at);
    at += 4;
    if (size == 0) return r;  // end mark
    const size_t n = size & 0x7FFFFFFFu;
    if (n > data.size() - at) {
      r.damaged = true;
      return r;
    }
    const Bytes body = data.subspan(at, n);
    if (size & 0x80000000u) {
      const size_t take = std::min(n, max_out - r.bytes.size());
      r.bytes.append(reinterpret_cast<const char*>(body.data()), take);
    } else if (const BlockEnd end = block(body, r.bytes, max_out); end != BlockEnd::Done) {
      (end == BlockEnd::Full ? r.truncated : r.damaged) = true;
      return r;
    }
    if (r.bytes.size() >= max_out) {
      r.truncated = true;
      return r;
    }
    at += n + (block_checksum ? 4 : 0);
  }
  r.damaged = true;  // no end mark
  return r;
}

}  // namespace msw
