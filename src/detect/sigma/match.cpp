// An event against a compiled rule: field values found the way Sigma's Windows pipeline names them, lower-cased once
// per event, message codes rendered; and the log sources (Windows channels and event ids per category and service).
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>

#include <re2/re2.h>

#include "core/ip.h"
#include "core/text.h"
#include "detect/sigma/compiled.h"
#include "normalize/windows_messages.h"

namespace msw::detect::sigma {
namespace {

// Security 4688 and other non-Sysmon sources name the same things differently; Sigma's windows pipeline maps them.
std::string_view windows_alias(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kAliases[] = {
      {"Image", "NewProcessName"},   {"ParentImage", "ParentProcessName"}, {"CommandLine", "ProcessCommandLine"},
      {"ProcessId", "NewProcessId"}, {"User", "SubjectUserName"},          {"IntegrityLevel", "MandatoryLabel"}};
  for (const auto& [alias, target] : kAliases)
    if (alias == name) return target;
  return {};
}

// Defender and other providers name EventData with spaces ("Threat Name"); Sigma writes them without.
const std::string* spaced_extra(const model::Event& e, std::string_view name) {
  for (const auto& [n, v] : e.extra) {
    if (n.size() <= name.size() || n.find(' ') == std::string::npos) continue;
    size_t i = 0;
    bool same = true;
    for (char c : n) {
      if (c == ' ') continue;
      if (i >= name.size() || c != name[i++]) {
        same = false;
        break;
      }
    }
    if (same && i == name.size()) return &v;
  }
  return nullptr;
}

// A field named at match time (a |fieldref value): the same lookups as resolve(), by name.
const std::string* field_value(const model::Event& e, std::string_view name) {
  if (const std::string* v = e.get(name)) return v;
  if (const auto alias = windows_alias(name); !alias.empty())
    if (const std::string* v = e.get(alias)) return v;
  return spaced_extra(e, name);
}

bool match_glob(const ValueMatch& vm, std::string_view s) {
  const std::string_view lit = vm.literal;
  switch (vm.shape) {
    case ValueMatch::Shape::Exact:
      return s == lit;
    case ValueMatch::Shape::Prefix:
      return s.starts_with(lit);
    case ValueMatch::Shape::Suffix:
      return s.ends_with(lit);
    case ValueMatch::Shape::Contains:
      return s.find(lit) != std::string_view::npos;
    case ValueMatch::Shape::Glob:
      break;
  }
  return glob_match(vm.pattern, s);
}

// `lowered`: the value lower-cased, computed once by the caller for all the value's case-insensitive patterns.
bool match_value(const ValueMatch& vm, const model::Event& e, const std::string* v, std::string_view lowered) {
  switch (vm.op) {
    case ValueMatch::Op::Exists:
      return (v != nullptr) == vm.exists;
    case ValueMatch::Op::Null:
      return v == nullptr || v->empty();
    default:
      break;
  }
  if (!v) return false;
  switch (vm.op) {
    case ValueMatch::Op::Glob:
      return match_glob(vm, vm.cased ? std::string_view(*v) : lowered);
    case ValueMatch::Op::Re:
      return RE2::PartialMatch(std::string_view(*v).substr(0, kMaxRegexSubject), *vm.re);
    case ValueMatch::Op::Cidr: {
      auto ip = parse_ip(*v);
      if (!ip || ip->v6 != vm.net->v6) return false;
      for (int b = 0; b < vm.bits; ++b) {
        const auto mask = static_cast<uint8_t>(0x80 >> (b % 8));
        if ((ip->bytes[static_cast<size_t>(b / 8)] & mask) != (vm.net->bytes[static_cast<size_t>(b / 8)] & mask))
          return false;
      }
      return true;
    }
    case ValueMatch::Op::FieldRef: {
      const std::string* other = field_value(e, vm.pattern);
      return other && iequals_ascii(*other, *v);
    }
    default: {
      double n = 0;
      std::string_view s = *v;
      int base = 10;
      if (s.starts_with("0x") || s.starts_with("0X")) {
        s.remove_prefix(2);
        base = 16;
      }
      if (base == 16) {
        uint64_t u = 0;
        if (std::from_chars(s.data(), s.data() + s.size(), u, 16).ec != std::errc()) return false;
        n = static_cast<double>(u);
      } else if (std::from_chars(s.data(), s.data() + s.size(), n).ec != std::errc()) {
        return false;
      }
      switch (vm.op) {
        case ValueMatch::Op::Gt:
          return n > vm.number;
        case ValueMatch::Op::Gte:
          return n >= vm.number;
        case ValueMatch::Op::Lt:
          return n < vm.number;
        default:
          return n <= vm.number;
      }
    }
  }
}

// Lower-cased values of the event being matched, made once per value and event (an event meets hundreds of
// rules that read the same CommandLine). Per thread; begin_event() starts a new event.
struct LoweredCache {
  struct Entry {
    const std::string* value = nullptr;
    std::string text;
    enum class Codes : uint8_t { Unknown, None, Some } codes = Codes::Unknown;  // %%nnnn message codes in the value
    std::string rendered;                                                       // the value with them rendered
  };
  std::deque<Entry> entries;  // a deque: a rendered value's address is a key too, and must stay put
  size_t used = 0;
  // Which entry holds a value, by the value's address: open addressing, emptied by a new generation per event (a
  // linear search over the entries was half of a hunt's time on Security logs, whose events have ~20 fields that
  // hundreds of rules read).
  struct Slot {
    const std::string* value = nullptr;
    uint32_t generation = 0;
    Entry* entry = nullptr;  // deque elements stay put
  };
  std::vector<Slot> slots = std::vector<Slot>(1024);
  uint32_t generation = 1;
};
thread_local LoweredCache t_lowered;
// Sigma's Data container, made once per event.
struct DataContainer {
  bool made = false;
  bool present = false;
  std::string text;
};
thread_local DataContainer t_data;
// Every value of the event with its lower-cased text, for keyword rules (which read all of them), made once per
// event: a keyword search per value and rule was most of a hunt with SigmaHQ's rules.
struct KeywordHaystack {
  bool made = false;
  std::vector<std::pair<const std::string*, std::string_view>> values;
  std::string joined;  // the lower-cased values, NUL-separated: a keyword without a NUL is found in one search
};
thread_local KeywordHaystack t_haystack;

LoweredCache::Entry& cached(const std::string* v) {
  auto& c = t_lowered;
  const size_t mask = c.slots.size() - 1;
  size_t i = (reinterpret_cast<uintptr_t>(v) >> 3) * 0x9E3779B97F4A7C15ull >> 40 & mask;
  for (size_t probes = 0;; i = (i + 1) & mask, ++probes) {
    auto& slot = c.slots[i];
    if (slot.generation == c.generation && slot.value == v) return *slot.entry;
    if (slot.generation != c.generation || probes == mask) break;
  }
  LoweredCache::Slot* free_slot = &c.slots[i];
  if (free_slot->generation == c.generation) {  // full (over 1024 values in one event): grow and place again
    std::vector<LoweredCache::Slot> old(c.slots.size() * 2);
    old.swap(c.slots);
    for (const auto& s : old)
      if (s.generation == c.generation) {
        size_t j = (reinterpret_cast<uintptr_t>(s.value) >> 3) * 0x9E3779B97F4A7C15ull >> 40 & (c.slots.size() - 1);
        while (c.slots[j].generation == c.generation) j = (j + 1) & (c.slots.size() - 1);
        c.slots[j] = s;
      }
    return cached(v);
  }
  if (c.used == c.entries.size()) c.entries.emplace_back();
  auto& e = c.entries[c.used++];
  *free_slot = {v, c.generation, &e};
  e.value = v;
  e.text.assign(*v);
  for (char& ch : e.text)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + 32);
  e.codes = LoweredCache::Entry::Codes::Unknown;
  return e;
}

// Sigma's `Data` is the container of the event's data as a whole: for events whose EventData is unnamed <Data>
// elements (MSSQL, classic PowerShell, ESENT, MSI) their values, one a line. Null when the event has none.
const std::string* data_container(const model::Event& e) {
  auto& d = t_data;
  if (!d.made) {
    d.made = true;
    d.present = false;
    d.text.clear();
    char name[24];
    for (int i = 1; i < 10'000; ++i) {
      const int len = std::snprintf(name, sizeof name, "Data_%d", i);
      const std::string* v = e.get(std::string_view(name, static_cast<size_t>(len)));
      if (!v) break;
      if (d.present) d.text += '\n';
      d.text += *v;
      d.present = true;
    }
  }
  return d.present ? &d.text : nullptr;
}

bool match_values(const FieldCond& fc, const model::Event& e, const std::string* v) {
  const std::string_view low = lowered(v);
  if (fc.all) {
    for (const auto& vm : fc.values)
      if (!match_value(vm, e, v, low)) return false;
    return true;
  }
  for (const auto& vm : fc.values)
    if (match_value(vm, e, v, low)) return true;
  return false;
}

bool match_keyword(const ValueMatch& vm, const model::Event& e) {
  auto& h = t_haystack;
  if (!h.made) {
    h.made = true;
    h.values.clear();
    for (const auto& [f, v] : e.fields) h.values.emplace_back(&v, lowered(&v));
    for (const auto& [n, v] : e.extra) h.values.emplace_back(&v, lowered(&v));
    h.joined.clear();
    for (const auto& [v, low] : h.values) (h.joined += low) += '\0';
  }
  // Most keywords are case-insensitive "contains" literals: one search over all values (an occurrence of a literal
  // without a NUL lies within one value).
  if (vm.op == ValueMatch::Op::Glob && !vm.cased && vm.shape == ValueMatch::Shape::Contains &&
      vm.literal.find('\0') == std::string::npos)
    return std::string_view(h.joined).find(vm.literal) != std::string_view::npos;
  for (const auto& [v, low] : h.values)
    if (match_value(vm, e, v, low)) return true;
  return false;
}

bool match_selection(const Selection& s, const model::Event& e) {
  if (!s.keywords.empty()) {
    for (const auto& k : s.keywords)
      if (match_keyword(k, e)) return true;
    return false;
  }
  for (const auto& alt : s.alternatives) {
    bool ok = true;
    for (const auto& fc : alt)
      if (!match_field(fc, e)) {
        ok = false;
        break;
      }
    if (ok) return true;
  }
  return false;
}

}  // namespace

