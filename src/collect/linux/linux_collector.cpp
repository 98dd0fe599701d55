#include "collect/linux/linux_collector.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "collect/linux/file_sweep.h"
#include "collect/linux/host_tables.h"
#include "collect/linux/journal.h"
#include "collect/linux/packages.h"
#include "collect/linux/proc_tables.h"
#include "core/hash.h"
#include "core/text.h"
#include "core/time.h"
#include "evidence/evidence.h"

namespace msw::collect::linux {
namespace fs = std::filesystem;
using evidence::ArtefactKind;

namespace {

// Files copied when present (absence is normal). Missing hosts and resolv.conf are recorded: every host has them.
struct FileItem {
  std::string_view host_path;
  ArtefactKind kind;
  bool expected = false;
};
constexpr FileItem kFiles[] = {
    {"/etc/hosts", ArtefactKind::HostsFile, true},
    {"/etc/resolv.conf", ArtefactKind::ResolvConf, true},
    {"/etc/crontab", ArtefactKind::Crontab},
    {"/etc/ld.so.preload", ArtefactKind::LdSoPreload},
    {"/etc/rc.local", ArtefactKind::StartupScript},
    {"/etc/rc.d/rc.local", ArtefactKind::StartupScript},
    {"/etc/profile", ArtefactKind::StartupScript},
    {"/etc/bash.bashrc", ArtefactKind::StartupScript},
    {"/etc/bashrc", ArtefactKind::StartupScript},
    {"/etc/sudoers", ArtefactKind::Sudoers},
    {"/etc/redis/redis.conf", ArtefactKind::RedisConf},
    {"/etc/redis.conf", ArtefactKind::RedisConf},
    {"/etc/ssh/sshd_config", ArtefactKind::SshdConfig},
};

// Folders whose files are copied (one level; sub-folders are not entered).
constexpr FileItem kFolders[] = {
    {"/etc/cron.d", ArtefactKind::Crontab},
    {"/var/spool/cron", ArtefactKind::Crontab},
    {"/var/spool/cron/crontabs", ArtefactKind::Crontab},
    {"/etc/cron.hourly", ArtefactKind::StartupScript},
    {"/etc/cron.daily", ArtefactKind::StartupScript},
    {"/etc/cron.weekly", ArtefactKind::StartupScript},
    {"/etc/cron.monthly", ArtefactKind::StartupScript},
    {"/etc/init.d", ArtefactKind::StartupScript},
    {"/etc/profile.d", ArtefactKind::StartupScript},
    {"/etc/sudoers.d", ArtefactKind::Sudoers},
    {"/etc/ssh/sshd_config.d", ArtefactKind::SshdConfig},
    {"/etc/systemd/system", ArtefactKind::SystemdUnit},
    {"/run/systemd/system", ArtefactKind::SystemdUnit},
    {"/usr/local/lib/systemd/system", ArtefactKind::SystemdUnit},
    {"/lib/systemd/system", ArtefactKind::SystemdUnit},
    {"/usr/lib/systemd/system", ArtefactKind::SystemdUnit},
};

// In every home folder (/root and /home/*).
constexpr FileItem kHomeFiles[] = {
    {".ssh/authorized_keys", ArtefactKind::AuthorizedKeys},
    {".ssh/authorized_keys2", ArtefactKind::AuthorizedKeys},
    {".bashrc", ArtefactKind::StartupScript},
    {".bash_profile", ArtefactKind::StartupScript},
    {".bash_login", ArtefactKind::StartupScript},
    {".profile", ArtefactKind::StartupScript},
    {".bash_logout", ArtefactKind::StartupScript},
    {".bash_history", ArtefactKind::ShellHistory},
    {".zsh_history", ArtefactKind::ShellHistory},
    {".ash_history", ArtefactKind::ShellHistory},
};
constexpr FileItem kHomeFolders[] = {
    {".config/systemd/user", ArtefactKind::SystemdUnit},
};

// Authentication logs, rotated ones included (compressed copies are copied as they are).
constexpr std::string_view kAuthLogPrefixes[] = {"auth.log", "secure"};

// Files taken at most (a worm that writes thousands of cron files is still reported by those taken).
constexpr size_t kMaxCopiedFiles = 5000;
constexpr uint64_t kMaxConfigBytes = 16u << 20;

Result<void> write_new_file(const fs::path& path, std::string_view bytes) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return Error::make("collect.write", "cannot create " + path.parent_path().string() + ": " + ec.message());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Error::make("collect.write", "cannot create " + path.string() + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      return Error::make("collect.write", "cannot write " + path.string() + ": " + std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0)
    return Error::make("collect.write", "cannot flush " + path.string() + ": " + std::strerror(errno));
  return {};
}

class Bundle {
 public:
  Bundle(const HostView& host, fs::path out, evidence::BundleManifest& m) : host_(host), out_(std::move(out)), m_(m) {}

