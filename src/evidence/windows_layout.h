// The Windows layout locator's second half: artefacts are found wherever a collector put them (the known-location
// table matches path endings case-insensitively, so KAPE's "C/" and "C%3A/" prefixes and Velociraptor's
// "uploads/auto/C%3A/..." need nothing special, and hives, logs and Prefetch are recognised by their bytes). This
// says which of the artefacts a Windows investigation needs are absent from a folder that mirrors a system volume,
// so the responder can go back for them while the host still exists.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "evidence/evidence.h"

namespace msw::evidence {

struct ExpectedArtefact {
  std::string_view name;  // "SYSTEM hive"
  std::string_view where; // "Windows/System32/config/SYSTEM"
  std::string_view why;   // "services, DNS, RDP and SMB settings"
};

// For the files of one input (relative paths): nothing when it does not look like a Windows volume (no
// Windows/System32 below it), else the expected artefacts that are not there.
std::vector<ExpectedArtefact> missing_windows_artefacts(std::span<const Candidate> files, size_t evidence_index);

}  // namespace msw::evidence
