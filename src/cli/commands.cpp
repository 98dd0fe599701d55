// kCommands[]: every subcommand in one table. Commands whose engine has not landed yet stay listed (so --help shows
// the whole tool) but refuse to run with exit code 2: they never pretend to succeed.
#include "cli/commands.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "core/escape.h"
#include "core/version.h"

namespace msw::cli {
namespace {

constexpr FlagSpec kCommonFlags[] = {
    {"--case", true, "case file to write (scan, triage) or read (report, respond)"},
    {"--json", false, "machine-readable output on stdout"},
    {"--quiet", false, "no progress bar"},
    {"--threads", true, "worker threads (default: all cores)"},
    {"--lang", true, "report language: zh or en (default: from $LANG)"},
    {"--help", false, "show this help"},
};

constexpr FlagSpec kTriageFlags[] = {
    {"--out", true, "folder for the bundle, case and reports (default: ./minesweep-triage-HOST-TIME)"},
    {"--root", true, "analyse a mounted system image at this folder instead of the live host"},
    {"--proc", true, "read processes from this /proc instead of ROOT/proc (a container's files with the host's /proc)"},
    {"--zip", false, "also pack the bundle into OUT/bundle.zip to carry it off the host"},
    {"--intel", true, "intel store to match with the built-in knowledge base (default: the user's, when present)"},
    {"--sigma", true, "Sigma rule files or folders to run besides the built-in rules, comma-separated"},
    {"--sigma-placeholders", true, "YAML map of values for the rules' %placeholders% (the |expand modifier)"},
    {"--yara", true, "YARA rule files or folders to run on loose files besides the built-in rules, comma-separated"},
    {"--yara-cache", true, "where compiled YARA rules are cached (default ~/.cache/minesweep; none: no cache)"},
};
constexpr FlagSpec kEvtxFlags[] = {
    {"--sigma", true, "hunt: Sigma rule files or folders, comma-separated (the built-in rules always run)"},
    {"--sigma-placeholders", true, "hunt: YAML map of values for the rules' %placeholders% (the |expand modifier)"},
    {"--min-level", true, "hunt: informational, low, medium, high or critical (default: informational)"},
    {"--format", true, "dump format: jsonl (default) or xml"},
    {"--recover", false, "also output records recovered from chunk slack (marked \"recovered\")"},
    {"--out", true, "write to this file instead of standard output"},
};
constexpr FlagSpec kIntelFlags[] = {
    {"--intel", true, "intel store (default: $XDG_DATA_HOME/minesweep/intel.sqlite)"},
    {"--format", true, "export format: stix (default), misp or csv"},
    {"--out", true, "write the export to this file instead of standard output"},
};
constexpr FlagSpec kScanFlags[] = {
    {"--intel", true, "intel store to match with the built-in knowledge base (default: the user's, when present)"},
    {"--sigma", true, "Sigma rule files or folders to run besides the built-in rules, comma-separated"},
    {"--sigma-placeholders", true, "YAML map of values for the rules' %placeholders% (the |expand modifier)"},
    {"--yara", true, "YARA rule files or folders to run on loose files besides the built-in rules, comma-separated"},
    {"--yara-cache", true, "where compiled YARA rules are cached (default ~/.cache/minesweep; none: no cache)"},
};
constexpr FlagSpec kPcapFlags[] = {
    {"--intel", true, "intel store to match with the built-in knowledge base (default: the user's, when present)"},
    {"--format", true, "table (default: notable flows and findings) or jsonl (Zeek conn.log-style flows and findings)"},
    {"--all", false, "table: list every flow, not only those with something seen in them"},
    {"--threads", true, "worker threads (default: one per core, at most 4)"},
    {"--interface", true, "capture live on this interface (\"any\" for all) before analysing; needs root"},
    {"--filter", true, "live capture: BPF filter, as tcpdump takes it"},
    {"--duration", true, "live capture: seconds to capture (default: 60)"},
    {"--write", true, "live capture: the new pcap file to write (default: minesweep-IF-TIME.pcap here)"},
};
constexpr FlagSpec kRespondFlags[] = {
    {"--script", true, "write the plan as a reviewable script: sh (bash, Linux) or ps1 (PowerShell, Windows)"},
    {"--out", true, "write to this file instead of standard output"},
    {"--apply", false, "carry out the plan on this Linux host: quarantine files, comment out entries, lock accounts"},
    {"--root", true, "apply: the system the plan's paths are on (default: /, the live host)"},
    {"--yes", false, "apply: do not ask for confirmation"},
    {"--harden", false, "apply: also add the firewall rules the plan lists (live host only)"},
    {"--quarantine", true,
     "apply: folder for the quarantine and journal (default: /var/lib/minesweep/quarantine-TIME)"},
    {"--undo", true, "restore everything a journal recorded (byte-identical files, owner, mode, times, xattrs)"},
};
constexpr FlagSpec kBaselineFlags[] = {
    {"--live", false, "check this host: collect it into a bundle first, as triage does"},
    {"--root", true, "with --live: a mounted system to check instead of /"},
};
constexpr FlagSpec kReportFlags[] = {
    {"--format", true, "html, md, json, or csv (the timeline, as Timesketch imports it) (default: html)"},
    {"--out", true, "write to this file instead of standard output"},
    {"--pdf", true, "also print the HTML report to this PDF file, through headless Chromium"},
};

constexpr FlagSpec kSampleFlags[] = {
    {"--intel", true, "intel store to look the hashes up in besides the built-in knowledge base"},
    {"--extract", true,
     "write what the sample carries into this folder: archive/SFX members, PyInstaller code as .pyc"},
    {"--yara", true, "YARA rules to add to the built-in ones: a .yar file or a folder of them"},
    {"--yara-cache", true, "where compiled YARA rules are cached (default ~/.cache/minesweep; none: no cache)"},
    {"--recursive", false, "FILE is a folder: analyse every file under it, a line each (JSON Lines with --json)"},
};

constexpr Command kCommands[] = {
    {"triage", "collect this host into a bundle, analyse it, write the case and the reports (the main job)", "",
     kTriageFlags, run_triage, true},
    {"scan", "analyse triage bundles, folders that mirror a system volume, and single files", "PATH...", kScanFlags,
     run_scan, true},
    {"evtx", "dump Windows event logs, show a log's health, hunt with Sigma rules, summarise logons",
     "dump|info|hunt|logons FILE...", kEvtxFlags, run_evtx, true},
    {"sample",
     "what one suspicious file is, without running it: format, hashes, PE details, packers and installers with "
     "evidence, intel matches",
     "FILE", kSampleFlags, run_sample, true},
    {"pcap", "traffic analysis: mining, SMB spreading and exploits, password guessing, downloads", "FILE...",
     kPcapFlags, run_pcap, true},
    {"intel", "import, export and look up threat intelligence", "import FILE...|lookup VALUE...|stats|export",
     kIntelFlags, run_intel, true},
    {"report", "render a case as HTML (or PDF), Markdown, JSON, or its timeline as CSV", "CASE", kReportFlags,
     run_report, true},
    {"respond", "remediation plan, scripts, and apply with quarantine and undo", "CASE", kRespondFlags, run_respond,
     true},
    {"baseline", "hardening checks, live or from evidence", "CASE | EVIDENCE... | --live", kBaselineFlags, run_baseline,
     true},
};

void print_top_help() {
  std::cout << "minesweep " << kVersion
            << " — incident response for servers taken over by crypto-mining worms\n\n"
               "Usage: minesweep COMMAND [OPTIONS] [ARGS]\n\nCommands:\n";
  for (const auto& c : kCommands) {
    std::string name(c.name);
    name.resize(10, ' ');
    std::cout << "  " << name << c.summary << (c.built ? "" : " (not built yet)") << "\n";
  }
  std::cout << "\nRun 'minesweep COMMAND --help' for a command's options.\n"
               "Exit codes: 0 clean, 1 findings, 2 usage or input error.\n";
}

void print_command_help(const Command& c) {
  std::cout << "Usage: minesweep " << c.name << " [OPTIONS]" << (c.usage.empty() ? "" : " ") << c.usage << "\n\n"
            << c.summary << (c.built ? "" : "\n\nThis command is not built yet in this version.") << "\n\nOptions:\n";
  auto shown = [](const FlagSpec& f) { return std::string(f.name) + (f.takes_value ? " VALUE" : ""); };
  // The column fits the longest flag so a long name never runs into its help text.
  size_t width = 0;
  for (const auto& f : c.flags) width = std::max(width, shown(f).size());
  for (const auto& f : kCommonFlags) width = std::max(width, shown(f).size());
  auto print = [&](const FlagSpec& f) {
    std::string name = shown(f);
    name.resize(width + 2, ' ');
    std::cout << "  " << name << f.help << "\n";
  };
  for (const auto& f : c.flags) print(f);
  for (const auto& f : kCommonFlags) print(f);
}

report::Lang default_lang() {
  for (const char* var : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* v = std::getenv(var);
    if (v && *v) return std::string_view(v).starts_with("zh") ? report::Lang::Zh : report::Lang::En;
  }
  return report::Lang::En;
}

}  // namespace

std::span<const Command> commands() { return kCommands; }
std::span<const FlagSpec> common_flags() { return kCommonFlags; }

int usage_error(std::string_view command, std::string_view message) {
  std::cerr << "minesweep " << command << ": " << escape_terminal(message) << "\n";
  return kExitUsage;
}

int input_error(std::string_view command, const Error& error) {
  std::cerr << "minesweep " << command << ": " << escape_terminal(error.message) << " [" << error.code << "]\n";
  return kExitUsage;
}

int run_cli(std::span<const std::string> argv) {
  if (argv.size() < 2 || argv[1] == "--help" || argv[1] == "-h" || argv[1] == "help") {
    if (argv.size() >= 3 && argv[1] == "help") {
      for (const auto& c : kCommands)
        if (c.name == argv[2]) {
          print_command_help(c);
          return kExitClean;
        }
    }
    print_top_help();
    return argv.size() < 2 ? kExitUsage : kExitClean;
  }
  if (argv[1] == "--version" || argv[1] == "version") {
    std::cout << "minesweep " << kVersion << "\n";
    return kExitClean;
  }
  const Command* cmd = nullptr;
  for (const auto& c : kCommands)
    if (c.name == argv[1]) cmd = &c;
  if (!cmd) {
    std::cerr << "minesweep: unknown command '" << escape_terminal(argv[1]) << "' (see 'minesweep --help')\n";
    return kExitUsage;
  }

  std::vector<FlagSpec> specs(cmd->flags.begin(), cmd->flags.end());
  specs.insert(specs.end(), std::begin(kCommonFlags), std::end(kCommonFlags));
  auto args = Args::parse(argv.subspan(2), specs);
  if (!args) return usage_error(cmd->name, args.error().message);
  if (args->has("--help")) {
    print_command_help(*cmd);
    return kExitClean;
  }
  if (!cmd->built) {
    std::cerr << "minesweep " << cmd->name
              << ": not built yet in this version of minesweep; nothing was done.\n"
                 "Run 'minesweep --help' for the commands that are available.\n";
    return kExitUsage;
  }

  Invocation inv{std::move(args).value(), {}, {}, false, false, 0, default_lang()};
  for (const auto& a : argv) {
    if (!inv.command_line.empty()) inv.command_line += ' ';
    inv.command_line += a;
  }
  inv.case_path = inv.args.value("--case").value_or("");
  inv.json = inv.args.has("--json");
  inv.quiet = inv.args.has("--quiet");
  if (auto t = inv.args.value("--threads")) {
    char* end = nullptr;
    long n = std::strtol(t->c_str(), &end, 10);
    if (end == t->c_str() || *end != '\0' || n < 1 || n > 256)
      return usage_error(cmd->name, "--threads takes a number from 1 to 256");
    inv.threads = static_cast<int>(n);
  }
  if (auto l = inv.args.value("--lang")) {
    auto lang = report::lang_from_string(*l);
    if (!lang) return usage_error(cmd->name, "--lang takes zh or en");
    inv.lang = *lang;
  }
  return cmd->run(inv);
}

}  // namespace msw::cli
