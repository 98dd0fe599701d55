// Event logs of Windows hosts doing ordinary things, shaped like the real ones, for the false-alarm side of detection:
// the unit and CLI tests assert that they make no finding, and bench/detection.sh scans them beside the public
// attack samples. Each is one .evtx file's worth of events (tests/support/evtx_writer).
#pragma once

#include <string>
#include <vector>

#include "support/evtx_writer.h"

namespace msw::test {

struct BenignLog {
  std::string name;  // file name, "<scenario>.evtx"
  std::string what;  // one line: what the host did
  std::vector<EvtxEvent> events;
};

// A clean installation's Security log (Setup's first account made an administrator, the built-in accounts, the first
// logons); Google Update, Microsoft's own and a nightly backup task registered (4698/4702); Windows Defender's
// definition-update drivers and vendor services from Program Files installed (7045), services started and stopped,
// the Event Log service stopping at each shutdown of an older Windows; office typing mistakes (a few 4625, 4771 and
// 4776 per person, then the right password); an expired password changed by its user; a Sysmon day of browsing and
// Windows Update (process starts, connections, file writes, the OneDrive Run key, DNS queries); Windows Update,
// Edge, Chrome and Firefox fetching their updates through BITS.
std::vector<BenignLog> benign_windows_logs();

}  // namespace msw::test
