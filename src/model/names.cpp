// String names of the model's enums. They are stored in case files and reports, so they never change once shipped.
#include <array>
#include <string_view>
#include <utility>

#include "model/entity.h"
#include "model/finding.h"
#include "model/observable.h"

namespace msw::model {
namespace {

template <typename E, size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [e, n] : table)
    if (e == value) return n;
  return "unknown";
}

template <typename E, size_t N>
std::optional<E> value_of(const std::array<std::pair<E, std::string_view>, N>& table, std::string_view name) {
  for (const auto& [e, n] : table)
    if (n == name) return e;
  return std::nullopt;
}

using OK = ObservableKind;
constexpr std::array<std::pair<OK, std::string_view>, 16> kObservableNames{{
    {OK::Ip, "ip"},
    {OK::Domain, "domain"},
    {OK::Url, "url"},
    {OK::Md5, "md5"},
    {OK::Sha1, "sha1"},
    {OK::Sha256, "sha256"},
    {OK::FileName, "file_name"},
    {OK::FilePath, "file_path"},
    {OK::Account, "account"},
    {OK::Wallet, "wallet"},
    {OK::ScheduledTask, "scheduled_task"},
    {OK::Service, "service"},
    {OK::WmiObject, "wmi_object"},
    {OK::RegistryKey, "registry_key"},
    {OK::Mutex, "mutex"},
    {OK::Email, "email"},
}};

constexpr std::array<std::pair<Severity, std::string_view>, 5> kSeverityNames{{
    {Severity::Informational, "informational"},
    {Severity::Low, "low"},
    {Severity::Medium, "medium"},
    {Severity::High, "high"},
    {Severity::Critical, "critical"},
}};

using AK = ActionKind;
constexpr std::array<std::pair<AK, std::string_view>, 15> kActionNames{{
    {AK::KillProcess, "kill_process"},
    {AK::RemoveScheduledTask, "remove_scheduled_task"},
    {AK::RemoveWmiSubscription, "remove_wmi_subscription"},
    {AK::RemoveService, "remove_service"},
    {AK::RemoveAutorun, "remove_autorun"},
    {AK::RemoveCronEntry, "remove_cron_entry"},
    {AK::QuarantineFile, "quarantine_file"},
    {AK::RestoreHostsFile, "restore_hosts_file"},
    {AK::RestoreDnsSettings, "restore_dns_settings"},
    {AK::RepairBootSector, "repair_boot_sector"},
    {AK::RotateCredentials, "rotate_credentials"},
    {AK::BlockPort, "block_port"},
    {AK::ApplyPatch, "apply_patch"},
    {AK::FamilyPlaybook, "family_playbook"},
    {AK::Rescan, "rescan"},
}};

using EK = EntityKind;
constexpr std::array<std::pair<EK, std::string_view>, 16> kEntityNames{{
    {EK::Host, "host"},
    {EK::Process, "process"},
    {EK::Executable, "executable"},
    {EK::Hash, "hash"},
    {EK::Connection, "connection"},
    {EK::Domain, "domain"},
    {EK::Ip, "ip"},
    {EK::Account, "account"},
    {EK::Logon, "logon"},
    {EK::ScheduledTask, "scheduled_task"},
    {EK::Service, "service"},
    {EK::WmiBinding, "wmi_binding"},
    {EK::RegistryValue, "registry_value"},
    {EK::CronEntry, "cron_entry"},
    {EK::File, "file"},
    {EK::Url, "url"},
}};

using DK = EdgeKind;
constexpr std::array<std::pair<DK, std::string_view>, 11> kEdgeNames{{
    {DK::Spawned, "spawned"},
    {DK::ConnectsTo, "connects_to"},
    {DK::Resolves, "resolves"},
    {DK::StartedBy, "started_by"},
    {DK::PersistsVia, "persists_via"},
    {DK::DownloadedFrom, "downloaded_from"},
    {DK::Dropped, "dropped"},
    {DK::LoggedOnFrom, "logged_on_from"},
    {DK::SameHashAs, "same_hash_as"},
    {DK::Contains, "contains"},
    {DK::Runs, "runs"},
}};

}  // namespace

std::string_view to_string(ObservableKind k) { return name_of(kObservableNames, k); }
std::optional<ObservableKind> observable_kind_from_string(std::string_view s) { return value_of(kObservableNames, s); }
std::string_view to_string(ObservableRole r) { return r == ObservableRole::Affected ? "affected" : "indicator"; }
std::optional<ObservableRole> observable_role_from_string(std::string_view s) {
  if (s == "indicator") return ObservableRole::Indicator;
  if (s == "affected") return ObservableRole::Affected;
  return std::nullopt;
}
std::string_view to_string(Severity s) { return name_of(kSeverityNames, s); }
std::optional<Severity> severity_from_string(std::string_view s) { return value_of(kSeverityNames, s); }
std::string_view to_string(ActionKind k) { return name_of(kActionNames, k); }
std::optional<ActionKind> action_kind_from_string(std::string_view s) { return value_of(kActionNames, s); }
std::string_view to_string(EntityKind k) { return name_of(kEntityNames, k); }
std::optional<EntityKind> entity_kind_from_string(std::string_view s) { return value_of(kEntityNames, s); }
std::string_view to_string(EdgeKind k) { return name_of(kEdgeNames, k); }
std::optional<EdgeKind> edge_kind_from_string(std::string_view s) { return value_of(kEdgeNames, s); }

}  // namespace msw::model
