// Length-prefixed messages out of a TCP byte stream (SMB's 4-byte session header, TDS's 8-byte packet header).
// Only a message's first kMaxHeldMessageBytes are kept — every header and login blob the parsers read fits — and
// the rest (file data, bulk results) is passed over without a copy. A message that arrives whole in one chunk is
// handed over in place.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

#include "core/byte_reader.h"
#include "formats/pcap/reassembly.h"

namespace msw::formats::pcap {

inline constexpr size_t kMaxHeldMessageBytes = 16 * 1024;

class MessageFramer {
 public:
  // length_of(header bytes) -> the whole message's length including its header, 0 when the bytes are not the
  // protocol. on_message(Bytes head, bool cut): `head` is the message, or its first kMaxHeldMessageBytes when cut.
  // Returns false once the stream cannot be framed (not the protocol, or a hole inside a header).
  template <typename LengthOf, typename OnMessage>
  bool feed(const TcpStream::Chunk& c, size_t header_size, LengthOf&& length_of, OnMessage&& on_message) {
    if (failed_) return false;
    if (c.gap) {
      // A hole is survivable only inside a body being skipped.
      if (need_ != 0 && held_.size() >= std::min<uint64_t>(need_, kMaxHeldMessageBytes) && c.gap <= skip_) {
        skip_ -= c.gap;
      } else {
        failed_ = true;
        return false;
      }
    }
    Bytes data = c.data;
    while (!data.empty() || (need_ != 0 && skip_ == 0 && held_.size() >= std::min<uint64_t>(need_, kMaxHeldMessageBytes))) {
      if (need_ != 0 && held_.size() >= std::min<uint64_t>(need_, kMaxHeldMessageBytes)) {
        const uint64_t n = std::min<uint64_t>(skip_, data.size());
        skip_ -= n;
        data = data.subspan(static_cast<size_t>(n));
        if (skip_ != 0) return true;
        on_message(as_bytes(held_), need_ > kMaxHeldMessageBytes);
        held_.clear();
        need_ = 0;
        continue;
      }
      if (need_ == 0 && held_.empty() && data.size() >= header_size) {
        const uint64_t len = length_of(data.first(header_size));
        if (len < header_size) return fail();
        if (len <= data.size()) {  // whole message in place
          on_message(data.first(static_cast<size_t>(len)), false);
          data = data.subspan(static_cast<size_t>(len));
          continue;
        }
        need_ = len;
      }
      if (need_ == 0) {
        const size_t take = std::min(header_size - held_.size(), data.size());
        held_.append(as_chars(data.first(take)));
        data = data.subspan(take);
        if (held_.size() < header_size) return true;
        need_ = length_of(as_bytes(held_));
        if (need_ < header_size) return fail();
      }
      const size_t keep = static_cast<size_t>(std::min<uint64_t>(need_, kMaxHeldMessageBytes));
      const size_t take = std::min(keep - std::min(keep, held_.size()), data.size());
      held_.append(as_chars(data.first(take)));
      data = data.subspan(take);
      if (held_.size() < keep) return true;
      skip_ = need_ - keep;
    }
    return true;
  }

 private:
  bool fail() {
    failed_ = true;
    held_.clear();
    return false;
  }
  std::string held_;
  uint64_t need_ = 0, skip_ = 0;
  bool failed_ = false;
};

}  // namespace msw::formats::pcap
