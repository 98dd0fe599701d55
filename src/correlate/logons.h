// correlate/logons: the logon summary — per account × source address × logon type × host, counts of successes and
// failures with the first and last time. It is the table a responder builds by hand from 4624/4625 (the WannaMine
// write-up: thousands of failures from one internal address on an expired account, then one success), and the
// same for sshd and SQL Server logons. Bounded: past kMaxLogonRows distinct keys, events are counted as dropped.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/event.h"
#include "model/logon.h"

namespace msw::correlate {

inline constexpr size_t kMaxLogonRows = 200'000;

class LogonSummary {
 public:
  // Counts the event when it is a logon success or failure (Security 4624/4625, sshd, SQL Server 18453/18454/18456).
  void observe(const model::Event& event);
  // Rows with failures first (most first), then by account and source.
  std::vector<model::LogonRow> rows() const;
  uint64_t dropped() const { return dropped_; }

 private:
  std::unordered_map<std::string, size_t> index_;      // account key (with its domain when given) -> row
  std::unordered_map<std::string, size_t> bare_rows_;  // account key without a domain -> its first row
  std::vector<model::LogonRow> rows_;
  uint64_t dropped_ = 0;
};

}  // namespace msw::correlate
