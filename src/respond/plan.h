// respond/: the remediation plan. This first part orders and de-duplicates the actions findings imply; scripts,
// quarantine and undo build on it (see the respond issue).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "model/finding.h"

namespace msw::respond {

struct PlannedAction {
  model::RemediationAction action;
  std::vector<std::string> reasons;  // rule ids of the findings that imply it
};

// Order: stop what runs, remove persistence, quarantine files, restore settings, rotate credentials, harden,
// re-scan (ActionKind's declaration order). Identical (kind, target) pairs merge and keep every reason.
std::vector<PlannedAction> build_plan(std::span<const model::Finding> findings);

}  // namespace msw::respond
