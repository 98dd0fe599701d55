// Fixed-width integers at an offset of a packet or message, in network (big-endian) or little-endian order. The
// caller has checked that the bytes are there; these only assemble them.
#pragma once

#include <cstdint>

#include "core/byte_reader.h"

namespace msw::formats::pcap::wire {

inline uint16_t be16(Bytes b, size_t at) {
  return static_cast<uint16_t>(static_cast<uint16_t>(b[at]) << 8 | static_cast<uint16_t>(b[at + 1]));
}
inline uint32_t be32(Bytes b, size_t at) { return static_cast<uint32_t>(be16(b, at)) << 16 | be16(b, at + 2); }
inline uint16_t le16(Bytes b, size_t at) {
  return static_cast<uint16_t>(static_cast<uint16_t>(b[at + 1]) << 8 | static_cast<uint16_t>(b[at]));
}
inline uint32_t le32(Bytes b, size_t at) { return le16(b, at) | static_cast<uint32_t>(le16(b, at + 2)) << 16; }
inline uint64_t le64(Bytes b, size_t at) { return le32(b, at) | static_cast<uint64_t>(le32(b, at + 4)) << 32; }

}  // namespace msw::formats::pcap::wire
