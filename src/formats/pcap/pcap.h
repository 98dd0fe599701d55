// Packet captures: the classic pcap format (either byte order, micro- or nanosecond stamps) and pcapng (sections,
// interfaces with their link types and time resolutions, enhanced, simple and obsolete packet blocks), read from
// mapped bytes; and the decoders from a link-layer frame down to TCP/UDP: Ethernet with 802.1Q/802.1ad tags, Linux
// cooked capture v1/v2, raw IP, BSD loopback, IPv4 and IPv6 (with its extension-header chain) down to TCP/UDP.
// A fragment is decoded to its IP layer and its share of the datagram; formats/pcap/reassembly puts fragments back
// together and hands the whole datagram to decode_transport.
//
// Captures are attacker-made bytes (a worm's traffic, a hostile file handed over as evidence): every length is
// checked against what remains, packet and block sizes are capped, and a damaged record ends the read with a
// diagnostic instead of a guess.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "core/byte_reader.h"
#include "core/diagnostics.h"
#include "core/ip.h"
#include "core/result.h"
#include "core/time.h"

namespace msw::formats::pcap {

inline constexpr uint32_t kMaxPacketBytes = 256 * 1024;    // captured bytes of one packet (jumbo frames, TSO)
inline constexpr uint32_t kMaxBlockBytes = 16 * 1024 * 1024;  // one pcapng block
inline constexpr uint32_t kMaxInterfaces = 4096;           // pcapng interfaces per section
inline constexpr int kMaxVlanTags = 2;
inline constexpr int kMaxIpv6ExtensionHeaders = 8;

// Link types (LINKTYPE_* of the tcpdump.org registry) the decoder understands.
enum LinkType : uint32_t {
  kLinkNull = 0,
  kLinkEthernet = 1,
  kLinkRaw = 101,
  kLinkLoop = 108,
  kLinkLinuxSll = 113,
  kLinkIpv4 = 228,
  kLinkIpv6 = 229,
  kLinkLinuxSll2 = 276,
};

struct Packet {
  uint64_t index = 0;        // 0-based, in file order
  uint64_t file_offset = 0;  // of the packet's bytes
  std::optional<Timestamp> time;
  uint32_t link_type = 0;
  uint32_t original_length = 0;  // on the wire; `data` may be shorter (snap length)
  Bytes data;
};

struct CaptureInfo {
  bool pcapng = false;
  bool big_endian = false;
  uint64_t packets = 0;
  uint64_t skipped_blocks = 0;  // pcapng blocks that carry no packet (statistics, name resolution, custom)
};

// Calls fn for every packet in order; fn returns false to stop early. Errors: pcap.not_capture when the bytes are
// neither format. Damage after a valid start is a diagnostic (pcap.truncated, pcap.bad_record, pcap.bad_block) and
// ends the read with what was read so far.
Result<CaptureInfo> read_capture(Bytes file, std::string_view evidence, Diagnostics& diags,
                                 const std::function<bool(const Packet&)>& fn);

// True when the bytes start like a pcap or pcapng file.
bool looks_like_capture(Bytes head);

struct Decoded {
  IpAddress src, dst;
  uint8_t ip_version = 0;
  uint8_t protocol = 0;  // 6 TCP, 17 UDP, others as in the IP header
  uint8_t ttl = 0;
  uint16_t vlan = 0;     // outermost 802.1Q id, 0 when untagged
  bool fragment = false; // part of a fragmented datagram: transport fields only after reassembly
  bool more_fragments = false;
  uint32_t fragment_id = 0;      // IPv4 identification or IPv6 fragment-header identification
  uint32_t fragment_offset = 0;  // in bytes
  Bytes fragment_data;           // this fragment's share of the datagram (when `fragment`)
  uint32_t ip_bytes = 0;         // IP header and payload, as Zeek's orig_ip_bytes counts them
  uint16_t src_port = 0, dst_port = 0;
  uint8_t tcp_flags = 0;  // FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10
  uint32_t tcp_seq = 0, tcp_ack = 0;
  Bytes payload;          // TCP/UDP payload as captured (may be cut by the snap length)
};

// Link-layer frame to IP and transport. nullopt for frames that are not IPv4/IPv6 or too damaged to place.
std::optional<Decoded> decode(uint32_t link_type, Bytes frame);

// The transport fields (ports, TCP sequence numbers and flags, payload) of `d` from a transport segment; used by
// decode and on reassembled datagrams. `l4` must outlive `d.payload`.
void decode_transport(Decoded& d, Bytes l4);

}  // namespace msw::formats::pcap
