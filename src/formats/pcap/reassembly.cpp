#include "formats/pcap/reassembly.h"

#include <algorithm>
#include <cstring>

namespace msw::formats::pcap {

size_t FragmentReassembler::KeyHash::operator()(const Key& k) const {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](const uint8_t* p, size_t n) {
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  };
  mix(k.src.data(), k.src.size());
  mix(k.dst.data(), k.dst.size());
  h = (h ^ k.id) * 1099511628211ull;
  h = (h ^ k.protocol) * 1099511628211ull;
  return static_cast<size_t>(h);
}

void FragmentReassembler::expire(int64_t now_ns) {
  // Expiry walks the table, so it runs at most once per timeout period, not per packet.
  if (now_ns - last_expiry_ns_ < kFragmentTimeoutNs && pending_.size() < kMaxPendingDatagrams) return;
  last_expiry_ns_ = now_ns;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (now_ns - it->second.first_ns > kFragmentTimeoutNs || now_ns < it->second.first_ns) {
      counters_.fragments_dropped += it->second.have.size();
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
}

std::optional<Bytes> FragmentReassembler::add(const Decoded& d, int64_t time_ns) {
  expire(time_ns);
  Key k;
  k.src = d.src.bytes;
  k.dst = d.dst.bytes;
  k.id = d.fragment_id;
  k.protocol = d.protocol;
  const size_t begin = d.fragment_offset;
  const size_t end = begin + d.fragment_data.size();
  auto it = pending_.find(k);
  if (it == pending_.end()) {
    if (pending_.size() >= kMaxPendingDatagrams || end > kMaxDatagramBytes) {
      ++counters_.fragments_dropped;
      return std::nullopt;
    }
    it = pending_.emplace(k, Pending{}).first;
    it->second.first_ns = time_ns;
  }
  Pending& p = it->second;
  auto drop = [&] {
    counters_.fragments_dropped += p.have.size() + 1;
    pending_.erase(it);
    return std::nullopt;
  };
  if (end > kMaxDatagramBytes || p.have.size() >= kMaxFragmentsPerDatagram) return drop();
  if (!d.more_fragments) {
    if (p.last_seen && p.total != end) return drop();  // two different ends: a crafted datagram
    p.last_seen = true;
    p.total = static_cast<uint32_t>(end);
  }
  if (p.last_seen && end > p.total) return drop();
  if (p.data.size() < end) p.data.resize(end);
  // Bytes already received win (first-arrival policy); only the uncovered parts of this fragment are copied.
  std::sort(p.have.begin(), p.have.end());
  size_t at = begin;
  bool overlap = false;
  for (const auto& [b, e] : p.have) {
    if (e <= at || b >= end) continue;
    overlap = true;
    if (b > at) std::memcpy(p.data.data() + at, d.fragment_data.data() + (at - begin), b - at);
    at = std::max<size_t>(at, e);
  }
  if (at < end) std::memcpy(p.data.data() + at, d.fragment_data.data() + (at - begin), end - at);
  if (overlap) ++counters_.fragment_overlaps;
  p.have.emplace_back(static_cast<uint32_t>(begin), static_cast<uint32_t>(end));
  if (!p.last_seen) return std::nullopt;
  // Complete when the received ranges cover [0, total).
  std::sort(p.have.begin(), p.have.end());
  uint32_t covered = 0;
  for (const auto& [b, e] : p.have) {
    if (b > covered) return std::nullopt;
    covered = std::max(covered, e);
  }
  if (covered < p.total) return std::nullopt;
  done_.assign(p.data.data(), p.total);
  pending_.erase(it);
  ++counters_.datagrams;
  return as_bytes(done_);
}

}  // namespace msw::formats::pcap
