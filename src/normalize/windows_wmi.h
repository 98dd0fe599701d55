// WMI permanent event subscriptions recovered from OBJECTS.DATA (formats/wmi) → "wmi_event" events in Sysmon's
// WMI taxonomy (events 19–21), so SigmaHQ's wmi_event rules and the heuristics read a repository as they read
// Sysmon: EventType WmiFilterEvent (Name, Query, EventNamespace, QueryLanguage), WmiConsumerEvent (Name, Type
// "Command Line" or "Script", Destination = the command line or script text, ConsumerExecutable, ScriptingEngine)
// and WmiBindingEvent (Consumer and Filter as object paths, ConsumerName, FilterName). WmiRecovered says the record
// was found outside the pages' descriptor tables (deleted or no longer indexed); the record's time is the event's.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/byte_reader.h"
#include "core/diagnostics.h"
#include "core/result.h"
#include "model/event.h"

namespace msw::normalize {

Result<void> wmi_subscription_events(Bytes objects_data, std::string_view display_path, Diagnostics& diags,
                                     std::vector<model::Event>& out);

// The same events from the Windows collector's live query of root\subscription (tables/wmi_subscriptions.jsonl:
// one JSON object per instance, "class" plus the instance's properties under their WMI names: Name, Query,
// QueryLanguage, EventNamespace, CommandLineTemplate, ExecutablePath, ScriptText, ScriptFileName,
// ScriptingEngine, Filter, Consumer). Consumer classes other than command-line and script ones are skipped.
void wmi_table_events(Bytes jsonl, std::string_view display_path, Diagnostics& diags, std::vector<model::Event>& out);

// `Class.Name="value"`, relative or as a full path (`\\.\root\subscription:Class.Name="value"`), as a binding's
// Filter and Consumer hold them → {Class, value}; {"", ref} when it is not one.
std::pair<std::string, std::string> split_wmi_reference(std::string_view ref);

}  // namespace msw::normalize
