#include "detect/heuristics/wmi_subscriptions.h"

#include <map>
#include <optional>
#include <set>

#include "core/text.h"
#include "detect/heuristics/finding.h"
#include "detect/heuristics/windows_commands.h"
#include "normalize/windows_wmi.h"

namespace msw::detect::heuristics {
namespace {

constexpr size_t kMaxActionText = 64 * 1024;  // a script consumer's text examined (PossibleCause can be long)

// One filter, consumer or binding, from whichever record named it.
struct WmiObject {
  enum class Kind { Filter, Consumer, Binding } kind = Kind::Filter;
  std::string name;              // filter or consumer
  std::string consumer_class;    // consumer and binding: CommandLineEventConsumer, ActiveScriptEventConsumer, ...
  std::string consumer, filter;  // binding: the names it joins
  std::string action;            // the command line or script the consumer runs (5861 gives it with the binding)
  std::string query;             // the filter's WQL (5861 gives it with the binding)
  bool recovered = false;        // repository record outside the index
  bool deleted = false;          // Sysmon: Operation "Deleted"
  const model::Event* event = nullptr;
};

// Sysmon writes WMI names and commands as MOF strings: ` "c:\\Windows\\System32\\cmd.exe"`.
std::string unquote_mof(std::string_view v) {
  v = trim(v);
  if (v.size() < 2 || v.front() != '"' || v.back() != '"') return std::string(v);
  v = v.substr(1, v.size() - 2);
  std::string out;
  out.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size() && (v[i + 1] == '\\' || v[i + 1] == '"')) ++i;
    out += v[i];
  }
  return out;
}

// `Key = "value";` inside the MOF text of 5861's PossibleCause, unescaped; "" when absent.
std::string mof_property(std::string_view text, std::string_view key) {
  for (size_t at = text.find(key); at != std::string_view::npos; at = text.find(key, at + 1)) {
    if (at > 0 && !std::isspace(static_cast<unsigned char>(text[at - 1]))) continue;
    size_t i = at + key.size();
    while (i < text.size() && text[i] == ' ') ++i;
    if (i >= text.size() || text[i] != '=') continue;
    ++i;
    while (i < text.size() && text[i] == ' ') ++i;
    if (i >= text.size() || text[i] != '"') continue;
    std::string out;
    for (++i; i < text.size() && text[i] != '"' && out.size() < kMaxActionText; ++i) {
      if (text[i] == '\\' && i + 1 < text.size()) ++i;
      out += text[i];
    }
    return out;
  }
  return {};
}

bool is_channel(const model::Event& ev, std::string_view channel) { return ev.service == channel; }

std::optional<WmiObject> wmi_object(const model::Event& ev) {
  WmiObject o;
  o.event = &ev;
  const std::string id = ev.value(model::Field::EventID);
  if (is_channel(ev, "microsoft-windows-wmi-activity/operational") && id == "5861") {
    // ESS is the filter; CONSUMER is `Class="Name"`; PossibleCause holds both instances as MOF text.
    o.kind = WmiObject::Kind::Binding;
    o.filter = ev.value("ESS");
    const std::string consumer = ev.value("CONSUMER");
    const size_t eq = consumer.find('=');
    o.consumer_class = consumer.substr(0, eq);
    o.consumer = eq == std::string::npos ? consumer : unquote_mof(std::string_view(consumer).substr(eq + 1));
    const std::string cause = ev.value("PossibleCause");
    o.query = mof_property(cause, "Query");
    for (std::string_view key : {"CommandLineTemplate", "ScriptText", "ExecutablePath", "ScriptFileName"})
      if (o.action = mof_property(cause, key); !o.action.empty()) break;
    return o;
  }
  const bool sysmon =
      is_channel(ev, "microsoft-windows-sysmon/operational") && (id == "19" || id == "20" || id == "21");
  if (ev.category != "wmi_event" && !sysmon) return std::nullopt;
  const std::string type = ev.value(model::Field::EventType);
  o.recovered = ev.value("WmiRecovered") == "true";
  o.deleted = ev.value("Operation") == "Deleted";
  if (type == "WmiFilterEvent") {
    o.kind = WmiObject::Kind::Filter;
    o.name = unquote_mof(ev.value("Name"));
    o.query = unquote_mof(ev.value("Query"));
  } else if (type == "WmiConsumerEvent") {
    o.kind = WmiObject::Kind::Consumer;
    o.name = unquote_mof(ev.value("Name"));
    const std::string kind = ev.value("Type");
    o.consumer_class = kind == "Script"         ? "ActiveScriptEventConsumer"
                       : kind == "Command Line" ? "CommandLineEventConsumer"
                                                : kind;
    o.action = unquote_mof(ev.value("Destination"));
  } else if (type == "WmiBindingEvent") {
    o.kind = WmiObject::Kind::Binding;
    std::tie(o.consumer_class, o.consumer) = normalize::split_wmi_reference(unquote_mof(ev.value("Consumer")));
    o.filter = normalize::split_wmi_reference(unquote_mof(ev.value("Filter"))).second;
    if (const std::string n = ev.value("ConsumerName"); !n.empty()) o.consumer = n;
    if (const std::string n = ev.value("FilterName"); !n.empty()) o.filter = n;
  } else {
    return std::nullopt;
  }
  if (o.action.size() > kMaxActionText) o.action.resize(kMaxActionText);
  return o;
}

