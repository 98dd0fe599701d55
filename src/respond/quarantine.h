// Quarantine with undo, for `respond --apply` on a live Linux host. A quarantined file is moved out of reach: its
// bytes are stored XOR-encoded (so nothing can run or load it by accident, and scanners do not eat it again) in a
// 0400 file named by its SHA-256, and every change is written to an append-only journal before it is made: the
// file's path, owner, mode, times (nanoseconds), extended attributes (security.* included when readable), the
// immutable/append-only flags, size and hash; for an edited file, its whole previous content. `undo` replays the
// journal backwards and puts back byte-identical files with their metadata.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace msw::respond {

inline constexpr uint64_t kMaxQuarantineBytes = uint64_t{4} << 30;

struct FileMeta {
  std::string path;
  uint32_t uid = 0, gid = 0, mode = 0;
  int64_t atime_ns = 0, mtime_ns = 0;
  uint32_t flags = 0;  // FS_IOC_GETFLAGS (immutable, append-only, ...)
  std::vector<std::pair<std::string, std::string>> xattrs;
  uint64_t size = 0;
  std::string sha256;
};

class Journal {
 public:
  // Creates `dir` (0700) if needed and opens its journal.jsonl for appending. Errors: respond.journal.
  static Result<Journal> open(const std::string& dir);
  const std::string& dir() const { return dir_; }
  std::string path() const { return dir_ + "/journal.jsonl"; }

  // Moves `path` (a regular file, not a link) into quarantine. Nothing changes when it fails.
  // Errors: respond.not_file, respond.too_large, respond.io.
  Result<FileMeta> quarantine(const std::string& path);
  // Replaces the content of `path` in place (same inode, owner and mode; times put back), keeping the old content in
  // the journal. Errors: respond.not_file, respond.io.
  Result<void> edit(const std::string& path, const std::string& new_content, const std::string& why);
  // A change that cannot be undone by minesweep (a killed process, a locked account): recorded for the report.
  Result<void> note(const std::string& op, const std::string& target, const std::string& outcome);

 private:
  Result<void> append(const std::string& json_line);
  // Reads `path`, keeps its bytes in the quarantine and journals `op` with its metadata, before any change.
  Result<FileMeta> record(const std::string& path, std::string_view op, std::string_view why);
  std::string dir_;
};

struct UndoReport {
  size_t restored = 0, skipped = 0;
  std::vector<std::string> messages;
};

// Replays `journal_path` backwards. A file that exists again at its old path is not overwritten: the original is
// restored beside it as PATH.minesweep-restored. Errors: respond.journal (unreadable journal).
Result<UndoReport> undo(const std::string& journal_path);

}  // namespace msw::respond
