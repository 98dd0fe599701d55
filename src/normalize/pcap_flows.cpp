#include "normalize/pcap_flows.h"

#include <algorithm>
#include <array>
#include <string>
#include <unordered_map>

#include "formats/pcap/app_protocols.h"
#include "formats/pcap/mining_rpc.h"
#include "formats/pcap/pcap.h"

namespace msw::normalize {
namespace {

namespace pcap = formats::pcap;

struct Key {
  std::array<uint8_t, 16> a{}, b{};
  uint16_t pa = 0, pb = 0;
  uint8_t proto = 0;
  bool v6 = false;
  bool operator==(const Key&) const = default;
};

struct KeyHash {
  size_t operator()(const Key& k) const {
    uint64_t h = 1469598103934665603ull;
    auto mix = [&](const uint8_t* p, size_t n) {
      for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
    };
    mix(k.a.data(), 16);
    mix(k.b.data(), 16);
    const uint8_t rest[5] = {static_cast<uint8_t>(k.pa), static_cast<uint8_t>(k.pa >> 8), static_cast<uint8_t>(k.pb),
                             static_cast<uint8_t>(k.pb >> 8), k.proto};
    mix(rest, 5);
    return static_cast<size_t>(h);
  }
};

struct Direction {
  uint64_t packets = 0, bytes = 0, payload_packets = 0;
  std::string carry;  // a line cut by the packet boundary
};

struct Flow {
  IpAddress client, server;
  uint16_t client_port = 0, server_port = 0;
  uint8_t proto = 0;
  int64_t first_ns = 0, last_ns = 0;
  uint64_t first_packet = 0, last_packet = 0;
  std::array<Direction, 2> dir;  // 0: client to server
  std::string history;           // Zeek-style: S h A D F R, upper case from the client, lower from the server
  std::optional<pcap::MiningMessage> mining;  // merged facts of every mining message
  std::string methods;
  uint64_t mining_packet = 0;
  int64_t mining_ns = 0;
  uint64_t mining_messages = 0;
  // Application facts from the first payload of each side.
  std::string sni, ja3, ja3_md5;
  std::optional<pcap::HttpRequest> http;
  std::string http_body;  // what the first response carries: pe, elf, script
  std::string dns_question, dns_answers;
};

void note_history(Flow& f, bool from_client, uint8_t flags, bool payload) {
  if (f.history.size() >= 24) return;
  auto add = [&](char c) {
    const char ch = from_client ? c : static_cast<char>(c + 32);
    if (f.history.find(ch) == std::string::npos) f.history += ch;
  };
  if ((flags & 0x02) && (flags & 0x10)) add('H');
  else if (flags & 0x02) add('S');
  else if (flags & 0x10 && !payload) add('A');
  if (payload) add('D');
  if (flags & 0x01) add('F');
  if (flags & 0x04) add('R');
}

void merge(Flow& f, const pcap::MiningMessage& m, uint64_t packet, int64_t ns) {
  if (!f.mining) {
    f.mining = m;
    f.mining_packet = packet;
    f.mining_ns = ns;
  } else {
    auto fill = [](std::string& dst, const std::string& src) {
      if (dst.empty()) dst = src;
    };
    fill(f.mining->user, m.user);
    fill(f.mining->password, m.password);
    fill(f.mining->agent, m.agent);
    fill(f.mining->algorithm, m.algorithm);
    if (f.mining->method.empty()) f.mining->method = m.method;
  }
  ++f.mining_messages;
  if (!m.method.empty() && f.methods.size() < 256 && f.methods.find(m.method) == std::string::npos)
    f.methods += (f.methods.empty() ? "" : ",") + m.method;
}

// TLS, HTTP and DNS facts from a flow's first payloads.
void application(Flow& f, bool from_client, const Direction& d, Bytes payload) {
  if (d.payload_packets > 2) {
    if (f.proto != 17 || d.payload_packets > kRecognisedPacketsPerDirection) return;
  }
  if (f.proto == 17 && (f.server_port == 53 || f.client_port == 53 || f.server_port == 5353)) {
    if (auto m = pcap::parse_dns(payload)) {
      if (f.dns_question.empty() && !m->questions.empty()) f.dns_question = m->questions[0];
      for (const auto& a : m->answers)
        if (f.dns_answers.size() < 512 && f.dns_answers.find(a) == std::string::npos)
          f.dns_answers += (f.dns_answers.empty() ? "" : ",") + a;
    }
    return;
  }
  if (f.proto != 6) return;
  if (from_client) {
    if (f.sni.empty() && f.ja3.empty())
      if (auto hello = pcap::parse_tls_client_hello(payload)) {
        f.sni = hello->server_name;
        f.ja3 = hello->ja3;
        f.ja3_md5 = hello->ja3_md5;
        return;
      }
    if (!f.http)
      if (auto req = pcap::parse_http_request(as_chars(payload))) f.http = std::move(*req);
  } else if (f.http && f.http_body.empty()) {
    if (auto kind = pcap::http_response_body_kind(as_chars(payload))) f.http_body = *kind;
  }
}

// Looks at one payload for mining messages: whole lines (with a line carried from the previous packet), or an HTTP
// message as one.
void recognise(Flow& f, Direction& d, Bytes payload, uint64_t packet, int64_t ns) {
  if (d.payload_packets++ >= kRecognisedPacketsPerDirection) return;
  std::string_view text = as_chars(payload);
  if (text.starts_with("POST ") || text.starts_with("HTTP/")) {
    if (auto m = pcap::parse_mining_rpc(text)) merge(f, *m, packet, ns);
    return;
  }
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    if (nl == std::string_view::npos) {
      d.carry.append(text.substr(0, kMaxCarriedLine - std::min(kMaxCarriedLine, d.carry.size())));
      return;
    }
    std::string_view line = text.substr(0, nl);
    std::string joined;
    if (!d.carry.empty()) {
      joined = std::move(d.carry) + std::string(line);
      d.carry.clear();
      line = joined;
    }
    if (auto m = pcap::parse_mining_rpc(line)) merge(f, *m, packet, ns);
    text.remove_prefix(nl + 1);
  }
}

std::string proto_name(uint8_t p) { return p == 6 ? "tcp" : p == 17 ? "udp" : std::to_string(p); }

}  // namespace

