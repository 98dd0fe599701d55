// Linux collector: copies the host's artefacts into a triage bundle (see evidence/bundle.h) through a HostView.
// It reads only; what it cannot read is recorded in the manifest's failures with the reason, and collection goes on.
#pragma once

#include <functional>
#include <string>

#include "collect/host_view.h"
#include "core/result.h"
#include "evidence/bundle.h"

namespace msw::collect::linux {

// Cap for one copied artefact; configuration files are small and logs get their own collectors.
inline constexpr uint64_t kMaxArtefactBytes = 256ull << 20;

struct CollectOptions {
  std::string out_dir;       // created; must not exist or be empty
  std::string tool_version;
  std::function<void(std::string_view step)> on_step;  // what is being collected now, for a progress display
};

// Errors: collect.out_dir (cannot create or not empty). Per-artefact problems go into manifest.failures.
Result<evidence::BundleManifest> collect_bundle(const HostView& host, const CollectOptions& opts);

}  // namespace msw::collect::linux
