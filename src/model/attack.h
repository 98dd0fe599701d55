// ATT&CK: the tactics of the techniques minesweep's own rules and heuristics report, so a finding that carries only
// technique ids (T1543.003) can be shown, filtered and exported with its tactics (persistence,
// privilege-escalation) as Sigma rules tag theirs. Names are ATT&CK Enterprise's, lower case with hyphens.
#pragma once

#include <span>
#include <string_view>

namespace msw::model {

// The tactics of a technique or sub-technique ("T1543.003" is T1543's); empty for one not in the table.
std::span<const std::string_view> attack_tactics(std::string_view technique);

}  // namespace msw::model
