// Parser for resolv.conf(5): nameserver, search, domain and options lines. DNS settings matter because mining worms
// force resolvers they control or that evade local filtering (MyKings set 223.5.5.5 and 8.8.8.8).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/byte_reader.h"
#include "core/diagnostics.h"
#include "core/ip.h"
#include "core/result.h"

namespace msw::formats::resolv_conf {

// resolv.conf is a few lines; glibc reads at most 3 nameservers. These caps bound a hostile file.
inline constexpr uint64_t kMaxFileBytes = 1u << 20;
inline constexpr size_t kMaxNameservers = 64;

struct Nameserver {
  std::string address;  // as written
  std::optional<IpAddress> ip;
  uint32_t line = 0;
};

struct ResolvConf {
  std::vector<Nameserver> nameservers;
  std::vector<std::string> search;
  std::vector<std::string> options;
};

// Diagnostics: resolv.bad_nameserver, resolv.too_many_nameservers. Errors: resolv.too_large.
Result<ResolvConf> parse(Bytes data, std::string_view evidence, Diagnostics& diags);

}  // namespace msw::formats::resolv_conf
