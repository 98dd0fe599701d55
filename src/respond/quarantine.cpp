#include "respond/quarantine.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <linux/fs.h>
#include <nlohmann/json.hpp>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "core/byte_reader.h"
#include "core/hash.h"
#include "core/time.h"
#include "respond/program.h"

namespace msw::respond {
namespace {

// Stored bytes are XORed with this key: inert on disk, exact after decoding.
constexpr unsigned char kKey[16] = {0x6d, 0x69, 0x6e, 0x65, 0x73, 0x77, 0x65, 0x65,
                                    0x70, 0x2d, 0x71, 0x75, 0x61, 0x72, 0x2e, 0x21};
constexpr uint32_t kLockFlags = FS_IMMUTABLE_FL | FS_APPEND_FL;
// The journal's operations; a file with anything else in it is not a minesweep journal.
constexpr std::string_view kJournalOps[] = {"quarantine", "edit", "cancel", "step", "note", "undone"};

std::string xor_code(std::string data) {
  for (size_t i = 0; i < data.size(); ++i)
    data[i] = static_cast<char>(static_cast<unsigned char>(data[i]) ^ kKey[i % 16]);
  return data;
}

Error io_error(const std::string& what, const std::string& path) {
  return Error::make("respond.io", what + " " + path + ": " + std::strerror(errno));
}

uint32_t get_flags(int fd) {
  int flags = 0;
  return ::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 ? static_cast<uint32_t>(flags) : 0;
}
bool set_flags(int fd, uint32_t flags) {
  int f = static_cast<int>(flags);
  return ::ioctl(fd, FS_IOC_SETFLAGS, &f) == 0;
}

// Runs `change` (a syscall wrapper returning -1 with errno) in the folder; when an immutable or append-only folder
// refuses it, clears the folder's flags for the change and sets them again after, whatever happened.
template <typename Fn>
int in_folder(int dir_fd, Fn&& change) {
  const int r = change();
  if (r >= 0 || (errno != EPERM && errno != EACCES)) return r;
  const int saved = errno;
  UniqueFd folder(::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  const uint32_t flags = folder.ok() ? get_flags(folder.get()) : 0;
  if (!(flags & kLockFlags) || !set_flags(folder.get(), flags & ~kLockFlags)) {
    errno = saved;
    return r;
  }
  const int again = change();
  const int err = errno;
  set_flags(folder.get(), flags);
  errno = err;
  return again;
}

Result<FileContent> read_fd(int fd, const std::string& shown) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return io_error("cannot stat", shown);
  if (!S_ISREG(st.st_mode)) return Error::make("respond.not_file", shown + " is not a regular file");
  if (static_cast<uint64_t>(st.st_size) > kMaxQuarantineBytes)
    return Error::make("respond.too_large", shown + " is larger than the quarantine limit");
  FileContent out;
  FileMeta& m = out.meta;
  m.uid = st.st_uid;
  m.gid = st.st_gid;
  m.mode = st.st_mode & 07777;
  m.atime_ns = static_cast<int64_t>(st.st_atim.tv_sec) * 1000000000 + st.st_atim.tv_nsec;
  m.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  m.flags = get_flags(fd);
  std::string names(65536, '\0');
  const ssize_t n = ::flistxattr(fd, names.data(), names.size());
  for (ssize_t at = 0; n > 0 && at < n;) {
    const std::string name(names.data() + at);
    at += static_cast<ssize_t>(name.size()) + 1;
    std::string value(65536, '\0');
    const ssize_t len = ::fgetxattr(fd, name.c_str(), value.data(), value.size());
    if (len >= 0) m.xattrs.emplace_back(name, value.substr(0, static_cast<size_t>(len)));
  }
  out.bytes.assign(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < out.bytes.size()) {
    const ssize_t r = ::pread(fd, out.bytes.data() + got, out.bytes.size() - got, static_cast<off_t>(got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return io_error("cannot read", shown);
    if (r == 0) break;  // shrank while read: what is there
    got += static_cast<size_t>(r);
  }
  out.bytes.resize(got);
  m.size = got;
  m.sha256 = sha256_hex(as_bytes(out.bytes));
  return out;
}

UniqueFd open_rooted(const RootedFile& f, int flags) {
  return UniqueFd(::openat(f.dir.get(), f.name.c_str(), flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
}

// The name still leads to the inode that was read: nothing swapped it in between.
bool same_file(const RootedFile& f, int fd) {
  struct stat a {
  }, b{};
  return ::fstat(fd, &a) == 0 && ::fstatat(f.dir.get(), f.name.c_str(), &b, AT_SYMLINK_NOFOLLOW) == 0 &&
         a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

Result<void> write_all(int fd, std::string_view content, const std::string& shown) {
  size_t put = 0;
  while (put < content.size()) {
    const ssize_t w = ::write(fd, content.data() + put, content.size() - put);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return io_error("cannot write", shown);
    put += static_cast<size_t>(w);
  }
  return {};
}

Result<std::string> store_blob(const std::string& dir, const std::string& sha, const std::string& content) {
  const std::string name = sha + ".q";
  const std::string path = dir + "/" + name;
  if (::access(path.c_str(), F_OK) == 0) return name;  // the same bytes are already kept
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.ok()) return io_error("cannot create", path);
  if (auto w = write_all(fd.get(), xor_code(content), path); !w) return w.error();
  if (::fchmod(fd.get(), 0400) != 0 || ::fsync(fd.get()) != 0) return io_error("cannot seal", path);
  return name;
}

std::string hex(const std::string& s) { return to_hex(as_bytes(s)); }
std::string unhex(const std::string& s) {
  std::string out;
  auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  for (size_t i = 0; i + 1 < s.size(); i += 2) out += static_cast<char>(nibble(s[i]) * 16 + nibble(s[i + 1]));
  return out;
}

nlohmann::json meta_json(const FileMeta& m) {
  nlohmann::json x = nlohmann::json::array();
  for (const auto& [k, v] : m.xattrs) x.push_back({k, hex(v)});
  return {{"root", m.root}, {"path", m.path},         {"uid", m.uid},           {"gid", m.gid},
          {"mode", m.mode}, {"atime_ns", m.atime_ns}, {"mtime_ns", m.mtime_ns}, {"flags", m.flags},
          {"xattrs", x},    {"size", m.size},         {"sha256", m.sha256}};
}

FileMeta meta_from(const nlohmann::json& j) {
  FileMeta m;
  // Journals written before the root was recorded name the file by its path on this machine.
  m.root = j.value("root", "/");
  m.path = j.value("path", "");
  m.uid = j.value("uid", 0u);
  m.gid = j.value("gid", 0u);
  m.mode = j.value("mode", 0600u);
  m.atime_ns = j.value("atime_ns", int64_t{0});
  m.mtime_ns = j.value("mtime_ns", int64_t{0});
  m.flags = j.value("flags", 0u);
  if (j.contains("xattrs") && j["xattrs"].is_array())
    for (const auto& x : j["xattrs"])
      if (x.is_array() && x.size() == 2 && x[0].is_string() && x[1].is_string())
        m.xattrs.emplace_back(x[0].get<std::string>(), unhex(x[1].get<std::string>()));
  m.sha256 = j.value("sha256", "");
  return m;
}

// Writes content and metadata to an open file; returns what could not be restored (not being root, say).
std::vector<std::string> put_back(int fd, const FileMeta& m, const std::string& content) {
  std::vector<std::string> problems;
  if (auto w = write_all(fd, content, m.path); !w) {
    problems.push_back(w.error().message);
    return problems;
  }
  if (::fchown(fd, m.uid, m.gid) != 0) problems.push_back(std::string("owner: ") + std::strerror(errno));
  if (::fchmod(fd, m.mode) != 0) problems.push_back(std::string("mode: ") + std::strerror(errno));
  for (const auto& [k, v] : m.xattrs)
    if (::fsetxattr(fd, k.c_str(), v.data(), v.size(), 0) != 0)
      problems.push_back("xattr " + k + ": " + std::strerror(errno));
  const timespec times[2] = {
      {static_cast<time_t>(m.atime_ns / 1000000000), static_cast<long>(m.atime_ns % 1000000000)},
      {static_cast<time_t>(m.mtime_ns / 1000000000), static_cast<long>(m.mtime_ns % 1000000000)}};
  if (::futimens(fd, times) != 0) problems.push_back(std::string("times: ") + std::strerror(errno));
  if ((m.flags & kLockFlags) && !set_flags(fd, m.flags))
    problems.push_back(std::string("immutable/append-only flags: ") + std::strerror(errno));
  return problems;
}

}  // namespace

Result<FileContent> read_rooted(const RootedFile& f) {
  UniqueFd fd = open_rooted(f, O_RDONLY);
  if (!fd.ok())
    return errno == ELOOP ? Error::make("respond.not_file", f.path + " is a symbolic link: not followed")
                          : io_error("cannot open", f.path);
  auto content = read_fd(fd.get(), f.path);
  if (!content) return content.error();
  content->meta.root = f.root;
  content->meta.path = f.in_root;
  return content;
}

Result<Journal> Journal::open(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return Error::make("respond.journal", "cannot create " + dir + ": " + std::strerror(errno));
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return Error::make("respond.journal", dir + " is not a folder");
  Journal j;
  j.dir_ = dir;
  return j;
}

Result<void> Journal::append(const std::string& line) {
  UniqueFd fd(::open(path().c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.ok()) return io_error("cannot open the journal", path());
  const std::string l = line + "\n";
  if (::write(fd.get(), l.data(), l.size()) != static_cast<ssize_t>(l.size()) || ::fsync(fd.get()) != 0)
    return io_error("cannot write the journal", path());
  return {};
}

Result<Journal::Recorded> Journal::record(const RootedFile& f, std::string_view op, std::string_view based_on_sha256,
                                          std::string_view why, std::string_view after_sha256) {
  UniqueFd fd = open_rooted(f, O_RDONLY);
  if (!fd.ok())
    return errno == ELOOP ? Error::make("respond.not_file", f.path + " is a symbolic link: not followed")
                          : io_error("cannot open", f.path);
  auto read = read_fd(fd.get(), f.path);
  if (!read) return read.error();
  FileMeta& meta = read->meta;
  meta.root = f.root;
  meta.path = f.in_root;
  if (!based_on_sha256.empty() && meta.sha256 != based_on_sha256)
    return Error::make("respond.changed", f.path + " changed while minesweep worked on it; nothing written");
  auto blob = store_blob(dir_, meta.sha256, read->bytes);
  if (!blob) return blob.error();
  nlohmann::json j = meta_json(meta);
  j["op"] = op;
  j["blob"] = *blob;
  if (!why.empty()) j["why"] = why;
  if (!after_sha256.empty()) j["after_sha256"] = after_sha256;
  j["time"] = to_iso8601(now_utc(), 0);
  if (auto r = append(j.dump()); !r) return r.error();
  return Recorded{std::move(fd), std::move(meta)};
}

Error Journal::cancel(const RootedFile& f, Error e) {
  (void)append(nlohmann::json{{"op", "cancel"}, {"root", f.root}, {"path", f.in_root}, {"why", e.message}}.dump());
  return e;
}

Result<FileMeta> Journal::quarantine(const RootedFile& f, std::string_view triage_sha256) {
  // The triage hash is checked on the bytes that are kept, so what moves is what was flagged; nothing is journalled
  // for a file that is not.
  auto recorded = record(f, "quarantine", triage_sha256, "", "");
  if (!recorded && !triage_sha256.empty() && recorded.error().code == "respond.changed")
    return Error::make("respond.not_flagged", f.path + " is not the file that was flagged (SHA-256 " +
                                                  std::string(triage_sha256) +
                                                  " at triage); left in place: scan it again before acting");
  if (!recorded) return recorded.error();
  const int fd = recorded->fd.get();
  const FileMeta& meta = recorded->meta;
  if (!same_file(f, fd)) return cancel(f, Error::make("respond.changed", f.path + " was replaced while it was read"));
  // Locked files (chattr +i / +a, a worm's trick to survive cleaning) are unlocked first; the journal has the flags.
  if ((meta.flags & kLockFlags) && !set_flags(fd, meta.flags & ~kLockFlags))
    return cancel(f, io_error("cannot clear the immutable/append-only flags of", f.path));
  if (in_folder(f.dir.get(), [&] { return ::unlinkat(f.dir.get(), f.name.c_str(), 0); }) != 0) {
    const Error e = io_error("cannot remove", f.path);
    if (meta.flags & kLockFlags) set_flags(fd, meta.flags);
    return cancel(f, e);
  }
  return meta;
}

Result<void> Journal::edit(const RootedFile& f, std::string_view based_on_sha256, const std::string& new_content,
                           const std::string& why) {
  auto recorded = record(f, "edit", based_on_sha256, why, sha256_hex(as_bytes(new_content)));
  if (!recorded) return recorded.error();
  const int fd = recorded->fd.get();
  const FileMeta& meta = recorded->meta;
  const bool locked = meta.flags & kLockFlags;
  if (locked && !set_flags(fd, meta.flags & ~kLockFlags))
    return cancel(f, io_error("cannot clear the immutable/append-only flags of", f.path));
  UniqueFd out = open_rooted(f, O_WRONLY);
  if (!out.ok() || !same_file(f, out.get()) || !same_file(f, fd)) {
    const Error e = out.ok() ? Error::make("respond.changed", f.path + " was replaced while it was read")
                             : io_error("cannot open for writing", f.path);
    if (locked) set_flags(fd, meta.flags);
    return cancel(f, e);
  }
  // From here the old content is gone from the file: a failure is reported, and undo puts the journalled copy back.
  Result<void> written = ::ftruncate(out.get(), 0) == 0 ? write_all(out.get(), new_content, f.path)
                                                        : Result<void>(io_error("cannot truncate", f.path));
  if (locked && !set_flags(out.get(), meta.flags) && written)
    return io_error("changed, but could not set the immutable/append-only flags again on", f.path);
  return written;
}

Result<void> Journal::note(const std::string& op, const std::string& target, const std::string& outcome,
                           const std::vector<std::string>& undo_argv) {
  nlohmann::json j{{"op", op}, {"target", target}, {"outcome", outcome}, {"time", to_iso8601(now_utc(), 0)}};
  if (!undo_argv.empty()) j["undo_argv"] = undo_argv;
  return append(j.dump());
}

namespace {

// One journalled file change put back. Returns false with the reason in `left` when it could not be.
void undo_file(const nlohmann::json& entry, const std::string& op, const std::string& dir, UndoReport& report) {
  const FileMeta m = meta_from(entry);
  const std::string shown = m.root == "/" ? m.path : m.root + m.path;
  std::ifstream blob(dir + "/" + entry.value("blob", ""), std::ios::binary);
  std::string coded((std::istreambuf_iterator<char>(blob)), std::istreambuf_iterator<char>());
  const std::string content = xor_code(std::move(coded));
  if (sha256_hex(as_bytes(content)) != m.sha256) {
    report.left.push_back(shown + ": the kept copy is missing or damaged; not restored");
    return;
  }
  auto root = SystemRoot::open(m.root);
  if (!root) {
    report.left.push_back(shown + ": " + root.error().message);
    return;
  }
  auto file = root->resolve(m.path);
  if (!file) {
    report.left.push_back(shown + ": " + file.error().message);
    return;
  }
  auto create_beside = [&](const std::string& why) -> UniqueFd {
    const std::string beside = file->name + ".minesweep-restored";
    report.messages.push_back(shown + " " + why + ": the original is restored beside it as " + file->path +
                              ".minesweep-restored");
    return UniqueFd(in_folder(file->dir.get(), [&] {
      return ::openat(file->dir.get(), beside.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    }));
  };
  UniqueFd fd;
  if (op == "quarantine") {
    fd = UniqueFd(in_folder(file->dir.get(), [&] {
      return ::openat(file->dir.get(), file->name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    }));
    if (!fd.ok() && errno == EEXIST) fd = create_beside("exists again");
  } else {
    UniqueFd now = open_rooted(*file, O_RDONLY);
    auto current = now.ok() ? read_fd(now.get(), shown) : Result<FileContent>(io_error("cannot open", shown));
    if (!current) {
      report.left.push_back(shown + ": " + current.error().message);
      return;
    }
    if (current->meta.sha256 != entry.value("after_sha256", current->meta.sha256)) {
      fd = create_beside("changed after minesweep edited it");
    } else {
      if (current->meta.flags & kLockFlags) set_flags(now.get(), current->meta.flags & ~kLockFlags);
      fd = open_rooted(*file, O_WRONLY);
      if (fd.ok() && (!same_file(*file, fd.get()) || ::ftruncate(fd.get(), 0) != 0)) fd.reset();
    }
  }
  if (!fd.ok()) {
    report.left.push_back(shown + ": cannot write: " + std::strerror(errno));
    return;
  }
  const auto problems = put_back(fd.get(), m, content);
  ++report.restored;
  for (const auto& p : problems) report.left.push_back(shown + ": " + p);
}

}  // namespace

Result<UndoReport> undo(const std::string& journal_path) {
  std::ifstream in(journal_path, std::ios::binary);
  if (!in) return Error::make("respond.journal", "cannot read " + journal_path + ": " + std::strerror(errno));
  const size_t slash = journal_path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : journal_path.substr(0, slash);  // blobs sit beside it
  std::vector<nlohmann::json> entries;
  size_t line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    const std::string op = j.is_object() && j.contains("op") && j["op"].is_string() ? j["op"].get<std::string>() : "";
    if (std::find(std::begin(kJournalOps), std::end(kJournalOps), op) == std::end(kJournalOps) &&
        !(j.is_object() && j.contains("target")))  // a note: any op with a target and an outcome
      return Error::make("respond.journal", journal_path + " is not a minesweep journal (line " +
                                                std::to_string(line_no) + " is not a journal entry); nothing changed");
    if (op == "undone")
      return Error::make("respond.undone", journal_path + " was undone already (" + j.value("time", "") +
                                               "); undoing twice could overwrite later changes. Nothing changed.");
    entries.push_back(std::move(j));
  }
  if (entries.empty()) return Error::make("respond.journal", journal_path + " has no entries: not a minesweep journal");
  UndoReport report;
  std::vector<std::string> cancelled;
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    const std::string op = it->value("op", "");
    const std::string key = it->value("root", "/") + "\x1f" + it->value("path", "");
    if (op == "cancel") {
      cancelled.push_back(key);
      continue;
    }
    if (op == "step") continue;  // a step that changed nothing (skipped, manual, refused)
    if (op == "quarantine" || op == "edit") {
      if (auto c = std::find(cancelled.begin(), cancelled.end(), key); c != cancelled.end()) {
        cancelled.erase(c);  // the change never happened: the file was left as it was
        continue;
      }
      undo_file(*it, op, dir, report);
      continue;
    }
    // A note: reversed when minesweep knows how (the command is its own text, recorded at apply time).
    const std::string target = it->value("target", "");
    if (it->contains("undo_argv") && (*it)["undo_argv"].is_array()) {
      std::vector<std::string> argv;
      for (const auto& a : (*it)["undo_argv"])
        if (a.is_string()) argv.push_back(a.get<std::string>());
      const int rc = run_program(argv);
      if (rc == 0) {
        ++report.restored;
        continue;
      }
      report.left.push_back(op + " " + target + ": undo command exit " + std::to_string(rc));
      continue;
    }
    report.left.push_back(op + " " + target + ": " + it->value("outcome", "") + " (cannot be undone by minesweep)");
  }
  {
    std::ofstream mark(journal_path, std::ios::app | std::ios::binary);
    mark << nlohmann::json{{"op", "undone"},
                           {"time", to_iso8601(now_utc(), 0)},
                           {"restored", report.restored},
                           {"left", report.left.size()}}
                .dump()
         << "\n";
  }
  return report;
}

}  // namespace msw::respond
