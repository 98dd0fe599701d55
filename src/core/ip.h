// IP address parsing and classification (RFC 6890 special-purpose ranges), shared by every parser and engine that
// must tell loopback from private from public.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace msw {

enum class IpScope { Unspecified, Loopback, Private, LinkLocal, Multicast, Reserved, Public };
std::string_view to_string(IpScope s);

struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // v4 uses the first 4

  IpScope scope() const;
  std::string to_string() const;  // canonical text (RFC 5952 for v6)
  bool operator==(const IpAddress&) const = default;
};

// Strict parse: dotted-quad IPv4 (no octal, no shorthand) or RFC 4291 IPv6 text; a "%zone" suffix is ignored.
std::optional<IpAddress> parse_ip(std::string_view text);

}  // namespace msw
