// Heuristics on the live process and socket tables: is a miner running, and which process.
//
// Strong signs (any one makes a finding): a stratum URL or a Monero wallet on the command line, two or more
// XMRig-style options, or a known miner / mining-worm process name (data/linux/miner-names.txt). Supporting signs
// raise the severity: an executable that was deleted after start or runs from /tmp, /var/tmp or /dev/shm, and high
// CPU. A deleted executable in a temporary folder that burns CPU is reported even without a strong sign. An
// established outbound connection to a mining-pool port (data/linux/pool-ports.txt) is its own finding.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.h"
#include "detect/engine.h"

namespace msw::detect::heuristics {

inline constexpr std::string_view kMinerProcessRule = "heuristic.miner_process";
inline constexpr std::string_view kPoolConnectionRule = "heuristic.pool_port_connection";
// CPU share (percent of one core) that counts as "high" for a single process.
inline constexpr double kHighCpuPercent = 50.0;

struct MinerSigns {
  std::vector<std::string> strong;      // what was seen, for the evidence text
  std::vector<std::string> supporting;
};

class MinerKnowledge {
 public:
  static MinerKnowledge from_text(std::string_view names, std::string_view ports);
  static MinerKnowledge builtin(Diagnostics& diags);
  bool is_miner_name(std::string_view base_name) const;
  bool is_pool_port(uint16_t port) const { return ports_.count(port) != 0; }

 private:
  std::set<std::string> names_;  // lower case
  std::set<uint16_t> ports_;
};

// Signs in one process: `image` without " (deleted)", `name` is comm.
MinerSigns assess_process(const MinerKnowledge& kb, std::string_view image, std::string_view name,
                          std::string_view command_line, bool exe_deleted, double cpu_percent);
bool looks_like_monero_wallet(std::string_view token);

std::unique_ptr<Engine> make_miner_process_engine(Diagnostics& diags);

}  // namespace msw::detect::heuristics
