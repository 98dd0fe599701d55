// correlate/spread: in a case of several hosts, which host got into which — and so which one to look at first.
//
// Each host names itself and its addresses (host_identity events: a Windows SYSTEM hive's ComputerName and its
// interfaces' addresses). A logon row of host X whose source address belongs to host Y is Y moving to X: a success
// is lateral movement, a burst of failures alone an attempt. Patient zero is the host that moved to others and that
// no other host of the case moved to, the earliest such when there are several; how it got in itself is in its own
// findings (a logon from outside the case, an exposed service).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/time.h"
#include "model/event.h"
#include "model/finding.h"
#include "model/logon.h"

namespace msw::correlate {

inline constexpr std::string_view kLateralMovementRule = "correlate.lateral_movement";
inline constexpr std::string_view kPatientZeroRule = "correlate.patient_zero";
// Failures alone count as an attempt from this many on.
inline constexpr uint64_t kAttemptFailures = 20;

class HostDirectory {
 public:
  // Takes host_identity events (Computer, IpAddresses); ignores every other event. Bounded to 4,096 hosts.
  void observe(const model::Event& e);
  // The case host that owns this address, or "".
  std::string owner_of(std::string_view address) const;
  // The case host a logged machine name means ("WIN-A.corp.local" is WIN-A), or "".
  std::string host_named(std::string_view name) const;
  size_t size() const { return hosts_.size(); }
  std::vector<std::string> names() const;

 private:
  struct Host {
    std::string name;
    std::vector<std::string> addresses;
  };
  std::vector<Host> hosts_;
};

struct Movement {
  std::string from, to;  // case host names
  std::string address;   // the source address the logs show
  std::string account, logon_type;
  uint64_t successes = 0, failures = 0;
  std::optional<Timestamp> first, last;
};

std::vector<Movement> find_movements(const HostDirectory& hosts, std::span<const model::LogonRow> logons);

// One finding per movement (High for a logon that worked, Medium for an attempt) and one naming patient zero when
// some host moved to another; none for a case of one host.
std::vector<model::Finding> spread_findings(std::span<const Movement> movements);

}  // namespace msw::correlate
