#include "normalize/windows_wmi.h"

#include "core/time.h"
#include "formats/wmi/wmi_repository.h"

namespace msw::normalize {

Result<void> wmi_subscription_events(Bytes data, std::string_view path, Diagnostics& diags,
                                     std::vector<model::Event>& out) {
  namespace wmi = formats::wmi;
  auto repo = wmi::read_subscriptions(data, path, diags);
  if (!repo) return repo.error();
  for (const auto& in : repo->instances) {
    model::Event e;
    e.category = "wmi_event";
    e.product = "windows";
    e.artefact = path;
    e.offset = in.offset;
    if (in.written) {
      if (auto t = from_filetime(in.written)) e.time = *t;
    }
    e.set("WmiClass", std::string(wmi::class_name(in.kind)));
    e.set("WmiRecovered", in.recovered ? "true" : "false");
    switch (in.kind) {
      case wmi::ClassKind::EventFilter:
        e.set(model::Field::EventType, "WmiFilterEvent");
        e.set("Name", in.name);
        e.set("Query", in.query);
        if (!in.event_namespace.empty()) e.set("EventNamespace", in.event_namespace);
        if (!in.query_language.empty()) e.set("QueryLanguage", in.query_language);
        break;
      case wmi::ClassKind::CommandLineConsumer:
      case wmi::ClassKind::ActiveScriptConsumer: {
        const bool script = in.kind == wmi::ClassKind::ActiveScriptConsumer;
        e.set(model::Field::EventType, "WmiConsumerEvent");
        e.set("Name", in.name);
        e.set("Type", script ? "Script" : "Command Line");
        e.set("Destination", in.command.empty() ? in.executable : in.command);
        if (!in.executable.empty()) e.set("ConsumerExecutable", in.executable);
        if (!in.script_engine.empty()) e.set("ScriptingEngine", in.script_engine);
        if (!script) e.set(model::Field::CommandLine, in.command.empty() ? in.executable : in.command);
        break;
      }
      case wmi::ClassKind::Binding:
        e.set(model::Field::EventType, "WmiBindingEvent");
        e.set("Consumer", (in.consumer_class.empty() ? std::string("EventConsumer") : in.consumer_class) +
                              ".Name=\"" + in.consumer + "\"");
        e.set("Filter", "__EventFilter.Name=\"" + in.filter + "\"");
        e.set("ConsumerName", in.consumer);
        e.set("FilterName", in.filter);
        break;
    }
    out.push_back(std::move(e));
  }
  return {};
}

}  // namespace msw::normalize
