// Hardening baseline: the checks both write-ups end with (close SMB/RDP, patch MS17-010, strong passwords, no
// Guest...), each with an id, a risk, the evidence it was judged on and the fix as a command for its platform.
// Judged from a case: its events say what was collected (no SYSTEM hive: the SMBv1 check is "unknown", never
// "pass"), its findings say what is wrong.
#pragma once

#include <string>
#include <vector>

#include "casedb/case_db.h"
#include "core/result.h"

namespace msw::baseline {

enum class Status { Pass, Fail, Unknown };
std::string_view to_string(Status s);

struct Check {
  std::string id;        // WIN-SMB1, LNX-SSH-ROOT, ...
  std::string platform;  // windows, linux
  std::string risk;      // high, medium, low
  std::string title_en, title_zh;
  Status status = Status::Unknown;
  std::string evidence;  // what the status rests on, or why it is unknown
  std::string fix_en, fix_zh;
  // The fix as an exact command the generated script may run under -Harden/--harden ("" when a person must
  // decide, e.g. moving RDP off 3389 could cut the responder off).
  std::string fix_powershell, fix_bash;
};

// Every check whose platform appears in the case (both when it has neither). Errors: case.* reading the case.
Result<std::vector<Check>> evaluate(const casedb::CaseDb& db);

}  // namespace msw::baseline
