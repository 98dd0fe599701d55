// Putting the pieces back: IP fragments into datagrams, TCP segments into the byte stream of each direction.
//
// Both work on attacker-made traffic (fragment overlaps and out-of-order floods are classic evasions), so both are
// bounded: a datagram is at most 64 KiB, at most kMaxPendingDatagrams wait at a time and for at most
// kFragmentTimeoutNs; a TCP direction holds at most kMaxPendingSegments out-of-order segments, and when that fills
// up the stream skips the hole (the consumer is told) instead of waiting forever. Overlapping data keeps the bytes
// that arrived first, as most stacks do, and every overlap, hole and drop is counted.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/byte_reader.h"
#include "formats/pcap/pcap.h"

namespace msw::formats::pcap {

inline constexpr size_t kMaxDatagramBytes = 65535;
inline constexpr size_t kMaxPendingDatagrams = 4096;
inline constexpr int64_t kFragmentTimeoutNs = 30'000'000'000;  // as Linux's ipfrag_time
inline constexpr size_t kMaxFragmentsPerDatagram = 128;

struct ReassemblyCounters {
  uint64_t datagrams = 0;       // reassembled
  uint64_t fragment_overlaps = 0;
  uint64_t fragments_dropped = 0;  // timed out, over the limits, or contradicting an earlier length
  uint64_t segment_overlaps = 0;   // TCP bytes sent twice with different content
  uint64_t stream_holes = 0;       // TCP gaps skipped
};

class FragmentReassembler {
 public:
  explicit FragmentReassembler(ReassemblyCounters& counters) : counters_(counters) {}

  // Takes a fragment (d.fragment). When it completes its datagram, returns the transport segment (valid until the
  // next call) with d.protocol's header at its start; nullopt while pieces are missing.
  std::optional<Bytes> add(const Decoded& d, int64_t time_ns);

 private:
  struct Key {
    std::array<uint8_t, 16> src{}, dst{};
    uint32_t id = 0;
    uint8_t protocol = 0;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const;
  };
  struct Pending {
    std::string data;
    std::vector<std::pair<uint32_t, uint32_t>> have;  // [begin, end) ranges received
    uint32_t total = 0;                               // known once the last fragment arrives
    bool last_seen = false;
    int64_t first_ns = 0;
  };
  void expire(int64_t now_ns);

  ReassemblyCounters& counters_;
  std::unordered_map<Key, Pending, KeyHash> pending_;
  std::string done_;
  int64_t last_expiry_ns_ = 0;
};

inline constexpr size_t kMaxPendingSegments = 64;
inline constexpr size_t kMaxPendingSegmentBytes = 64 * 1024;

// One direction of a TCP connection. Feed it every segment of that direction; it calls the sink with the stream's
// bytes in order, each chunk once. A hole that cannot be filled is reported to the sink as `gap` bytes before the
// data after it, so a framed-protocol parser knows to resynchronise.
class TcpStream {
 public:
  struct Chunk {
    Bytes data;
    uint64_t gap = 0;  // bytes missing right before `data`
  };

  // syn: the segment carries SYN (its sequence number is the stream's start). sink(Chunk) returns false when it
  // wants no more bytes of this direction; from then on segments are ignored at no cost.
  template <typename Sink>
  void add(uint32_t seq, bool syn, Bytes payload, Sink&& sink);

  bool closed() const { return closed_; }  // the sink asked for no more
  uint64_t delivered() const { return delivered_; }

  void set_counters(ReassemblyCounters* c) { counters_ = c; }

 private:
  struct Segment {
    uint32_t seq;
    std::string data;
  };
  template <typename Sink>
  bool deliver(Bytes data, uint64_t gap, Sink& sink);
  template <typename Sink>
  void drain(Sink& sink);

  bool started_ = false, closed_ = false;
  uint32_t next_ = 0;
  uint64_t delivered_ = 0;
  size_t pending_bytes_ = 0;
  std::vector<Segment> pending_;
  ReassemblyCounters* counters_ = nullptr;
};

// Signed distance from b to a in sequence space (RFC 1982 arithmetic).
inline int32_t seq_diff(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b); }

template <typename Sink>
bool TcpStream::deliver(Bytes data, uint64_t gap, Sink& sink) {
  if (data.empty() && gap == 0) return true;
  delivered_ += data.size();
  next_ += static_cast<uint32_t>(data.size());
  if (!sink(Chunk{data, gap})) {
    closed_ = true;
    pending_.clear();
    pending_bytes_ = 0;
    return false;
  }
  return true;
}

template <typename Sink>
void TcpStream::drain(Sink& sink) {
  while (!pending_.empty() && !closed_) {
    // The earliest pending segment that starts at or before next_.
    size_t best = pending_.size();
    for (size_t i = 0; i < pending_.size(); ++i)
      if (seq_diff(pending_[i].seq, next_) <= 0 && (best == pending_.size() || seq_diff(pending_[i].seq, pending_[best].seq) < 0))
        best = i;
    if (best == pending_.size()) return;
    Segment s = std::move(pending_[best]);
    pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(best));
    pending_bytes_ -= s.data.size();
    const auto behind = static_cast<uint32_t>(-seq_diff(s.seq, next_));
    if (behind < s.data.size())
      if (!deliver(as_bytes(s.data).subspan(behind), 0, sink)) return;
  }
}

template <typename Sink>
void TcpStream::add(uint32_t seq, bool syn, Bytes payload, Sink&& sink) {
  if (closed_) return;
  if (syn) {
    if (!started_) {
      started_ = true;
      next_ = seq + 1;
    }
    seq += 1;  // data on a SYN follows the SYN's own sequence number
  }
  if (payload.empty()) return;
  if (!started_) {  // the capture began mid-connection: the stream starts here
    started_ = true;
    next_ = seq;
  }
  const int32_t d = seq_diff(seq, next_);
  if (d <= 0) {
    const auto behind = static_cast<uint32_t>(-d);
    if (behind >= payload.size()) return;  // a retransmission of delivered bytes
    if (behind > 0 && counters_) ++counters_->segment_overlaps;
    if (!deliver(payload.subspan(behind), 0, sink)) return;
    drain(sink);
    return;
  }
  // Ahead of the stream: keep it until the hole fills, within bounds.
  if (pending_.size() >= kMaxPendingSegments || pending_bytes_ + payload.size() > kMaxPendingSegmentBytes) {
    // Give up on the hole: skip to the earliest pending data (or this segment) and go on from there.
    uint32_t to = seq;
    for (const auto& s : pending_)
      if (seq_diff(s.seq, to) < 0) to = s.seq;
    if (counters_) ++counters_->stream_holes;
    const uint64_t gap = static_cast<uint32_t>(seq_diff(to, next_));
    next_ = to;
    if (!deliver({}, gap, sink)) return;
    drain(sink);
    if (closed_) return;
    add(seq, false, payload, sink);
    return;
  }
  pending_bytes_ += payload.size();
  pending_.push_back({seq, std::string(as_chars(payload))});
}

}  // namespace msw::formats::pcap
