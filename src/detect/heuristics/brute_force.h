// Password guessing, across every log of the run: sshd's Failed/Accepted lines in auth.log and secure (rotated copies
// included), Windows Security 4625/4624 (network and RDP logons; a 4625 without an address is counted for the
// workstation it names), Kerberos pre-authentication failures (4771, and 4768 with status 0x18) with a ticket
// issued as the success, NTLM validations on a domain controller (4776), and Remote Desktop's own logs (RdpCoreTS
// 140 failures, RemoteConnectionManager 1149 successes). Per source it counts failures, the accounts tried, the time
// span and the first success that came after them. A success after a burst of failures is how WannaMine and the
// SSH worms got in (critical); a burst without a success is an attempt to block and watch (medium). Two patterns
// without a password guessed are reported on their own (medium): one account or process using explicit credentials
// (4648) for many accounts — spraying from a foothold — and Kerberos asked for many accounts that do not exist
// (4768 with 0x6) — user enumeration.
#pragma once

#include <memory>
#include <string_view>

#include "detect/engine.h"

namespace msw::detect::heuristics {

inline constexpr std::string_view kBruteForceRule = "heuristic.logon_brute_force";
inline constexpr std::string_view kBruteForceSuccessRule = "heuristic.brute_force_then_logon";
inline constexpr std::string_view kExplicitCredentialSprayRule = "heuristic.explicit_credential_spray";
inline constexpr std::string_view kUserEnumerationRule = "heuristic.kerberos_user_enumeration";

// Failures from one source before it counts as password guessing.
inline constexpr uint64_t kBruteForceMinFailures = 20;
// Distinct accounts one subject uses explicit credentials for, or one source asks Kerberos about in vain.
inline constexpr size_t kSprayMinAccounts = 10;
// Sources (and 4648 subjects) followed at most (a distributed attack from a botnet stays bounded in memory).
inline constexpr size_t kBruteForceMaxSources = 100'000;

std::unique_ptr<CaseEngine> make_brute_force_engine();

}  // namespace msw::detect::heuristics
