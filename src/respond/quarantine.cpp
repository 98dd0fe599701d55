#include "respond/quarantine.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/byte_reader.h"
#include "core/hash.h"
#include "core/time.h"

namespace msw::respond {
namespace {

// Stored bytes are XORed with this key: inert on disk, exact after decoding.
constexpr unsigned char kKey[16] = {0x6d, 0x69, 0x6e, 0x65, 0x73, 0x77, 0x65, 0x65,
                                    0x70, 0x2d, 0x71, 0x75, 0x61, 0x72, 0x2e, 0x21};
constexpr uint32_t kLockFlags = FS_IMMUTABLE_FL | FS_APPEND_FL;

std::string xor_code(std::string data) {
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(static_cast<unsigned char>(data[i]) ^ kKey[i % 16]);
  return data;
}

Error io_error(const std::string& what, const std::string& path) {
  return Error::make("respond.io", what + " " + path + ": " + std::strerror(errno));
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_;
};

// Reads a regular file (never through a link) with its metadata.
Result<std::pair<FileMeta, std::string>> read_file(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  if (!fd.ok()) return errno == ELOOP ? Error::make("respond.not_file", path + " is a symbolic link: not followed")
                                      : io_error("cannot open", path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return io_error("cannot stat", path);
  if (!S_ISREG(st.st_mode)) return Error::make("respond.not_file", path + " is not a regular file");
  if (static_cast<uint64_t>(st.st_size) > kMaxQuarantineBytes)
    return Error::make("respond.too_large", path + " is larger than the quarantine limit");
  FileMeta m;
  m.path = path;
  m.uid = st.st_uid;
  m.gid = st.st_gid;
  m.mode = st.st_mode & 07777;
  m.atime_ns = static_cast<int64_t>(st.st_atim.tv_sec) * 1000000000 + st.st_atim.tv_nsec;
  m.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  int flags = 0;
  if (::ioctl(fd.get(), FS_IOC_GETFLAGS, &flags) == 0) m.flags = static_cast<uint32_t>(flags);
  std::string names(65536, '\0');
  const ssize_t n = ::flistxattr(fd.get(), names.data(), names.size());
  for (ssize_t at = 0; n > 0 && at < n;) {
    const std::string name(names.data() + at);
    at += static_cast<ssize_t>(name.size()) + 1;
    std::string value(65536, '\0');
    const ssize_t len = ::fgetxattr(fd.get(), name.c_str(), value.data(), value.size());
    if (len >= 0) m.xattrs.emplace_back(name, value.substr(0, static_cast<size_t>(len)));
  }
  std::string content(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < content.size()) {
    const ssize_t r = ::read(fd.get(), content.data() + got, content.size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return io_error("cannot read", path);
    got += static_cast<size_t>(r);
  }
  m.size = content.size();
  m.sha256 = sha256_hex(as_bytes(content));
  return std::make_pair(std::move(m), std::move(content));
}

Result<std::string> store_blob(const std::string& dir, const std::string& sha, const std::string& content) {
  const std::string name = sha + ".q";
  const std::string path = dir + "/" + name;
  if (::access(path.c_str(), F_OK) == 0) return name;  // the same bytes are already kept
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.ok()) return io_error("cannot create", path);
  const std::string coded = xor_code(content);
  size_t put = 0;
  while (put < coded.size()) {
    const ssize_t w = ::write(fd.get(), coded.data() + put, coded.size() - put);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return io_error("cannot write", path);
    put += static_cast<size_t>(w);
  }
  if (::fchmod(fd.get(), 0400) != 0 || ::fsync(fd.get()) != 0) return io_error("cannot seal", path);
  return name;
}

std::string hex(const std::string& s) { return to_hex(as_bytes(s)); }
std::string unhex(const std::string& s) {
  std::string out;
  for (size_t i = 0; i + 1 < s.size(); i += 2) out += static_cast<char>(std::stoi(s.substr(i, 2), nullptr, 16));
  return out;
}

nlohmann::json meta_json(const FileMeta& m) {
  nlohmann::json x = nlohmann::json::array();
  for (const auto& [k, v] : m.xattrs) x.push_back({k, hex(v)});
  return {{"path", m.path}, {"uid", m.uid}, {"gid", m.gid}, {"mode", m.mode}, {"atime_ns", m.atime_ns},
          {"mtime_ns", m.mtime_ns}, {"flags", m.flags}, {"xattrs", x}, {"size", m.size}, {"sha256", m.sha256}};
}

FileMeta meta_from(const nlohmann::json& j) {
  FileMeta m;
  m.path = j.value("path", "");
  m.uid = j.value("uid", 0u);
  m.gid = j.value("gid", 0u);
  m.mode = j.value("mode", 0600u);
  m.atime_ns = j.value("atime_ns", int64_t{0});
  m.mtime_ns = j.value("mtime_ns", int64_t{0});
  m.flags = j.value("flags", 0u);
  if (j.contains("xattrs"))
    for (const auto& x : j["xattrs"]) m.xattrs.emplace_back(x[0].get<std::string>(), unhex(x[1].get<std::string>()));
  m.sha256 = j.value("sha256", "");
  return m;
}

void set_flags(int fd, uint32_t flags) {
  int f = static_cast<int>(flags);
  (void)::ioctl(fd, FS_IOC_SETFLAGS, &f);
}

// Writes content and metadata to an open file; returns what could not be restored (not being root, say).
std::vector<std::string> put_back(int fd, const FileMeta& m, const std::string& content) {
  std::vector<std::string> problems;
  size_t put = 0;
  while (put < content.size()) {
    const ssize_t w = ::write(fd, content.data() + put, content.size() - put);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      problems.push_back(std::string("write: ") + std::strerror(errno));
      return problems;
    }
    put += static_cast<size_t>(w);
  }
  if (::fchown(fd, m.uid, m.gid) != 0) problems.push_back(std::string("owner: ") + std::strerror(errno));
  if (::fchmod(fd, m.mode) != 0) problems.push_back(std::string("mode: ") + std::strerror(errno));
  for (const auto& [k, v] : m.xattrs)
    if (::fsetxattr(fd, k.c_str(), v.data(), v.size(), 0) != 0) problems.push_back("xattr " + k + ": " + std::strerror(errno));
  const timespec times[2] = {{static_cast<time_t>(m.atime_ns / 1000000000), static_cast<long>(m.atime_ns % 1000000000)},
                             {static_cast<time_t>(m.mtime_ns / 1000000000), static_cast<long>(m.mtime_ns % 1000000000)}};
  if (::futimens(fd, times) != 0) problems.push_back(std::string("times: ") + std::strerror(errno));
  if (m.flags & kLockFlags) set_flags(fd, m.flags);
  return problems;
}

}  // namespace

Result<Journal> Journal::open(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return Error::make("respond.journal", "cannot create " + dir + ": " + std::strerror(errno));
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return Error::make("respond.journal", dir + " is not a folder");
  Journal j;
  j.dir_ = dir;
  return j;
}

Result<void> Journal::append(const std::string& line) {
  Fd fd(::open(path().c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.ok()) return io_error("cannot open the journal", path());
  const std::string l = line + "\n";
  if (::write(fd.get(), l.data(), l.size()) != static_cast<ssize_t>(l.size()) || ::fsync(fd.get()) != 0)
    return io_error("cannot write the journal", path());
  return {};
}

Result<FileMeta> Journal::record(const std::string& path, std::string_view op, std::string_view why) {
  auto read = read_file(path);
  if (!read) return read.error();
  auto& [meta, content] = *read;
  auto blob = store_blob(dir_, meta.sha256, content);
  if (!blob) return blob.error();
  nlohmann::json j = meta_json(meta);
  j["op"] = op;
  j["blob"] = *blob;
  if (!why.empty()) j["why"] = why;
  j["time"] = to_iso8601(now_utc(), 0);
  if (auto r = append(j.dump()); !r) return r.error();
  return std::move(meta);
}

Result<FileMeta> Journal::quarantine(const std::string& path) {
  auto recorded = record(path, "quarantine", "");
  if (!recorded) return recorded.error();
  const FileMeta& meta = *recorded;
  // Locked files (chattr +i / +a, a worm's trick to survive cleaning) are unlocked first.
  if (meta.flags & kLockFlags) {
    Fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
    if (fd.ok()) set_flags(fd.get(), meta.flags & ~kLockFlags);
  }
  if (::unlink(path.c_str()) != 0) {
    const Error e = io_error("cannot remove", path);
    (void)append(nlohmann::json{{"op", "cancel"}, {"path", path}, {"why", e.message}}.dump());
    return e;
  }
  return *recorded;
}

Result<void> Journal::edit(const std::string& path, const std::string& new_content, const std::string& why) {
  auto recorded = record(path, "edit", why);
  if (!recorded) return recorded.error();
  const FileMeta& meta = *recorded;
  Fd fd(::open(path.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  if (!fd.ok()) return io_error("cannot open", path);
  if (meta.flags & kLockFlags) set_flags(fd.get(), meta.flags & ~kLockFlags);
  if (::ftruncate(fd.get(), 0) != 0) return io_error("cannot truncate", path);
  size_t put = 0;
  while (put < new_content.size()) {
    const ssize_t w = ::write(fd.get(), new_content.data() + put, new_content.size() - put);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return io_error("cannot write", path);
    put += static_cast<size_t>(w);
  }
  return {};
}

Result<void> Journal::note(const std::string& op, const std::string& target, const std::string& outcome) {
  return append(nlohmann::json{{"op", op}, {"target", target}, {"outcome", outcome}, {"time", to_iso8601(now_utc(), 0)}}.dump());
}

Result<UndoReport> undo(const std::string& journal_path) {
  std::ifstream in(journal_path);
  if (!in) return Error::make("respond.journal", "cannot read " + journal_path);
  const size_t slash = journal_path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : journal_path.substr(0, slash);  // blobs sit beside it
  std::vector<nlohmann::json> entries;
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_discarded() && j.is_object()) entries.push_back(std::move(j));
  }
  UndoReport report;
  std::vector<std::string> cancelled;
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    const std::string op = it->value("op", "");
    if (op == "cancel") {
      cancelled.push_back(it->value("path", ""));
      continue;
    }
    if (op == "step") continue;  // a step that changed nothing (skipped, manual, refused)
    if (op != "quarantine" && op != "edit") {
      ++report.skipped;
      report.messages.push_back("not undone (" + op + "): " + it->value("target", "") + " — " + it->value("outcome", ""));
      continue;
    }
    const FileMeta m = meta_from(*it);
    if (auto c = std::find(cancelled.begin(), cancelled.end(), m.path); c != cancelled.end()) {
      cancelled.erase(c);  // the change never happened
      continue;
    }
    std::ifstream blob(dir + "/" + it->value("blob", ""), std::ios::binary);
    std::string coded((std::istreambuf_iterator<char>(blob)), std::istreambuf_iterator<char>());
    const std::string content = xor_code(std::move(coded));
    if (sha256_hex(as_bytes(content)) != m.sha256) {
      ++report.skipped;
      report.messages.push_back("quarantined copy of " + m.path + " is missing or damaged: not restored");
      continue;
    }
    std::string target = m.path;
    int fd = -1;
    if (op == "quarantine") {
      fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (fd < 0 && errno == EEXIST) {
        target += ".minesweep-restored";
        report.messages.push_back(m.path + " exists again: restored beside it as " + target);
        fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      }
    } else {
      fd = ::open(target.c_str(), O_WRONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
      if (fd >= 0) {
        set_flags(fd, 0);
        if (::ftruncate(fd, 0) != 0) {
          ::close(fd);
          fd = -1;
        }
      }
    }
    if (fd < 0) {
      ++report.skipped;
      report.messages.push_back("cannot write " + target + ": " + std::strerror(errno));
      continue;
    }
    const auto problems = put_back(fd, m, content);
    ::close(fd);
    ++report.restored;
    for (const auto& p : problems) report.messages.push_back(target + ": " + p);
  }
  return report;
}

}  // namespace msw::respond
