// The mining-family knowledge base compiled into the binary (data/kb/*.yaml, restructured from the project's
// research notes by scripts/kb/split_kb.py): per family its names, platforms, summary and remediation, and the
// indicators its artefacts give (network, hashes, wallets, task/service/WMI names, file names), each with the source
// the research cites; plus public mining-pool domains.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.h"
#include "core/result.h"
#include "intel/indicator.h"

namespace msw::intel {

struct FamilyInfo {
  std::string id;                  // "mykings", "kinsing_h2miner", ...
  std::vector<std::string> names;  // first is the display name
  std::vector<std::string> platforms;
  std::string summary;
  std::vector<std::string> remediation_en;
  std::vector<std::string> remediation_zh;  // same steps, same order (data/kb/remediation-zh.yaml)
};

struct KnowledgeBase {
  std::vector<FamilyInfo> families;
  std::vector<Indicator> indicators;
  size_t skipped = 0;  // values in the files that are prose or malformed, not matchable indicators
  std::map<std::string, std::vector<std::string>> pending_zh;  // while loading: remediation_zh by family id
  const FamilyInfo* family(std::string_view id) const;
};

// One KB file's YAML text (a "family:" document, "mining_pools:", or "remediation_zh:" — attached to families
// already loaded; others are ignored). Values that do not
// normalise are skipped and counted in `skipped`. Errors: kb.bad_yaml.
Result<void> load_kb_yaml(std::string_view yaml, std::string_view file, KnowledgeBase& kb, size_t& skipped);

// Every embedded data/kb/ file. Problems are diagnostics; what loaded is returned.
KnowledgeBase builtin_kb(Diagnostics& diags);

}  // namespace msw::intel
