// Password guessing followed by a way in, across every log of the run: sshd's Failed/Accepted lines in auth.log and
// secure (rotated copies included) and Windows Security 4625/4624 (network and RDP logons). Per source address it
// counts failures, the accounts tried and the first success that came after them. A success after a burst of
// failures from the same address is how WannaMine and the SSH worms got in; a burst without a success is an attack
// to block and watch.
#pragma once

#include <memory>
#include <string_view>

#include "detect/engine.h"

namespace msw::detect::heuristics {

inline constexpr std::string_view kBruteForceRule = "heuristic.logon_brute_force";
inline constexpr std::string_view kBruteForceSuccessRule = "heuristic.brute_force_then_logon";

// Failures from one address before it counts as password guessing.
inline constexpr uint64_t kBruteForceMinFailures = 20;
// Source addresses followed at most (a distributed attack from a botnet stays bounded in memory).
inline constexpr size_t kBruteForceMaxSources = 100'000;

std::unique_ptr<CaseEngine> make_brute_force_engine();

}  // namespace msw::detect::heuristics
