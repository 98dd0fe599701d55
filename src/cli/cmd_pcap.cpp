// minesweep pcap FILE... [--json]: the flows of packet captures (one line per flow, like Zeek's conn.log, with the
// mining facts recognised in its payload) and the findings the built-in engines make of them — mining traffic,
// pools and other indicators known to the knowledge base and the intel store.
#include <cstdio>
#include <iostream>
#include <map>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/escape.h"
#include "core/mapped_file.h"
#include "detect/engine.h"
#include "intel/store.h"
#include "normalize/pcap_flows.h"

namespace msw::cli {
namespace {

}  // namespace

int run_pcap(const Invocation& inv) {
  const auto& files = inv.args.positional();
  if (files.empty()) return usage_error("pcap", "give at least one capture FILE (pcap or pcapng)");
  Diagnostics diags;
  auto store = intel::run_indicators(inv.args.value("--intel").value_or(""));
  if (!store) return input_error("pcap", store.error());
  detect::EngineSet engines = detect::make_builtin_engines(diags, std::move(store).value());
  std::vector<model::Finding> findings;
  uint64_t flows = 0, packets = 0;
  for (const auto& path : files) {
    auto file = MappedFile::open(path);
    if (!file) return input_error("pcap", file.error());
    // Not hashed here (scan records evidence hashes; this command only reads): one pass, pages released behind it.
    const std::string sha;
    auto captured = normalize::capture_flows(file->bytes(), path, diags,
                                             [&](uint64_t offset) { file->release(0, static_cast<size_t>(offset)); });
    if (!captured) return input_error("pcap", captured.error());
    flows += captured->flows.size();
    packets += captured->packets;
    const detect::ArtefactView view{path, sha, "packet_capture", "", "", captured->flows};
    engines.scan_artefact(view, findings);
    engines.observe(view, captured->flows);
    if (inv.json) {
      for (const auto& e : captured->flows) {
        nlohmann::json j = {{"file", path}, {"ts", e.time ? to_iso8601(*e.time, 6) : ""}};
        for (const auto& [f, v] : e.fields) j[std::string(model::field_name(f))] = v;
        for (const auto& [n, v] : e.extra) j[n] = v;
        std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      }
    } else {
      for (const auto& e : captured->flows) {
        if (!e.get("MiningProtocol")) continue;
        std::printf("%s  %-5s %s:%s -> %s:%s  %s  user=%s agent=%s\n", e.time ? to_iso8601(*e.time, 3).c_str() : "-",
                    e.value("Protocol").c_str(), e.value("SourceIp").c_str(), e.value("SourcePort").c_str(),
                    e.value("DestinationIp").c_str(), e.value("DestinationPort").c_str(),
                    escape_terminal(e.value("MiningProtocol")).c_str(), escape_terminal(e.value("MiningUser")).c_str(),
                    escape_terminal(e.value("MiningAgent")).c_str());
      }
    }
  }
  engines.finish(findings);
  if (inv.json) {
    for (const auto& f : findings) {
      nlohmann::json ev = nlohmann::json::array();
      for (const auto& e : f.evidence) ev.push_back({{"file", e.path}, {"excerpt", e.excerpt}});
      nlohmann::json j = {{"finding", true}, {"rule_id", f.rule_id}, {"severity", model::to_string(f.severity)},
                          {"title", f.title_en}, {"description", f.description_en}, {"evidence", ev}};
      std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    }
  } else {
    std::cout << packets << " packets, " << flows << " flows, " << findings.size() << " findings\n";
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
