// minesweep pcap FILE... | --interface IF [--filter BPF] [--duration S] [--write FILE]
//   [--format table|jsonl] [--all] [--intel STORE]
// The flows of packet captures and the findings the built-in engines make of them: mining traffic and pools, SMB
// worm spreading (scans, EternalBlue, DoublePulsar, SMBv1), password guessing over SMB, SQL Server, RDP and SSH,
// payload downloads, and every indicator known to the knowledge base and the intel store.
//
// jsonl writes one object per line in the shape of Zeek's JSON logs: flows as conn.log records ("_path":"conn",
// id.orig_h, conn_state, history, orig_ip_bytes, ...) with minesweep's facts under their own names, findings as
// "_path":"finding". A live capture is written to a new pcap file first (evidence), then read like any other.
#include <ctime>
#include <iostream>

#include "cli/commands.h"
#include "collect/live_capture.h"
#include "core/escape.h"
#include "core/text.h"
#include "pipeline/pcap_job.h"

namespace msw::cli {
namespace {

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
  pipeline::PcapOptions opts;
  opts.intel_path = inv.args.value("--intel").value_or("");
  opts.jsonl = format == "jsonl";
  opts.all = inv.args.has("--all");
  if (const auto t = inv.args.value("--threads")) {
    const auto n = parse_u64(*t);
    if (!n || *n == 0 || *n > pipeline::max_capture_threads())
      return usage_error("pcap", "--threads is 1 to " + std::to_string(pipeline::max_capture_threads()));
    opts.threads = static_cast<unsigned>(*n);
  }
  Diagnostics diags;
  auto summary = pipeline::analyse_captures(files, opts, diags, std::cout);
  if (!summary) return input_error("pcap", summary.error());
  if (!inv.quiet)
    for (const auto& d : diags.items())
      if (d.code.starts_with("pcap."))
        std::cerr << "pcap: " << escape_terminal(d.evidence) << ": " << escape_terminal(d.detail) << "\n";
  return summary->findings ? kExitFindings : kExitClean;
}

}  // namespace msw::cli
