// What undoes a dropper: for every host-changing command a script's analysis found (formats/script), the plan step
// that reverses it, named as the dropper named it — `schtasks /create /tn Mysa9` gives "delete the task Mysa9", not
// a family's list of usual names. The step keeps the command's line as its evidence.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/finding.h"

namespace msw::sample {

struct UndoStep {
  model::RemediationAction action;
  size_t line = 0;   // of the (decoded) script
  std::string text;  // the command as it reads after decoding
};

// `commands` is the "commands" array of a script's analysis.
std::vector<UndoStep> dropper_undo(const nlohmann::json& commands);

}  // namespace msw::sample
