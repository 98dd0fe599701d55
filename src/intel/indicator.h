// intel/: indicators of compromise — what they are, how their values are normalised so that one spelling matches
// every other (defanged, mixed case, IDN, trailing dots), and where they came from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace msw::intel {

enum class IndicatorType : uint8_t {
  Ip,       // one IPv4 or IPv6 address (canonical text)
  Cidr,     // a network: "10.0.0.0/8", "2001:db8::/32"
  Domain,   // exact, or with `subdomains` this domain and every name below it
  Url,
  Md5,
  Sha1,
  Sha256,
  FileName,       // a base name, compared case-insensitively
  PathPattern,    // a regular expression over full paths (signature-base's filename IOCs)
  TaskName,       // scheduled task (regex allowed when `regex`)
  ServiceName,    // Windows service (regex allowed: WannaMine 4.0's three-word names)
  WmiName,        // WMI filter, consumer or class name
  RegistryKey,
  Mutex,
  Wallet,         // a cryptocurrency address (Monero, Bitcoin, ...)
  Email,
};
std::string_view to_string(IndicatorType t);
std::optional<IndicatorType> indicator_type_from_string(std::string_view s);

struct Indicator {
  IndicatorType type = IndicatorType::Domain;
  std::string value;       // normalised (see normalize_value)
  bool subdomains = false; // Domain: also every name below it
  bool regex = false;      // TaskName / ServiceName / PathPattern: value is an ECMAScript regular expression
  std::string family;      // "" when unknown
  std::string source;      // feed file, KB file, or a person
  std::string confidence;  // "high", "medium", "low"
  std::string tags;        // comma-separated
  std::string first_seen, last_seen, expiry;  // ISO-8601 dates or ""
  std::string description;
};

// Undoes the usual defanging: hxxp(s) → http(s), [.] (.) {.} [dot] → ., [:] → :, [@] [at] → @; trims spaces and
// surrounding quotes; strips a UTF-8 BOM.
std::string refang(std::string_view s);

// The canonical form of a value of `type`: lower-case hashes, domains without trailing dots and in punycode (IDN),
// canonical IP text, URLs with a lower-case scheme and host. Errors: intel.bad_value with the reason.
Result<std::string> normalize_value(IndicatorType type, std::string_view value);

// The type a bare value most likely has (for one-per-line lists): hash by length, IP, CIDR, URL, e-mail, Monero or
// Bitcoin wallet, domain. nullopt when it is none of these.
std::optional<IndicatorType> infer_type(std::string_view value);

// RFC 3492 punycode of one label ("münchen" → "mnchen-3ya"); nullopt on invalid UTF-8.
std::optional<std::string> punycode_label(std::string_view utf8_label);
// A whole name to its ASCII form ("bücher.example" → "xn--bcher-kva.example").
std::optional<std::string> idn_to_ascii(std::string_view name);

bool is_hex(std::string_view s);

// Feed and rule regexes are attacker-reachable and std::regex recurses and unrolls: patterns are bounded in length,
// nesting and counted repetition before they are compiled, and matched only against bounded subjects.
inline constexpr size_t kMaxRegexPattern = 512;
inline constexpr int kMaxRegexNesting = 16;
inline constexpr size_t kMaxRegexSubject = 1024;
inline constexpr uint64_t kMaxRegexRepeat = 256;  // largest n in {n} / {n,m}; nested ones multiply, at most 4x this
bool regex_within_limits(std::string_view pattern);

}  // namespace msw::intel
