// Capture → flows: every packet of a pcap/pcapng joins its flow (protocol and the two endpoints; the client is the
// side that sent the first packet, or the SYN), which counts packets, bytes and TCP flags per direction, like a
// Zeek conn.log line. The first payload packets of each direction go through the mining-protocol recognisers, so a
// flow to a pool carries the dialect, the wallet/user, the miner's agent and algorithm. Each flow becomes one
// network_connection event (product "network") with the packet numbers and times as evidence.
//
// TCP payload is read from each direction's reassembled stream (formats/pcap/reassembly), IP fragments are put back
// together first. SMB connections go through the SMB parser (dialect, session setups and their answers, EternalBlue
// and DoublePulsar traits), SQL Server connections through the TDS parser (LOGIN7 and the 18456 answers); both give
// the same Login* fields. Flow fields follow Zeek's conn.log (ConnState, History, Service, Uid; BytesSent is the IP
// layer as orig_ip_bytes, PayloadBytesSent the transport payload).
//
// Work is split over threads by flow: every thread reads the (mapped) capture and keeps the flows whose 5-tuple
// hashes to it, so results do not depend on the thread count. Bounded: kMaxFlows flows in all (then new ones are
// counted, not tracked), and the bounds of the reassemblers and parsers.
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "core/byte_reader.h"
#include "core/diagnostics.h"
#include "core/result.h"
#include "formats/pcap/reassembly.h"
#include "model/event.h"

namespace msw::normalize {

inline constexpr size_t kMaxFlows = 1'000'000;
inline constexpr size_t kRecognisedPacketsPerDirection = 32;  // payload packets looked at, per flow and direction
inline constexpr size_t kMaxCarriedLine = 4096;               // partial line kept across a packet boundary

inline constexpr unsigned kMaxCaptureThreads = 4;

struct CaptureFlows {
  std::vector<model::Event> flows;  // in order of each flow's first packet
  uint64_t packets = 0, not_ip = 0, untracked = 0;
  formats::pcap::ReassemblyCounters reassembly;
};

// Errors: pcap.not_capture. Damage inside the capture is a diagnostic; the flows read so far are kept.
// `consumed(offset)` is called every kConsumedStep bytes with an offset the reading thread has passed, so the owner
// of a mapping can release the pages behind it and memory stays flat on large captures. It is called from every
// worker thread, so it must be thread-safe (MappedFile::release is).
inline constexpr uint64_t kConsumedStep = 8ull << 20;
// threads: 0 for one per core (at most kMaxCaptureThreads).
Result<CaptureFlows> capture_flows(Bytes file, std::string_view display_path, Diagnostics& diags,
                                   const std::function<void(uint64_t)>& consumed = {}, unsigned threads = 0);

}  // namespace msw::normalize
