#include "collect/linux/journal.h"

#include <filesystem>
#include <vector>

#ifdef MSW_HAVE_SYSTEMD
#include <systemd/sd-journal.h>
#endif

namespace msw::collect::linux {

std::string journal_line(Timestamp t, std::string_view host, std::string_view ident, std::string_view pid,
                         std::string_view message) {
  std::string line = to_iso8601(t, 6);
  line.pop_back();  // 'Z' → an explicit offset, as rsyslog writes RFC 3339
  line += "+00:00 ";
  line += host.empty() ? "-" : host;
  line += ' ';
  line += ident;
  if (!pid.empty()) {
    line += '[';
    line += pid;
    line += ']';
  }
  line += ": ";
  for (char c : message.substr(0, 8192)) line += (c == '\n' || c == '\r') ? ' ' : c;
  line += '\n';
  return line;
}

#ifdef MSW_HAVE_SYSTEMD
namespace {

std::string_view field(sd_journal* j, const char* name) {
  const void* data = nullptr;
  size_t len = 0;
  if (sd_journal_get_data(j, name, &data, &len) < 0 || data == nullptr) return {};
  std::string_view v(static_cast<const char*>(data), len);
  const size_t eq = v.find('=');
  return eq == std::string_view::npos ? std::string_view{} : v.substr(eq + 1);
}

}  // namespace

std::optional<JournalExport> export_auth_journal(const HostView& host, std::string& why) {
  std::vector<std::string> dirs;
  for (const char* d : {"/var/log/journal", "/run/log/journal"})
    if (auto real = host.resolve(d)) dirs.push_back(real->string());
  if (dirs.empty()) {
    why = "no journal under the root (/var/log/journal, /run/log/journal)";
    return std::nullopt;
  }
  JournalExport out;
  for (const auto& dir : dirs) {
    sd_journal* j = nullptr;
    // SD_JOURNAL_OS_ROOT is not used: the HostView already resolved the folder inside the root.
    if (int rc = sd_journal_open_directory(&j, dir.c_str(), 0); rc < 0) {
      why = "cannot open the journal in " + dir + " (error " + std::to_string(-rc) + ")";
      continue;
    }
    for (const char* m : {"SYSLOG_IDENTIFIER=sshd", "SYSLOG_IDENTIFIER=sshd-session", "SYSLOG_IDENTIFIER=sudo",
                          "SYSLOG_IDENTIFIER=useradd", "SYSLOG_IDENTIFIER=adduser"})
      sd_journal_add_match(j, m, 0);
    SD_JOURNAL_FOREACH(j) {
      if (out.entries >= kMaxJournalEntries || out.text.size() >= kMaxJournalBytes) {
        out.truncated = true;
        break;
      }
      uint64_t usec = 0;
      if (sd_journal_get_realtime_usec(j, &usec) < 0 || usec > 9'000'000'000'000'000ull) continue;
      out.text += journal_line(Timestamp{static_cast<int64_t>(usec) * 1000}, field(j, "_HOSTNAME"), field(j, "SYSLOG_IDENTIFIER"), field(j, "_PID"),
                               field(j, "MESSAGE"));
      ++out.entries;
    }
    sd_journal_close(j);
  }
  return out;
}
#else
std::optional<JournalExport> export_auth_journal(const HostView&, std::string& why) {
  why = "built without libsystemd (apt-get install libsystemd-dev and rebuild): journal not read";
  return std::nullopt;
}
#endif

}  // namespace msw::collect::linux