bool runs_code(const std::string& consumer_class, const std::string& action) {
  if (iequals_ascii(consumer_class, "CommandLineEventConsumer") ||
      iequals_ascii(consumer_class, "ActiveScriptEventConsumer"))
    return true;
  // Repository bindings name "EventConsumer" when the class was not recorded: the action decides.
  return (consumer_class.empty() || iequals_ascii(consumer_class, "EventConsumer")) && !action.empty();
}

// Windows' own subscriptions, present on clean installations.
bool windows_builtin(const std::string& consumer, const std::string& consumer_class, const std::string& action) {
  if (iequals_ascii(consumer, "SCM Event Log Consumer") &&
      (consumer_class.empty() || iequals_ascii(consumer_class, "NTEventLogEventConsumer")))
    return true;
  return iequals_ascii(consumer, "BVTConsumer") &&
         (action.empty() || to_lower_ascii(action).find("kerncap.vbs") != std::string::npos);
}

class WmiSubscriptionEngine final : public Engine {
 public:
  explicit WmiSubscriptionEngine(std::shared_ptr<const ioc::IntelContext> intel) : intel_(std::move(intel)) {}
  std::string_view name() const override { return "wmi-subscriptions"; }

  void scan_artefact(const ArtefactView& a, std::vector<model::Finding>& out) const override {
    std::vector<WmiObject> objects;
    for (const auto& ev : a.events)
      if (auto o = wmi_object(ev)) objects.push_back(std::move(*o));
    if (objects.empty()) return;
    // First record of each filter and consumer by name (Sysmon logs creation before deletion).
    std::map<std::string, const WmiObject*> filters, consumers;
    for (const auto& o : objects) {
      if (o.kind == WmiObject::Kind::Filter) filters.emplace(o.name, &o);
      if (o.kind == WmiObject::Kind::Consumer) consumers.emplace(o.name, &o);
    }
    std::set<std::string> bound_pairs, bound_consumers;
    for (const auto& o : objects) {
      if (o.kind != WmiObject::Kind::Binding || !bound_pairs.insert(o.filter + "\x1f" + o.consumer).second) continue;
      bound_consumers.insert(o.consumer);
      auto c = consumers.find(o.consumer);
      auto f = filters.find(o.filter);
      report(a, &o, c == consumers.end() ? nullptr : c->second, f == filters.end() ? nullptr : f->second, out);
    }
    for (const auto& [name, consumer] : consumers)
      if (!bound_consumers.count(name)) report(a, nullptr, consumer, nullptr, out);
  }

 private:
  // The family the knowledge base gives the names or the action, with what matched; empty when none.
  std::pair<std::string, std::string> known_family(const std::vector<std::string>& names,
                                                   const std::string& action) const {
    if (!intel_) return {};
    std::vector<intel::Match> m;
    for (const auto& n : names) intel_->matcher.match_name(intel::IndicatorType::WmiName, n, m);
    if (!action.empty()) intel_->matcher.scan_text(action, m);
    for (const auto& x : m) {
      const auto& ind = intel_->matcher.indicators()[x.indicator];
      if (!ind.family.empty()) return {ind.family, x.matched};
    }
    return {};
  }

  std::string family_name(const std::string& id) const {
    if (intel_)
      for (const auto& f : intel_->families)
        if (f.id == id && !f.names.empty()) return f.names.front();
    return id;
  }

