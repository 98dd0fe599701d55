#include "collect/linux/file_sweep.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <optional>
#include <span>
#include <set>

#include <nlohmann/json.hpp>

#include "collect/linux/host_tables.h"
#include "core/hash.h"
#include "core/mapped_file.h"

namespace msw::collect::linux {
namespace {

// Executables larger than this are listed without a hash (hashing a 2 GB "tool" is not triage).
constexpr uint64_t kMaxHashBytes = 32u << 20;
// Bytes hashed per collection at most: a /tmp full of build output must not turn triage into a disk benchmark.
constexpr uint64_t kHashBudgetBytes = 128u << 20;

// Folders worms drop their payloads into. Everything executable in them is listed.
constexpr std::string_view kDropFolders[] = {"/tmp", "/var/tmp", "/dev/shm"};
// Where set-id files are unusual. Package folders (/usr/bin, /usr/lib, ...) are read flat below instead.
constexpr std::string_view kSetIdFolders[] = {"/tmp",   "/var/tmp", "/dev/shm",   "/home", "/root",
                                              "/opt",   "/srv",     "/usr/local", "/etc",  "/var"};
// Image layers hold ordinary set-id programs (passwd, su) by the hundred; they are the containers', not the host's.
constexpr std::string_view kSkipFolders[] = {"/var/lib/docker", "/var/lib/containerd", "/var/lib/containers",
                                             "/var/lib/lxc", "/var/lib/snapd", "/var/cache", "/var/log"};
constexpr std::string_view kPackageBinFolders[] = {"/usr/bin", "/usr/sbin", "/bin", "/sbin"};
// Dot-folders in homes that hold programs by design (toolchains, editors' servers, caches); not walked for hidden
// executables. A worm hiding in one of these is still found through its process, its persistence or its hash.
constexpr std::string_view kToolDotFolders[] = {".cache",  ".local",  ".cargo", ".rustup", ".pyenv", ".nvm",
                                                ".npm",    ".debug",  ".vscode-server", ".vscode", ".m2",
                                                ".gradle", ".sdkman", ".conda", ".dotnet", ".java", ".mozilla",
                                                ".config", ".docker", ".kube", ".ansible", ".gem", ".rbenv",
                                                ".cursor-server", ".bun", ".deno", ".go", ".ccache"};
// Hidden-executable walks stay shallow: miners sit a level or two inside their folder.
constexpr int kHiddenWalkDepth = 4;

// "elf" (an executable or shared object), "object" (a relocatable .o or core dump), "script", "other".
std::string kind_of(std::string_view head) {
  if (head.starts_with("\x7f" "ELF")) {
    if (head.size() < 18) return "elf";
    const unsigned type = static_cast<unsigned char>(head[5] == 2 ? head[17] : head[16]);  // e_type, by endianness
    return type == 2 || type == 3 ? "elf" : "object";
  }
  if (head.starts_with("#!")) return "script";
  return "other";
}

// The first bytes of a file, read without changing its access time.
std::string head_of(const std::filesystem::path& real) {
  int fd = ::open(real.c_str(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOATIME);
  if (fd < 0 && errno == EPERM) fd = ::open(real.c_str(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return {};
  char buf[20] = {};
  ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

std::string mode_octal(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

class Sweeper {
 public:
  Sweeper(const HostView& host, int64_t collected_unix)
      : host_(host), now_(collected_unix), users_(account_names(host)) {}

  // Records one file. `reason` says why it is in the table.
  void add(const std::string& path, const struct ::stat& st, std::string_view reason, bool hash_it,
           std::string kind = {}, std::optional<std::filesystem::path> real = std::nullopt) {
    if (!seen_.insert(path).second) return;
    if (out_.rows >= kMaxSweepRows * 4) {
      ++out_.truncated;
      return;
    }
    if (!real) {
      if (auto r = host_.resolve(path)) real = *r;
    }
    if (kind.empty()) kind = real && S_ISREG(st.st_mode) ? kind_of(head_of(*real)) : "other";
    nlohmann::ordered_json j;
    j["TargetFilename"] = path;
    j["Reason"] = reason;
    j["FileType"] = S_ISREG(st.st_mode) ? kind : S_ISLNK(st.st_mode) ? "link" : S_ISDIR(st.st_mode) ? "folder" : "special";
    j["FileSize"] = static_cast<uint64_t>(st.st_size);
    j["FileMode"] = mode_octal(st.st_mode);
    auto u = users_.find(static_cast<int64_t>(st.st_uid));
    j["FileOwner"] = u == users_.end() ? std::to_string(st.st_uid) : u->second;
    j["ModifiedUnix"] = static_cast<int64_t>(st.st_mtim.tv_sec);
    j["ChangedUnix"] = static_cast<int64_t>(st.st_ctim.tv_sec);
    // Age at collection: a later analysis compares with this, not with its own clock.
    j["AgeSeconds"] = now_ - std::max<int64_t>(st.st_mtim.tv_sec, st.st_ctim.tv_sec);
    if (S_ISREG(st.st_mode)) {
      if (auto flags = host_.inode_flags(path); flags && *flags & (FS_IMMUTABLE_FL | FS_APPEND_FL))
        j["FileAttributes"] = describe_inode_flags(*flags);
      const auto size = static_cast<uint64_t>(st.st_size);
      if (hash_it && real && size <= kMaxHashBytes && hashed_ + size <= kHashBudgetBytes) {
        if (auto file = MappedFile::open(real->string())) {
          j["Hashes"] = "SHA256=" + sha256_hex(file->bytes());
          hashed_ += size;
        }
      }
    }
    out_.jsonl += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out_.jsonl += '\n';
    ++out_.rows;
  }

  void watched(const std::string& path) {
    auto st = host_.lstat(path);
    if (!st) return;
    if (S_ISLNK(st->st_mode)) {  // record the link and what it points to (resolv.conf is often a link)
      add(path, *st, "watched", false);
      auto real = host_.resolve(path);
      struct ::stat target {};
      if (real && ::stat(real->c_str(), &target) == 0 && S_ISREG(target.st_mode)) {
        std::string rel = "/" + real->lexically_relative(host_.root()).generic_string();
        if (!rel.starts_with("/..")) add(rel, target, "watched", false);
      }
      return;
    }
    add(path, *st, "watched", false);
  }

  // Depth-first walk; `keep(path, real, st, hidden, git)` decides. `git`: the file is inside a git work tree (a
  // developer's checkout or build, not a dropper's folder). `hidden`: some component below `top` starts with a
  // dot. Works on real paths below the resolved top folder: entries are lstat'ed, never followed, so the walk cannot
  // leave the root and costs one system call per entry.
  template <typename Keep>
  void walk(const std::string& top, Keep&& keep, int max_depth = kMaxSweepDepth,
            std::span<const std::string_view> skip_names = {}) {
    auto real_top = host_.resolve(top);
    if (!real_top) return;
    struct Item {
      std::string path;
      std::filesystem::path real;
      int depth;
      bool hidden;
      bool git;
    };
    std::vector<Item> stack{{top, *real_top, 0, false, false}};
    size_t looked = 0, kept_before = out_.rows;
    while (!stack.empty()) {
      Item dir = std::move(stack.back());
      stack.pop_back();
      struct ::stat git_st {};
      if (!dir.git && ::lstat((dir.real / ".git").c_str(), &git_st) == 0) dir.git = true;
      std::error_code ec;
      for (std::filesystem::directory_iterator it(dir.real, std::filesystem::directory_options::skip_permission_denied, ec), end;
           !ec && it != end; it.increment(ec)) {
        if (++looked > kMaxSweepEntries || out_.rows - kept_before >= kMaxSweepRows) {
          ++out_.truncated;
          return;
        }
        const std::string n = it->path().filename().string();
        std::string path = dir.path == "/" ? "/" + n : dir.path + "/" + n;
        if (std::find(std::begin(kSkipFolders), std::end(kSkipFolders), path) != std::end(kSkipFolders)) continue;
        if (dir.depth == 0 && std::find(skip_names.begin(), skip_names.end(), n) != skip_names.end()) continue;
        struct ::stat st {};
        if (::lstat(it->path().c_str(), &st) != 0) continue;
        const bool hidden = dir.hidden || n.starts_with('.');
        if (S_ISDIR(st.st_mode)) {
          if (dir.depth + 1 < max_depth) stack.push_back({path, it->path(), dir.depth + 1, hidden, dir.git});
          continue;
        }
        if (S_ISREG(st.st_mode)) keep(path, it->path(), st, hidden, dir.git);
      }
    }
  }

  FileSweep take() { return std::move(out_); }
  const HostView& host() const { return host_; }

 private:
  const HostView& host_;
  int64_t now_;
  std::map<int64_t, std::string> users_;
  std::set<std::string> seen_;
  uint64_t hashed_ = 0;
  FileSweep out_;
};

}  // namespace

std::string describe_inode_flags(uint32_t flags) {
  std::string s;
  if (flags & FS_IMMUTABLE_FL) s = "immutable";
  if (flags & FS_APPEND_FL) s += s.empty() ? "append_only" : ",append_only";
  return s;
}

bool looks_like_miner_config(std::string_view head) {
  return (head.find("\"pools\"") != std::string_view::npos && head.find("\"url\"") != std::string_view::npos) ||
         head.find("stratum+tcp://") != std::string_view::npos || head.find("stratum+ssl://") != std::string_view::npos;
}

FileSweep sweep_files(const HostView& host, const std::vector<std::string>& watched, int64_t collected_unix) {
  Sweeper s(host, collected_unix);
  FileSweep dropped;  // the text files to copy; merged into the sweep's result at the end
  for (const auto& w : watched) s.watched(w);

  // Dropped executables: anything with an execute bit, an ELF header or a #! line in the drop folders.
  for (auto top : kDropFolders)
    s.walk(std::string(top), [&](const std::string& path, const std::filesystem::path& real, const struct ::stat& st, bool,
                                 bool git) {
      const bool exec_bit = (st.st_mode & 0111) != 0;
      std::string kind = kind_of(head_of(real));
      if (kind == "object") return;  // compiler output (.o), not something that runs
      // Programs with or without the execute bit (droppers chmod later); scripts and anything else only when executable.
      if (kind == "elf" || exec_bit) s.add(path, st, "dropped_executable", true, kind, real);
      if (static_cast<uint64_t>(st.st_size) > kMaxDroppedTextBytes) return;
      // Scripts are read whole only outside git work trees: a checkout's own scripts are not a dropper's.
      if (kind == "script" && exec_bit && !git && dropped.dropped_scripts.size() < kMaxDroppedTextFiles)
        dropped.dropped_scripts.push_back(path);
      if (kind == "other" && !git && path.ends_with(".json") && dropped.miner_configs.size() < kMaxDroppedTextFiles)
        if (auto text = read_file_text(real.string(), 64 * 1024); text && looks_like_miner_config(*text))
          dropped.miner_configs.push_back(path);
    });
  // Hidden folders in homes: only programs (and miner configurations next to them) (an ELF file under ~/.something is how miners hide).
  std::vector<std::string> homes{"/root"};
  if (auto names = host.list("/home"))
    for (const auto& n : *names) homes.push_back("/home/" + n);
  for (const auto& h : homes)
    s.walk(h, [&](const std::string& path, const std::filesystem::path& real, const struct ::stat& st, bool hidden, bool) {
      if (hidden && kind_of(head_of(real)) == "elf") s.add(path, st, "hidden_executable", true, "elf", real);
      if (hidden && path.ends_with(".json") && static_cast<uint64_t>(st.st_size) <= kMaxDroppedTextBytes &&
          dropped.miner_configs.size() < kMaxDroppedTextFiles)
        if (auto text = read_file_text(real.string(), 64 * 1024); text && looks_like_miner_config(*text))
          dropped.miner_configs.push_back(path);
    }, kHiddenWalkDepth, kToolDotFolders);
  // Set-id files: anywhere in the unusual folders, and everything set-id in the package folders (read flat) so the
  // analysis can spot a set-uid shell copied next to the real programs.
  auto setid = [&](const std::string& path, const std::filesystem::path& real, const struct ::stat& st, bool, bool) {
    if (st.st_mode & (S_ISUID | S_ISGID)) s.add(path, st, "setid", true, {}, real);
  };
  for (auto top : kSetIdFolders) s.walk(std::string(top), setid);
  for (auto top : kPackageBinFolders) {
    if (auto l = host.lstat(top); !l || S_ISLNK(l->st_mode)) continue;  // /bin -> usr/bin on merged-/usr systems
    if (auto names = host.list(top))
      for (const auto& n : *names) {
        std::string path = std::string(top) + "/" + n;
        if (auto st = host.lstat(path); st && S_ISREG(st->st_mode) && (st->st_mode & (S_ISUID | S_ISGID)))
          s.add(path, *st, "setid", false);
      }
  }
  FileSweep out = s.take();
  out.dropped_scripts = std::move(dropped.dropped_scripts);
  out.miner_configs = std::move(dropped.miner_configs);
  return out;
}

}  // namespace msw::collect::linux
