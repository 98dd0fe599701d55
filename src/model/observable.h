// model::Observable: a thing worth matching against threat intelligence or linking across evidence.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace msw::model {

enum class ObservableKind : uint8_t {
  Ip,
  Domain,
  Url,
  Md5,
  Sha1,
  Sha256,
  FileName,
  FilePath,
  Account,
  Wallet,
  ScheduledTask,
  Service,
  WmiObject,
  RegistryKey,
  Mutex,
  Email,
};

std::string_view to_string(ObservableKind k);
std::optional<ObservableKind> observable_kind_from_string(std::string_view s);

// Whose thing it is. An indicator points at the attacker (a pool, a C2 address, a dropper's hash) and goes into IOC
// exports; an affected thing is what the attack acted on (a security vendor's domain the hosts file blocks, a public
// resolver it forced, the infected host's own address, a probed host): evidence of the change, never an indicator.
enum class ObservableRole : uint8_t { Indicator, Affected };
std::string_view to_string(ObservableRole r);
std::optional<ObservableRole> observable_role_from_string(std::string_view s);

struct Observable {
  ObservableKind kind = ObservableKind::Domain;
  std::string value;    // normalised: lower-case domains and hashes, canonical IP text
  std::string context;  // why it was extracted ("hosts entry line 12"), for people
  ObservableRole role = ObservableRole::Indicator;

  bool operator==(const Observable& o) const { return kind == o.kind && value == o.value; }
};

}  // namespace msw::model
