// Remediation scripts from a plan: a reviewable PowerShell script for Windows hosts or a bash script for Linux, one
// block per planned action — why (the findings), what (the exact target), a pre-check, a backup of what it changes
// into a backup folder, the change, and a log line. Nothing changes unless the script is run with -Apply / --apply;
// without it, each block only reports what it would do. Every value from evidence is quoted for the shell it goes
// into (PowerShell single quotes, including the typographic quotes PowerShell also accepts; bash single quotes) and
// comments carry no line breaks from evidence, so a hostile file or task name cannot become code.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "respond/plan.h"

namespace msw::respond {

enum class ScriptKind { PowerShell, Bash };

// A hardening fix from the baseline, run only with -Apply -Harden / --apply --harden. Commands are minesweep's own
// text, never evidence.
struct HardeningStep {
  std::string id, title, command;
};

struct ScriptOptions {
  ScriptKind kind = ScriptKind::Bash;
  std::vector<HardeningStep> hardening;  // for this script's shell
  bool chinese = false;                  // comments and messages in Chinese
  std::string case_path;                 // named in the header
  std::string generated;                 // ISO 8601 time, named in the header
};

std::string write_script(std::span<const PlannedAction> plan, const ScriptOptions& options);

// A literal (PowerShell: an expression of literals and [char]N) for each shell that yields exactly `value`.
std::string powershell_quote(std::string_view value);
std::string bash_quote(std::string_view value);
// Evidence text made safe for a one-line comment: line breaks and other control characters become spaces.
std::string comment_text(std::string_view value);

}  // namespace msw::respond
