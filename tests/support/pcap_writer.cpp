#include "support/pcap_writer.h"

#include <cstdio>

namespace msw::test {
namespace {

void be16(std::string& s, uint16_t v) {
  s += static_cast<char>(v >> 8);
  s += static_cast<char>(v & 0xFF);
}
void be32(std::string& s, uint32_t v) {
  be16(s, static_cast<uint16_t>(v >> 16));
  be16(s, static_cast<uint16_t>(v));
}
void le16(std::string& s, uint16_t v) {
  s += static_cast<char>(v & 0xFF);
  s += static_cast<char>(v >> 8);
}
void le32(std::string& s, uint32_t v) {
  le16(s, static_cast<uint16_t>(v));
  le16(s, static_cast<uint16_t>(v >> 16));
}
void le64(std::string& s, uint64_t v) {
  le32(s, static_cast<uint32_t>(v));
  le32(s, static_cast<uint32_t>(v >> 32));
}

std::string ip4(std::string_view text) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  std::sscanf(std::string(text).c_str(), "%u.%u.%u.%u", &a, &b, &c, &d);
  return {static_cast<char>(a), static_cast<char>(b), static_cast<char>(c), static_cast<char>(d)};
}

std::string pad_block(uint32_t type, const std::string& body) {
  std::string s;
  const size_t padded = (body.size() + 3) & ~size_t{3};
  le32(s, type);
  le32(s, static_cast<uint32_t>(12 + padded));
  s += body;
  s.append(padded - body.size(), '\0');
  le32(s, static_cast<uint32_t>(12 + padded));
  return s;
}

// The 4-byte session header SMB runs over TCP 445 with.
std::string session(const std::string& smb) {
  std::string s(1, '\0');
  s += static_cast<char>((smb.size() >> 16) & 0xFF);
  be16(s, static_cast<uint16_t>(smb.size()));
  return s + smb;
}

std::string smb1_header(uint8_t command, uint32_t status, bool reply, uint16_t mid, uint16_t flags2 = 0xC001) {
  std::string h = "\xffSMB";
  h += static_cast<char>(command);
  le32(h, status);
  h += static_cast<char>(reply ? 0x98 : 0x18);
  le16(h, flags2);
  le16(h, 0);              // PID high
  h.append(8, '\0');       // security features
  le16(h, 0);              // reserved
  le16(h, 2048);           // TID
  le16(h, 0xFEFF);         // PID low
  le16(h, 2048);           // UID
  le16(h, mid);
  return h;
}

std::string smb1(uint8_t command, uint32_t status, bool reply, uint16_t mid, const std::string& words,
                 const std::string& bytes, uint16_t flags2 = 0xC001) {
  std::string m = smb1_header(command, status, reply, mid, flags2);
  m += static_cast<char>(words.size() / 2);
  m += words;
  le16(m, static_cast<uint16_t>(bytes.size()));
  return session(m + bytes);
}

std::string smb2_header(uint16_t command, uint32_t status, bool reply, uint64_t message_id) {
  std::string h = "\xfeSMB";
  le16(h, 64);
  le16(h, 0);
  le32(h, status);
  le16(h, command);
  le16(h, 1);
  le32(h, reply ? 1 : 0);
  le32(h, 0);  // next command
  le64(h, message_id);
  le32(h, 0);
  le32(h, 0);
  le64(h, reply ? 0x1000000001ull : 0);
  h.append(16, '\0');
  return h;
}

// Transaction-style words: counts, then SetupCount and the setup words.
std::string trans_words(const std::vector<uint16_t>& setup) {
  std::string w;
  le16(w, 12);  // total parameter count
  le16(w, 0);   // total data count
  le16(w, 1);
  le16(w, 0);
  le16(w, 0);   // max setup count, reserved
  le16(w, 0);   // flags
  le32(w, 0x0134ee00);  // timeout
  le16(w, 0);
  le16(w, 12);  // parameter count
  le16(w, 66);
  le16(w, 0);   // data count
  le16(w, 78);
  w += static_cast<char>(setup.size());
  w += '\0';
  for (uint16_t s : setup) le16(w, s);
  return w;
}

std::string tds(uint8_t type, const std::string& body) {
  std::string s;
  s += static_cast<char>(type);
  s += '\x01';  // end of message
  be16(s, static_cast<uint16_t>(8 + body.size()));
  be16(s, 0);
  s += '\x01';
  s += '\0';
  return s + body;
}

}  // namespace