void begin_event() {
  t_lowered.used = 0;
  if (++t_lowered.generation == 0) {  // wrapped: forget every slot for real once in 4 billion events
    for (auto& slot : t_lowered.slots) slot.generation = 0;
    t_lowered.generation = 1;
  }
  t_data.made = false;
  t_haystack.made = false;
}

std::string_view lowered(const std::string* v) { return v ? std::string_view(cached(v).text) : std::string_view(); }

// The value with its %%nnnn message codes rendered as Windows shows them ("%%4417" → "WriteData (or AddFile)"),
// or null when it has none.
const std::string* rendered(const std::string* v) {
  if (!v) return nullptr;
  using Codes = LoweredCache::Entry::Codes;
  LoweredCache::Entry& e = cached(v);
  if (e.codes == Codes::Unknown)
    e.codes = v->find("%%") != std::string::npos && normalize::render_message_codes(*v, e.rendered) ? Codes::Some
                                                                                                    : Codes::None;
  return e.codes == Codes::Some ? &e.rendered : nullptr;
}

void set_field(FieldCond& fc, std::string name) {
  fc.field = std::move(name);
  fc.known = model::field_from_name(fc.field);
  fc.alias_known.reset();
  fc.alias.clear();
  if (const auto alias = windows_alias(fc.field); !alias.empty()) {
    fc.alias_known = model::field_from_name(alias);
    if (!fc.alias_known) fc.alias = alias;
  }
}

