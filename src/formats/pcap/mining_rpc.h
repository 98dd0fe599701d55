// Mining protocols on the wire, recognised from one JSON-RPC message (a line of a TCP stream, or the body of an HTTP
// POST): stratum v1 (mining.subscribe / authorize / notify / submit / set_difficulty / set_target / extranonce.*),
// the Monero dialect XMRig speaks (login with agent and algo, job, submit, keepalived), Ethereum's stratum and
// getwork (eth_submitLogin, eth_getWork, eth_submitWork, eth_submitHashrate), and Bitcoin getwork /
// getblocktemplate. Cryptocurrency peer-to-peer protocols (Monero levin, Bitcoin's wire protocol) are binary and
// never match: they are not mining.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace msw::formats::pcap {

inline constexpr size_t kMaxRpcMessageBytes = 16 * 1024;  // longer lines are not mining messages
inline constexpr int kMaxRpcNesting = 16;                 // JSON nesting checked before parsing

enum class MiningDialect { Stratum, Monero, Ethereum, Getwork };
std::string_view to_string(MiningDialect d);

struct MiningMessage {
  MiningDialect dialect = MiningDialect::Stratum;
  std::string method;    // empty for a server's reply that carries a job (Monero login result)
  std::string user;      // wallet or account, often "wallet.worker"
  std::string password;  // stratum's second authorize parameter, XMRig's pass (often the worker name)
  std::string agent;     // miner software ("XMRig/6.21.0", "EWBF 0.3.4b")
  std::string algorithm; // as announced (XMRig's algo list, a job's algo)
};

// nullopt when the text is not a mining message.
std::optional<MiningMessage> parse_mining_rpc(std::string_view text);

}  // namespace msw::formats::pcap
