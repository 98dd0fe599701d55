#include "formats/pcap/mining_rpc.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "core/text.h"

namespace msw::formats::pcap {
namespace {

std::string text_of(const nlohmann::json& j) {
  if (j.is_string()) return j.get<std::string>().substr(0, 512);
  if (j.is_number() || j.is_boolean()) return j.dump();
  return {};
}

std::string joined(const nlohmann::json& j) {
  if (!j.is_array()) return text_of(j);
  std::string out;
  for (const auto& v : j)
    if (v.is_string() && out.size() < 512) out += (out.empty() ? "" : ",") + v.get<std::string>().substr(0, 64);
  return out;
}

}  // namespace

std::string_view to_string(MiningDialect d) {
  switch (d) {
    case MiningDialect::Stratum: return "stratum";
    case MiningDialect::Monero: return "monero-stratum";
    case MiningDialect::Ethereum: return "ethereum-stratum";
    case MiningDialect::Getwork: return "getwork";
  }
  return "stratum";
}

std::optional<MiningMessage> parse_mining_rpc(std::string_view text) {
  // An HTTP request or response carries the JSON after its headers.
  if (text.starts_with("POST ") || text.starts_with("HTTP/")) {
    const size_t body = text.find("\r\n\r\n");
    if (body == std::string_view::npos) return std::nullopt;
    text.remove_prefix(body + 4);
  }
  text = trim(text);
  if (text.size() < 10 || text.size() > kMaxRpcMessageBytes || text.front() != '{' || text.back() != '}') return std::nullopt;
  if (text.find("\"method\"") == std::string_view::npos && text.find("\"job\"") == std::string_view::npos)
    return std::nullopt;
  // nlohmann's parser recurses per nesting level: deep input is refused before it gets there.
  if (!json_nesting_within(text, kMaxRpcNesting)) return std::nullopt;
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  MiningMessage m;
  const auto method_it = j.find("method");
  if (method_it != j.end() && method_it->is_string()) m.method = method_it->get<std::string>().substr(0, 64);
  const nlohmann::json params = j.contains("params") ? j["params"] : nlohmann::json();
  const std::string& me = m.method;
  if (me.starts_with("mining.")) {
    static constexpr std::string_view kStratum[] = {
        "mining.subscribe", "mining.authorize", "mining.notify", "mining.submit", "mining.set_difficulty",
        "mining.set_target", "mining.extranonce.subscribe", "mining.set_extranonce", "mining.configure",
        "mining.suggest_difficulty", "mining.get_transactions", "mining.ping", "mining.pong"};
    if (std::find(std::begin(kStratum), std::end(kStratum), me) == std::end(kStratum)) return std::nullopt;
    m.dialect = MiningDialect::Stratum;
    if (params.is_array() && !params.empty()) {
      if (me == "mining.subscribe") m.agent = text_of(params[0]);
      if (me == "mining.authorize") {
        m.user = text_of(params[0]);
        if (params.size() > 1) m.password = text_of(params[1]);
      }
    }
    return m;
  }
  if (me == "login" || me == "submit" || me == "keepalived" || me == "getjob" || me == "job") {
    // Monero stratum: login carries an object with login/pass/agent/algo; the others must look like mining too.
    if (!params.is_object()) return std::nullopt;
    if (me == "login") {
      if (!params.contains("login")) return std::nullopt;
      m.user = text_of(params["login"]);
      if (params.contains("pass")) m.password = text_of(params["pass"]);
      if (params.contains("agent")) m.agent = text_of(params["agent"]);
      if (params.contains("algo")) m.algorithm = joined(params["algo"]);
    } else if (me == "submit") {
      if (!params.contains("nonce") || !params.contains("job_id")) return std::nullopt;
    } else if (me == "job") {
      if (!params.contains("blob")) return std::nullopt;
      if (params.contains("algo")) m.algorithm = text_of(params["algo"]);
    }
    m.dialect = MiningDialect::Monero;
    return m;
  }
  if (me == "eth_submitLogin" || me == "eth_getWork" || me == "eth_submitWork" || me == "eth_submitHashrate" ||
      me == "mining.hashrate") {
    m.dialect = MiningDialect::Ethereum;
    if (me == "eth_submitLogin" && params.is_array() && !params.empty()) m.user = text_of(params[0]);
    if (j.contains("worker")) m.password = text_of(j["worker"]);
    return m;
  }
  if (me == "getwork" || me == "getblocktemplate" || me == "submitblock") {
    m.dialect = MiningDialect::Getwork;
    return m;
  }
  // A pool's answer to an XMRig login: a result with a job blob.
  if (me.empty() && j.contains("result") && j["result"].is_object()) {
    const auto& r = j["result"];
    if (r.contains("job") && r["job"].is_object() && r["job"].contains("blob")) {
      m.dialect = MiningDialect::Monero;
      if (r["job"].contains("algo")) m.algorithm = text_of(r["job"]["algo"]);
      return m;
    }
  }
  return std::nullopt;
}

}  // namespace msw::formats::pcap
