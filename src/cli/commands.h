// The subcommand table and what every command shares. See commands.cpp for kCommands[].
#pragma once

#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cli/args.h"
#include "intel/kb.h"
#include "intel/matcher.h"
#include "report/report.h"

namespace msw::cli {

// Exit codes scripts can rely on (DESIGN.md): findings means at least one finding of low severity or above.
inline constexpr int kExitClean = 0;
inline constexpr int kExitFindings = 1;
inline constexpr int kExitUsage = 2;

struct Invocation {
  Args args;
  std::string command_line;  // the whole command line, recorded in the case
  // Common options, resolved.
  std::string case_path;
  bool json = false;
  bool quiet = false;
  int threads = 0;
  report::Lang lang = report::Lang::En;
};

struct Command {
  std::string_view name;
  std::string_view summary;
  std::string_view usage;           // arguments after the command name
  std::span<const FlagSpec> flags;  // command-specific; the common flags are added
  int (*run)(const Invocation&);
  bool built;  // false: the engine is not in this build yet; the command says so and exits 2
};

std::span<const Command> commands();
std::span<const FlagSpec> common_flags();
int run_cli(std::span<const std::string> argv);

// Shared helpers for command implementations.
int usage_error(std::string_view command, std::string_view message);
// "a,b,c" → {"a", "b", "c"}: flags that take several paths (--sigma).
std::vector<std::string> split_paths(std::string_view list);
int input_error(std::string_view command, const Error& error);

int run_triage(const Invocation& inv);
int run_scan(const Invocation& inv);
int run_report(const Invocation& inv);
int run_evtx(const Invocation& inv);
int run_intel(const Invocation& inv);
int run_pcap(const Invocation& inv);
int run_respond(const Invocation& inv);
int run_baseline(const Invocation& inv);
int run_sample(const Invocation& inv);

// The built-in knowledge base plus the user's intel store (--intel, or the default one when present), in one matcher.
intel::Matcher load_intel_matcher(const Invocation& inv, Diagnostics& diags, std::vector<intel::FamilyInfo>* families);

}  // namespace msw::cli
