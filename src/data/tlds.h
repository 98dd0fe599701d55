// The top-level domains that exist (one-label rules of the Public Suffix List, compiled in at build time), so a
// string like "kernel32.dll" or "config.json" is not taken for a host name.
#pragma once

#include <string_view>

namespace msw::data {

// `tld` lower-case, without the dot: "com", "top", "xn--fiqs8s".
bool known_tld(std::string_view tld);
size_t known_tld_count();

}  // namespace msw::data