  // Copies a host file into the bundle at the same relative path. Absent files are skipped silently unless
  // `expected`; a file reached twice (through a link, or /lib → /usr/lib) is copied once.
  void copy(const std::string& host_path, ArtefactKind kind, uint64_t max_bytes, bool expected = false) {
    auto real = host_.resolve(host_path);
    if (!real) {
      if (expected) m_.failures.push_back({host_path, real.error().message});
      return;
    }
    if (std::error_code ec; !fs::is_regular_file(*real, ec)) return;
    if (!copied_real_.insert(real->string()).second) return;
    if (++copied_ > kMaxCopiedFiles) {
      if (copied_ == kMaxCopiedFiles + 1)
        m_.failures.push_back({host_path, "more than " + std::to_string(kMaxCopiedFiles) + " files; the rest skipped"});
      return;
    }
    auto bytes = host_.read(host_path, max_bytes);
    if (!bytes) {
      m_.failures.push_back({host_path, bytes.error().message});
      return;
    }
    add(host_path.substr(1), host_path, kind, *bytes);
    sources_.push_back(host_path);
  }

  void copy_folder(const std::string& host_dir, ArtefactKind kind) {
    auto names = host_.list(host_dir);
    if (!names) return;
    std::sort(names->begin(), names->end());
    for (const auto& n : *names) copy(host_dir + "/" + n, kind, kMaxConfigBytes);
  }

  // Writes a generated table (or any text) into the bundle.
  void add(const std::string& bundle_path, const std::string& source, ArtefactKind kind, std::string_view bytes) {
    if (auto w = write_new_file(out_ / bundle_path, bytes); !w) {
      m_.failures.push_back({source, w.error().message});
      return;
    }
    m_.artefacts.push_back({bundle_path, source, std::string(evidence::to_string(kind)), bytes.size(),
                            sha256_hex(as_bytes(bytes))});
  }

  const std::vector<std::string>& sources() const { return sources_; }

