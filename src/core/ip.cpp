#include "core/ip.h"

#include <arpa/inet.h>

#include <cstring>

namespace msw {

std::string_view to_string(IpScope s) {
  switch (s) {
    case IpScope::Unspecified: return "unspecified";
    case IpScope::Loopback: return "loopback";
    case IpScope::Private: return "private";
    case IpScope::LinkLocal: return "link-local";
    case IpScope::Multicast: return "multicast";
    case IpScope::Reserved: return "reserved";
    case IpScope::Public: return "public";
  }
  return "unknown";
}

std::optional<IpAddress> parse_ip(std::string_view text) {
  if (auto pct = text.find('%'); pct != std::string_view::npos) text = text.substr(0, pct);
  if (text.empty() || text.size() > 45) return std::nullopt;
  char buf[64];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress ip;
  if (text.find(':') == std::string_view::npos) {
    // inet_pton accepts only the four-part decimal form, which is what hosts files and logs carry; reject leading
    // zeros, which some resolvers read as octal.
    for (size_t i = 0; i < text.size(); ++i)
      if (text[i] == '0' && (i == 0 || text[i - 1] == '.') && i + 1 < text.size() && text[i + 1] != '.')
        return std::nullopt;
    if (inet_pton(AF_INET, buf, ip.bytes.data()) != 1) return std::nullopt;
    return ip;
  }
  ip.v6 = true;
  if (inet_pton(AF_INET6, buf, ip.bytes.data()) != 1) return std::nullopt;
  return ip;
}

IpScope IpAddress::scope() const {
  const auto& b = bytes;
  if (!v6) {
    if (b[0] == 0) return b[1] == 0 && b[2] == 0 && b[3] == 0 ? IpScope::Unspecified : IpScope::Reserved;
    if (b[0] == 127) return IpScope::Loopback;
    if (b[0] == 10 || (b[0] == 172 && (b[1] & 0xF0) == 16) || (b[0] == 192 && b[1] == 168)) return IpScope::Private;
    if (b[0] == 100 && (b[1] & 0xC0) == 64) return IpScope::Private;  // carrier-grade NAT, RFC 6598
    if (b[0] == 169 && b[1] == 254) return IpScope::LinkLocal;
    if (b[0] >= 224 && b[0] <= 239) return IpScope::Multicast;
    if (b[0] >= 240) return IpScope::Reserved;
    if ((b[0] == 192 && b[1] == 0 && b[2] == 2) || (b[0] == 198 && b[1] == 51 && b[2] == 100) ||
        (b[0] == 203 && b[1] == 0 && b[2] == 113) || (b[0] == 198 && (b[1] & 0xFE) == 18))
      return IpScope::Reserved;  // documentation and benchmarking ranges
    return IpScope::Public;
  }
  bool all_zero_but_last = true;
  for (int i = 0; i < 15; ++i) all_zero_but_last &= b[i] == 0;
  if (all_zero_but_last && b[15] == 0) return IpScope::Unspecified;
  if (all_zero_but_last && b[15] == 1) return IpScope::Loopback;
  bool v4_mapped = b[10] == 0xFF && b[11] == 0xFF;
  for (int i = 0; i < 10; ++i) v4_mapped &= b[i] == 0;
  if (v4_mapped) {
    IpAddress v4;
    std::memcpy(v4.bytes.data(), b.data() + 12, 4);
    return v4.scope();
  }
  if ((b[0] & 0xFE) == 0xFC) return IpScope::Private;  // unique local fc00::/7
  if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) return IpScope::LinkLocal;
  if (b[0] == 0xFF) return IpScope::Multicast;
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8) return IpScope::Reserved;  // documentation
  return IpScope::Public;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf);
  return buf;
}

}  // namespace msw
