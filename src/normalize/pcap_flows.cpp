#include "normalize/pcap_flows.h"

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>

#include "formats/pcap/app_protocols.h"
#include "formats/pcap/dcerpc.h"
#include "formats/pcap/mining_rpc.h"
#include "formats/pcap/pcap.h"
#include "formats/pcap/reassembly.h"
#include "formats/pcap/smb.h"
#include "formats/pcap/tds.h"

namespace msw::normalize {
namespace {

namespace pcap = formats::pcap;

constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kAck = 0x10;
constexpr size_t kMaxTlsHello = 16 * 1024 + 5;

struct Key {
  std::array<uint8_t, 16> a{}, b{};
  uint16_t pa = 0, pb = 0;
  uint8_t proto = 0;
  bool v6 = false;
  bool operator==(const Key&) const = default;
};

uint64_t key_hash(const Key& k) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](const uint8_t* p, size_t n) {
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  };
  mix(k.a.data(), 16);
  mix(k.b.data(), 16);
  const uint8_t rest[5] = {static_cast<uint8_t>(k.pa), static_cast<uint8_t>(k.pa >> 8), static_cast<uint8_t>(k.pb),
                           static_cast<uint8_t>(k.pb >> 8), k.proto};
  mix(rest, 5);
  return h;
}

struct KeyHash {
  size_t operator()(const Key& k) const { return static_cast<size_t>(key_hash(k)); }
};

// Which parser reads a TCP connection's streams; chosen from the first bytes and the server port.
enum class App : uint8_t { Unknown, Generic, Smb, Tds, DceRpc };

struct Direction {
  uint64_t packets = 0, ip_bytes = 0, payload_bytes = 0, chunks = 0;
  bool syn = false, fin = false, rst = false;
  std::string carry;  // a line cut by a segment boundary
  std::string tls;    // a TLS ClientHello record still arriving
  pcap::TcpStream stream;
};

struct Flow {
  IpAddress client, server;
  uint16_t client_port = 0, server_port = 0;
  uint8_t proto = 0;
  int64_t first_ns = 0, last_ns = 0;
  uint64_t first_packet = 0, last_packet = 0;
  std::array<Direction, 2> dir;  // 0: client to server
  std::string history;           // Zeek-style: S h A D F R, upper case from the client, lower from the server
  App app = App::Unknown;
  std::optional<pcap::MiningMessage> mining;  // merged facts of every mining message
  std::string methods;
  uint64_t mining_packet = 0;
  int64_t mining_ns = 0;
  uint64_t mining_messages = 0;
  std::string sni, ja3, ja3_md5;
  std::optional<pcap::HttpRequest> http;
  std::string http_body;  // what the first response carries: pe, elf, script
  std::string dns_question, dns_answers;
  std::unique_ptr<pcap::SmbSession> smb;
  std::unique_ptr<pcap::TdsSession> tds;
  std::unique_ptr<pcap::RpcClientStream> rpc;  // DCE/RPC straight over TCP (endpoint mapper, dynamic ports)
};

void note_history(Flow& f, bool from_client, uint8_t flags, bool payload) {
  Direction& d = f.dir[from_client ? 0 : 1];
  if (flags & kSyn) d.syn = true;
  if (flags & kFin) d.fin = true;
  if (flags & kRst) d.rst = true;
  if (f.history.size() >= 24) return;
  auto add = [&](char c) {
    const char ch = from_client ? c : static_cast<char>(c + 32);
    if (f.history.find(ch) == std::string::npos) f.history += ch;
  };
  if ((flags & kSyn) && (flags & kAck)) add('H');
  else if (flags & kSyn) add('S');
  else if (flags & kAck && !payload) add('A');
  if (payload) add('D');
  if (flags & kFin) add('F');
  if (flags & kRst) add('R');
}