 private:
  const HostView& host_;
  fs::path out_;
  evidence::BundleManifest& m_;
  std::set<std::string> copied_real_;
  std::vector<std::string> sources_;
  size_t copied_ = 0;
};

std::vector<std::string> home_folders(const HostView& host) {
  std::vector<std::string> homes{"/root"};
  if (auto names = host.list("/home")) {
    std::sort(names->begin(), names->end());
    for (const auto& n : *names) homes.push_back("/home/" + n);
  }
  return homes;
}

}  // namespace

Result<evidence::BundleManifest> collect_bundle(const HostView& host, const CollectOptions& opts) {
  std::error_code ec;
  fs::path out(opts.out_dir);
  if (fs::exists(out, ec) && !fs::is_empty(out, ec))
    return Error::make("collect.out_dir", "output folder " + opts.out_dir + " exists and is not empty; choose another --out");
  fs::create_directories(out, ec);
  if (ec) return Error::make("collect.out_dir", "cannot create " + opts.out_dir + ": " + ec.message());

  const Timestamp started = now_utc();
  const int64_t now_unix = started.unix_ns / 1'000'000'000;
  evidence::BundleManifest m;
  m.tool_version = opts.tool_version;
  m.collected_at = to_iso8601(started);
  m.hostname = host.hostname();
  m.os = host.os_name();
  m.kernel = host.kernel();
  m.platform = "linux";
  Bundle bundle(host, out, m);
  auto step = [&](std::string_view what) {
    if (opts.on_step) opts.on_step(what);
  };

  step("configuration and persistence files");
  for (const auto& f : kFiles) bundle.copy(std::string(f.host_path), f.kind, kMaxArtefactBytes, f.expected);
  for (const auto& d : kFolders) bundle.copy_folder(std::string(d.host_path), d.kind);
  std::vector<std::string> watched_links;  // systemd enablement: the links in *.wants folders
  if (auto names = host.list("/etc/systemd/system")) {
    std::sort(names->begin(), names->end());
    for (const auto& n : *names) {
      if (!n.ends_with(".wants") && !n.ends_with(".requires")) continue;
      if (auto links = host.list("/etc/systemd/system/" + n))
        for (const auto& l : *links) watched_links.push_back("/etc/systemd/system/" + n + "/" + l);
    }
  }
  for (const auto& home : home_folders(host)) {
    for (const auto& f : kHomeFiles) bundle.copy(home + "/" + std::string(f.host_path), f.kind, kMaxConfigBytes);
    for (const auto& d : kHomeFolders) bundle.copy_folder(home + "/" + std::string(d.host_path), d.kind);
  }

  step("authentication logs");
  if (auto names = host.list("/var/log")) {
    std::sort(names->begin(), names->end());
    for (const auto& n : *names)
      for (auto prefix : kAuthLogPrefixes)
        if (n.starts_with(prefix)) bundle.copy("/var/log/" + n, ArtefactKind::AuthLog, kMaxArtefactBytes);
  }

  // The journal's sshd/sudo entries as auth-log lines: Debian 12 keeps SSH logons only there unless rsyslog is added.
  std::string journal_why;
  if (auto journal = export_auth_journal(host, journal_why)) {
    if (journal->entries > 0)
      bundle.add("logs/journal-auth.log", "systemd journal (sshd, sudo, useradd)", ArtefactKind::AuthLog, journal->text);
    if (journal->truncated)
      m.failures.push_back({"systemd journal", "more than " + std::to_string(kMaxJournalEntries) +
                                                   " authentication entries; the oldest were kept"});
  } else if (!journal_why.starts_with("no journal")) {
    m.failures.push_back({"systemd journal", journal_why});
  }

  step("accounts, modules and system facts");
  bundle.add("tables/system.jsonl", "host facts", ArtefactKind::SystemTable, system_jsonl(host, now_unix));
  AccountsTable accounts = accounts_jsonl(host);
  if (!accounts.jsonl.empty())
    bundle.add("tables/accounts.jsonl", "/etc/passwd, /etc/shadow", ArtefactKind::AccountTable, accounts.jsonl);
  if (!accounts.shadow_read && host.resolve("/etc/shadow"))
    m.failures.push_back({"/etc/shadow", "not readable: password states unknown (run as root)"});
  if (auto modules = modules_jsonl(host))
    bundle.add("tables/modules.jsonl", "/proc/modules", ArtefactKind::ModuleTable, *modules);
  if (auto updates = security_updates_jsonl(host))
    bundle.add("tables/updates.jsonl", "/var/lib/dpkg/status, apt security lists", ArtefactKind::UpdateTable, *updates);

  // The boot disk's first MiB (MBR and the gap before the first partition), where MBR bootkits live: live hosts
  // only, read-only. The disk is the parent of the device mounted on /; device-mapper roots are not followed.
  if (host.is_live()) {
    step("boot sectors");
    std::string device;
    if (auto info = host.read("/proc/self/mountinfo", 4u << 20))
      for_each_line(*info, [&](std::string_view l, uint64_t) {
        auto w = split_words(l);
        if (w.size() > 4 && w[4] == "/" && device.empty())
          for (size_t i = 5; i + 2 < w.size(); ++i)
            if (w[i] == "-") device = std::string(w[i + 2]);
      });
    std::string disk;
    if (device.starts_with("/dev/") && device.find("/mapper/") == std::string::npos) {
      const std::string name = device.substr(5);
      std::error_code sys_ec;
      const fs::path sys = fs::path("/sys/class/block") / name;
      disk = fs::exists(sys / "partition", sys_ec) ? fs::canonical(sys / "..", sys_ec).filename().string() : name;
      if (sys_ec) disk.clear();
    }
    if (disk.empty()) {
      m.failures.push_back({"boot disk", "the disk under / (" + (device.empty() ? std::string("unknown") : device) +
                                             ") could not be identified: boot sectors not read"});
    } else {
      const std::string dev = "/dev/" + disk;
      const int fd = ::open(dev.c_str(), O_RDONLY | O_CLOEXEC);
      std::string head(1u << 20, '\0');
      ssize_t got = fd < 0 ? -1 : ::pread(fd, head.data(), head.size(), 0);
      const int err = errno;
      if (fd >= 0) ::close(fd);
      if (got < 512) {
        m.failures.push_back({dev, std::string("boot sectors not readable: ") + std::strerror(got < 0 ? err : EIO)});
      } else {
        head.resize(static_cast<size_t>(got));
        bundle.add("disk/boot-sectors.bin", dev + " (first MiB)", ArtefactKind::BootRecord, head);
      }
    }
  }

  step("file metadata, dropped executables and set-id files");
  std::vector<std::string> watched = bundle.sources();
  for (const char* p : {"/etc/passwd", "/etc/shadow", "/etc/group", "/etc/resolv.conf", "/etc/hosts"})
    watched.emplace_back(p);
  watched.insert(watched.end(), watched_links.begin(), watched_links.end());
  FileSweep sweep = sweep_files(host, watched, now_unix);
  bundle.add("tables/files.jsonl", "file metadata", ArtefactKind::FileTable, sweep.jsonl);
  for (const auto& p : sweep.dropped_scripts) bundle.copy(p, ArtefactKind::DroppedScript, kMaxDroppedTextBytes);
  for (const auto& p : sweep.miner_configs) bundle.copy(p, ArtefactKind::MinerConfig, kMaxDroppedTextBytes);
  if (sweep.truncated)
    m.failures.push_back({"file sweep", std::to_string(sweep.truncated) + " entries beyond the sweep limits were not examined"});

  // Process and socket tables: sampled for CPU on a live host only. A mounted image has no /proc: say so.
  if (!host.list("/proc")) {
    m.failures.push_back({"/proc", "no /proc under the root: not a running system, so no process or socket tables"});
  } else {
    step("processes and connections");
    ProcTables tables = collect_proc_tables(host, host.is_live() ? 250 : 0);
    bundle.add("live/processes.jsonl", "/proc (processes)", ArtefactKind::ProcessTable, processes_jsonl(tables.processes));
    bundle.add("live/connections.jsonl", "/proc/net (sockets)", ArtefactKind::ConnectionTable, sockets_jsonl(tables.sockets));
    if (tables.unreadable > 0)
      m.failures.push_back({"/proc", std::to_string(tables.unreadable) +
                                         " process entries could not be read fully (run as root for every process)"});
  }
  if (auto w = write_new_file(out / evidence::kManifestName, evidence::write_manifest(m)); !w) return w.error();
  return m;
}

}  // namespace msw::collect::linux
