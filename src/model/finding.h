// model::Finding: one conclusion with its evidence, in both report languages, and what it implies doing.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "model/observable.h"

namespace msw::model {

enum class Severity : uint8_t { Informational, Low, Medium, High, Critical };
std::string_view to_string(Severity s);
std::optional<Severity> severity_from_string(std::string_view s);

// A pointer into evidence precise enough for another analyst to find the bytes again.
struct EvidenceRef {
  std::string path;     // artefact path as shown to the user
  std::string sha256;   // of the evidence file, when known
  uint64_t offset = 0;  // byte offset in the file
  uint64_t length = 0;  // bytes, 0 when not meaningful
  uint64_t line = 0;    // 1-based line for text artefacts, 0 when not a text line
  std::string excerpt;  // the evidence text itself (attacker-controlled: escape on output)
};

enum class ActionKind : uint8_t {
  KillProcess,
  RemoveScheduledTask,
  RemoveWmiSubscription,
  RemoveService,
  RemoveAutorun,
  RemoveCronEntry,
  QuarantineFile,
  RestoreHostsFile,
  RestoreDnsSettings,
  RepairBootSector,
  RotateCredentials,
  BlockPort,
  ApplyPatch,
  FamilyPlaybook,  // a step from the knowledge base's remediation for the attributed family (done by a person)
  Rescan,
};
std::string_view to_string(ActionKind k);
std::optional<ActionKind> action_kind_from_string(std::string_view s);

// What the evidence implies doing; respond/ orders, de-duplicates and scripts these.
struct RemediationAction {
  ActionKind kind = ActionKind::Rescan;
  std::string target;  // the exact object: a path, a task name, a pid, "hosts:line 12"
  std::string detail_en;
  std::string detail_zh;
  // What the target held when it was flagged, so a change is made only while it still does: a cron or start-up
  // line's text (trimmed, as the normaliser read it), a registry value's data. Empty when not meaningful.
  std::string expected_text = {};
  std::string expected_sha256 = {};  // the file the target is in, at triage
};

struct Finding {
  std::string rule_id;  // stable: "heuristic.hosts_tampering", a Sigma id, a YARA rule name
  std::string engine;   // "heuristics", "sigma", "yara", "ioc", "kb"
  Severity severity = Severity::Informational;
  std::string title_en, title_zh;
  std::string description_en, description_zh;
  std::vector<std::string> attack;  // ATT&CK technique ids, e.g. "T1565.001"
  std::optional<Timestamp> time;    // when the behaviour happened, when known
  std::vector<EvidenceRef> evidence;
  std::vector<Observable> observables;
  std::string family;  // attributed family, empty when unknown
  std::vector<RemediationAction> actions;
};

}  // namespace msw::model
