// Live capture with libpcap: packets from a network interface (with a BPF filter) for a fixed time, written to a
// pcap file that becomes evidence like any capture handed over — so what minesweep reports can be checked later
// with any tool. The file is created new (never overwritten) and the capture stops at the first of: the duration,
// a packet count, a byte count, or a stop request. Needs CAP_NET_RAW (root); the error says so.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "core/result.h"

namespace msw::collect {

inline constexpr uint64_t kDefaultCaptureBytes = 2ull << 30;  // stop a capture at 2 GiB of packets

struct LiveCaptureOptions {
  std::string interface;  // "any" captures every interface (Linux cooked headers)
  std::string filter;     // BPF, as tcpdump takes it; empty for everything
  int seconds = 60;
  uint64_t max_packets = 0;  // 0: no limit
  uint64_t max_bytes = kDefaultCaptureBytes;
  int snap_length = 262144;
  std::string output;  // the pcap file to create
};

struct LiveCaptureResult {
  uint64_t packets = 0, bytes = 0;
  uint64_t dropped = 0;  // by the kernel or the interface, from pcap_stats
  std::string output;
};

// False when minesweep was built without libpcap.
bool live_capture_available();

// Errors: capture.unavailable (built without libpcap), capture.open (interface or permission), capture.filter (the
// BPF expression does not compile), capture.output (the file exists or cannot be written).
Result<LiveCaptureResult> capture_live(const LiveCaptureOptions& options, const std::atomic<bool>* stop = nullptr);

}  // namespace msw::collect