const std::string* resolve(const FieldCond& fc, const model::Event& e) {
  const std::string* v = nullptr;
  if (fc.known) {
    if ((v = e.get(*fc.known))) return v;
  } else {
    for (const auto& [n, value] : e.extra)
      if (n == fc.field) return &value;
  }
  if (fc.alias_known) {
    if ((v = e.get(*fc.alias_known))) return v;
  } else if (!fc.alias.empty()) {
    if ((v = e.get(std::string_view(fc.alias)))) return v;
  }
  if (!e.extra.empty())
    if ((v = spaced_extra(e, fc.field))) return v;
  return fc.field == "Data" ? data_container(e) : nullptr;
}

// A value Windows wrote as message codes matches in either form: rules are written against "%%4417" and against
// "WriteData".
bool match_field(const FieldCond& fc, const model::Event& e) {
  const std::string* v = resolve(fc, e);
  if (match_values(fc, e, v)) return true;
  const std::string* text = rendered(v);
  return text && match_values(fc, e, text);
}

bool eval(const CondNode& n, const CompiledRule& r, const model::Event& e) {
  switch (n.kind) {
    case CondNode::Kind::And:
      return eval(n.kids[0], r, e) && eval(n.kids[1], r, e);
    case CondNode::Kind::Or:
      return eval(n.kids[0], r, e) || eval(n.kids[1], r, e);
    case CondNode::Kind::Not:
      return !eval(n.kids[0], r, e);
    case CondNode::Kind::Sel:
      return match_selection(r.selections[n.sels[0]], e);
    case CondNode::Kind::OneOf: {
      size_t matched = 0;
      for (size_t i : n.sels)
        if (match_selection(r.selections[i], e) && ++matched >= n.need) return true;
      return false;
    }
    case CondNode::Kind::AllOf:
      for (size_t i : n.sels)
        if (!match_selection(r.selections[i], e)) return false;
      return true;
  }
  return false;
}