void CaptureWriter::frame(std::string bytes, int64_t advance_ns) {
  now_ns_ += advance_ns;
  frames_.push_back({now_ns_, std::move(bytes)});
}

std::string CaptureWriter::pcap(bool nanoseconds) const {
  std::string s;
  le32(s, nanoseconds ? 0xa1b23c4d : 0xa1b2c3d4);
  le16(s, 2);
  le16(s, 4);
  le32(s, 0);
  le32(s, 0);
  le32(s, 262144);
  le32(s, 1);  // Ethernet
  for (const auto& f : frames_) {
    le32(s, static_cast<uint32_t>(f.ns / 1'000'000'000));
    le32(s, static_cast<uint32_t>(f.ns % 1'000'000'000 / (nanoseconds ? 1 : 1000)));
    le32(s, static_cast<uint32_t>(f.bytes.size()));
    le32(s, static_cast<uint32_t>(f.bytes.size()));
    s += f.bytes;
  }
  return s;
}

std::string CaptureWriter::pcapng() const {
  std::string shb;
  le32(shb, 0x1a2b3c4d);
  le16(shb, 1);
  le16(shb, 0);
  shb.append(8, '\xff');
  std::string idb;
  le16(idb, 1);
  le16(idb, 0);
  le32(idb, 0);
  le16(idb, 9);  // if_tsresol: nanoseconds
  le16(idb, 1);
  idb += static_cast<char>(9);
  idb.append(3, '\0');
  le32(idb, 0);
  std::string s = pad_block(0x0a0d0d0a, shb) + pad_block(1, idb) + pad_block(0x0bad, "custom");
  for (const auto& f : frames_) {
    std::string epb;
    le32(epb, 0);
    le32(epb, static_cast<uint32_t>(static_cast<uint64_t>(f.ns) >> 32));
    le32(epb, static_cast<uint32_t>(f.ns));
    le32(epb, static_cast<uint32_t>(f.bytes.size()));
    le32(epb, static_cast<uint32_t>(f.bytes.size()));
    epb += f.bytes;
    s += pad_block(6, epb);
  }
  return s;
}

std::string ipv4_frame(std::string_view src, std::string_view dst, uint8_t protocol, std::string_view l4, uint16_t id,
                       uint16_t fragment_offset, bool more_fragments) {
  std::string f = std::string("\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
  be16(f, 0x0800);
  f += '\x45';
  f += '\0';
  be16(f, static_cast<uint16_t>(20 + l4.size()));
  be16(f, id);
  be16(f, static_cast<uint16_t>((more_fragments ? 0x2000 : 0) | (fragment_offset / 8)));
  f += '\x40';
  f += static_cast<char>(protocol);
  be16(f, 0);
  f += ip4(src) + ip4(dst);
  f += l4;
  return f;
}

std::string tcp_segment(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                        std::string_view payload) {
  std::string s;
  be16(s, sport);
  be16(s, dport);
  be32(s, seq);
  be32(s, ack);
  s += static_cast<char>(5 << 4);
  s += static_cast<char>(flags);
  be16(s, 65535);
  be16(s, 0);
  be16(s, 0);
  return s + std::string(payload);
}

std::string udp_datagram(uint16_t sport, uint16_t dport, std::string_view payload) {
  std::string s;
  be16(s, sport);
  be16(s, dport);
  be16(s, static_cast<uint16_t>(8 + payload.size()));
  be16(s, 0);
  return s + std::string(payload);
}

TcpConversation::TcpConversation(CaptureWriter& w, std::string client, uint16_t client_port, std::string server,
                                 uint16_t server_port)
    : w_(w), c_(std::move(client)), s_(std::move(server)), cp_(client_port), sp_(server_port) {}

void TcpConversation::send(bool from_client, uint8_t flags, std::string_view payload) {
  uint32_t& seq = from_client ? cseq_ : sseq_;
  const uint32_t ack = from_client ? sseq_ : cseq_;
  const std::string l4 = from_client ? tcp_segment(cp_, sp_, seq, ack, flags, payload)
                                     : tcp_segment(sp_, cp_, seq, ack, flags, payload);
  w_.frame(from_client ? ipv4_frame(c_, s_, 6, l4) : ipv4_frame(s_, c_, 6, l4));
  seq += static_cast<uint32_t>(payload.size()) + ((flags & 0x03) ? 1 : 0);
}

void TcpConversation::handshake() {
  send(true, 0x02, "");
  send(false, 0x12, "");
  send(true, 0x10, "");
}

void TcpConversation::refused() {
  send(true, 0x02, "");
  send(false, 0x14, "");
}

void TcpConversation::client(std::string_view payload, size_t segment) {
  for (size_t at = 0; at < payload.size(); at += segment) send(true, 0x18, payload.substr(at, segment));
}

void TcpConversation::server(std::string_view payload, size_t segment) {
  for (size_t at = 0; at < payload.size(); at += segment) send(false, 0x18, payload.substr(at, segment));
}

void TcpConversation::client_reordered(std::string_view payload, size_t segment) {
  const uint32_t start = cseq_;
  std::vector<size_t> offsets;
  for (size_t at = 0; at < payload.size(); at += segment) offsets.push_back(at);
  for (auto it = offsets.rbegin(); it != offsets.rend(); ++it) {
    cseq_ = start + static_cast<uint32_t>(*it);
    send(true, 0x18, payload.substr(*it, segment));
  }
  cseq_ = start + static_cast<uint32_t>(payload.size());
}

void TcpConversation::close() {
  send(true, 0x11, "");
  send(false, 0x11, "");
  send(true, 0x10, "");
}

std::string utf16le(std::string_view ascii) {
  std::string s;
  for (char c : ascii) {
    s += c;
    s += '\0';
  }
  return s;
}

std::string ntlm_negotiate() {
  std::string m("NTLMSSP\0", 8);
  le32(m, 1);
  le32(m, 0xe2088297);
  m.append(16, '\0');
  return m;
}

std::string ntlm_authenticate(std::string_view domain, std::string_view user) {
  const std::string d = utf16le(domain), u = utf16le(user), ws = utf16le("KALI");
  const std::string lm(24, '\x11'), nt(24, '\x22');
  std::string m("NTLMSSP\0", 8);
  le32(m, 3);
  uint32_t at = 88;
  auto field = [&](const std::string& v) {
    le16(m, static_cast<uint16_t>(v.size()));
    le16(m, static_cast<uint16_t>(v.size()));
    le32(m, at);
    at += static_cast<uint32_t>(v.size());
  };
  field(lm);
  field(nt);
  field(d);
  field(u);
  field(ws);
  field("");
  le32(m, 0xe2888215);  // flags: Unicode among them
  m.append(8, '\0');    // version
  m.append(16, '\0');   // MIC
  m += lm + nt + d + u + ws;
  // Wrapped the way SPNEGO's NegTokenResp carries it; the parser finds the NTLMSSP message inside.
  return std::string("\xa1\x82\x01\x2c\x30\x82\x01\x28\xa2\x82\x01\x24\x04\x82\x01\x20", 16) + m;
}

std::string smb2_negotiate_request() {
  std::string b;
  le16(b, 36);
  le16(b, 2);
  le16(b, 1);
  le16(b, 0);
  le32(b, 0);
  b.append(16, '\x33');
  le64(b, 0);
  le16(b, 0x0202);
  le16(b, 0x0210);
  return session(smb2_header(0, 0, false, 0) + b);
}

std::string smb2_negotiate_response(uint16_t dialect) {
  std::string b;
  le16(b, 65);
  le16(b, 1);
  le16(b, dialect);
  b.append(58, '\0');
  return session(smb2_header(0, 0, true, 0) + b);
}

std::string smb2_session_setup_request(uint64_t message_id, std::string_view blob) {
  std::string b;
  le16(b, 25);
  b += '\0';
  b += '\x01';
  le32(b, 0);
  le32(b, 0);
  le16(b, 64 + 24);
  le16(b, static_cast<uint16_t>(blob.size()));
  le64(b, 0);
  return session(smb2_header(1, 0, false, message_id) + b + std::string(blob));
}

std::string smb2_session_setup_response(uint64_t message_id, uint32_t status) {
  std::string b;
  le16(b, 9);
  le16(b, 0);
  le16(b, 72);
  le16(b, 0);
  b += '\0';
  return session(smb2_header(1, status, true, message_id) + b);
}

namespace {

std::string smb2_header_on_tree(uint16_t command, uint32_t status, bool reply, uint64_t message_id, uint32_t tree_id) {
  std::string h = smb2_header(command, status, reply, message_id);
  h[36] = static_cast<char>(tree_id & 0xFF);
  h[37] = static_cast<char>((tree_id >> 8) & 0xFF);
  h[38] = static_cast<char>((tree_id >> 16) & 0xFF);
  h[39] = static_cast<char>(tree_id >> 24);
  return h;
}

std::string uuid_bytes(std::string_view text) {
  // "aabbccdd-eeff-gghh-iijj-kkllmmnnoopp": the first three groups little-endian, the rest as written.
  std::string hex;
  for (char c : text)
    if (c != '-') hex += c;
  auto byte = [&](size_t i) { return static_cast<char>(std::stoi(hex.substr(2 * i, 2), nullptr, 16)); };
  std::string b;
  for (size_t i : {3, 2, 1, 0, 5, 4, 7, 6}) b += byte(i);
  for (size_t i = 8; i < 16; ++i) b += byte(i);
  return b;
}

void pad4(std::string& s) {
  while (s.size() % 4) s += '\0';
}

}  // namespace

std::string smb2_tree_connect_request(uint64_t message_id, std::string_view path) {
  const std::string name = utf16le(path);
  std::string b;
  le16(b, 9);
  le16(b, 0);
  le16(b, 64 + 8);
  le16(b, static_cast<uint16_t>(name.size()));
  return session(smb2_header(3, 0, false, message_id) + b + name);
}

std::string smb2_tree_connect_response(uint64_t message_id, uint32_t tree_id, uint8_t share_type) {
  std::string b;
  le16(b, 16);
  b += static_cast<char>(share_type);
  b += '\0';
  le32(b, 0);         // share flags
  le32(b, 0);         // capabilities
  le32(b, 0x1f01ff);  // maximal access
  return session(smb2_header_on_tree(3, 0, true, message_id, tree_id) + b);
}

std::string smb2_create_request(uint64_t message_id, uint32_t tree_id, std::string_view name) {
  const std::string n = utf16le(name);
  std::string b;
  le16(b, 57);
  b += '\0';   // security flags
  b += '\0';   // oplock
  le32(b, 2);  // impersonation
  le64(b, 0);
  le64(b, 0);
  le32(b, 0x0012019f);  // desired access
  le32(b, 0x80);        // attributes
  le32(b, 7);           // share access
  le32(b, 5);           // disposition: overwrite-if
  le32(b, 0x40);        // options: non-directory
  le16(b, 64 + 56);
  le16(b, static_cast<uint16_t>(n.size()));
  le32(b, 0);
  le32(b, 0);
  return session(smb2_header_on_tree(5, 0, false, message_id, tree_id) + b + n);
}

std::string smb2_create_response(uint64_t message_id, uint32_t tree_id, std::string_view file_id) {
  std::string b;
  le16(b, 89);
  b += '\0';
  b += '\0';
  le32(b, 2);  // created
  for (int i = 0; i < 4; ++i) le64(b, 0x01d9000000000000ull);
  le64(b, 0);
  le64(b, 0);
  le32(b, 0x80);
  le32(b, 0);
  b += std::string(file_id).substr(0, 16);
  b.resize(64 + 24, '\0');
  le32(b, 0);
  le32(b, 0);
  return session(smb2_header_on_tree(5, 0, true, message_id, tree_id) + b);
}

std::string smb2_write_request(uint64_t message_id, uint32_t tree_id, std::string_view file_id, uint64_t offset,
                               std::string_view data) {
  std::string b;
  le16(b, 49);
  le16(b, 64 + 48);
  le32(b, static_cast<uint32_t>(data.size()));
  le64(b, offset);
  b += std::string(file_id).substr(0, 16);
  le32(b, 0);
  le32(b, 0);
  le16(b, 0);
  le16(b, 0);
  le32(b, 0);
  return session(smb2_header_on_tree(9, 0, false, message_id, tree_id) + b + std::string(data));
}

std::string smb2_ioctl_transceive_request(uint64_t message_id, uint32_t tree_id, std::string_view file_id,
                                          std::string_view input) {
  std::string b;
  le16(b, 57);
  le16(b, 0);
  le32(b, 0x0011C017);
  b += std::string(file_id).substr(0, 16);
  le32(b, 64 + 56);  // input offset
  le32(b, static_cast<uint32_t>(input.size()));
  le32(b, 0);
  le32(b, 0);
  le32(b, 0);
  le32(b, 4280);
  le32(b, 1);  // is FSCTL
  le32(b, 0);
  return session(smb2_header_on_tree(11, 0, false, message_id, tree_id) + b + std::string(input));
}

std::string dcerpc_bind(uint32_t call_id, const std::vector<std::tuple<uint16_t, std::string, uint16_t>>& contexts) {
  std::string body;
  le16(body, 4280);
  le16(body, 4280);
  le32(body, 0);
  body += static_cast<char>(contexts.size());
  body.append(3, '\0');
  for (const auto& [id, uuid, major] : contexts) {
    le16(body, id);
    body += '\x01';
    body += '\0';
    body += uuid_bytes(uuid);
    le16(body, major);
    le16(body, 0);
    body += uuid_bytes("8a885d04-1ceb-11c9-9fe8-08002b104860");  // NDR
    le32(body, 2);
  }
  std::string h = {5, 0, 11, 3, 0x10, 0, 0, 0};
  le16(h, static_cast<uint16_t>(16 + body.size()));
  le16(h, 0);
  le32(h, call_id);
  return h + body;
}

std::string dcerpc_request(uint32_t call_id, uint16_t context_id, uint16_t opnum, std::string_view stub) {
  std::string body;
  le32(body, static_cast<uint32_t>(stub.size()));
  le16(body, context_id);
  le16(body, opnum);
  body += stub;
  std::string h = {5, 0, 0, 3, 0x10, 0, 0, 0};
  le16(h, static_cast<uint16_t>(16 + body.size()));
  le16(h, 0);
  le32(h, call_id);
  return h + body;
}

std::string ndr_wstring(std::string_view ascii) {
  std::string s;
  const uint32_t n = static_cast<uint32_t>(ascii.size() + 1);
  le32(s, n);
  le32(s, 0);
  le32(s, n);
  s += utf16le(ascii);
  s.append(2, '\0');
  pad4(s);
  return s;
}

std::string ndr_unique_wstring(uint32_t referent, std::string_view ascii) {
  std::string s;
  le32(s, referent);
  return s + ndr_wstring(ascii);
}

std::string svcctl_create_service_stub(std::string_view name, std::string_view display, std::string_view binary_path) {
  std::string s(20, '\x11');  // the SCM handle
  s += ndr_wstring(name);
  s += ndr_unique_wstring(0x00020000, display);
  le32(s, 0xF01FF);  // SERVICE_ALL_ACCESS
  le32(s, 0x10);     // own process
  le32(s, 3);        // demand start
  le32(s, 0);        // error ignore
  s += ndr_wstring(binary_path);
  for (int i = 0; i < 3; ++i) le32(s, 0);  // load order group, tag id, dependencies: null
  le32(s, 0);                              // dependencies size
  le32(s, 0);                              // service start name: null
  le32(s, 0);                              // password: null
  le32(s, 0);                              // password size
  return s;
}

std::string svcctl_start_service_stub() {
  std::string s(20, '\x22');  // the service handle
  le32(s, 0);                 // argc
  le32(s, 0);                 // argv: null
  return s;
}

std::string tsch_register_task_stub(std::string_view path, std::string_view xml) {
  std::string s = ndr_unique_wstring(0x00020000, path);
  s += ndr_wstring(xml);
  le32(s, 6);  // TASK_CREATE_OR_UPDATE
  le32(s, 0);  // sddl: null
  le32(s, 3);  // logon type
  le32(s, 0);  // credentials
  le32(s, 0);
  return s;
}

std::string smb1_negotiate_request(const std::vector<std::string>& dialects) {
  std::string bytes;
  for (const auto& d : dialects) bytes += '\x02' + d + '\0';
  return smb1(0x72, 0, false, 1, "", bytes);
}

std::string smb1_negotiate_response(uint16_t dialect_index) {
  std::string w;
  le16(w, dialect_index);
  w.append(32, '\0');  // the rest of the 17 words
  return smb1(0x72, 0, true, 1, w, std::string(8, '\x44'));
}

std::string smb1_session_setup_request(uint16_t mid, std::string_view account) {
  std::string w;
  w += '\xff';
  w += '\0';
  le16(w, 0);
  le16(w, 0x1104);
  le16(w, 50);
  le16(w, 0);
  le32(w, 0);
  le16(w, 24);  // OEM password
  le16(w, 24);  // Unicode password
  le32(w, 0);
  le32(w, 0x000000d4);
  std::string bytes(48, '\x55');
  bytes += '\0';  // 32 + 1 + 26 + 2 + 48 = 109: one byte aligns the Unicode account to 2
  bytes += utf16le(account) + std::string(2, '\0') + utf16le("WORKGROUP") + std::string(2, '\0');
  bytes += utf16le("Windows 7") + std::string(2, '\0') + std::string(2, '\0');
  return smb1(0x73, 0, false, mid, w, bytes, 0xC001);
}

std::string smb1_session_setup_response(uint16_t mid, uint32_t status) {
  std::string w;
  if (status == 0) {
    w += '\xff';
    w += '\0';
    le16(w, 0);
    le16(w, 0);
  }
  return smb1(0x73, status, true, mid, w, "");
}

std::string smb1_nt_trans_request(uint16_t mid, uint32_t total_data) {
  std::string w;
  w += '\x01';         // max setup count
  le16(w, 0);          // reserved
  le32(w, 30);         // total parameter count
  le32(w, total_data);
  le32(w, 30);
  le32(w, 0);
  le32(w, 30);         // parameter count
  le32(w, 75);
  le32(w, 976);        // data count
  le32(w, 104);
  w += '\0';           // setup count
  le16(w, 0);          // function
  return smb1(0xA0, 0, false, mid, w, std::string(1000, '\0'));
}

std::string smb1_trans2_secondary_request(uint16_t mid) {
  std::string w;
  le16(w, 0);
  le16(w, 4096);
  le16(w, 0);
  le16(w, 0);
  le16(w, 0);
  le16(w, 4096);
  le16(w, 53);
  le16(w, 1000);
  le16(w, 0);
  return smb1(0x33, 0, false, mid, w, std::string(4096, '\x41'));
}

std::string smb1_trans2_session_setup_request(uint16_t mid) {
  return smb1(0x32, 0, false, mid, trans_words({0x000E}), std::string(13, '\0'));
}

std::string smb1_trans2_response(uint16_t mid, uint32_t status) { return smb1(0x32, status, true, mid, "", ""); }

std::string smb1_peek_named_pipe_request(uint16_t mid) {
  return smb1(0x25, 0, false, mid, trans_words({0x0023, 0x0000}), utf16le("\\PIPE\\") + std::string(2, '\0'));
}

std::string smb1_trans_response(uint16_t mid, uint32_t status) { return smb1(0x25, status, true, mid, "", ""); }

std::string smb1_trans_request(uint16_t mid, uint16_t total_data, std::string_view data) {
  std::string w;
  le16(w, 0);           // total parameter count
  le16(w, total_data);  // total data count
  le16(w, 0);           // max parameter count
  le16(w, 1024);        // max data count
  le16(w, 0);           // max setup count, reserved
  le16(w, 0);           // flags
  le32(w, 0);           // timeout
  le16(w, 0);           // reserved
  le16(w, 0);           // parameter count
  le16(w, 0);           // parameter offset
  le16(w, static_cast<uint16_t>(data.size()));
  le16(w, 32 + 1 + 16 * 2 + 2 + 8);  // data offset (header, counts, words, byte count, name)
  le16(w, 2);                        // setup count 2, reserved
  le16(w, 0x0026);                   // TransactNmPipe
  le16(w, 0x4000);                   // FID
  return smb1(0x25, 0, false, mid, w, utf16le("\\PIPE\\").substr(0, 6) + std::string(data));
}

std::string smb1_write_andx_request(uint16_t mid, std::string_view data) {
  std::string w;
  w += '\xff';  // no AndX
  w += '\0';
  le16(w, 0);
  le16(w, 0x4000);  // FID
  le32(w, 0);       // offset
  le32(w, 0);       // timeout
  le16(w, 0);       // write mode
  le16(w, 0);       // remaining
  le16(w, 0);       // data length high
  le16(w, static_cast<uint16_t>(data.size()));
  le16(w, 32 + 1 + 14 * 2 + 2);  // data offset
  le32(w, 0);                    // offset high
  return smb1(0x2F, 0, false, mid, w, std::string(data));
}

std::string tds_prelogin() {
  std::string b = std::string("\x00\x00\x06\x00\x06\xff", 6);
  b += std::string("\x0f\x00\x07\xd0\x00\x00", 6);
  return tds(0x12, b);
}

std::string tds_login7(std::string_view user, std::string_view host, std::string_view app) {
  const std::string h = utf16le(host), u = utf16le(user), p = std::string(4, '\xa5'), a = utf16le(app);
  std::string b;
  le32(b, 0);  // length, set below
  le32(b, 0x74000004);
  le32(b, 4096);
  le32(b, 7);
  le32(b, 1234);
  le32(b, 0);
  le32(b, 0x000003e0);
  le32(b, 0);
  le32(b, 0x00000409);
  uint16_t at = 94;
  auto field = [&](const std::string& v) {
    le16(b, at);
    le16(b, static_cast<uint16_t>(v.size() / 2));
    at = static_cast<uint16_t>(at + v.size());
  };
  field(h);
  field(u);
  field(p);
  field(a);
  for (int i = 0; i < 5; ++i) field("");  // server, extension, interface, language, database
  b.append(6, '\0');                       // client id
  for (int i = 0; i < 3; ++i) field("");  // SSPI, attach file, change password
  le32(b, 0);
  b += h + u + p + a;
  b[0] = static_cast<char>(b.size() & 0xFF);
  b[1] = static_cast<char>(b.size() >> 8);
  return tds(0x10, b);
}

std::string tds_login_failed(std::string_view user) {
  const std::string text = "Login failed for user '" + std::string(user) + "'.";
  std::string t;
  le32(t, 18456);
  t += '\x01';
  t += '\x0e';
  le16(t, static_cast<uint16_t>(text.size()));
  t += utf16le(text);
  t += static_cast<char>(5);
  t += utf16le("SQL01");
  t += '\0';
  le32(t, 1);
  std::string b = "\xaa";
  le16(b, static_cast<uint16_t>(t.size()));
  b += t;
  b += "\xfd";
  le16(b, 2);
  le16(b, 0);
  le64(b, 0);
  return tds(0x04, b);
}

std::string tds_login_ack() {
  std::string t = "\x01";
  le32(t, 0x74000004);
  t += static_cast<char>(4);
  t += utf16le("SQLS");
  le32(t, 0x0f0007d0);
  std::string b = "\xad";
  le16(b, static_cast<uint16_t>(t.size()));
  b += t;
  b += "\xfd";
  le16(b, 0);
  le16(b, 0);
  le64(b, 0);
  return tds(0x04, b);
}

}  // namespace msw::test
