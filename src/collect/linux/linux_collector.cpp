#include "collect/linux/linux_collector.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <tuple>

#include "collect/linux/proc_tables.h"
#include "core/hash.h"
#include "core/time.h"
#include "evidence/evidence.h"

namespace msw::collect::linux {
namespace fs = std::filesystem;

namespace {

// What this collector copies. Grows with the Linux triage issue (cron, systemd, auth logs, /proc tables).
struct FileItem {
  std::string_view host_path;
  std::string_view bundle_path;
  evidence::ArtefactKind kind;
};
constexpr FileItem kFileItems[] = {
    {"/etc/hosts", "etc/hosts", evidence::ArtefactKind::HostsFile},
    {"/etc/resolv.conf", "etc/resolv.conf", evidence::ArtefactKind::ResolvConf},
};

// Persistence files, copied when present (absence is normal, not a failure). Folders are read one level deep.
struct PersistenceFile {
  std::string_view host_path;
  evidence::ArtefactKind kind;
};
constexpr PersistenceFile kPersistenceFiles[] = {
    {"/etc/crontab", evidence::ArtefactKind::Crontab},
    {"/etc/ld.so.preload", evidence::ArtefactKind::LdSoPreload},
    {"/root/.ssh/authorized_keys", evidence::ArtefactKind::AuthorizedKeys},
    {"/root/.ssh/authorized_keys2", evidence::ArtefactKind::AuthorizedKeys},
};
constexpr PersistenceFile kPersistenceDirs[] = {
    {"/etc/cron.d", evidence::ArtefactKind::Crontab},
    {"/var/spool/cron", evidence::ArtefactKind::Crontab},
    {"/var/spool/cron/crontabs", evidence::ArtefactKind::Crontab},
};
// Persistence files taken at most (a worm that writes thousands of cron files is still reported by those taken).
constexpr size_t kMaxPersistenceFiles = 2000;
constexpr uint64_t kMaxPersistenceFileBytes = 16u << 20;

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

}  // namespace

Result<evidence::BundleManifest> collect_bundle(const HostView& host, const CollectOptions& opts) {
  std::error_code ec;
  fs::path out(opts.out_dir);
  if (fs::exists(out, ec) && !fs::is_empty(out, ec))
    return Error::make("collect.out_dir", "output folder " + opts.out_dir + " exists and is not empty; choose another --out");
  fs::create_directories(out, ec);
  if (ec) return Error::make("collect.out_dir", "cannot create " + opts.out_dir + ": " + ec.message());

  evidence::BundleManifest m;
  m.tool_version = opts.tool_version;
  m.collected_at = to_iso8601(now_utc());
  m.hostname = host.hostname();
  m.os = host.os_name();
  m.kernel = host.kernel();

  for (const auto& item : kFileItems) {
    auto bytes = host.read(item.host_path, kMaxArtefactBytes);
    if (!bytes) {
      m.failures.push_back({std::string(item.host_path), bytes.error().message});
      continue;
    }
    if (auto w = write_new_file(out / item.bundle_path, *bytes); !w) {
      m.failures.push_back({std::string(item.host_path), w.error().message});
      continue;
    }
    m.artefacts.push_back({std::string(item.bundle_path), std::string(item.host_path),
                           std::string(evidence::to_string(item.kind)), bytes->size(), sha256_hex(as_bytes(*bytes))});
  }
  std::vector<std::pair<std::string, evidence::ArtefactKind>> persistence;
  for (const auto& f : kPersistenceFiles) persistence.emplace_back(f.host_path, f.kind);
  for (const auto& d : kPersistenceDirs)
    if (auto names = host.list(d.host_path))
      for (const auto& n : *names) persistence.emplace_back(std::string(d.host_path) + "/" + n, d.kind);
  if (auto homes = host.list("/home"))
    for (const auto& h : *homes)
      for (const char* f : {"authorized_keys", "authorized_keys2"})
        persistence.emplace_back("/home/" + h + "/.ssh/" + f, evidence::ArtefactKind::AuthorizedKeys);
  size_t taken = 0;
  for (const auto& [path, kind] : persistence) {
    auto real = host.resolve(path);
    if (!real) continue;  // absent: nothing to collect
    if (std::error_code file_ec; !fs::is_regular_file(*real, file_ec)) continue;
    if (++taken > kMaxPersistenceFiles) {
      m.failures.push_back({path, "more than " + std::to_string(kMaxPersistenceFiles) + " persistence files; rest skipped"});
      break;
    }
    auto bytes = host.read(path, kMaxPersistenceFileBytes);
    if (!bytes) {
      m.failures.push_back({path, bytes.error().message});
      continue;
    }
    const std::string rel = path.substr(1);
    if (auto w = write_new_file(out / rel, *bytes); !w) {
      m.failures.push_back({path, w.error().message});
      continue;
    }
    m.artefacts.push_back({rel, path, std::string(evidence::to_string(kind)), bytes->size(), sha256_hex(as_bytes(*bytes))});
  }

  // Process and socket tables: sampled for CPU on a live host only. A mounted image has no /proc: say so.
  if (!host.list("/proc")) {
    m.failures.push_back({"/proc", "no /proc under the root: not a running system, so no process or socket tables"});
    if (auto w = write_new_file(out / evidence::kManifestName, evidence::write_manifest(m)); !w) return w.error();
    return m;
  }
  ProcTables tables = collect_proc_tables(host, host.is_live() ? 250 : 0);
  const std::tuple<std::string_view, std::string_view, std::string> kTables[] = {
      {"live/processes.jsonl", "/proc (processes)", processes_jsonl(tables.processes)},
      {"live/connections.jsonl", "/proc/net (sockets)", sockets_jsonl(tables.sockets)},
  };
  const evidence::ArtefactKind kTableKinds[] = {evidence::ArtefactKind::ProcessTable,
                                                evidence::ArtefactKind::ConnectionTable};
  for (size_t i = 0; i < std::size(kTables); ++i) {
    const auto& [path, source, text] = kTables[i];
    if (auto w = write_new_file(out / path, text); !w) {
      m.failures.push_back({std::string(path), w.error().message});
      continue;
    }
    m.artefacts.push_back({std::string(path), std::string(source), std::string(evidence::to_string(kTableKinds[i])), text.size(),
                           sha256_hex(as_bytes(text))});
  }
  if (tables.unreadable > 0)
    m.failures.push_back({"/proc", std::to_string(tables.unreadable) +
                                       " process entries could not be read fully (run as root for every process)"});
  if (auto w = write_new_file(out / evidence::kManifestName, evidence::write_manifest(m)); !w) return w.error();
  return m;
}

}  // namespace msw::collect::linux
