// Caps for the hosts-file parser. A hosts file is attacker-writable; each cap bounds memory and time on a hostile one.
#pragma once

#include <cstddef>
#include <cstdint>

namespace msw::formats::hosts {

// Ad-blocking hosts lists reach ~15 MB; a quarter of a GiB would only be an attack on the parser.
inline constexpr uint64_t kMaxFileBytes = 256ull << 20;
// Entries kept; past this, lines are counted but not kept (diagnostic hosts.too_many_entries).
inline constexpr size_t kMaxEntries = 4'000'000;
// Names kept per line; Windows' resolver reads only 9, glibc reads all, so keep generously and diagnose the rest.
inline constexpr size_t kMaxNamesPerLine = 256;
// RFC 1035: a domain name is at most 253 characters in text form.
inline constexpr size_t kMaxNameLength = 253;
// Bytes of text examined by looks_like_hosts().
inline constexpr size_t kSniffBytes = 8192;

}  // namespace msw::formats::hosts
