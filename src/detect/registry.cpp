// The list of detection engines, in the order they run. Add a line when an engine lands.
#include "detect/engine.h"
#include "detect/heuristics/boot_sector.h"
#include "detect/heuristics/brute_force.h"
#include "detect/heuristics/hosts_tampering.h"
#include "detect/heuristics/linux_host.h"
#include "detect/heuristics/linux_persistence.h"
#include "detect/heuristics/miner_process.h"
#include "detect/heuristics/network_mining.h"
#include "detect/heuristics/network_smb.h"
#include "detect/heuristics/windows_accounts.h"
#include "detect/heuristics/windows_events.h"
#include "detect/heuristics/windows_host.h"
#include "detect/heuristics/windows_persistence.h"
#include "detect/heuristics/wmi_subscriptions.h"
#include "detect/ioc/ioc_engine.h"
#include "detect/sigma/correlation.h"
#include "detect/sigma/sigma.h"

namespace msw::detect {

EngineSet make_builtin_engines(Diagnostics& diags, std::vector<intel::Indicator> extra_indicators,
                               const std::vector<std::string>& sigma_paths, const std::string& sigma_placeholders) {
  EngineSet set;
  // Sigma: the built-in rules (data/rules/sigma) and the user's (--sigma DIR...).
  std::optional<sigma::Placeholders> placeholders;
  if (!sigma_placeholders.empty()) {
    if (auto p = sigma::load_placeholders(sigma_placeholders)) placeholders = std::move(*p);
    else diags.add_error(p.error(), sigma_placeholders);
  }
  const auto rules = sigma::load_run_rules(sigma_paths, placeholders ? &*placeholders : nullptr, diags);
  set.engines.push_back(sigma::make_sigma_engine(rules));
  if (auto correlations = sigma::make_correlation_engine(rules, diags)) set.case_engines.push_back(std::move(correlations));
  // The knowledge base and the user's intel: the IOC engine matches every event against it, the WMI heuristic names
  // the family of a subscription it knows.
  auto intel = ioc::make_intel_context(diags, std::move(extra_indicators));
  set.engines.push_back(heuristics::make_hosts_tampering_engine(diags));
  set.engines.push_back(heuristics::make_miner_process_engine(diags));
  set.engines.push_back(heuristics::make_linux_persistence_engine());
  set.engines.push_back(heuristics::make_linux_host_engine());
  set.engines.push_back(heuristics::make_network_mining_engine());
  set.engines.push_back(heuristics::make_network_smb_engine());
  set.engines.push_back(heuristics::make_windows_persistence_engine());
  set.engines.push_back(heuristics::make_wmi_subscription_engine(intel));
  set.engines.push_back(heuristics::make_windows_event_engine());
  set.engines.push_back(heuristics::make_boot_sector_engine());
  set.case_engines.push_back(heuristics::make_brute_force_engine());
  set.case_engines.push_back(heuristics::make_windows_host_engine());
  set.case_engines.push_back(heuristics::make_windows_account_engine());
  set.case_engines.push_back(heuristics::make_event_log_service_engine());
  set.case_engines.push_back(ioc::make_ioc_engine(std::move(intel)));
  return set;
}

}  // namespace msw::detect
