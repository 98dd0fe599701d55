// The case's indicators of compromise, as a responder hands them on: every observable of a finding of at least Low
// severity that is an indicator type, normalised as the intel store normalises it and de-duplicated. Internal and
// other non-public addresses are left out: our own network is not an IOC.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "intel/indicator.h"
#include "model/finding.h"

namespace msw::report {

enum class IocScope {
  Shareable,  // network, hash, wallet, mutex, e-mail: what `intel export` writes as STIX/MISP/CSV
  WithHost,   // and the host's own artefacts: file, task, service, WMI and registry names (for the report)
};

// `source_prefix` + the finding's rule id becomes each indicator's source; confidence is high for High and Critical
// findings, medium otherwise. Order: first seen in `findings` (most severe first in a loaded case).
std::vector<intel::Indicator> case_indicators(std::span<const model::Finding> findings, std::string_view source_prefix,
                                              IocScope scope);

}  // namespace msw::report
