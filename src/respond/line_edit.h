// Commenting out a flagged line (a crontab entry, a start-up script line) where it is now, not where it was: a
// line number alone is not enough, because a line added after triage moves every line below it, and commenting out
// "line 7" would then disable the administrator's backup job while `curl … | sh` stays active.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace msw::respond {

inline constexpr std::string_view kRemovedMarker = "# removed by minesweep: ";

struct FlaggedLine {
  uint64_t line = 0;           // 1-based, where triage saw it
  std::string text;            // the line as triage read it, trimmed; empty in cases written before it was kept
  std::string triage_sha256;   // the file's hash at triage
  bool continuations = false;  // a trailing backslash joins the next line (shell files; crontabs have none)
};

struct LineEdit {
  std::string content;          // the file with the flagged line(s) commented out
  std::vector<uint64_t> lines;  // the physical lines commented out, 1-based
  std::string note;             // "moved from line 3 to line 5", empty when it was where triage saw it
};

// Every logical line equal to the flagged text is commented out (a worm that wrote its line twice leaves no copy);
// with no text recorded, the line number is trusted only while the file's hash is the one triage saw.
// Errors: respond.line_done (already commented out), respond.line_gone (the text is not in the file any more),
// respond.changed (the file changed and the case does not record the text).
Result<LineEdit> comment_out_flagged(std::string_view content, std::string_view current_sha256,
                                     const FlaggedLine& flagged);

}  // namespace msw::respond