Result<CaptureFlows> capture_flows(Bytes file, std::string_view display_path, Diagnostics& diags,
                                   const std::function<void(uint64_t)>& consumed) {
  uint64_t next_report = kConsumedStep;
  CaptureFlows out;
  std::unordered_map<Key, size_t, KeyHash> index;
  std::vector<Flow> flows;
  auto read = pcap::read_capture(file, display_path, diags, [&](const pcap::Packet& p) {
    ++out.packets;
    if (consumed && p.file_offset >= next_report) {
      consumed(p.file_offset);
      next_report = p.file_offset + kConsumedStep;
    }
    auto d = pcap::decode(p.link_type, p.data);
    if (!d) {
      ++out.not_ip;
      return true;
    }
    // Canonical key: the lower endpoint first.
    const bool src_low = std::tie(d->src.bytes, d->src_port) <= std::tie(d->dst.bytes, d->dst_port);
    Key k;
    k.a = src_low ? d->src.bytes : d->dst.bytes;
    k.b = src_low ? d->dst.bytes : d->src.bytes;
    k.pa = src_low ? d->src_port : d->dst_port;
    k.pb = src_low ? d->dst_port : d->src_port;
    k.proto = d->protocol;
    k.v6 = d->ip_version == 6;
    const int64_t ns = p.time ? p.time->unix_ns : 0;
    auto it = index.find(k);
    if (it == index.end()) {
      if (flows.size() >= kMaxFlows) {
        ++out.untracked;
        return true;
      }
      Flow f;
      // The client sent the first packet, unless that packet answers a SYN.
      const bool reply = d->protocol == 6 && (d->tcp_flags & 0x12) == 0x12;
      f.client = reply ? d->dst : d->src;
      f.server = reply ? d->src : d->dst;
      f.client_port = reply ? d->dst_port : d->src_port;
      f.server_port = reply ? d->src_port : d->dst_port;
      f.proto = d->protocol;
      f.first_ns = ns;
      f.first_packet = p.index;
      it = index.emplace(k, flows.size()).first;
      flows.push_back(std::move(f));
    }
    Flow& f = flows[it->second];
    const bool from_client = d->src == f.client && d->src_port == f.client_port;
    Direction& dir = f.dir[from_client ? 0 : 1];
    ++dir.packets;
    dir.bytes += p.original_length;
    f.last_ns = std::max(f.last_ns, ns);
    f.last_packet = p.index;
    if (d->protocol == 6) note_history(f, from_client, d->tcp_flags, !d->payload.empty());
    if (!d->payload.empty() && (d->protocol == 6 || d->protocol == 17)) {
      recognise(f, dir, d->payload, p.index, ns);
      application(f, from_client, dir, d->payload);
    }
    return true;
  });
  if (!read) return read.error();
  out.flows.reserve(flows.size());
  for (const Flow& f : flows) {
    model::Event e;
    e.category = "network_connection";
    e.product = "network";
    e.artefact = display_path;
    e.time = Timestamp{f.first_ns};
    e.set(model::Field::Protocol, proto_name(f.proto));
    e.set(model::Field::Initiated, "true");
    e.set(model::Field::SourceIp, f.client.to_string());
    e.set(model::Field::DestinationIp, f.server.to_string());
    if (f.proto == 6 || f.proto == 17) {
      e.set(model::Field::SourcePort, std::to_string(f.client_port));
      e.set(model::Field::DestinationPort, std::to_string(f.server_port));
    }
    e.set("FirstPacket", std::to_string(f.first_packet + 1));  // 1-based, as Wireshark numbers frames
    e.set("LastPacket", std::to_string(f.last_packet + 1));
    e.set("LastSeen", to_iso8601(Timestamp{f.last_ns}, 6));
    e.set("DurationSeconds", std::to_string((f.last_ns - f.first_ns) / 1'000'000'000));
    e.set("PacketsSent", std::to_string(f.dir[0].packets));
    e.set("PacketsReceived", std::to_string(f.dir[1].packets));
    e.set("BytesSent", std::to_string(f.dir[0].bytes));
    e.set("BytesReceived", std::to_string(f.dir[1].bytes));
    if (!f.history.empty()) e.set("History", f.history);
    if (!f.sni.empty()) e.set(model::Field::DestinationHostname, f.sni);
    if (!f.ja3.empty()) {
      e.set("TlsJa3", f.ja3);
      e.set("TlsJa3Hash", f.ja3_md5);
    }
    if (f.http) {
      if (!f.http->host.empty()) e.set(model::Field::DestinationHostname, f.http->host);
      e.set("HttpMethod", f.http->method);
      e.set("HttpTarget", f.http->target);
      if (!f.http->user_agent.empty()) e.set("HttpUserAgent", f.http->user_agent);
      const std::string host = f.http->host.empty() ? f.server.to_string() : f.http->host;
      e.set("Url", "http://" + host + (f.server_port == 80 ? "" : ":" + std::to_string(f.server_port)) + f.http->target);
      if (!f.http_body.empty()) e.set("HttpResponseBody", f.http_body);
    }
    if (!f.dns_question.empty()) {
      e.set(model::Field::QueryName, f.dns_question);
      if (!f.dns_answers.empty()) e.set(model::Field::QueryResults, f.dns_answers);
    }
    if (f.mining) {
      e.set("MiningProtocol", std::string(pcap::to_string(f.mining->dialect)));
      e.set("MiningMethods", f.methods);
      e.set("MiningMessages", std::to_string(f.mining_messages));
      e.set("MiningFirstPacket", std::to_string(f.mining_packet + 1));
      e.set("MiningFirstSeen", to_iso8601(Timestamp{f.mining_ns}, 6));
      if (!f.mining->user.empty()) e.set("MiningUser", f.mining->user);
      if (!f.mining->password.empty()) e.set("MiningPassword", f.mining->password);
      if (!f.mining->agent.empty()) e.set("MiningAgent", f.mining->agent);
      if (!f.mining->algorithm.empty()) e.set("MiningAlgorithm", f.mining->algorithm);
    }
    out.flows.push_back(std::move(e));
  }
  return out;
}

}  // namespace msw::normalize
