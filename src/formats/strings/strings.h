// Strings and indicators in any file, as an analyst runs `strings` and then reads: printable runs in ASCII and in
// UTF-16LE (Windows programs keep their URLs and commands in both), and in them URLs, mining-pool URLs
// (stratum+tcp://), domains whose top-level domain exists, IPv4 addresses, e-mail addresses, Monero, Bitcoin and
// Ethereum wallets, registry paths, and long base64 blobs decoded (and searched again, one level deep).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/byte_reader.h"

namespace msw::formats::strings {

inline constexpr size_t kMinLength = 5;
inline constexpr size_t kMaxStrings = 500'000;
inline constexpr size_t kMaxStringLength = 8192;  // longer runs are cut (and continue as the next string)
inline constexpr size_t kMaxIocs = 10'000;
inline constexpr size_t kMinBase64 = 40;

struct FoundString {
  uint64_t offset = 0;
  bool utf16 = false;
  std::string text;  // ASCII
};

struct Extraction {
  std::vector<FoundString> strings;  // ASCII runs first, then UTF-16LE runs, each in file order
  bool truncated = false;            // kMaxStrings reached
};

Extraction extract(Bytes data, size_t min_length = kMinLength);

enum class IocKind { Url, PoolUrl, Domain, Ipv4, Email, Wallet, RegistryPath, Base64 };
std::string_view to_string(IocKind k);

struct Ioc {
  IocKind kind = IocKind::Url;
  std::string value;
  uint64_t offset = 0;  // of the string it was found in
  std::string detail;   // wallet: "monero"/"bitcoin"/"ethereum"; base64: what it decoded to (cut)
};

// Whether a top-level domain exists (the caller's list: data::known_tld). Lower-case, no dot.
using TldCheck = std::function<bool(std::string_view)>;

// Indicators in the strings, de-duplicated by kind and value (first offset kept), at most kMaxIocs.
std::vector<Ioc> find_iocs(const std::vector<FoundString>& strings, const TldCheck& tld_exists);

}  // namespace msw::formats::strings
