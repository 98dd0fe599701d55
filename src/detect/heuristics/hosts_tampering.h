// Heuristic: a hosts file that blocks or redirects real domains.
//
// Worms rewrite hosts files to blind security products (vendor and update domains pointed at 127.0.0.1), to evict
// rival miners (pool domains blocked), and to send traffic to their own infrastructure (a public name pointed at
// another address). The MyKings write-up describes exactly this "hosts takeover".
//
// What counts: names whose top-level domain is public (data/hosts/public-tlds.txt, or any two-letter ccTLD) or
// that appear in data/hosts/watched-domains.txt. Local names (single labels, .local, .lan, .internal, ...), the
// standard localhost/ip6-* lines, the host's own name, and the `address fqdn shortname` idiom that defines the host
// itself are not findings. One finding per hosts file lists every offending entry with its line.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "core/diagnostics.h"
#include "core/ip.h"
#include "detect/engine.h"
#include "model/finding.h"

namespace msw::detect::heuristics {

inline constexpr std::string_view kHostsTamperingRule = "heuristic.hosts_tampering";
// Offending entries listed as evidence items in one finding; the count of the rest is stated.
inline constexpr size_t kMaxHostsEvidence = 200;

enum class DomainCategory { None, Security, Update, Pool };

class HostsKnowledge {
 public:
  // Parses the two data files; malformed lines are diagnostics.
  static HostsKnowledge from_text(std::string_view watched_domains, std::string_view public_tlds, Diagnostics& diags);
  static HostsKnowledge builtin(Diagnostics& diags);

  // The category of `name` or of its closest listed parent domain (lower-case ASCII input).
  DomainCategory category(std::string_view name) const;
  bool is_public_name(std::string_view name) const;

 private:
  std::unordered_map<std::string, DomainCategory> watched_;
  std::unordered_set<std::string> public_tlds_;
};

enum class EntryVerdict {
  Benign,
  BlocksWatched,      // a security / update / pool domain pointed at loopback or 0.0.0.0
  RedirectsWatched,   // a security / update / pool domain pointed elsewhere
  RedirectsPublic,    // another public name pointed at a public address
  RedirectsInternal,  // another public name pointed at a private address
  BlocksPublic,       // another public name pointed at loopback (ad or telemetry blocking)
};

struct EntryAssessment {
  EntryVerdict verdict = EntryVerdict::Benign;
  DomainCategory category = DomainCategory::None;
  model::Severity severity = model::Severity::Informational;
};

// `line_names` are all names on the entry's line, for the `address fqdn shortname` idiom.
EntryAssessment assess_hosts_entry(const HostsKnowledge& kb, std::string_view name, const IpAddress& ip,
                                   std::span<const std::string_view> line_names, std::string_view own_hostname);

std::unique_ptr<Engine> make_hosts_tampering_engine(Diagnostics& diags);

}  // namespace msw::detect::heuristics
