#include "normalize/windows_wmi.h"

#include "core/text.h"
#include "core/time.h"
#include "formats/wmi/wmi_repository.h"
#include "normalize/table_rows.h"

namespace msw::normalize {
namespace {

namespace wmi = formats::wmi;

void instance_events(const std::vector<wmi::Instance>& instances, std::string_view path,
                     std::vector<model::Event>& out) {
  for (const auto& in : instances) {
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
        e.set("Consumer", (in.consumer_class.empty() ? std::string("EventConsumer") : in.consumer_class) + ".Name=\"" +
                              in.consumer + "\"");
        e.set("Filter", "__EventFilter.Name=\"" + in.filter + "\"");
        e.set("ConsumerName", in.consumer);
        e.set("FilterName", in.filter);
        break;
    }
    out.push_back(std::move(e));
  }
}

}  // namespace

std::pair<std::string, std::string> split_wmi_reference(std::string_view ref) {
  const size_t dot = ref.find(".Name=\"");
  if (dot == std::string_view::npos) return {"", std::string(ref)};
  std::string_view name = ref.substr(dot + 7);
  if (name.ends_with('"')) name.remove_suffix(1);
  std::string_view cls = ref.substr(0, dot);
  if (const size_t colon = cls.rfind(':'); colon != std::string_view::npos)
    cls.remove_prefix(colon + 1);  // \\.\root\...:
  return {std::string(cls), std::string(name)};
}

Result<void> wmi_subscription_events(Bytes data, std::string_view path, Diagnostics& diags,
                                     std::vector<model::Event>& out) {
  auto repo = wmi::read_subscriptions(data, path, diags);
  if (!repo) return repo.error();
  instance_events(repo->instances, path, out);
  return {};
}

void wmi_table_events(Bytes jsonl, std::string_view path, Diagnostics& diags, std::vector<model::Event>& out) {
  std::vector<wmi::Instance> instances;
  for_each_table_row(jsonl, path, diags, [&](const nlohmann::json& j, size_t offset) {
    if (instances.size() >= 4 * wmi::kMaxInstances) return;
    auto get = [&](const char* key) { return table_field(j, key); };
    wmi::Instance in;
    in.offset = offset;
    const std::string cls = get("class");
    if (cls == "__EventFilter") {
      in.kind = wmi::ClassKind::EventFilter;
      in.name = get("Name");
      in.query = get("Query");
      in.query_language = get("QueryLanguage");
      in.event_namespace = get("EventNamespace");
    } else if (cls == "CommandLineEventConsumer") {
      in.kind = wmi::ClassKind::CommandLineConsumer;
      in.name = get("Name");
      in.command = get("CommandLineTemplate");
      in.executable = get("ExecutablePath");
    } else if (cls == "ActiveScriptEventConsumer") {
      in.kind = wmi::ClassKind::ActiveScriptConsumer;
      in.name = get("Name");
      in.command = get("ScriptText");
      in.executable = get("ScriptFileName");
      in.script_engine = get("ScriptingEngine");
    } else if (cls == "__FilterToConsumerBinding") {
      in.kind = wmi::ClassKind::Binding;
      in.filter = split_wmi_reference(get("Filter")).second;
      std::tie(in.consumer_class, in.consumer) = split_wmi_reference(get("Consumer"));
    } else {
      return;  // log-file, event-log and SMTP consumers run no code
    }
    instances.push_back(std::move(in));
  });
  instance_events(instances, path, out);
}

}  // namespace msw::normalize
