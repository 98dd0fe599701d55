// minesweep pcap FILE... | --interface IF [--filter BPF] [--duration S] [--write FILE]
//   [--format table|jsonl] [--all] [--intel STORE]
// The flows of packet captures and the findings the built-in engines make of them: mining traffic and pools, SMB
// worm spreading (scans, EternalBlue, DoublePulsar, SMBv1), password guessing over SMB, SQL Server, RDP and SSH,
// payload downloads, and every indicator known to the knowledge base and the intel store.
//
// jsonl writes one object per line in the shape of Zeek's JSON logs: flows as conn.log records ("_path":"conn",
// id.orig_h, conn_state, history, orig_ip_bytes, ...) with minesweep's facts under their own names, findings as
// "_path":"finding". A live capture is written to a new pcap file first (evidence), then read like any other.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "collect/live_capture.h"
#include "core/escape.h"
#include "core/mapped_file.h"
#include "core/text.h"
#include "detect/engine.h"
#include "intel/store.h"
#include "normalize/pcap_flows.h"

namespace msw::cli {
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

void table_line(const model::Event& e) {
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
  std::printf("%-26s %-4s %21s -> %-21s %-6s %6s/%-6s %s\n", e.time ? to_iso8601(*e.time, 3).c_str() : "-",
              e.value("Protocol").c_str(), (e.value("SourceIp") + ":" + e.value("SourcePort")).c_str(),
              (e.value("DestinationIp") + ":" + e.value("DestinationPort")).c_str(), e.value("ConnState").c_str(),
              e.value("PacketsSent").c_str(), e.value("PacketsReceived").c_str(), escape_terminal(facts).c_str());
}

std::string default_capture_name(const std::string& interface) {
  const std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", std::gmtime(&now));
  return "minesweep-" + interface + "-" + stamp + ".pcap";
}

}  // namespace

int run_pcap(const Invocation& inv) {
  std::vector<std::string> files = inv.args.positional();
  const std::string format = inv.json ? "jsonl" : inv.args.value("--format").value_or("table");
  if (format != "jsonl" && format != "table") return usage_error("pcap", "--format is table or jsonl");
  if (const auto interface = inv.args.value("--interface")) {
    collect::LiveCaptureOptions o;
    o.interface = *interface;
    o.filter = inv.args.value("--filter").value_or("");
    const auto seconds = parse_u64(inv.args.value("--duration").value_or("60"));
    if (!seconds || *seconds == 0 || *seconds > 86400) return usage_error("pcap", "--duration is 1 to 86400 seconds");
    o.seconds = static_cast<int>(*seconds);
    o.output = inv.args.value("--write").value_or(default_capture_name(*interface));
    if (!inv.quiet)
      std::cerr << "pcap: capturing on " << escape_terminal(o.interface) << " for " << o.seconds << " s into "
                << escape_terminal(o.output) << (o.filter.empty() ? "" : " (filter: " + escape_terminal(o.filter) + ")")
                << "\n";
    auto captured = collect::capture_live(o);
    if (!captured) return input_error("pcap", captured.error());
    if (!inv.quiet)
      std::cerr << "pcap: " << captured->packets << " packets captured, " << captured->dropped << " dropped\n";
    files.push_back(captured->output);
  }
  if (files.empty()) return usage_error("pcap", "give capture FILEs (pcap or pcapng) or --interface IF");
  Diagnostics diags;
  auto store = intel::run_indicators(inv.args.value("--intel").value_or(""));
  if (!store) return input_error("pcap", store.error());
  detect::EngineSet engines = detect::make_builtin_engines(diags, std::move(store).value());
  std::vector<model::Finding> findings;
  uint64_t flows = 0, packets = 0, shown = 0;
  const bool all = inv.args.has("--all");
  unsigned threads = 0;
  if (const auto t = inv.args.value("--threads")) {
    const auto n = parse_u64(*t);
    if (!n || *n == 0 || *n > normalize::kMaxCaptureThreads)
      return usage_error("pcap", "--threads is 1 to " + std::to_string(normalize::kMaxCaptureThreads));
    threads = static_cast<unsigned>(*n);
  }
  const auto start = std::chrono::steady_clock::now();
  uint64_t bytes = 0;
  for (const auto& path : files) {
    auto file = MappedFile::open(path);
    if (!file) return input_error("pcap", file.error());
    bytes += file->bytes().size();
    // Not hashed here (scan records evidence hashes; this command only reads): one pass, pages released behind it.
    const std::string sha;
    auto captured = normalize::capture_flows(
        file->bytes(), path, diags, [&](uint64_t offset) { file->release(0, static_cast<size_t>(offset)); }, threads);
    if (!captured) return input_error("pcap", captured.error());
    flows += captured->flows.size();
    packets += captured->packets;
    const detect::ArtefactView view{path, sha, "packet_capture", "", "", captured->flows};
    engines.scan_artefact(view, findings);
    engines.observe(view, captured->flows);
    for (const auto& e : captured->flows) {
      if (format == "jsonl") {
        std::cout << json_for_output(conn_record(e, path)) << "\n";
      } else if (all || (notable(e) && shown < 200)) {
        if (shown++ == 0)
          std::printf("%-26s %-4s %21s    %-21s %-6s %13s %s\n", "first packet", "prot", "client", "server", "state",
                      "pkts out/in", "what was seen");
        table_line(e);
      }
    }
  }
  engines.finish(findings);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (format == "jsonl") {
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
      std::cout << json_for_output(j) << "\n";
    }
  } else {
    if (shown >= 200 && !all) std::cout << "(first 200 notable flows shown; --all lists every flow)\n";
    std::cout << packets << " packets, " << flows << " flows, " << findings.size() << " findings ("
              << static_cast<uint64_t>(static_cast<double>(bytes) / 1e6 / std::max(secs, 1e-6)) << " MB/s)\n";
    for (const auto& f : findings)
      std::cout << "  [" << model::to_string(f.severity) << "] " << escape_terminal(f.title_en) << "\n";
  }
  if (!inv.quiet)
    for (const auto& d : diags.items())
      if (d.code.starts_with("pcap."))
        std::cerr << "pcap: " << escape_terminal(d.evidence) << ": " << escape_terminal(d.detail) << "\n";
  return findings.empty() ? kExitClean : kExitFindings;
}

}  // namespace msw::cli
