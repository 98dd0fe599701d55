// Mining on the wire: a flow from a capture (normalize/pcap_flows) whose payload spoke a mining protocol — stratum,
// XMRig's Monero dialect, Ethereum stratum/getwork — is a host mining for someone. The finding names the miner
// (client address), the pool (server address and port), the dialect, the wallet or user, the miner's agent and
// algorithm, and the packet numbers and times where the capture shows it. Peer-to-peer cryptocurrency traffic has
// no such messages and is never reported here.
//
// Two shapes of the worm's other traffic, from the same flows:
//   - spreading: one source opening SMB (445/139) to many addresses — EternalBlue worms scan their subnet;
//   - password guessing: many short connections from one source to one login service (SMB, RDP, SSH, MSSQL);
//   - payloads fetched over plain HTTP: a response that is a PE, an ELF or a script, and requests made by
//     PowerShell, CertUtil or BITS (the droppers' download tools).
#pragma once

#include <memory>
#include <string_view>

#include "detect/engine.h"

namespace msw::detect::heuristics {

inline constexpr std::string_view kNetworkMiningRule = "heuristic.mining_traffic";
inline constexpr std::string_view kSmbScanRule = "heuristic.smb_scan";
inline constexpr std::string_view kLoginBurstRule = "heuristic.login_connection_burst";
inline constexpr std::string_view kHttpPayloadRule = "heuristic.http_payload_download";

inline constexpr size_t kSmbScanMinTargets = 20;     // distinct addresses on 445/139 from one source
inline constexpr size_t kLoginBurstMinFlows = 30;    // connections from one source to one login service

std::unique_ptr<Engine> make_network_mining_engine();

}  // namespace msw::detect::heuristics
