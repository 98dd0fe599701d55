// Linux process and socket tables read from /proc through a HostView: the `ps` and `netstat -anp` a responder would
// type, as rows with the join between sockets and processes already made (socket inode → pid). Written into the
// bundle as JSON Lines (processes.jsonl, connections.jsonl) so analysis never needs the live host.
//
// Reads only. Without root some fields are empty (another user's exe, fd and environ links); each unreadable item
// is counted, not fatal.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collect/host_view.h"
#include "core/ip.h"

namespace msw::collect::linux {

// A full table of a busy host has a few thousand rows; the cap keeps a hostile /proc (a fork bomb) bounded.
inline constexpr size_t kMaxProcesses = 100'000;
inline constexpr size_t kMaxSockets = 200'000;

struct ProcessRow {
  int64_t pid = 0, ppid = 0;
  std::string name;     // comm
  std::string user;     // from /etc/passwd, or the numeric uid
  std::string exe;      // link target as the kernel shows it, " (deleted)" included
  bool exe_deleted = false;
  std::string cmdline;  // arguments joined with spaces
  std::string cwd;
  std::string parent_exe, parent_cmdline;
  int64_t start_unix = 0;  // 0 when unknown
  double cpu_percent = 0;  // over the sampling interval
  uint64_t rss_kb = 0;
  int64_t threads = 0;
  std::string ld_preload;  // LD_PRELOAD from the environment, when readable
  std::string exe_sha256;  // of the running image (works for deleted executables on a live host)
  std::string exe_type;    // elf64-exec, elf64-dyn, elf32-…, script, other (live host)
  // Non-empty for a process the normal listing does not show: "readdir" (the C library's listing misses it but the
  // kernel's getdents64 shows it: a user-space rootkit such as an ld.so.preload hook) or "getdents" (only a probe of
  // /proc/PID finds it: a kernel rootkit).
  std::string hidden_from;
};

struct SocketRow {
  std::string protocol;  // tcp, tcp6, udp, udp6
  std::string local_ip, remote_ip;
  uint16_t local_port = 0, remote_port = 0;
  std::string state;  // ESTABLISHED, LISTEN, ...
  uint64_t inode = 0;
  int64_t pid = 0;  // 0 when no readable process owns it
  std::string exe;
};

struct ProcTables {
  std::vector<ProcessRow> processes;
  std::vector<SocketRow> sockets;
  size_t unreadable = 0;  // items skipped for permissions or races (processes that exited meanwhile)
};

// `sample_ms`: interval for the CPU sample (0: no sample).
ProcTables collect_proc_tables(const HostView& host, int sample_ms);

// Hidden processes from three views of /proc: the C library's listing (what ps shows), the kernel's getdents64
// listing, and the thread-group leaders a probe of /proc/PID found. Returns pid → "readdir" or "getdents".
std::vector<std::pair<int64_t, std::string>> classify_hidden(const std::vector<int64_t>& libc_listed,
                                                             const std::vector<int64_t>& raw_listed,
                                                             const std::vector<int64_t>& probed);

// Pure parsers, exposed for tests and fuzzing.
struct ProcStat {
  int64_t ppid = 0;
  uint64_t utime = 0, stime = 0, starttime = 0, rss_pages = 0;
  int64_t threads = 0;
  std::string comm;
};
std::optional<ProcStat> parse_proc_stat(std::string_view text);
// One data line of /proc/net/{tcp,udp}[6]. `v6` selects the address width.
std::optional<SocketRow> parse_proc_net_line(std::string_view line, bool v6);

std::string processes_jsonl(const std::vector<ProcessRow>& rows);
std::string sockets_jsonl(const std::vector<SocketRow>& rows);

}  // namespace msw::collect::linux
