#include "respond/plan.h"

#include <algorithm>

#include "core/text.h"
#include "respond/credentials.h"

namespace msw::respond {
namespace {

// Windows names (paths, tasks, services, registry values) compare without case, as Windows compares them; Linux
// paths and everything else exactly.
bool same_target(std::string_view a, std::string_view b) {
  if (a.starts_with("/") || b.starts_with("/")) return a == b;
  return iequals_ascii(a, b);
}

// A file to quarantine that is itself the evidence of the finding (a dropped binary, a miner's configuration): its
// hash at triage, so the file is moved only while it is still that file.
std::string triage_sha256(const model::Finding& f, const model::RemediationAction& a) {
  if (a.kind != model::ActionKind::QuarantineFile) return {};
  if (!a.expected_sha256.empty()) return a.expected_sha256;
  for (const auto& e : f.evidence)
    if (!e.sha256.empty() && e.path == a.target) return e.sha256;
  return {};
}

}  // namespace

std::vector<PlannedAction> build_plan(std::span<const model::Finding> findings) {
  std::vector<PlannedAction> plan;
  for (const auto& f : findings) {
    if (f.severity == model::Severity::Informational) continue;  // informational findings imply no change
    for (const auto& a : f.actions) {
      auto it = std::find_if(plan.begin(), plan.end(), [&](const PlannedAction& p) {
        // Two lines a dropper wrote into one file are two steps.
        return p.action.kind == a.kind && same_target(p.action.target, a.target) &&
               p.action.expected_text == a.expected_text;
      });
      if (it == plan.end()) {
        plan.push_back({a, {f.rule_id}});
        plan.back().action.expected_sha256 = triage_sha256(f, a);
        // A credential step says exactly what the scripts and --apply do with it, whatever the finding advised.
        if (a.kind == model::ActionKind::RotateCredentials) {
          plan.back().action.detail_en = credential_step_en(a.target);
          plan.back().action.detail_zh = credential_step_zh(a.target);
        }
      } else {
        if (it->action.expected_sha256.empty()) it->action.expected_sha256 = triage_sha256(f, a);
        if (std::find(it->reasons.begin(), it->reasons.end(), f.rule_id) == it->reasons.end())
          it->reasons.push_back(f.rule_id);
      }
    }
  }
  std::stable_sort(plan.begin(), plan.end(),
                   [](const PlannedAction& a, const PlannedAction& b) { return a.action.kind < b.action.kind; });
  if (!plan.empty())
    plan.push_back({{model::ActionKind::Rescan, "this host", "Run minesweep again after the clean-up to confirm.",
                     "清理完成后再次运行 minesweep 进行确认。"},
                    {}});
  return plan;
}

}  // namespace msw::respond
