// The one compiled matcher every engine uses: exact sets for hashes, IPs, URLs, wallets and names; a binary trie for
// networks (CIDR); domains matched exactly or, for "this domain and below" indicators, at every label boundary of a
// name (so evil-pool.com never matches pool.com); and a single pass over free text (command lines, scripts, strings
// of binaries) that cuts it into host-, address-, URL-, hash- and wallet-shaped tokens and looks each up — cost
// proportional to the text, not to the number of indicators.
#pragma once

#include <cstdint>
#include <regex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/ip.h"
#include "intel/indicator.h"

namespace msw::intel {

struct Match {
  uint32_t indicator = 0;  // index into Matcher::indicators()
  std::string matched;     // the text that matched (normalised)
};

class Matcher {
 public:
  Matcher() = default;
  // Values must already be normalised (normalize_value); indicators that are not are skipped.
  explicit Matcher(std::vector<Indicator> indicators);

  const std::vector<Indicator>& indicators() const { return indicators_; }
  size_t size() const { return indicators_.size(); }

  // Exact lookups of one value of a known kind; the value is normalised here.
  void match_ip(std::string_view ip, std::vector<Match>& out) const;      // exact and every CIDR containing it
  void match_domain(std::string_view name, std::vector<Match>& out) const;
  void match_url(std::string_view url, std::vector<Match>& out) const;    // the URL, then its host
  void match_hash(std::string_view hex, std::vector<Match>& out) const;   // MD5, SHA-1 or SHA-256 by length
  void match_name(IndicatorType type, std::string_view name, std::vector<Match>& out) const;
  void match_wallet(std::string_view wallet, std::vector<Match>& out) const;
  // Any value: its kind inferred as `intel lookup` does.
  std::vector<Match> lookup(std::string_view value) const;
  // Every indicator named anywhere in `text`. Matches are de-duplicated per indicator.
  void scan_text(std::string_view text, std::vector<Match>& out) const;

 private:
  struct CidrNode {
    int32_t child[2] = {-1, -1};
    std::vector<uint32_t> here;  // indicators whose network ends at this node
  };
  void add_cidr(const IpAddress& ip, int bits, uint32_t index);
  void emit(const std::vector<uint32_t>* list, std::string_view matched, std::vector<Match>& out) const;
  void scan_host_token(std::string_view token, std::vector<Match>& out) const;

  // Heterogeneous lookup: the scan looks up string_views into the text without building keys.
  struct ViewHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, std::vector<uint32_t>, ViewHash, std::equal_to<>>;
  // A Bloom filter over every exact key (2^21 bits, 256 KiB: it stays in cache where the maps do not), so the
  // tokens of ordinary text — almost all of them — are rejected without touching a hash table.
  static constexpr size_t kBloomBits = size_t{1} << 21;
  std::vector<uint64_t> bloom_ = std::vector<uint64_t>(kBloomBits / 64, 0);
  static uint64_t mix(std::string_view s) { return std::hash<std::string_view>{}(s) * 0x9E3779B97F4A7C15ull; }
  void bloom_add(std::string_view key) {
    const uint64_t h = mix(key);
    for (uint64_t b : {h >> 43, (h >> 21) & (kBloomBits - 1)}) bloom_[b / 64] |= uint64_t{1} << (b % 64);
  }
  bool bloom_maybe(std::string_view key) const {
    const uint64_t h = mix(key);
    for (uint64_t b : {h >> 43, (h >> 21) & (kBloomBits - 1)})
      if (!(bloom_[b / 64] & (uint64_t{1} << (b % 64)))) return false;
    return true;
  }
  const std::vector<uint32_t>* find(const Map& m, std::string_view key) const {
    if (m.empty() || !bloom_maybe(key)) return nullptr;
    auto it = m.find(key);
    return it == m.end() ? nullptr : &it->second;
  }

  std::vector<Indicator> indicators_;
  Map ip_, domain_, subdomain_, url_, hash_, wallet_, email_;
  Map names_;  // type letter + lower-case name
  std::vector<CidrNode> cidr4_{1}, cidr6_{1};
  bool any_subdomain_ = false, any_cidr_ = false;
  std::vector<std::pair<std::regex, uint32_t>> name_regexes_;
};

}  // namespace msw::intel
