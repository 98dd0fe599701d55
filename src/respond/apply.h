// Carrying out a plan on a Linux host (`respond --apply`), through the quarantine journal so every file change can
// be undone: quarantine files, comment out the cron/start-up lines the findings name, lock accounts in
// /etc/shadow, stop processes and units (live only), and — with `harden` — firewall rules. It acts only on the
// plan's targets, refuses anything inside the evidence or the case, and leaves what needs a person (a hosts file to
// edit, Windows objects, patches) as "manual" with the reason.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "respond/plan.h"
#include "respond/quarantine.h"

namespace msw::respond {

struct ApplyOptions {
  std::string root = "/";                    // the system the plan's paths are on (a mounted image, or the live "/")
  bool harden = false;                       // also firewall rules
  std::vector<std::string> protected_paths;  // evidence inputs and the case: never touched
};

struct StepOutcome {
  size_t step = 0;
  std::string kind, target;
  std::string status;  // done, skipped, manual, refused, failed
  std::string message;
};

std::vector<StepOutcome> apply_plan(std::span<const PlannedAction> plan, Journal& journal, const ApplyOptions& options);

}  // namespace msw::respond
