// Registry transaction logs (SYSTEM.LOG1 / .LOG2 next to a hive): Windows writes changes there first and to the
// hive later, so a hive copied from a running system (or after a crash) is "dirty" and misses its newest keys —
// exactly the Run key or service a worm just added. This applies the new-format logs (Windows 8.1 and later: a
// 512-byte base block copy of file type 6, then "HvLE" entries of dirty pages, each checked with two Marvin32
// hashes) to a copy of the primary file, from the public format notes (Suhanov's "Windows registry file format
// specification"); or the old format (Windows XP–8: SYSTEM.LOG, and .LOG1/.LOG2 on Vista–8): a base block copy of
// file type 1 with the same last-written time as the primary, a "DIRT" bitmap of dirty 512-byte pages, the pages.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/byte_reader.h"
#include "core/result.h"

namespace msw::formats::regf {

inline constexpr size_t kMaxReplayedHiveBytes = size_t{1} << 30;
inline constexpr uint64_t kLogHashSeed = 0x82EF4D887A4E55C5ull;  // 14219357686671994754

struct LogReplay {
  size_t entries_applied = 0;
  size_t pages_written = 0;
  uint32_t first_sequence = 0, last_sequence = 0;
  std::string stopped;  // why replay ended early ("hash mismatch in entry at offset 4096 of log 2"), or ""
  bool old_format = false;  // an old-format (DIRT) log was applied
};

// The hive with every applicable log entry applied (sequence numbers from the primary's on, consecutive, hashes
// valid) — or the first applicable old-format log — its base block updated and re-checksummed. `logs` are .LOG1
// then .LOG2 (or .LOG); any may be empty. Errors:
// regf.not_hive (the primary), regf.replay_too_large.
Result<std::vector<std::byte>> replay_transaction_logs(Bytes primary, std::span<const Bytes> logs, LogReplay& info);

// Whether a regf file is a transaction log rather than a hive (its base block's file type is not 0).
bool is_transaction_log(Bytes file);

}  // namespace msw::formats::regf
