#include "formats/pcap/pcap.h"

#include <cstring>
#include <string>
#include <vector>

namespace msw::formats::pcap {
namespace {

// Little helpers over a span whose length the caller has checked.
uint16_t load16(const std::byte* p, bool big) {
  const auto a = static_cast<uint16_t>(p[0]), b = static_cast<uint16_t>(p[1]);
  return big ? static_cast<uint16_t>(a << 8 | b) : static_cast<uint16_t>(b << 8 | a);
}
uint32_t load32(const std::byte* p, bool big) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(p[big ? i : 3 - i]) << (8 * (3 - i));
  return v;
}
using wire::be16;
using wire::be32;

constexpr uint32_t kPcapMicro = 0xa1b2c3d4, kPcapNano = 0xa1b23c4d, kNgSection = 0x0a0d0d0a, kNgByteOrder = 0x1a2b3c4d;

Timestamp stamp(uint64_t seconds, uint64_t fraction, uint64_t per_second) {
  const auto ns = per_second >= 1'000'000'000 ? fraction / (per_second / 1'000'000'000)
                                              : fraction * (1'000'000'000 / per_second);
  return Timestamp{static_cast<int64_t>(seconds) * 1'000'000'000 + static_cast<int64_t>(ns)};
}

Result<CaptureInfo> read_classic(Bytes file, std::string_view evidence, Diagnostics& diags,
                                 const std::function<bool(const Packet&)>& fn) {
  CaptureInfo info;
  const uint32_t magic_le = load32(file.data(), false);
  info.big_endian = magic_le != kPcapMicro && magic_le != kPcapNano;
  const bool big = info.big_endian;
  const uint32_t magic = load32(file.data(), big);
  const uint64_t per_second = magic == kPcapNano ? 1'000'000'000 : 1'000'000;
  const uint32_t link_type = load32(file.data() + 20, big) & 0x0FFFFFFF;  // upper bits: FCS length flags
  size_t pos = 24;
  while (pos < file.size()) {
    if (file.size() - pos < 16) {
      diags.add("pcap.truncated", DiagSeverity::Warning, std::string(evidence), pos, "packet header cut short");
      break;
    }
    const uint32_t sec = load32(file.data() + pos, big), frac = load32(file.data() + pos + 4, big);
    const uint32_t caplen = load32(file.data() + pos + 8, big), len = load32(file.data() + pos + 12, big);
    if (caplen > kMaxPacketBytes) {
      diags.add("pcap.bad_record", DiagSeverity::Warning, std::string(evidence), pos,
                "captured length " + std::to_string(caplen) + " over the limit; the rest of the file is not read");
      break;
    }
    if (caplen > file.size() - pos - 16) {
      diags.add("pcap.truncated", DiagSeverity::Warning, std::string(evidence), pos, "packet data cut short");
      break;
    }
    Packet p;
    p.index = info.packets++;
    p.file_offset = pos + 16;
    p.time = stamp(sec, frac, per_second);
    p.link_type = link_type;
    p.original_length = len;
    p.data = file.subspan(pos + 16, caplen);
    pos += 16 + caplen;
    if (!fn(p)) break;
  }
  return info;
}

struct Interface {
  uint32_t link_type = 0;
  uint64_t per_second = 1'000'000;  // if_tsresol, default microseconds
};

// The if_tsresol option of an interface description block, when present.
void read_idb_options(Bytes opts, bool big, Interface& ifc) {
  size_t pos = 0;
  while (opts.size() - pos >= 4) {
    const uint16_t code = load16(opts.data() + pos, big), len = load16(opts.data() + pos + 2, big);
    if (code == 0) break;
    const size_t padded = (static_cast<size_t>(len) + 3) & ~size_t{3};
    if (padded > opts.size() - pos - 4) break;
    if (code == 9 && len == 1) {
      const auto v = static_cast<uint8_t>(opts[pos + 4]);
      const unsigned exp = v & 0x7F;
      if ((v & 0x80) == 0 && exp <= 9) {
        uint64_t p = 1;
        for (unsigned i = 0; i < exp; ++i) p *= 10;
        ifc.per_second = p;
      } else if ((v & 0x80) != 0 && exp <= 30) {
        ifc.per_second = uint64_t{1} << exp;
      }
    }
    pos += 4 + padded;
  }
}

Result<CaptureInfo> read_ng(Bytes file, std::string_view evidence, Diagnostics& diags,
                            const std::function<bool(const Packet&)>& fn) {
  CaptureInfo info;
  info.pcapng = true;
  bool big = false;
  std::vector<Interface> interfaces;
  size_t pos = 0;
  const std::string ev(evidence);
  while (pos < file.size()) {
    if (file.size() - pos < 12) {
      diags.add("pcap.truncated", DiagSeverity::Warning, ev, pos, "block header cut short");
      break;
    }
    const uint32_t type_le = load32(file.data() + pos, false);
    if (type_le == kNgSection) {  // a new section: byte order from its magic, interfaces start again
      const uint32_t bom = load32(file.data() + pos + 8, false);
      if (bom == kNgByteOrder) big = false;
      else if (load32(file.data() + pos + 8, true) == kNgByteOrder) big = true;
      else {
        diags.add("pcap.bad_block", DiagSeverity::Warning, ev, pos, "section header with an unknown byte-order magic");
        break;
      }
      info.big_endian = big;
      interfaces.clear();
    }
    const uint32_t type = load32(file.data() + pos, big), total = load32(file.data() + pos + 4, big);
    if (total < 12 || total % 4 != 0 || total > kMaxBlockBytes || total > file.size() - pos) {
      diags.add(total > file.size() - pos ? "pcap.truncated" : "pcap.bad_block", DiagSeverity::Warning, ev, pos,
                "block of " + std::to_string(total) + " bytes does not fit; the rest of the file is not read");
      break;
    }
    const Bytes body = file.subspan(pos + 8, total - 12);
    auto packet = [&](uint32_t iface, uint64_t ts, uint32_t caplen, uint32_t len, size_t data_at) -> bool {
      if (iface >= interfaces.size()) {
        diags.add("pcap.bad_block", DiagSeverity::Warning, ev, pos, "packet for an interface that was never described");
        return true;
      }
      if (caplen > kMaxPacketBytes || caplen > body.size() - data_at) {
        diags.add("pcap.bad_block", DiagSeverity::Warning, ev, pos, "packet data longer than its block");
        return true;
      }
      Packet p;
      p.index = info.packets++;
      p.file_offset = pos + 8 + data_at;
      const uint64_t per = interfaces[iface].per_second;
      p.time = stamp(ts / per, ts % per, per);
      p.link_type = interfaces[iface].link_type;
      p.original_length = len;
      p.data = body.subspan(data_at, caplen);
      return fn(p);
    };
    bool go_on = true;
    switch (type) {
      case kNgSection: break;
      case 1:  // interface description
        if (body.size() >= 8 && interfaces.size() < kMaxInterfaces) {
          Interface ifc;
          ifc.link_type = load16(body.data(), big);
          read_idb_options(body.subspan(8), big, ifc);
          interfaces.push_back(ifc);
        } else {
          diags.add("pcap.bad_block", DiagSeverity::Warning, ev, pos, "interface description cut short or too many");
        }
        break;
      case 6:  // enhanced packet
        if (body.size() >= 20) {
          const uint64_t ts = uint64_t{load32(body.data() + 4, big)} << 32 | load32(body.data() + 8, big);
          go_on = packet(load32(body.data(), big), ts, load32(body.data() + 12, big), load32(body.data() + 16, big), 20);
        }
        break;
      case 3:  // simple packet: interface 0, no time, captured = what the block holds
        if (body.size() >= 4 && !interfaces.empty()) {
          const uint32_t len = load32(body.data(), big);
          const auto caplen = static_cast<uint32_t>(std::min<size_t>(len, body.size() - 4));
          Packet p;
          p.index = info.packets++;
          p.file_offset = pos + 12;
          p.link_type = interfaces[0].link_type;
          p.original_length = len;
          p.data = body.subspan(4, std::min<size_t>(caplen, kMaxPacketBytes));
          go_on = fn(p);
        }
        break;
      case 2:  // obsolete packet block
        if (body.size() >= 20) {
          const uint64_t ts = uint64_t{load32(body.data() + 4, big)} << 32 | load32(body.data() + 8, big);
          go_on = packet(load16(body.data(), big), ts, load32(body.data() + 12, big), load32(body.data() + 16, big), 20);
        }
        break;
      default: ++info.skipped_blocks; break;
    }
    pos += total;
    if (!go_on) break;
  }
  return info;
}

}  // namespace

bool looks_like_capture(Bytes head) {
  if (head.size() < 24) return false;
  const uint32_t le = load32(head.data(), false), be = load32(head.data(), true);
  if (le == kPcapMicro || le == kPcapNano || be == kPcapMicro || be == kPcapNano) return true;
  if (le != kNgSection || head.size() < 12) return false;
  return load32(head.data() + 8, false) == kNgByteOrder || load32(head.data() + 8, true) == kNgByteOrder;
}

Result<CaptureInfo> read_capture(Bytes file, std::string_view evidence, Diagnostics& diags,
                                 const std::function<bool(const Packet&)>& fn) {
  if (!looks_like_capture(file))
    return Error::make("pcap.not_capture", std::string(evidence) + " is neither a pcap nor a pcapng capture");
  if (load32(file.data(), false) == kNgSection) return read_ng(file, evidence, diags, fn);
  return read_classic(file, evidence, diags, fn);
}

std::optional<Decoded> decode(uint32_t link_type, Bytes f) {
  Decoded d;
  uint16_t ether = 0;
  size_t at = 0;
  switch (link_type) {
    case kLinkEthernet: {
      if (f.size() < 14) return std::nullopt;
      ether = be16(f, 12);
      at = 14;
      for (int tags = 0; (ether == 0x8100 || ether == 0x88a8) && tags < kMaxVlanTags; ++tags) {
        if (f.size() - at < 4) return std::nullopt;
        if (tags == 0) d.vlan = be16(f, at) & 0x0FFF;
        ether = be16(f, at + 2);
        at += 4;
      }
      break;
    }
    case kLinkLinuxSll:
      if (f.size() < 16) return std::nullopt;
      ether = be16(f, 14);
      at = 16;
      break;
    case kLinkLinuxSll2:
      if (f.size() < 20) return std::nullopt;
      ether = be16(f, 0);
      at = 20;
      break;
    case kLinkNull:
    case kLinkLoop: {
      if (f.size() < 4) return std::nullopt;
      // BSD address family, host byte order for NULL (either, in practice), network order for LOOP.
      const uint32_t fam_le = load32(f.data(), false), fam_be = load32(f.data(), true);
      const uint32_t fam = link_type == kLinkLoop ? fam_be : (fam_le < 256 ? fam_le : fam_be);
      ether = fam == 2 ? 0x0800 : (fam == 24 || fam == 28 || fam == 30) ? 0x86DD : 0;
      at = 4;
      break;
    }
    case kLinkRaw:
    case kLinkIpv4:
    case kLinkIpv6:
      if (f.empty()) return std::nullopt;
      ether = (static_cast<uint8_t>(f[0]) >> 4) == 6 ? 0x86DD : 0x0800;
      break;
    default: return std::nullopt;
  }
  Bytes ip = f.subspan(at);
  Bytes l4;
  if (ether == 0x0800) {
    if (ip.size() < 20 || (static_cast<uint8_t>(ip[0]) >> 4) != 4) return std::nullopt;
    const size_t ihl = (static_cast<uint8_t>(ip[0]) & 0x0F) * size_t{4};
    const size_t total = be16(ip, 2);
    if (ihl < 20 || ihl > ip.size()) return std::nullopt;
    const size_t end = total >= ihl ? std::min(total, ip.size()) : ip.size();  // TSO captures carry total 0
    d.ip_version = 4;
    d.ttl = static_cast<uint8_t>(ip[8]);
    d.protocol = static_cast<uint8_t>(ip[9]);
    d.src.v6 = d.dst.v6 = false;
    std::memcpy(d.src.bytes.data(), ip.data() + 12, 4);
    std::memcpy(d.dst.bytes.data(), ip.data() + 16, 4);
    d.ip_bytes = static_cast<uint32_t>(total >= ihl ? total : ip.size());
    const uint16_t frag = be16(ip, 6);
    l4 = ip.subspan(ihl, end - ihl);
    if ((frag & 0x2000) != 0 || (frag & 0x1FFF) != 0) {
      d.fragment = true;
      d.more_fragments = (frag & 0x2000) != 0;
      d.fragment_id = be16(ip, 4);
      d.fragment_offset = (frag & 0x1FFFu) * 8;
      d.fragment_data = l4;
      return d;
    }
  } else if (ether == 0x86DD) {
    if (ip.size() < 40 || (static_cast<uint8_t>(ip[0]) >> 4) != 6) return std::nullopt;
    d.ip_version = 6;
    d.ttl = static_cast<uint8_t>(ip[7]);
    d.src.v6 = d.dst.v6 = true;
    std::memcpy(d.src.bytes.data(), ip.data() + 8, 16);
    std::memcpy(d.dst.bytes.data(), ip.data() + 24, 16);
    const size_t end = std::min<size_t>(40 + be16(ip, 4), ip.size());
    d.ip_bytes = 40u + be16(ip, 4);
    uint8_t next = static_cast<uint8_t>(ip[6]);
    size_t pos = 40;
    for (int n = 0; n < kMaxIpv6ExtensionHeaders; ++n) {
      if (next == 0 || next == 43 || next == 60 || next == 51) {  // hop-by-hop, routing, destination, AH
        if (end < pos + 8) return d;
        const size_t len = next == 51 ? (static_cast<size_t>(ip[pos + 1]) + 2) * 4 : (static_cast<size_t>(ip[pos + 1]) + 1) * 8;
        next = static_cast<uint8_t>(ip[pos]);
        if (len > end - pos) return d;
        pos += len;
      } else if (next == 44) {  // fragment
        if (end < pos + 8) return d;
        const uint16_t off = be16(ip, pos + 2);
        d.fragment = true;
        d.fragment_offset = off & 0xFFF8u;
        d.more_fragments = (off & 1) != 0;
        d.fragment_id = be32(ip, pos + 4);
        d.protocol = static_cast<uint8_t>(ip[pos]);
        d.fragment_data = ip.subspan(pos + 8, end - pos - 8);
        if (d.fragment_offset == 0 && !d.more_fragments) {  // an atomic fragment: the whole datagram
          d.fragment = false;
          next = d.protocol;
          pos += 8;
          continue;
        }
        return d;
      } else {
        break;
      }
    }
    d.protocol = next;
    l4 = ip.subspan(pos, end - pos);
  } else {
    return std::nullopt;
  }
  decode_transport(d, l4);
  return d;
}

void decode_transport(Decoded& d, Bytes l4) {
  if (d.protocol == 6) {
    if (l4.size() < 20) return;
    const size_t off = (static_cast<uint8_t>(l4[12]) >> 4) * size_t{4};
    d.src_port = be16(l4, 0);
    d.dst_port = be16(l4, 2);
    d.tcp_seq = be32(l4, 4);
    d.tcp_ack = be32(l4, 8);
    d.tcp_flags = static_cast<uint8_t>(l4[13]);
    if (off >= 20 && off <= l4.size()) d.payload = l4.subspan(off);
  } else if (d.protocol == 17) {
    if (l4.size() < 8) return;
    d.src_port = be16(l4, 0);
    d.dst_port = be16(l4, 2);
    const size_t len = be16(l4, 4);
    d.payload = l4.subspan(8, (len >= 8 ? std::min(len, l4.size()) : l4.size()) - 8);
  }
}

}  // namespace msw::formats::pcap
