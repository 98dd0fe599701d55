// The list of detection engines, in the order they run. Add a line when an engine lands.
#include "detect/engine.h"
#include "detect/heuristics/brute_force.h"
#include "detect/heuristics/hosts_tampering.h"
#include "detect/heuristics/linux_host.h"
#include "detect/heuristics/linux_persistence.h"
#include "detect/heuristics/miner_process.h"
#include "detect/ioc/ioc_engine.h"

namespace msw::detect {

EngineSet make_builtin_engines(Diagnostics& diags, std::vector<intel::Indicator> extra_indicators) {
  EngineSet set;
  set.engines.push_back(heuristics::make_hosts_tampering_engine(diags));
  set.engines.push_back(heuristics::make_miner_process_engine(diags));
  set.engines.push_back(heuristics::make_linux_persistence_engine());
  set.engines.push_back(heuristics::make_linux_host_engine());
  set.case_engines.push_back(heuristics::make_brute_force_engine());
  set.case_engines.push_back(ioc::make_ioc_engine(ioc::make_intel_context(diags, std::move(extra_indicators))));
  return set;
}

}  // namespace msw::detect
