// The systemd journal's authentication entries (sshd, sudo, useradd), exported as syslog-style lines so the same
// auth-log parser reads them: on Debian 12 without rsyslog the journal is the only record of SSH logons.
// Read through libsystemd's sd-journal (read-only) from ROOT/var/log/journal and ROOT/run/log/journal, or the live
// host's journals. Built without libsystemd, it reports that instead.
#pragma once

#include <optional>
#include <string>

#include "collect/host_view.h"
#include "core/time.h"

namespace msw::collect::linux {

inline constexpr size_t kMaxJournalEntries = 2'000'000;
inline constexpr size_t kMaxJournalBytes = 256u << 20;

struct JournalExport {
  std::string text;  // one line per entry: "ISO-8601 host ident[pid]: message"
  size_t entries = 0;
  bool truncated = false;
};

// nullopt with `why` set when there is no journal to read (or no libsystemd); an empty export is a journal without
// authentication entries.
std::optional<JournalExport> export_auth_journal(const HostView& host, std::string& why);

// One exported line; exposed for tests. Newlines in the message become spaces.
std::string journal_line(Timestamp t, std::string_view host, std::string_view ident, std::string_view pid,
                         std::string_view message);

}  // namespace msw::collect::linux
