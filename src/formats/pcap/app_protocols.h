// The application-layer facts a responder needs from the first bytes of a flow: DNS questions and answers, the TLS
// ClientHello's server name and JA3 fingerprint, an HTTP request line with its Host and User-Agent, and what an HTTP
// response carries (an executable, a script). Each parser takes one packet's payload and returns nothing for bytes
// that are not its protocol; every length inside is checked against what the packet holds.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/byte_reader.h"

namespace msw::formats::pcap {

inline constexpr size_t kMaxDnsNames = 16;   // questions + answers read from one message
inline constexpr int kMaxDnsPointerHops = 16;

struct DnsMessage {
  bool response = false;
  std::vector<std::string> questions;  // lower-case names
  std::vector<std::string> answers;    // A/AAAA addresses and CNAME targets, as text
};
std::optional<DnsMessage> parse_dns(Bytes payload);

struct TlsClientHello {
  std::string server_name;  // SNI, lower-case; empty when absent
  std::string ja3;          // "version,ciphers,extensions,curves,point formats" (GREASE values left out)
  std::string ja3_md5;      // the JA3 fingerprint as published
};
std::optional<TlsClientHello> parse_tls_client_hello(Bytes payload);

struct HttpRequest {
  std::string method, host, target, user_agent;
};
std::optional<HttpRequest> parse_http_request(std::string_view payload);

// What an HTTP response's body starts with: "pe", "elf", "script" (a shebang, PowerShell, VBScript/JScript
// scriptlet) or "" for anything else; nullopt when the payload is not an HTTP response.
std::optional<std::string> http_response_body_kind(std::string_view payload);

}  // namespace msw::formats::pcap
