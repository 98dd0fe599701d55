#include "report/iocs.h"

#include <optional>
#include <set>
#include <utility>

#include "core/ip.h"

namespace msw::report {
namespace {

std::optional<intel::IndicatorType> indicator_type(model::ObservableKind k, IocScope scope) {
  using K = model::ObservableKind;
  using T = intel::IndicatorType;
  switch (k) {
    case K::Ip:
      return T::Ip;
    case K::Domain:
      return T::Domain;
    case K::Url:
      return T::Url;
    case K::Md5:
      return T::Md5;
    case K::Sha1:
      return T::Sha1;
    case K::Sha256:
      return T::Sha256;
    case K::Wallet:
      return T::Wallet;
    case K::Mutex:
      return T::Mutex;
    case K::Email:
      return T::Email;
    default:
      break;
  }
  if (scope != IocScope::WithHost) return std::nullopt;
  switch (k) {
    case K::FileName:
      return T::FileName;
    case K::ScheduledTask:
      return T::TaskName;
    case K::Service:
      return T::ServiceName;
    case K::WmiObject:
      return T::WmiName;
    case K::RegistryKey:
      return T::RegistryKey;
    default:
      return std::nullopt;
  }
}

}  // namespace

std::vector<intel::Indicator> case_indicators(std::span<const model::Finding> findings, std::string_view source_prefix,
                                              IocScope scope) {
  std::vector<intel::Indicator> out;
  std::set<std::pair<intel::IndicatorType, std::string>> seen;
  for (const auto& f : findings) {
    if (f.severity < model::Severity::Low) continue;
    for (const auto& o : f.observables) {
      if (o.role != model::ObservableRole::Indicator) continue;  // what the attack acted on is not the attacker's
      auto t = indicator_type(o.kind, scope);
      if (!t) continue;
      auto v = intel::normalize_value(*t, o.value);
      if (!v) continue;
      if (*t == intel::IndicatorType::Ip)
        if (auto ip = parse_ip(*v); ip && ip->scope() != IpScope::Public) continue;
      if (!seen.emplace(*t, *v).second) continue;
      intel::Indicator i;
      i.type = *t;
      i.value = std::move(*v);
      i.family = f.family;
      i.source = std::string(source_prefix) + f.rule_id;
      i.confidence = f.severity >= model::Severity::High ? "high" : "medium";
      i.description = f.title_en.substr(0, 500);
      out.push_back(std::move(i));
    }
  }
  return out;
}

}  // namespace msw::report
