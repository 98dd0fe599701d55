// model::Entity and model::Edge: the nodes and typed links of a case's graph, from which correlate/ builds the
// storyline. An entity is identified by (kind, key) so the same file or address seen by two engines merges.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace msw::model {

enum class EntityKind : uint8_t {
  Host,
  Process,
  Executable,
  Hash,
  Connection,
  Domain,
  Ip,
  Account,
  Logon,
  ScheduledTask,
  Service,
  WmiBinding,
  RegistryValue,
  CronEntry,
  File,
  Url,
};
std::string_view to_string(EntityKind k);
std::optional<EntityKind> entity_kind_from_string(std::string_view s);

enum class EdgeKind : uint8_t {
  Spawned,
  ConnectsTo,
  Resolves,
  StartedBy,
  PersistsVia,
  DownloadedFrom,
  Dropped,
  LoggedOnFrom,
  SameHashAs,
  Contains,  // a host contains a file; a file contains an entry
  Runs,      // a process runs an executable
};
std::string_view to_string(EdgeKind k);
std::optional<EdgeKind> edge_kind_from_string(std::string_view s);

struct EntityKey {
  EntityKind kind = EntityKind::File;
  std::string key;  // normalised identity: lower-case domain, canonical IP, full path
  bool operator==(const EntityKey&) const = default;
};

struct Entity {
  EntityKey id;
  std::string label;  // for people
};

struct Edge {
  EntityKey from;
  EntityKey to;
  EdgeKind kind = EdgeKind::Contains;
  std::string finding_rule;  // the finding that established it, if any
};

}  // namespace msw::model
