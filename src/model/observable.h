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

struct Observable {
  ObservableKind kind = ObservableKind::Domain;
  std::string value;    // normalised: lower-case domains and hashes, canonical IP text
  std::string context;  // why it was extracted ("hosts entry line 12"), for people

  bool operator==(const Observable& o) const { return kind == o.kind && value == o.value; }
};

}  // namespace msw::model
