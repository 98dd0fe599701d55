// Heuristics on the Linux host tables of a triage bundle (collect/linux/host_tables.h, file_sweep.h) and on exposed
// services:
//   - files locked with chattr (immutable / append-only) among configuration and persistence files — TeamTNT and
//     Kinsing lock resolv.conf, authorized_keys and crontabs so cleaning fails;
//   - authorized_keys changed shortly before collection;
//   - executables dropped in /tmp, /var/tmp, /dev/shm or hidden home folders; set-id files where packages do not
//     put them, and set-id shells or interpreters anywhere;
//   - accounts with uid 0 besides root, empty passwords, passwords in /etc/passwd, obsolete hash schemes;
//   - miner configurations (XMRig's config.json) left where worms drop files;
//   - loaded kernel modules named like public rootkits (data/linux/rootkit-modules.txt);
//   - processes hidden from the C library's /proc listing or from the kernel's (rootkits), and processes running
//     from memfd (no file on disk);
//   - the Docker API (2375) and Redis (6379) listening beyond loopback, and Redis configured without a password —
//     the doors most cloud mining worms come in through.
#pragma once

#include <memory>
#include <string_view>

#include "detect/engine.h"

namespace msw::detect::heuristics {

inline constexpr std::string_view kLockedFileRule = "heuristic.locked_config_file";
inline constexpr std::string_view kRecentKeysRule = "heuristic.recent_authorized_keys";
inline constexpr std::string_view kDroppedExecutableRule = "heuristic.dropped_executable";
inline constexpr std::string_view kSetIdRule = "heuristic.unusual_setid_file";
inline constexpr std::string_view kAccountRule = "heuristic.suspicious_account";
inline constexpr std::string_view kRootkitModuleRule = "heuristic.rootkit_module";
inline constexpr std::string_view kExposedServiceRule = "heuristic.exposed_service";
inline constexpr std::string_view kHiddenProcessRule = "heuristic.hidden_process";
inline constexpr std::string_view kMemfdProcessRule = "heuristic.memfd_process";
inline constexpr std::string_view kMinerConfigRule = "heuristic.miner_config";

// authorized_keys changed within this many seconds before collection are reported.
inline constexpr int64_t kRecentKeySeconds = 7 * 86400;
// More dropped executables than this in one folder are summarised as one low finding (a build tree, an installer).
inline constexpr size_t kMaxDroppedPerFolder = 10;

std::unique_ptr<Engine> make_linux_host_engine();

}  // namespace msw::detect::heuristics
