// WMI permanent event subscriptions, wherever they are recorded: the repository (OBJECTS.DATA) and the collector's
// live table as normalize/windows_wmi writes them, Sysmon's events 19 (filter), 20 (consumer) and 21 (binding), and
// WMI-Activity 5861 (a binding with its filter and consumer spelled out in PossibleCause). A binding joins a filter
// (when) to a consumer (what runs); the records are joined by name within one artefact.
//
// Windows' own subscriptions — the `SCM Event Log Consumer` (an event-log consumer) and Windows 7/2008's
// `BVTConsumer` running KernCap.vbs — are no findings, nor are consumers that run no code (event-log, log-file and
// SMTP consumers). A command-line or script consumer bound to a filter is high; when the knowledge base knows its
// name or what it runs (MyKings' fuckyoumm*), the finding names the family. A code consumer that no filter fires
// is medium when its command looks like a dropper's, else low.
#pragma once

#include <memory>
#include <string_view>

#include "detect/engine.h"
#include "detect/ioc/ioc_engine.h"

namespace msw::detect::heuristics {

inline constexpr std::string_view kWmiSubscriptionRule = "heuristic.wmi_subscription";

// `intel` gives the knowledge base's WMI names, domains and URLs (null: no family is named).
std::unique_ptr<Engine> make_wmi_subscription_engine(std::shared_ptr<const ioc::IntelContext> intel);

}  // namespace msw::detect::heuristics
