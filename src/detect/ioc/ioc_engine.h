// detect/ioc: every event of a run matched against the compiled indicators (the built-in knowledge base plus the
// user's intel store): addresses, host names, URLs and hashes in their fields, indicator names (tasks, services, WMI
// objects, file names), and anything named inside command lines and script lines. Matches are grouped per family
// into one finding with every indicator as evidence, and families are attributed by score — never on shared
// infrastructure alone, and co-infections are said as such.
#pragma once

#include <memory>
#include <set>
#include <string_view>

#include "detect/engine.h"
#include "intel/kb.h"
#include "intel/matcher.h"

namespace msw::detect::ioc {

inline constexpr std::string_view kIocRule = "ioc.known_indicator";
inline constexpr std::string_view kPoolRule = "ioc.mining_pool";
inline constexpr std::string_view kAttributionRule = "kb.family_attribution";

// Indicators followed at most per run (a feed that matches everything stays bounded).
inline constexpr size_t kMaxMatchedIndicators = 10'000;

struct IntelContext {
  intel::Matcher matcher;
  std::vector<intel::FamilyInfo> families;
  // Warning list: addresses and domains that never make a finding by themselves. A domain indicator is suppressed
  // when it *is* a listed name (aliyuncs.com), not when it is a specific name below one (a bucket.oss-…aliyuncs.com
  // that a worm used stays an indicator).
  std::set<std::string> warning;
};

// The built-in knowledge base and warning list, plus `extra` indicators (from the user's store).
std::shared_ptr<const IntelContext> make_intel_context(Diagnostics& diags, std::vector<intel::Indicator> extra = {});

std::unique_ptr<CaseEngine> make_ioc_engine(std::shared_ptr<const IntelContext> intel);

// Attribution weights: how much one matched indicator of a kind says about a family.
int indicator_weight(intel::IndicatorType t);

}  // namespace msw::detect::ioc
