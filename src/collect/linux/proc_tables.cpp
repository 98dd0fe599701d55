#include "collect/linux/proc_tables.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>
#include <map>
#include <set>
#include <thread>
#include <tuple>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "collect/linux/host_tables.h"
#include "core/hash.h"
#include "core/mapped_file.h"
#include "core/text.h"

namespace msw::collect::linux {
namespace {

bool is_pid(std::string_view s) {
  return !s.empty() && s.size() < 12 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

template <typename T>
T to_num(std::string_view s, int base = 10) {
  T v{};
  std::from_chars(s.data(), s.data() + s.size(), v, base);
  return v;
}


// "elf64-exec", "elf64-dyn" (PIE or shared), "elf32-…", "script", "other": what the first bytes of an image say.
std::string image_type(const std::byte* b, size_t n) {
  if (n >= 18 && b[0] == std::byte{0x7f} && b[1] == std::byte{'E'} && b[2] == std::byte{'L'} && b[3] == std::byte{'F'}) {
    const bool big = b[5] == std::byte{2};
    const unsigned type = std::to_integer<unsigned>(big ? b[17] : b[16]);
    const std::string bits = b[4] == std::byte{2} ? "elf64" : "elf32";
    return bits + (type == 2 ? "-exec" : type == 3 ? "-dyn" : "-other");
  }
  if (n >= 2 && b[0] == std::byte{'#'} && b[1] == std::byte{'!'}) return "script";
  return "other";
}

struct LiveImage {
  std::string sha256, type;
};

// The running image, read through the kernel's magic link so a deleted executable still hashes. Live host only.
// Many processes share one program: images are hashed once per (device, inode, size, mtime).
LiveImage hash_live_exe(int64_t pid, std::map<std::tuple<dev_t, ino_t, off_t, time_t>, LiveImage>& cache) {
  std::string path = "/proc/" + std::to_string(pid) + "/exe";
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  struct ::stat st {};
  std::tuple<dev_t, ino_t, off_t, time_t> key{};
  if (::fstat(fd, &st) == 0) {
    key = {st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec};
    if (auto it = cache.find(key); it != cache.end()) {
      ::close(fd);
      return it->second;
    }
  }
  MultiHasher h;
  std::byte buf[1 << 16];
  size_t total = 0;
  LiveImage img;
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    if (total == 0) img.type = image_type(buf, static_cast<size_t>(n));
    h.update({buf, static_cast<size_t>(n)});
    total += static_cast<size_t>(n);
    if (total > (512u << 20)) break;  // a "program" this large is not worth hashing during triage
  }
  ::close(fd);
  img.sha256 = h.finish().sha256;
  if (st.st_ino != 0 && cache.size() < 100'000) cache.emplace(key, img);
  return img;
}

std::string tcp_state(unsigned s) {
  static constexpr const char* kStates[] = {"",         "ESTABLISHED", "SYN_SENT",   "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
                                            "TIME_WAIT", "CLOSE",       "CLOSE_WAIT", "LAST_ACK", "LISTEN",    "CLOSING"};
  return s < std::size(kStates) ? kStates[s] : "UNKNOWN";
}

// /proc as the kernel lists it, through getdents64 directly: an ld.so.preload rootkit hooks readdir() in the C
// library (and so in std::filesystem), not the system call.
std::vector<int64_t> raw_proc_listing(const std::string& proc_dir) {
  std::vector<int64_t> pids;
  int fd = ::open(proc_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return pids;
  alignas(8) char buf[32 * 1024];
  for (;;) {
    long n = ::syscall(SYS_getdents64, fd, buf, sizeof buf);
    if (n <= 0) break;
    for (long off = 0; off + 19 < n;) {
      uint16_t reclen;
      std::memcpy(&reclen, buf + off + 16, sizeof reclen);
      if (reclen < 20 || off + reclen > n) break;
      const char* name = buf + off + 19;
      std::string_view nm(name, strnlen(name, static_cast<size_t>(reclen - 19)));
      if (is_pid(nm) && pids.size() < kMaxProcesses) pids.push_back(to_num<int64_t>(nm));
      off += reclen;
    }
  }
  ::close(fd);
  return pids;
}

// Thread-group leaders that exist as /proc/PID but were not listed. /proc/TID of a thread exists too without being
// listed, so only a pid whose Tgid is itself counts.
std::vector<int64_t> probe_unlisted(const std::string& proc_dir, const std::vector<int64_t>& listed) {
  std::vector<int64_t> found;
  int64_t max_listed = 0;
  for (int64_t p : listed) max_listed = std::max(max_listed, p);
  int64_t pid_max = 4'194'304;
  if (auto t = read_file_text(proc_dir + "/sys/kernel/pid_max", 64)) pid_max = std::clamp<int64_t>(to_num<int64_t>(trim(*t)), 1, 4'194'304);
  const int64_t limit = std::min(pid_max, max_listed + 65'536);
  std::vector<bool> seen(static_cast<size_t>(limit) + 1, false);
  for (int64_t p : listed)
    if (p > 0 && p <= limit) seen[static_cast<size_t>(p)] = true;
  struct ::stat st {};
  for (int64_t pid = 1; pid <= limit; ++pid) {
    if (seen[static_cast<size_t>(pid)]) continue;
    const std::string dir = proc_dir + "/" + std::to_string(pid);
    if (::stat(dir.c_str(), &st) != 0) continue;
    auto status = read_file_text(dir + "/status", 64 * 1024);
    if (!status) continue;
    size_t at = status->find("\nTgid:");
    if (at != std::string::npos && to_num<int64_t>(trim(std::string_view(*status).substr(at + 6, 12))) == pid)
      found.push_back(pid);
    if (found.size() >= 10'000) break;
  }
  return found;
}

}  // namespace

std::vector<std::pair<int64_t, std::string>> classify_hidden(const std::vector<int64_t>& libc_listed,
                                                             const std::vector<int64_t>& raw_listed,
                                                             const std::vector<int64_t>& probed) {
  std::set<int64_t> libc(libc_listed.begin(), libc_listed.end()), raw(raw_listed.begin(), raw_listed.end());
  std::map<int64_t, std::string> out;
  for (int64_t p : raw)
    if (!libc.count(p)) out[p] = "readdir";
  for (int64_t p : probed)
    if (!libc.count(p) && !raw.count(p)) out[p] = "getdents";
  return {out.begin(), out.end()};
}

std::optional<ProcStat> parse_proc_stat(std::string_view text) {
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split at the last ')'.
  size_t open = text.find('('), close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return std::nullopt;
  ProcStat st;
  st.comm = std::string(text.substr(open + 1, close - open - 1));
  auto f = split_words(text.substr(close + 1));
  // f[0] is field 3 (state); field N is f[N-3].
  if (f.size() < 22) return std::nullopt;
  st.ppid = to_num<int64_t>(f[1]);
  st.utime = to_num<uint64_t>(f[11]);
  st.stime = to_num<uint64_t>(f[12]);
  st.threads = to_num<int64_t>(f[17]);
  st.starttime = to_num<uint64_t>(f[19]);
  st.rss_pages = to_num<uint64_t>(f[21]);
  return st;
}

std::optional<SocketRow> parse_proc_net_line(std::string_view line, bool v6) {
  auto f = split_words(line);
  if (f.size() < 10 || f[0].back() != ':') return std::nullopt;
  auto addr = [&](std::string_view s, std::string& ip, uint16_t& port) {
    size_t colon = s.find(':');
    if (colon == std::string_view::npos) return false;
    std::string_view hex = s.substr(0, colon);
    port = to_num<uint16_t>(s.substr(colon + 1), 16);
    IpAddress a;
    a.v6 = v6;
    const size_t words = v6 ? 4 : 1;
    if (hex.size() != words * 8) return false;
    for (size_t w = 0; w < words; ++w) {
      // Each 32-bit word is printed in host (little-endian) order.
      auto word = to_num<uint32_t>(hex.substr(w * 8, 8), 16);
      for (size_t b = 0; b < 4; ++b) a.bytes[w * 4 + b] = static_cast<uint8_t>(word >> (8 * b));
    }
    ip = a.to_string();
    return true;
  };
  SocketRow r;
  if (!addr(f[1], r.local_ip, r.local_port) || !addr(f[2], r.remote_ip, r.remote_port)) return std::nullopt;
  r.state = tcp_state(to_num<unsigned>(f[3], 16));
  r.inode = to_num<uint64_t>(f[9]);
  return r;
}

ProcTables collect_proc_tables(const HostView& host, int sample_ms) {
  ProcTables t;
  auto users = account_names(host);
  auto pids = host.list("/proc");
  if (!pids) return t;
  const long clk = ::sysconf(_SC_CLK_TCK) > 0 ? ::sysconf(_SC_CLK_TCK) : 100;
  const long page_kb = ::sysconf(_SC_PAGESIZE) / 1024;
  uint64_t btime = 0;
  if (auto stat = host.read("/proc/stat", 1u << 20)) {
    size_t at = stat->find("\nbtime ");
    if (at != std::string::npos) btime = to_num<uint64_t>(std::string_view(*stat).substr(at + 7));
  }

  std::unordered_map<int64_t, uint64_t> first_ticks;
  std::vector<int64_t> live;
  for (const auto& p : *pids) {
    if (!is_pid(p)) continue;
    if (live.size() == kMaxProcesses) break;
    live.push_back(to_num<int64_t>(p));
  }
  // A live host is also listed through the kernel directly and probed, to find what a rootkit hides from ps.
  std::map<int64_t, std::string> hidden;
  if (host.is_live()) {
    if (auto proc_dir = host.resolve("/proc")) {
      const std::string dir = proc_dir->string();
      auto raw = raw_proc_listing(dir);
      auto probed = probe_unlisted(dir, live);
      auto candidates = classify_hidden(live, raw, probed);
      if (!candidates.empty()) {
        // Processes that started while we looked are not hidden: list again and keep what is still missing.
        std::set<int64_t> again;
        if (auto names = host.list("/proc"))
          for (const auto& n : *names)
            if (is_pid(n)) again.insert(to_num<int64_t>(n));
        for (auto& [pid, how] : candidates)
          if (!again.count(pid) && live.size() < kMaxProcesses) {
            hidden[pid] = how;
            live.push_back(pid);
          }
      }
    }
  }
  auto ticks_of = [&](int64_t pid) -> std::optional<ProcStat> {
    auto s = host.read("/proc/" + std::to_string(pid) + "/stat", 4096);
    if (!s) return std::nullopt;
    return parse_proc_stat(*s);
  };
  if (sample_ms > 0) {
    for (int64_t pid : live)
      if (auto st = ticks_of(pid)) first_ticks[pid] = st->utime + st->stime;
    std::this_thread::sleep_for(std::chrono::milliseconds(sample_ms));
  }

  std::unordered_map<uint64_t, int64_t> inode_pid;
  std::map<std::tuple<dev_t, ino_t, off_t, time_t>, LiveImage> images;
  for (int64_t pid : live) {
    const std::string base = "/proc/" + std::to_string(pid);
    auto st = ticks_of(pid);
    if (!st) {
      ++t.unreadable;  // exited meanwhile, or hidden from us
      continue;
    }
    ProcessRow r;
    r.pid = pid;
    if (auto h = hidden.find(pid); h != hidden.end()) r.hidden_from = h->second;
    r.ppid = st->ppid;
    r.name = st->comm;
    r.threads = st->threads;
    r.rss_kb = st->rss_pages * static_cast<uint64_t>(page_kb);
    if (btime) r.start_unix = static_cast<int64_t>(btime + st->starttime / static_cast<uint64_t>(clk));
    if (auto it = first_ticks.find(pid); it != first_ticks.end() && sample_ms > 0) {
      uint64_t now = st->utime + st->stime;
      r.cpu_percent = now >= it->second ? 100.0 * static_cast<double>(now - it->second) /
                                              (static_cast<double>(clk) * sample_ms / 1000.0)
                                        : 0.0;
    }
    if (auto status = host.read(base + "/status", 64 * 1024)) {
      size_t at = status->find("\nUid:");
      if (at != std::string::npos) {
        auto uid = to_num<int64_t>(trim(std::string_view(*status).substr(at + 5, 12)));
        auto u = users.find(uid);
        r.user = u != users.end() ? u->second : std::to_string(uid);
      }
    }
    if (auto exe = host.read_link(base + "/exe")) {
      r.exe = *exe;
      r.exe_deleted = r.exe.ends_with(" (deleted)");
    }
    if (auto cwd = host.read_link(base + "/cwd")) r.cwd = *cwd;
    if (auto cmd = host.read(base + "/cmdline", 256 * 1024)) {
      for (char& c : *cmd)
        if (c == '\0') c = ' ';
      r.cmdline = std::string(trim(*cmd));
    }
    if (auto env = host.read(base + "/environ", 1u << 20)) {
      std::string_view e = *env;
      for (size_t pos = 0; pos < e.size();) {
        size_t end = e.find('\0', pos);
        std::string_view var = e.substr(pos, (end == std::string_view::npos ? e.size() : end) - pos);
        if (var.starts_with("LD_PRELOAD=")) r.ld_preload = std::string(var.substr(11));
        pos = end == std::string_view::npos ? e.size() : end + 1;
      }
    }
    if (host.is_live()) {
      LiveImage img = hash_live_exe(pid, images);
      r.exe_sha256 = std::move(img.sha256);
      r.exe_type = std::move(img.type);
    }
    if (auto fds = host.list(base + "/fd")) {
      for (const auto& fd : *fds) {
        auto target = host.read_link(base + "/fd/" + fd);
        if (target && target->starts_with("socket:[")) inode_pid[to_num<uint64_t>(std::string_view(*target).substr(8))] = pid;
      }
    } else {
      ++t.unreadable;
    }
    t.processes.push_back(std::move(r));
  }
  std::unordered_map<int64_t, const ProcessRow*> by_pid;
  for (const auto& p : t.processes) by_pid[p.pid] = &p;
  for (auto& p : t.processes) {
    if (auto it = by_pid.find(p.ppid); it != by_pid.end()) {
      p.parent_exe = it->second->exe;
      p.parent_cmdline = it->second->cmdline;
    }
  }

  for (auto [file, v6] : {std::pair{"tcp", false}, {"tcp6", true}, {"udp", false}, {"udp6", true}}) {
    auto text = host.read(std::string("/proc/net/") + file, 64u << 20);
    if (!text) continue;
    std::string_view all = *text;
    size_t pos = all.find('\n');  // skip the header line
    while (pos != std::string_view::npos && pos + 1 < all.size() && t.sockets.size() < kMaxSockets) {
      size_t eol = all.find('\n', pos + 1);
      std::string_view line = all.substr(pos + 1, (eol == std::string_view::npos ? all.size() : eol) - pos - 1);
      pos = eol;
      auto row = parse_proc_net_line(line, v6);
      if (!row) continue;
      row->protocol = file;
      if (row->protocol.starts_with("udp")) row->state = row->state == "CLOSE" ? "" : row->state;
      if (auto it = inode_pid.find(row->inode); it != inode_pid.end()) {
        row->pid = it->second;
        if (auto p = by_pid.find(row->pid); p != by_pid.end()) row->exe = p->second->exe;
      }
      t.sockets.push_back(std::move(*row));
    }
  }
  return t;
}

std::string processes_jsonl(const std::vector<ProcessRow>& rows) {
  std::string out;
  for (const auto& r : rows) {
    nlohmann::ordered_json j = {{"pid", r.pid},           {"ppid", r.ppid},         {"name", r.name},
                                {"user", r.user},         {"exe", r.exe},           {"exe_deleted", r.exe_deleted},
                                {"cmdline", r.cmdline},   {"cwd", r.cwd},           {"parent_exe", r.parent_exe},
                                {"parent_cmdline", r.parent_cmdline}, {"start_unix", r.start_unix},
                                {"cpu_percent", r.cpu_percent}, {"rss_kb", r.rss_kb}, {"threads", r.threads},
                                {"ld_preload", r.ld_preload}, {"exe_sha256", r.exe_sha256}};
    if (!r.exe_type.empty()) j["exe_type"] = r.exe_type;
    if (!r.hidden_from.empty()) j["hidden_from"] = r.hidden_from;
    out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  return out;
}

std::string sockets_jsonl(const std::vector<SocketRow>& rows) {
  std::string out;
  for (const auto& r : rows) {
    nlohmann::ordered_json j = {{"protocol", r.protocol}, {"local_ip", r.local_ip},   {"local_port", r.local_port},
                                {"remote_ip", r.remote_ip}, {"remote_port", r.remote_port}, {"state", r.state},
                                {"inode", r.inode},       {"pid", r.pid},             {"exe", r.exe}};
    out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  return out;
}

}  // namespace msw::collect::linux
