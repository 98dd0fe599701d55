#include "pipeline/pcap_job.h"

#include <chrono>

#include <nlohmann/json.hpp>

#include "core/escape.h"
#include "core/mapped_file.h"
#include "core/text.h"
#include "detect/engine.h"
#include "intel/store.h"
#include "normalize/pcap_flows.h"

namespace msw::pipeline {
namespace {

uint64_t number(const model::Event& e, std::string_view field) {
  const std::string* v = e.get(field);
  return v ? parse_u64(*v).value_or(0) : 0;
}

// Zeek's conn.log names for what it has, minesweep's names for the rest.
nlohmann::json conn_record(const model::Event& e, const std::string& file) {
  const int64_t ts = e.time ? e.time->unix_ns : 0;
  nlohmann::json j = {{"_path", "conn"},
                      {"ts", static_cast<double>(ts) / 1e9},
                      {"uid", e.value("Uid")},
                      {"id.orig_h", e.value("SourceIp")},
                      {"id.orig_p", number(e, "SourcePort")},
                      {"id.resp_h", e.value("DestinationIp")},
                      {"id.resp_p", number(e, "DestinationPort")},
                      {"proto", e.value("Protocol")},
                      {"duration", static_cast<double>(number(e, "DurationNs")) / 1e9},
                      {"orig_bytes", number(e, "PayloadBytesSent")},
                      {"resp_bytes", number(e, "PayloadBytesReceived")},
                      {"conn_state", e.value("ConnState")},
                      {"history", e.value("History")},
                      {"orig_pkts", number(e, "PacketsSent")},
                      {"orig_ip_bytes", number(e, "BytesSent")},
                      {"resp_pkts", number(e, "PacketsReceived")},
                      {"resp_ip_bytes", number(e, "BytesReceived")},
                      {"file", file}};
  if (const std::string* s = e.get("Service")) j["service"] = *s;
  static constexpr std::string_view kZeekNamed[] = {
      "Uid",        "SourceIp",         "SourcePort",           "DestinationIp", "DestinationPort", "Protocol",
      "DurationNs", "PayloadBytesSent", "PayloadBytesReceived", "ConnState",     "History",         "PacketsSent",
      "BytesSent",  "PacketsReceived",  "BytesReceived",        "Service",       "Initiated",       "DurationSeconds"};
  auto zeek_named = [&](std::string_view n) {
    for (auto z : kZeekNamed)
      if (z == n) return true;
    return false;
  };
  for (const auto& [f, v] : e.fields)
    if (const std::string_view n = model::field_name(f); !zeek_named(n)) j[std::string(n)] = v;
  for (const auto& [n, v] : e.extra)
    if (!zeek_named(n)) j[n] = v;
  return j;
}

bool notable(const model::Event& e) {
  for (auto f : {"MiningProtocol", "LoginService", "SmbDialect", "HttpMethod", "TlsJa3", "QueryName"})
    if (e.get(f)) return true;
  return false;
}

void table_line(const model::Event& e, std::ostream& out) {
  std::string facts;
  auto add = [&](const std::string& s) {
    if (!s.empty()) facts += (facts.empty() ? "" : "  ") + s;
  };
  if (const auto* m = e.get("MiningProtocol"))
    add(*m + " user=" + e.value("MiningUser") + " agent=" + e.value("MiningAgent"));
  if (const auto* d = e.get("SmbDialect")) add("smb " + *d);
  if (const auto* eb = e.get("SmbEternalBlue"); eb) add("EternalBlue");
  if (const auto* dp = e.get("SmbDoublePulsar")) add("DoublePulsar " + *dp);
  if (const auto* s = e.get("LoginService"))
    add(*s + " logons failed=" + e.value("LoginFailures") + " ok=" + e.value("LoginSuccesses") +
        " accounts=" + e.value("LoginAccounts"));
  if (const auto* u = e.get("Url"))
    add(e.value("HttpMethod") + " " + *u);
  else if (const auto* h = e.get("DestinationHostname"))
    add("sni=" + *h);
  if (const auto* q = e.get("QueryName")) add("dns " + *q + " -> " + e.value("QueryResults"));
  out << printf_string("%-26s %-4s %21s -> %-21s %-6s %6s/%-6s %s\n", e.time ? to_iso8601(*e.time, 3).c_str() : "-",
                       e.value("Protocol").c_str(), (e.value("SourceIp") + ":" + e.value("SourcePort")).c_str(),
                       (e.value("DestinationIp") + ":" + e.value("DestinationPort")).c_str(),
                       e.value("ConnState").c_str(), e.value("PacketsSent").c_str(), e.value("PacketsReceived").c_str(),
                       escape_terminal(facts).c_str());
}

}  // namespace

unsigned max_capture_threads() { return normalize::kMaxCaptureThreads; }

Result<PcapSummary> analyse_captures(const std::vector<std::string>& files, const PcapOptions& opts, Diagnostics& diags,
                                     std::ostream& out) {
  auto store = intel::run_indicators(opts.intel_path);
  if (!store) return store.error();
  detect::EngineSet engines = detect::make_builtin_engines(diags, std::move(store).value());
  std::vector<model::Finding> findings;
  PcapSummary summary;
  uint64_t shown = 0, bytes = 0;
  const auto start = std::chrono::steady_clock::now();
  for (const auto& path : files) {
    auto file = MappedFile::open(path);
    if (!file) return file.error();
    bytes += file->bytes().size();
    // Not hashed here (scan records evidence hashes; this command only reads): one pass, pages released behind it.
    const std::string sha;
    auto captured = normalize::capture_flows(
        file->bytes(), path, diags, [&](uint64_t offset) { file->release(0, static_cast<size_t>(offset)); },
        opts.threads);
    if (!captured) return captured.error();
    summary.flows += captured->flows.size();
    summary.packets += captured->packets;
    const detect::ArtefactView view{path, sha, "packet_capture", "", "", captured->flows};
    engines.scan_artefact(view, findings);
    engines.observe(view, captured->flows);
    for (const auto& e : captured->flows) {
      if (opts.jsonl) {
        out << json_for_output(conn_record(e, path)) << "\n";
      } else if (opts.all || (notable(e) && shown < 200)) {
        if (shown++ == 0)
          out << printf_string("%-26s %-4s %21s    %-21s %-6s %13s %s\n", "first packet", "prot", "client", "server",
                               "state", "pkts out/in", "what was seen");
        table_line(e, out);
      }
    }
  }
  engines.finish(findings);
  summary.findings = findings.size();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (opts.jsonl) {
    for (const auto& f : findings) {
      nlohmann::json ev = nlohmann::json::array();
      for (const auto& e : f.evidence) ev.push_back({{"file", e.path}, {"excerpt", e.excerpt}});
      nlohmann::json obs = nlohmann::json::array();
      for (const auto& o : f.observables) obs.push_back({{"kind", model::to_string(o.kind)}, {"value", o.value}});
      nlohmann::json j = {{"_path", "finding"},
                          {"finding", true},
                          {"rule_id", f.rule_id},
                          {"severity", model::to_string(f.severity)},
                          {"title", f.title_en},
                          {"title_zh", f.title_zh},
                          {"description", f.description_en},
                          {"attack", f.attack},
                          {"evidence", ev},
                          {"observables", obs}};
      if (f.time) j["ts"] = to_iso8601(*f.time, 6);
      out << json_for_output(j) << "\n";
    }
  } else {
    if (shown >= 200 && !opts.all) out << "(first 200 notable flows shown; --all lists every flow)\n";
    out << summary.packets << " packets, " << summary.flows << " flows, " << findings.size() << " findings ("
        << static_cast<uint64_t>(static_cast<double>(bytes) / 1e6 / std::max(secs, 1e-6)) << " MB/s)\n";
    for (const auto& f : findings)
      out << "  [" << model::to_string(f.severity) << "] " << escape_terminal(f.title_en) << "\n";
  }
  return summary;
}

}  // namespace msw::pipeline