// ---- log sources -------------------------------------------------------------------------------------------------

std::vector<WinSource> windows_category(std::string_view c) {
  static constexpr std::string_view kSysmon = "microsoft-windows-sysmon/operational";
  if (c == "process_creation") return {{kSysmon, {1}}, {"security", {4688}}};
  if (c == "process_termination") return {{kSysmon, {5}}, {"security", {4689}}};
  if (c == "network_connection") return {{kSysmon, {3}}};
  if (c == "file_change") return {{kSysmon, {2}}};
  if (c == "driver_load") return {{kSysmon, {6}}};
  if (c == "image_load") return {{kSysmon, {7}}};
  if (c == "create_remote_thread") return {{kSysmon, {8}}};
  if (c == "raw_access_thread") return {{kSysmon, {9}}};
  if (c == "process_access") return {{kSysmon, {10}}};
  if (c == "file_event") return {{kSysmon, {11}}};
  if (c == "registry_add" || c == "registry_delete") return {{kSysmon, {12}}};
  if (c == "registry_set") return {{kSysmon, {13}}};
  if (c == "registry_rename") return {{kSysmon, {14}}};
  if (c == "registry_event") return {{kSysmon, {12, 13, 14}}};
  if (c == "create_stream_hash") return {{kSysmon, {15}}};
  if (c == "pipe_created") return {{kSysmon, {17, 18}}};
  if (c == "wmi_event") return {{kSysmon, {19, 20, 21}}};
  if (c == "dns_query") return {{kSysmon, {22}}};
  if (c == "file_delete") return {{kSysmon, {23, 26}}};
  if (c == "clipboard_capture") return {{kSysmon, {24}}};
  if (c == "process_tampering") return {{kSysmon, {25}}};
  if (c == "file_block_executable") return {{kSysmon, {27}}};
  if (c == "file_block_shredding") return {{kSysmon, {28}}};
  if (c == "file_executable_detected") return {{kSysmon, {29}}};
  if (c == "sysmon_error") return {{kSysmon, {255}}};
  if (c == "sysmon_status") return {{kSysmon, {4, 16}}};
  if (c == "ps_module") return {{"microsoft-windows-powershell/operational", {4103}}};
  if (c == "ps_script") return {{"microsoft-windows-powershell/operational", {4104}}};
  if (c == "ps_classic_start") return {{"windows powershell", {400}}};
  if (c == "ps_classic_provider_start") return {{"windows powershell", {600}}};
  if (c == "ps_classic_script") return {{"windows powershell", {800}}};
  return {};
}