// Zeek's conn_state from what each side sent.
std::string conn_state(const Flow& f) {
  const Direction &o = f.dir[0], &r = f.dir[1];
  if (f.proto != 6) return r.packets ? "SF" : "S0";
  const bool orig_syn = o.syn, resp_synack = r.syn;
  if (!orig_syn && !resp_synack) return "OTH";
  if (orig_syn && !resp_synack) {
    if (r.rst) return "REJ";
    if (o.rst) return "RSTOS0";
    if (o.fin) return "SH";
    return "S0";
  }
  if (!orig_syn) {
    if (r.rst) return "RSTRH";
    if (r.fin) return "SHR";
    return "OTH";
  }
  if (o.rst) return "RSTO";
  if (r.rst) return "RSTR";
  if (o.fin && r.fin) return "SF";
  if (o.fin) return "S2";
  if (r.fin) return "S3";
  return "S1";
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

// DNS facts from a UDP payload.
void dns(Flow& f, Bytes payload) {
  if (auto m = pcap::parse_dns(payload)) {
    if (f.dns_question.empty() && !m->questions.empty()) f.dns_question = m->questions[0];
    for (const auto& a : m->answers)
      if (f.dns_answers.size() < 512 && f.dns_answers.find(a) == std::string::npos)
        f.dns_answers += (f.dns_answers.empty() ? "" : ",") + a;
  }
}

// TLS ClientHello and HTTP request/response from the first stream bytes of each side. A ClientHello larger than one
// segment (post-quantum key shares make them ~1.7 KB) is held until its record is complete.
// Returns true while it wants more bytes for a TLS record being held.
bool tls_and_http(Flow& f, bool from_client, Direction& d, Bytes data) {
  auto record_length = [](Bytes r) {
    return 5 + ((static_cast<size_t>(static_cast<uint8_t>(r[3])) << 8) | static_cast<uint8_t>(r[4]));
  };
  if (from_client) {
    if (f.sni.empty() && f.ja3.empty() && d.chunks <= 8) {
      Bytes hello = data;
      if (!d.tls.empty()) {
        const size_t need = record_length(as_bytes(d.tls));
        d.tls.append(as_chars(data.first(std::min(data.size(), need - std::min(need, d.tls.size())))));
        if (d.tls.size() < need) return true;
        hello = as_bytes(d.tls);
      } else if (data.size() >= 5 && static_cast<uint8_t>(data[0]) == 22 && static_cast<uint8_t>(data[1]) == 3) {
        const size_t need = record_length(data);
        if (need > data.size() && need <= kMaxTlsHello) {
          d.tls.assign(as_chars(data));
          return true;
        }
      }
      auto h = pcap::parse_tls_client_hello(hello);
      d.tls.clear();
      d.tls.shrink_to_fit();
      if (h) {
        f.sni = h->server_name;
        f.ja3 = h->ja3;
        f.ja3_md5 = h->ja3_md5;
        return false;
      }
    }
    if (!f.http && d.chunks == 1)
      if (auto req = pcap::parse_http_request(as_chars(data))) f.http = std::move(*req);
  } else if (f.http && f.http_body.empty() && d.chunks <= 2) {
    if (auto kind = pcap::http_response_body_kind(as_chars(data))) f.http_body = *kind;
  }
  return false;
}

// Mining messages: whole lines (a line cut by a segment boundary is carried), or an HTTP message as one.
void mining_lines(Flow& f, Direction& d, Bytes payload, uint64_t packet, int64_t ns) {
  std::string_view text = as_chars(payload);
  if (d.carry.empty() && (text.starts_with("POST ") || text.starts_with("HTTP/"))) {
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

App choose_app(const Flow& f, Bytes first) {
  auto magic_at = [&](size_t at) {
    if (first.size() < at + 4) return false;
    const std::string_view m = as_chars(first.subspan(at, 4));
    return m == "\xffSMB" || m == "\xfeSMB" || m == "\xfdSMB";
  };
  if (f.server_port == 445 || f.server_port == 139 || magic_at(4)) return App::Smb;
  if (f.server_port == 1433 || (first.size() >= 8 && first[0] == std::byte{0x12} && first[1] == std::byte{0x01}))
    return App::Tds;
  if (pcap::looks_like_rpc_bind(first)) return App::DceRpc;
  return App::Generic;
}

// One chunk of one direction's reassembled stream. Returns false when the direction needs no more bytes.
bool on_stream(Flow& f, bool from_client, const pcap::TcpStream::Chunk& c, uint64_t packet, int64_t ns) {
  Direction& d = f.dir[from_client ? 0 : 1];
  if (f.app == App::Unknown) {
    if (c.data.empty()) return true;
    f.app = choose_app(f, c.data);
    if (f.app == App::Smb) f.smb = std::make_unique<pcap::SmbSession>();
    if (f.app == App::Tds) f.tds = std::make_unique<pcap::TdsSession>();
    if (f.app == App::DceRpc) f.rpc = std::make_unique<pcap::RpcClientStream>();
  }
  switch (f.app) {
    case App::Smb: return f.smb->feed(from_client, c, packet, ns);
    case App::Tds: return f.tds->feed(from_client, c, packet, ns);
    case App::DceRpc:
      // The client's requests; the server's answers are not read. A hole ends the stream (PDUs lose their frame).
      if (!from_client) return false;
      return !c.gap && f.rpc->feed(c.data, packet, ns);
    default: break;
  }
  if (c.gap) d.carry.clear();
  if (c.data.empty()) return true;
  ++d.chunks;
  if (tls_and_http(f, from_client, d, c.data)) return true;
  if (!f.sni.empty() || !f.ja3.empty()) return d.chunks < 2;  // TLS: the rest is ciphertext
  mining_lines(f, d, c.data, packet, ns);
  return d.chunks < kRecognisedPacketsPerDirection;
}

std::string proto_name(uint8_t p) { return p == 6 ? "tcp" : p == 17 ? "udp" : std::to_string(p); }

std::string service_name(const Flow& f) {
  if (f.mining) return "stratum";
  if (f.smb && f.smb->facts().messages) return "smb";
  if (f.tds && (!f.tds->facts().logins.empty() || f.tds->facts().encrypted_login)) return "mssql";
  if (f.rpc && !f.rpc->interfaces().empty()) return "dce_rpc";
  if (!f.sni.empty() || !f.ja3.empty()) return "ssl";
  if (f.http) return "http";
  if (!f.dns_question.empty()) return "dns";
  return "";
}

// Login outcomes on the wire, the same fields for SMB and SQL Server so one detector reads both.
template <typename Login>
void login_fields(model::Event& e, std::string_view service, uint64_t failures, uint64_t successes,
                  const std::vector<Login>& logins, auto account_of, auto status_of) {
  if (logins.empty() && failures == 0 && successes == 0) return;
  e.set("LoginService", std::string(service));
  e.set("LoginFailures", std::to_string(failures));
  e.set("LoginSuccesses", std::to_string(successes));
  std::string accounts;
  std::map<std::string, uint64_t> statuses;
  const Login* first_failure = nullptr;
  const Login* success = nullptr;
  for (const Login& l : logins) {
    const std::string account = account_of(l);
    if (account.empty()) continue;  // null sessions are not logons of anyone
    if (accounts.size() < 512 && ("," + accounts + ",").find("," + account + ",") == std::string::npos)
      accounts += (accounts.empty() ? "" : ",") + account;
    const std::string status = status_of(l);
    if (status.empty()) {
      if (!success || (first_failure && success->time_ns < first_failure->time_ns)) success = &l;
    } else {
      ++statuses[status];
      if (!first_failure) first_failure = &l;
    }
  }
  if (!accounts.empty()) e.set("LoginAccounts", accounts);
  std::string st;
  for (const auto& [s, n] : statuses) st += (st.empty() ? "" : ",") + s + "=" + std::to_string(n);
  if (!st.empty()) e.set("LoginFailureStatuses", st);
  if (first_failure) {
    e.set("LoginFirstFailurePacket", std::to_string(first_failure->packet + 1));
    e.set("LoginFirstFailureTime", to_iso8601(Timestamp{first_failure->time_ns}, 6));
  }
  if (success) {
    e.set("LoginSuccessAccount", account_of(*success));
    e.set("LoginSuccessPacket", std::to_string(success->packet + 1));
    e.set("LoginSuccessTime", to_iso8601(Timestamp{success->time_ns}, 6));
  }
}

std::string join(const std::vector<std::string>& parts, std::string_view sep = ",") {
  std::string out;
  for (const auto& p : parts) {
    if (out.size() > 4096) break;
    out += (out.empty() ? "" : std::string(sep)) + p;
  }
  return out;
}

// Remote-execution calls over RPC (a pipe inside SMB, or TCP): "svcctl CreateServiceW: PSEXESVC | %SystemRoot%\x.exe".
void rpc_fields(model::Event& e, const std::vector<pcap::RpcCall>& calls, const std::vector<std::string>& interfaces) {
  if (!interfaces.empty()) e.set("RpcInterfaces", join(interfaces));
  if (calls.empty()) return;
  std::vector<std::string> lines;
  for (const auto& c : calls)
    lines.push_back(c.interface + " " + c.operation + (c.strings.empty() ? "" : ": " + join(c.strings, " | ")));
  e.set("RpcCalls", join(lines, "; "));
  e.set("RpcFirstPacket", std::to_string(calls.front().packet + 1));
}

model::Event to_event(const Flow& f, std::string_view display_path) {
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
  {
    // A stable id for the flow, as Zeek's uid joins its logs: the same capture gives the same ids.
    Key k;
    k.a = f.client.bytes;
    k.b = f.server.bytes;
    k.pa = f.client_port;
    k.pb = f.server_port;
    k.proto = f.proto;
    const uint64_t h = key_hash(k) ^ (f.first_packet * 0x9E3779B97F4A7C15ull);
    static constexpr char kDigits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    std::string uid = "C";
    for (uint64_t v = h; uid.size() < 12; v /= 62) uid += kDigits[v % 62];
    e.set("Uid", uid);
  }
  e.set("FirstPacket", std::to_string(f.first_packet + 1));  // 1-based, as Wireshark numbers frames
  e.set("LastPacket", std::to_string(f.last_packet + 1));
  e.set("LastSeen", to_iso8601(Timestamp{f.last_ns}, 6));
  e.set("DurationSeconds", std::to_string((f.last_ns - f.first_ns) / 1'000'000'000));
  e.set("DurationNs", std::to_string(f.last_ns - f.first_ns));
  e.set("PacketsSent", std::to_string(f.dir[0].packets));
  e.set("PacketsReceived", std::to_string(f.dir[1].packets));
  e.set("BytesSent", std::to_string(f.dir[0].ip_bytes));  // IP layer, as Zeek's orig_ip_bytes
  e.set("BytesReceived", std::to_string(f.dir[1].ip_bytes));
  e.set("PayloadBytesSent", std::to_string(f.dir[0].payload_bytes));
  e.set("PayloadBytesReceived", std::to_string(f.dir[1].payload_bytes));
  e.set("ConnState", conn_state(f));
  if (const std::string s = service_name(f); !s.empty()) e.set("Service", s);
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
  if (f.smb) {
    const pcap::SmbFacts& s = f.smb->facts();
    if (!s.dialect.empty()) e.set("SmbDialect", s.dialect);
    if (s.smb1) e.set("SmbVersion1", "true");
    if (s.encrypted) e.set("SmbEncrypted", "true");
    if (s.nt_trans_max_total_data) e.set("SmbNtTransMaxData", std::to_string(s.nt_trans_max_total_data));
    if (s.trans2_secondary) e.set("SmbTrans2Secondary", std::to_string(s.trans2_secondary));
    if (s.eternalblue) {
      e.set("SmbEternalBlue", "true");
      e.set("SmbEternalBluePacket", std::to_string(s.eternalblue_packet + 1));
    }
    if (s.ms17_010_probe) e.set("SmbMs17010Check", s.ms17_010_vulnerable ? "vulnerable" : "sent");
    if (s.eternalromance) e.set("SmbEternalRomancePacket", std::to_string(s.eternalromance_packet + 1));
    if (s.eternalchampion) e.set("SmbEternalChampionPacket", std::to_string(s.eternalchampion_packet + 1));
    if (s.doublepulsar_ping) {
      e.set("SmbDoublePulsar", s.doublepulsar_reply ? "implant answered" : "ping");
      e.set("SmbDoublePulsarPacket", std::to_string(s.doublepulsar_packet + 1));
    }
    if (!s.shares.empty()) e.set("SmbShares", join(s.shares));
    if (!s.pipes.empty()) e.set("SmbPipes", join(s.pipes));
    if (!s.admin_writes.empty()) {
      std::string writes;
      bool executable = false;
      for (const auto& w : s.admin_writes) {
        writes += (writes.empty() ? "" : "; ") + w.share + "\\" + w.name + " (" + std::to_string(w.bytes) + " bytes" +
                  (w.executable ? ", executable" : "") + ", packet " + std::to_string(w.packet + 1) + ")";
        executable = executable || w.executable;
      }
      e.set("SmbAdminShareWrites", writes);
      if (executable) e.set("SmbAdminShareExecutable", "true");
    }
    rpc_fields(e, s.rpc_calls, {});
    login_fields(e, "SMB", s.login_failures, s.login_successes, s.logins,
                 [](const pcap::SmbLogin& l) { return l.account; },
                 [](const pcap::SmbLogin& l) {
                   return l.status == pcap::ntstatus::kSuccess ? std::string() : pcap::ntstatus_name(l.status);
                 });
  }
  if (f.rpc) rpc_fields(e, f.rpc->calls(), f.rpc->interfaces());
  if (f.tds) {
    const pcap::TdsFacts& t = f.tds->facts();
    if (!t.client_app.empty()) e.set("TdsClientApp", t.client_app);
    if (!t.client_host.empty()) e.set("TdsClientHost", t.client_host);
    if (t.encrypted_login) e.set("TdsEncryptedLogin", "true");
    login_fields(e, "MSSQL", t.login_failures, t.login_successes, t.logins,
                 [](const pcap::TdsLogin& l) { return l.user.empty() ? std::string("(unknown)") : l.user; },
                 [](const pcap::TdsLogin& l) { return l.error == 0 ? std::string() : std::to_string(l.error); });
  }
  return e;
}

// One worker's share of a capture: the flows whose 5-tuple hashes to `part` of `parts`. Every worker reads every
// packet (reading and decoding are cheap next to flow state and payload parsing), so no packet is handed between
// threads and the result does not depend on timing.
struct Worker {
  unsigned part = 0, parts = 1;
  std::unordered_map<Key, size_t, KeyHash> index;
  std::vector<Flow> flows;
  std::vector<std::pair<uint64_t, model::Event>> events;  // by first packet
  pcap::ReassemblyCounters counters;
  uint64_t packets = 0, not_ip = 0, untracked = 0;
};

void packet(Worker& w, pcap::FragmentReassembler& defrag, const pcap::Packet& p, size_t max_flows) {
  ++w.packets;
  auto d = pcap::decode(p.link_type, p.data);
  if (!d) {
    ++w.not_ip;
    return;
  }
  const int64_t ns = p.time ? p.time->unix_ns : 0;
  if (d->fragment) {
    auto whole = defrag.add(*d, ns);
    if (!whole) return;
    d->fragment = false;
    pcap::decode_transport(*d, *whole);
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
  const uint64_t h = key_hash(k);
  if (w.parts > 1 && (h >> 32) % w.parts != w.part) return;
  auto it = w.index.find(k);
  if (it == w.index.end()) {
    if (w.flows.size() >= max_flows) {
      ++w.untracked;
      return;
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
    it = w.index.emplace(k, w.flows.size()).first;
    w.flows.push_back(std::move(f));
    w.flows.back().dir[0].stream.set_counters(&w.counters);
    w.flows.back().dir[1].stream.set_counters(&w.counters);
  }
  Flow& f = w.flows[it->second];
  const bool from_client = d->src == f.client && d->src_port == f.client_port;
  Direction& dir = f.dir[from_client ? 0 : 1];
  ++dir.packets;
  dir.ip_bytes += d->ip_bytes;
  dir.payload_bytes += d->payload.size();
  f.last_ns = std::max(f.last_ns, ns);
  f.last_packet = p.index;
  if (d->protocol == 6) {
    note_history(f, from_client, d->tcp_flags, !d->payload.empty());
    if (!dir.stream.closed() && (!d->payload.empty() || (d->tcp_flags & kSyn)))
      dir.stream.add(d->tcp_seq, (d->tcp_flags & kSyn) != 0, d->payload,
                     [&](const pcap::TcpStream::Chunk& c) { return on_stream(f, from_client, c, p.index, ns); });
  } else if (d->protocol == 17 && !d->payload.empty() && dir.chunks < kRecognisedPacketsPerDirection) {
    ++dir.chunks;
    if (f.server_port == 53 || f.client_port == 53 || f.server_port == 5353) dns(f, d->payload);
    else mining_lines(f, dir, d->payload, p.index, ns);
  }
}

}  // namespace

Result<CaptureFlows> capture_flows(Bytes file, std::string_view display_path, Diagnostics& diags,
                                   const std::function<void(uint64_t)>& consumed, unsigned threads) {
  if (threads == 0) threads = std::clamp(std::thread::hardware_concurrency(), 1u, kMaxCaptureThreads);
  std::vector<std::unique_ptr<Worker>> workers;
  for (unsigned i = 0; i < threads; ++i) {
    workers.push_back(std::make_unique<Worker>());
    workers.back()->part = i;
    workers.back()->parts = threads;
  }
  const size_t max_flows = kMaxFlows / threads;
  std::vector<Result<pcap::CaptureInfo>> results(threads, Error::make("pcap.not_read", ""));
  auto run = [&](unsigned i) {
    Worker& w = *workers[i];
    Diagnostics own;
    pcap::FragmentReassembler defrag(w.counters);
    uint64_t next_report = kConsumedStep;
    results[i] = pcap::read_capture(file, display_path, i == 0 ? diags : own, [&](const pcap::Packet& p) {
      if (p.file_offset >= next_report) {
        next_report = p.file_offset + kConsumedStep;
        // Each worker releases behind itself, a step back so a worker close behind still finds its pages; one far
        // behind faults them in again from the page cache, which is cheap next to holding the whole file.
        if (consumed && p.file_offset > kConsumedStep) consumed(p.file_offset - kConsumedStep);
      }
      packet(w, defrag, p, max_flows);
      return true;
    });
    w.events.reserve(w.flows.size());
    for (Flow& f : w.flows) {
      w.events.emplace_back(f.first_packet, to_event(f, display_path));
      f = Flow{};  // its buffers and sessions go as soon as its event exists
    }
    w.flows.clear();
    w.index.clear();
  };
  if (threads == 1) {
    run(0);
  } else {
    std::vector<std::thread> pool;
    for (unsigned i = 1; i < threads; ++i) pool.emplace_back(run, i);
    run(0);
    for (auto& t : pool) t.join();
  }
  if (!results[0]) return results[0].error();
  CaptureFlows out;
  out.packets = workers[0]->packets;
  out.not_ip = workers[0]->not_ip;
  pcap::ReassemblyCounters c = workers[0]->counters;  // fragments: every worker saw the same ones
  for (size_t i = 1; i < workers.size(); ++i) {
    c.segment_overlaps += workers[i]->counters.segment_overlaps;
    c.stream_holes += workers[i]->counters.stream_holes;
  }
  size_t total = 0;
  for (const auto& w : workers) {
    out.untracked += w->untracked;
    total += w->events.size();
  }
  out.reassembly = c;
  // In order of each flow's first packet, whichever worker held it.
  std::vector<std::pair<uint64_t, model::Event>> merged;
  merged.reserve(total);
  for (auto& w : workers) std::move(w->events.begin(), w->events.end(), std::back_inserter(merged));
  std::sort(merged.begin(), merged.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  out.flows.reserve(total);
  for (auto& [first, e] : merged) out.flows.push_back(std::move(e));
  if (c.fragment_overlaps || c.fragments_dropped)
    diags.add("pcap.fragments", DiagSeverity::Info, std::string(display_path), 0,
               std::to_string(c.fragment_overlaps) + " overlapping IP fragments (first copy kept), " +
                   std::to_string(c.fragments_dropped) + " fragments dropped (incomplete, timed out or over limits)");
  if (out.untracked)
    diags.add("pcap.flow_limit", DiagSeverity::Warning, std::string(display_path), 0,
               std::to_string(out.untracked) + " packets of flows beyond the limit of " + std::to_string(kMaxFlows) +
                   " flows were counted but not tracked");
  return out;
}

}  // namespace msw::normalize
