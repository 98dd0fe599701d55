#include "formats/pcap/app_protocols.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>

#include "core/hash.h"
#include "core/ip.h"
#include "core/text.h"

namespace msw::formats::pcap {
namespace {

using wire::be16;

// A DNS name at `pos` (with compression pointers, bounded); advances `pos` past the name as stored in place.
std::optional<std::string> dns_name(Bytes msg, size_t& pos) {
  std::string out;
  size_t at = pos;
  bool jumped = false;
  for (int hops = 0; hops <= kMaxDnsPointerHops;) {
    if (at >= msg.size()) return std::nullopt;
    const auto len = static_cast<uint8_t>(msg[at]);
    if (len == 0) {
      if (!jumped) pos = at + 1;
      return out;
    }
    if ((len & 0xC0) == 0xC0) {
      if (at + 1 >= msg.size()) return std::nullopt;
      if (!jumped) pos = at + 2;
      jumped = true;
      at = static_cast<size_t>(len & 0x3F) << 8 | static_cast<uint8_t>(msg[at + 1]);
      ++hops;
      continue;
    }
    if ((len & 0xC0) != 0 || len > msg.size() - at - 1 || out.size() + len > 253) return std::nullopt;
    if (!out.empty()) out += '.';
    for (size_t i = 0; i < len; ++i) {
      auto c = static_cast<char>(msg[at + 1 + i]);
      out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    }
    at += 1 + len;
  }
  return std::nullopt;
}

bool grease(uint16_t v) { return (v & 0x0F0F) == 0x0A0A && (v >> 8) == (v & 0xFF); }

}  // namespace

std::optional<DnsMessage> parse_dns(Bytes m) {
  if (m.size() < 12) return std::nullopt;
  const uint16_t flags = be16(m, 2), qd = be16(m, 4), an = be16(m, 6);
  if ((flags >> 11 & 0x0F) != 0 || qd == 0 || qd > 8) return std::nullopt;  // standard queries with a question only
  DnsMessage out;
  out.response = (flags & 0x8000) != 0;
  size_t pos = 12;
  for (uint16_t i = 0; i < qd; ++i) {
    auto name = dns_name(m, pos);
    if (!name || m.size() - pos < 4) return std::nullopt;
    pos += 4;
    if (out.questions.size() < kMaxDnsNames) out.questions.push_back(std::move(*name));
  }
  for (uint16_t i = 0; i < an && out.answers.size() < kMaxDnsNames; ++i) {
    auto name = dns_name(m, pos);
    if (!name || m.size() - pos < 10) break;
    const uint16_t type = be16(m, pos), rdlen = be16(m, pos + 8);
    pos += 10;
    if (rdlen > m.size() - pos) break;
    if (type == 1 && rdlen == 4) {
      IpAddress ip;
      std::memcpy(ip.bytes.data(), m.data() + pos, 4);
      out.answers.push_back(ip.to_string());
    } else if (type == 28 && rdlen == 16) {
      IpAddress ip;
      ip.v6 = true;
      std::memcpy(ip.bytes.data(), m.data() + pos, 16);
      out.answers.push_back(ip.to_string());
    } else if (type == 5) {
      size_t at = pos;
      if (auto target = dns_name(m, at)) out.answers.push_back(*target);
    }
    pos += rdlen;
  }
  return out;
}

std::optional<TlsClientHello> parse_tls_client_hello(Bytes p) {
  // Record: type 22 (handshake), version, length; handshake: type 1 (ClientHello), 24-bit length.
  if (p.size() < 9 || static_cast<uint8_t>(p[0]) != 22 || static_cast<uint8_t>(p[1]) != 3 || static_cast<uint8_t>(p[5]) != 1)
    return std::nullopt;
  size_t end = std::min<size_t>(p.size(), 5 + be16(p, 3));
  size_t pos = 9;
  if (end < pos + 34) return std::nullopt;
  const uint16_t version = be16(p, pos);
  pos += 2 + 32;  // version, random
  auto need = [&](size_t n) { return end >= pos && n <= end - pos; };
  if (!need(1)) return std::nullopt;
  pos += 1 + static_cast<uint8_t>(p[pos]);  // session id
  if (!need(2)) return std::nullopt;
  const size_t cs_len = be16(p, pos);
  pos += 2;
  if (!need(cs_len)) return std::nullopt;
  std::string ciphers;
  for (size_t i = 0; i + 1 < cs_len; i += 2)
    if (uint16_t c = be16(p, pos + i); !grease(c)) ciphers += (ciphers.empty() ? "" : "-") + std::to_string(c);
  pos += cs_len;
  if (!need(1)) return std::nullopt;
  pos += 1 + static_cast<uint8_t>(p[pos]);  // compression methods
  TlsClientHello out;
  std::string extensions, curves, formats;
  if (need(2)) {
    const size_t ext_len = be16(p, pos);
    pos += 2;
    end = std::min(end, pos + ext_len);
    while (need(4)) {
      const uint16_t type = be16(p, pos), len = be16(p, pos + 2);
      pos += 4;
      if (!need(len)) break;
      if (!grease(type)) extensions += (extensions.empty() ? "" : "-") + std::to_string(type);
      const Bytes body = p.subspan(pos, len);
      if (type == 0 && body.size() >= 5 && static_cast<uint8_t>(body[2]) == 0) {  // server_name, host_name entry
        const size_t n = be16(body, 3);
        if (n <= body.size() - 5) out.server_name = to_lower_ascii(as_chars(body.subspan(5, std::min<size_t>(n, 255))));
      } else if (type == 10 && body.size() >= 2) {  // supported groups
        const size_t n = std::min<size_t>(be16(body, 0), body.size() - 2);
        for (size_t i = 0; i + 1 < n; i += 2)
          if (uint16_t g = be16(body, 2 + i); !grease(g)) curves += (curves.empty() ? "" : "-") + std::to_string(g);
      } else if (type == 11 && !body.empty()) {  // EC point formats
        const size_t n = std::min<size_t>(static_cast<uint8_t>(body[0]), body.size() - 1);
        for (size_t i = 0; i < n; ++i)
          formats += (formats.empty() ? "" : "-") + std::to_string(static_cast<uint8_t>(body[1 + i]));
      }
      pos += len;
    }
  }
  out.ja3 = std::to_string(version) + "," + ciphers + "," + extensions + "," + curves + "," + formats;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  EVP_Digest(out.ja3.data(), out.ja3.size(), digest, &digest_len, EVP_md5(), nullptr);
  out.ja3_md5 = to_hex(Bytes(reinterpret_cast<const std::byte*>(digest), digest_len));
  return out;
}

std::optional<HttpRequest> parse_http_request(std::string_view p) {
  static constexpr std::string_view kMethods[] = {"GET ", "POST ", "HEAD ", "PUT ", "OPTIONS ", "CONNECT "};
  if (std::none_of(std::begin(kMethods), std::end(kMethods), [&](std::string_view m) { return p.starts_with(m); }))
    return std::nullopt;
  const size_t eol = p.find("\r\n");
  if (eol == std::string_view::npos || eol > 8192) return std::nullopt;
  const std::string_view line = p.substr(0, eol);
  const size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
  if (sp1 == sp2 || !line.substr(sp2 + 1).starts_with("HTTP/")) return std::nullopt;
  HttpRequest out;
  out.method = std::string(line.substr(0, sp1));
  out.target = std::string(line.substr(sp1 + 1, std::min<size_t>(sp2 - sp1 - 1, 2048)));
  for (size_t pos = eol + 2; pos < p.size();) {
    size_t next = p.find("\r\n", pos);
    if (next == std::string_view::npos || next == pos) break;
    const std::string_view h = p.substr(pos, next - pos);
    const size_t colon = h.find(':');
    if (colon != std::string_view::npos) {
      std::string_view value = h.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      const std::string name = to_lower_ascii(h.substr(0, colon));
      if (name == "host") out.host = to_lower_ascii(value.substr(0, 255));
      else if (name == "user-agent") out.user_agent = std::string(value.substr(0, 512));
    }
    pos = next + 2;
  }
  return out;
}

std::optional<std::string> http_response_body_kind(std::string_view p) {
  if (!p.starts_with("HTTP/1.")) return std::nullopt;
  const size_t body = p.find("\r\n\r\n");
  if (body == std::string_view::npos) return std::string();
  const std::string_view b = p.substr(body + 4);
  if (b.starts_with("MZ")) return std::string("pe");
  if (b.starts_with("\x7f" "ELF")) return std::string("elf");
  const std::string head = to_lower_ascii(b.substr(0, 256));
  if (head.starts_with("#!") || head.find("powershell") != std::string::npos || head.find("<scriptlet") != std::string::npos ||
      head.find("invoke-expression") != std::string::npos || head.find("iex(") != std::string::npos ||
      head.find("wscript.shell") != std::string::npos)
    return std::string("script");
  return std::string();
}

}  // namespace msw::formats::pcap