// The channels (lower case) a Windows log source's service names, as SigmaHQ's own mapping (tests/thor.yml) gives
// them; empty for a service not listed (matched then as a part of the channel's name).
const std::vector<std::string_view>& windows_service_channels(std::string_view s) {
  static const std::map<std::string_view, std::vector<std::string_view>> kServices = {
      {"security", {"security"}},
      {"system", {"system"}},
      {"application", {"application"}},
      {"sysmon", {"microsoft-windows-sysmon/operational"}},
      {"powershell", {"microsoft-windows-powershell/operational", "powershellcore/operational"}},
      {"powershell-classic", {"windows powershell"}},
      {"taskscheduler", {"microsoft-windows-taskscheduler/operational"}},
      {"wmi", {"microsoft-windows-wmi-activity/operational"}},
      {"wmi-activity", {"microsoft-windows-wmi-activity/operational"}},
      {"windefend", {"microsoft-windows-windows defender/operational"}},
      {"dns-server", {"dns server"}},
      {"bits-client", {"microsoft-windows-bits-client/operational"}},
      {"codeintegrity-operational", {"microsoft-windows-codeintegrity/operational"}},
      {"firewall-as", {"microsoft-windows-windows firewall with advanced security/firewall"}},
      {"terminalservices-localsessionmanager", {"microsoft-windows-terminalservices-localsessionmanager/operational"}},
      {"driver-framework", {"microsoft-windows-driverframeworks-usermode/operational"}},
      {"ntlm", {"microsoft-windows-ntlm/operational"}},
      {"dns-client", {"microsoft-windows-dns client events/operational"}},
      {"appxdeployment-server", {"microsoft-windows-appxdeploymentserver/operational"}},
      {"appxpackaging-om", {"microsoft-windows-appxpackaging/operational"}},
      {"appmodel-runtime", {"microsoft-windows-appmodel-runtime/admin"}},
      {"application-experience",
       {"microsoft-windows-application-experience/program-telemetry",
        "microsoft-windows-application-experience/program-compatibility-assistant"}},
      {"msexchange-management", {"msexchange management"}},
      {"printservice-admin", {"microsoft-windows-printservice/admin"}},
      {"printservice-operational", {"microsoft-windows-printservice/operational"}},
      {"smbclient-security", {"microsoft-windows-smbclient/security"}},
      {"smbclient-connectivity", {"microsoft-windows-smbclient/connectivity"}},
      {"smbserver-connectivity", {"microsoft-windows-smbserver/connectivity"}},
      {"openssh", {"openssh/operational"}},
      {"ldap", {"microsoft-windows-ldap-client/debug"}},
      {"security-mitigations",
       {"microsoft-windows-security-mitigations/kernel mode", "microsoft-windows-security-mitigations/user mode"}},
      {"diagnosis-scripted", {"microsoft-windows-diagnosis-scripted/operational"}},
      {"shell-core", {"microsoft-windows-shell-core/operational"}},
      {"capi2", {"microsoft-windows-capi2/operational"}},
      {"certificateservicesclient-lifecycle-system",
       {"microsoft-windows-certificateservicesclient-lifecycle-system/operational"}},
      {"vhdmp", {"microsoft-windows-vhdmp/operational", "microsoft-windows-vhdmp-operational"}},
      {"applocker",
       {"microsoft-windows-applocker/exe and dll", "microsoft-windows-applocker/msi and script",
        "microsoft-windows-applocker/packaged app-deployment", "microsoft-windows-applocker/packaged app-execution"}},
      {"lsa-server", {"microsoft-windows-lsa/operational"}},
      {"iis-configuration", {"microsoft-iis-configuration/operational"}},
      {"bitlocker", {"microsoft-windows-bitlocker/bitlocker management"}},
      {"dhcp", {"microsoft-windows-dhcp-server/operational"}},
      {"hyper-v-worker", {"microsoft-windows-hyper-v-worker"}},
      {"kernel-event-tracing", {"microsoft-windows-kernel-eventtracing"}},
      {"kernel-shimengine",
       {"microsoft-windows-kernel-shimengine/operational", "microsoft-windows-kernel-shimengine/diagnostic"}},
      {"ntfs", {"microsoft-windows-ntfs/operational"}},
      {"sense", {"microsoft-windows-sense/operational"}},
      {"servicebus-client", {"microsoft-servicebus-client/admin", "microsoft-servicebus-client/operational"}},
      {"microsoft-servicebus-client", {"microsoft-servicebus-client/admin", "microsoft-servicebus-client/operational"}},
  };
  static const std::vector<std::string_view> kNone;
  auto it = kServices.find(s);
  return it == kServices.end() ? kNone : it->second;
}

int event_id(const model::Event& e) {
  const std::string* v = e.get(model::Field::EventID);
  int n = -1;
  if (v) std::from_chars(v->data(), v->data() + v->size(), n);
  return n;
}

bool in_logsource(const LogSource& ls, const model::Event& e) {
  if (!ls.product.empty() && ls.product != e.product) return false;
  if (e.product == "windows") {
    const std::string& channel = e.service;  // lower-case channel (normalize/evtx)
    if (!ls.service.empty()) {
      const auto& want = windows_service_channels(ls.service);
      if (!want.empty() ? std::find(want.begin(), want.end(), channel) == want.end()
                        : channel.find(ls.service) == std::string::npos)
        return false;
    }
    if (!ls.category.empty()) {
      auto sources = windows_category(ls.category);
      if (sources.empty()) return e.category == ls.category;
      // Not from an event log (a hive, the WMI repository, a collector's table): its category says what it is, in
      // the same taxonomy; registry_event covers every registry_* category.
      if (channel.empty())
        return e.category == ls.category || (ls.category == "registry_event" && e.category.starts_with("registry_"));
      const int id = event_id(e);
      for (const auto& s : sources)
        if (channel == s.channel &&
            (s.event_ids.empty() || std::find(s.event_ids.begin(), s.event_ids.end(), id) != s.event_ids.end()))
          return true;
      return false;
    }
    return true;
  }
  if (!ls.category.empty() && ls.category != e.category) return false;
  if (!ls.service.empty() && ls.service != e.service) return false;
  return true;
}

bool rule_matches(const Rule& rule, const model::Event& e) {
  begin_event();  // one rule on its own: nothing cached can be trusted
  return rule.compiled && in_logsource(rule.logsource, e) && eval(rule.compiled->condition, *rule.compiled, e);
}

}  // namespace msw::detect::sigma
