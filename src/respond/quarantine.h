// Quarantine with undo, for `respond --apply`. A quarantined file is moved out of reach: its bytes are stored
// XOR-encoded (so nothing can run or load it by accident, and scanners do not eat it again) in a 0400 file named by
// its SHA-256, and every change is written to an append-only journal before it is made: the system's root and the
// file's path on it, owner, mode, times (nanoseconds), extended attributes (security.* included when readable), the
// immutable/append-only flags, size and hash; for an edited file, its whole previous content and the hash of what
// minesweep wrote. Every file is reached through its folder's descriptor (respond/system_root.h). `undo` replays
// the journal backwards and puts back byte-identical files with their metadata, flags included.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "respond/system_root.h"

namespace msw::respond {

inline constexpr uint64_t kMaxQuarantineBytes = uint64_t{4} << 30;

struct FileMeta {
  std::string root;  // the cleaned system's root on this machine
  std::string path;  // the file's path on that system
  uint32_t uid = 0, gid = 0, mode = 0;
  int64_t atime_ns = 0, mtime_ns = 0;
  uint32_t flags = 0;  // FS_IOC_GETFLAGS (immutable, append-only, ...)
  std::vector<std::pair<std::string, std::string>> xattrs;
  uint64_t size = 0;
  std::string sha256;
};

struct FileContent {
  FileMeta meta;
  std::string bytes;
};

// A regular file's bytes and metadata, read through its folder (a link or a FIFO is refused, never opened).
// Errors: respond.not_file, respond.too_large, respond.io.
Result<FileContent> read_rooted(const RootedFile& f);

class Journal {
 public:
  // Creates `dir` (0700) if needed and opens its journal.jsonl for appending. Errors: respond.journal.
  static Result<Journal> open(const std::string& dir);
  const std::string& dir() const { return dir_; }
  std::string path() const { return dir_ + "/journal.jsonl"; }

  // Moves the file into quarantine, clearing (and journalling) immutable/append-only flags on it or its folder.
  // Nothing changes when it fails. `triage_sha256`: what the file hashed to when it was flagged; a file that no
  // longer does is left alone (respond.not_flagged). Errors: respond.not_file, respond.too_large, respond.changed,
  // respond.not_flagged, respond.io.
  Result<FileMeta> quarantine(const RootedFile& f, std::string_view triage_sha256 = {});
  // Replaces the file's content in place (same inode, owner, mode, xattrs; immutable/append-only flags cleared for
  // the change and set again after it), keeping the old content in the journal. `based_on_sha256` is the hash of
  // the content `new_content` was made from: if the file changed since, nothing is written (respond.changed).
  Result<void> edit(const RootedFile& f, std::string_view based_on_sha256, const std::string& new_content,
                    const std::string& why);
  // A change minesweep made without a file to keep (a killed process, a firewall rule, a disabled unit): recorded for
  // the report; `undo_argv`, when given, is the command that reverses it and `--undo` runs it.
  Result<void> note(const std::string& op, const std::string& target, const std::string& outcome,
                    const std::vector<std::string>& undo_argv = {});

 private:
  struct Recorded {
    UniqueFd fd;  // the file as read (O_RDONLY), to check nothing replaced it before the change
    FileMeta meta;
  };
  Result<void> append(const std::string& json_line);
  // Reads the file with its metadata, keeps its bytes and journals `op` — all before any change. When
  // `based_on_sha256` is given, what is read must have that hash (respond.changed).
  Result<Recorded> record(const RootedFile& f, std::string_view op, std::string_view based_on_sha256,
                          std::string_view why, std::string_view after_sha256);
  // Journals that the change recorded for `f` did not happen, and returns `e`.
  Error cancel(const RootedFile& f, Error e);
  std::string dir_;
};

struct UndoReport {
  size_t restored = 0;
  std::vector<std::string> left;      // what could not be undone, one line each
  std::vector<std::string> messages;  // what was done differently (restored beside a file that came back)
};

// Replays `journal_path` backwards. A quarantined file that exists again at its old path is not overwritten: the
// original is restored beside it as PATH.minesweep-restored; likewise an edited file that changed after the edit.
// Errors: respond.journal (unreadable, or not a minesweep journal), respond.undone (this journal was undone before).
Result<UndoReport> undo(const std::string& journal_path);

}  // namespace msw::respond
