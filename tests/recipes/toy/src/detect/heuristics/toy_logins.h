// The toy engine (tests/recipes): a root login that succeeded in a toy log is a finding.
#pragma once

#include <memory>
#include <string_view>

#include "detect/engine.h"

namespace msw::detect::heuristics {

inline constexpr std::string_view kToyRootLoginRule = "heuristic.toy_root_login";

std::unique_ptr<Engine> make_toy_login_engine();

}  // namespace msw::detect::heuristics