  void report(const ArtefactView& a, const WmiObject* binding, const WmiObject* consumer, const WmiObject* filter,
              std::vector<model::Finding>& out) const {
    const std::string cname = binding ? binding->consumer : consumer->name;
    const std::string fname = binding ? binding->filter : "";
    const std::string cclass = consumer && !consumer->consumer_class.empty() ? consumer->consumer_class
                               : binding                                     ? binding->consumer_class
                                                                             : "";
    std::string action = consumer ? consumer->action : "";
    if (action.empty() && binding) action = binding->action;
    std::string query = filter ? filter->query : "";
    if (query.empty() && binding) query = binding->query;
    if (windows_builtin(cname, cclass, action) || !runs_code(cclass, action)) return;
    const bool recovered = (binding && binding->recovered) || (consumer && consumer->recovered);
    const bool deleted = (binding && binding->deleted) || (consumer && consumer->deleted);
    const CommandJudgement judged = judge_windows_command(action);
    const auto [family, known] = known_family({cname, fname}, action);
    model::Severity sev = model::Severity::High;
    if (!binding) sev = judged.suspicious() ? model::Severity::Medium : model::Severity::Low;  // nothing fires it
    if (!family.empty()) sev = model::Severity::High;
    const WmiObject& first = binding ? *binding : *consumer;
    model::Finding f = heuristic_finding(kWmiSubscriptionRule, sev, first.event->time);
    f.attack = {"T1546.003"};
    f.family = family;
    const std::string display = family.empty() ? "" : family_name(family);
    const std::string what = binding ? "WMI event subscription " + fname + " -> " + cname
                                     : "WMI event consumer " + cname + " (not bound to a filter)";
    const std::string short_action = action.substr(0, 200);
    f.title_en = what + (display.empty() ? "" : " (" + display + ")") + (action.empty() ? "" : ": " + short_action);
    f.title_zh =
        (binding ? "WMI 永久事件订阅 " + fname + " -> " + cname : "WMI 事件消费者 " + cname + "（未绑定过滤器）") +
        (display.empty() ? "" : "（" + display + "）") + (action.empty() ? "" : "：" + short_action);
    const std::string source = first.event->service.empty() ? "The WMI repository holds "
                               : first.event->service == "microsoft-windows-sysmon/operational"
                                   ? "Sysmon logged "
                                   : "WMI-Activity logged ";
    f.description_en =
        source + what + (cclass.empty() ? "" : " (" + cclass + ")") +
        (recovered ? " (recovered from records the index no longer reaches)" : "") +
        (deleted ? " (later deleted)" : "") + ". " +
        (query.empty() ? "" : "It fires on \"" + query.substr(0, 500) + "\". ") +
        (action.empty() ? ""
                        : "It runs \"" + action.substr(0, 1000) + "\"" +
                              (judged.suspicious() ? " (" + judged.why + ")" : "") + ". ") +
        (display.empty() ? "" : "The knowledge base knows " + known + " from " + display + ". ") +
        "Mining worms (MyKings' fuckyoumm*, WannaMine, Lemon Duck) persist this way without a file. Remove the "
        "binding, the consumer and the filter (Get-WMIObject -Namespace root\\subscription ... | Remove-WmiObject) "
        "after exporting them for the report.";
    f.description_zh = (binding ? "发现 WMI 永久事件订阅 " + fname + " -> " + cname : "发现 WMI 事件消费者 " + cname) +
                       (cclass.empty() ? "" : "（" + cclass + "）") +
                       (recovered ? "（从索引已不可达的记录中恢复）" : "") + (deleted ? "（之后已被删除）" : "") +
                       "。" + (query.empty() ? "" : "触发条件：“" + query.substr(0, 500) + "”。") +
                       (action.empty() ? "" : "执行：“" + action.substr(0, 1000) + "”。") +
                       (display.empty() ? "" : "知识库显示 " + known + " 属于 " + display + "。") +
                       "挖矿蠕虫（MyKings 的 fuckyoumm*、WannaMine、Lemon "
                       "Duck）借此实现无文件持久化。请先导出留证，再删除绑定、消费者和过滤器"
                       "（Get-WMIObject -Namespace root\\subscription ... | Remove-WmiObject）。";
    for (const WmiObject* o : {binding, filter, consumer}) {
      if (!o) continue;
      const model::Event& ev = *o->event;
      std::string excerpt = o == binding  ? "__FilterToConsumerBinding " + o->filter + " -> " + o->consumer
                            : o == filter ? "__EventFilter " + o->name + ": " + o->query.substr(0, 300)
                                          : o->consumer_class + " " + o->name + ": " + o->action.substr(0, 300);
      if (!ev.service.empty()) excerpt = "EventID " + ev.value(model::Field::EventID) + " " + excerpt;
      if (o->recovered) excerpt += " [recovered]";
      f.evidence.push_back({std::string(a.path), std::string(a.sha256), ev.offset, 0, 0, excerpt});
    }
    for (const auto& n : {fname, cname})
      if (!n.empty()) f.observables.push_back({model::ObservableKind::WmiObject, n, "WMI subscription"});
    const std::string cls =
        cclass.empty() || iequals_ascii(cclass, "EventConsumer")
            ? (consumer && consumer->consumer_class == "ActiveScriptEventConsumer" ? "ActiveScriptEventConsumer"
                                                                                   : "CommandLineEventConsumer")
            : cclass;
    // Target: the consumer's and the filter's object paths, which the script removes with their binding.
    const std::string target =
        cls + ".Name=\"" + cname + "\"" + (fname.empty() ? "" : " __EventFilter.Name=\"" + fname + "\"");
    f.actions.push_back(
        {model::ActionKind::RemoveWmiSubscription, target,
         "Remove the binding, the consumer " + cname + (fname.empty() ? "" : " and the filter " + fname) +
             " from root\\subscription.",
         "从 root\\subscription 中删除绑定、消费者 " + cname + (fname.empty() ? "" : " 和过滤器 " + fname) + "。"});
    quarantine_dropped(f, action);
    out.push_back(std::move(f));
  }

  std::shared_ptr<const ioc::IntelContext> intel_;
};

}  // namespace

std::unique_ptr<Engine> make_wmi_subscription_engine(std::shared_ptr<const ioc::IntelContext> intel) {
  return std::make_unique<WmiSubscriptionEngine>(std::move(intel));
}

}  // namespace msw::detect::heuristics
