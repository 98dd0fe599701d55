// Carrying out a plan on a Linux system (`respond --apply`), through the quarantine journal so every change can be
// undone: quarantine files, comment out the cron/start-up lines the findings name (where they are now, and only
// while they still hold the flagged text), lock or reset passwords in /etc/shadow, stop processes and units (live
// only), and — with `harden` — firewall rules. Every path is resolved inside the root (respond/system_root.h); it
// refuses anything inside the evidence or the case, and leaves what needs a person (Windows objects, patches) as
// "manual" with the reason.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "respond/plan.h"
#include "respond/quarantine.h"
#include "respond/system_root.h"

namespace msw::respond {

struct ApplyOptions {
  bool harden = false;                       // also firewall rules
  std::vector<std::string> protected_paths;  // evidence inputs and the case: never touched
  std::string operator_account;              // the account the responder works as (never locked)
};

struct StepOutcome {
  size_t step = 0;
  std::string kind, target;
  std::string status;  // done, skipped, manual, refused, failed
  std::string message;
  std::string secret;  // a new password to show the operator once; never journalled or stored in the case
};

std::vector<StepOutcome> apply_plan(std::span<const PlannedAction> plan, const SystemRoot& root, Journal& journal,
                                    const ApplyOptions& options);

}  // namespace msw::respond
