// File metadata the content alone cannot show: inode flags (chattr +i, +a), owner, mode, times. Three sources of
// rows, all written to the bundle's tables/files.jsonl:
//   - watched files: configuration and persistence files (resolv.conf, ld.so.preload, crontabs, authorized_keys,
//     systemd units, ...), recorded whatever they look like, so "locked with chattr" and "changed yesterday" are
//     visible;
//   - executables and scripts in the folders worms drop into (/tmp, /var/tmp, /dev/shm, hidden folders in homes);
//   - set-uid / set-gid files outside the folders packages install them in.
// Walks are bounded in depth and count; what was skipped is counted.
#pragma once

#include <string>
#include <vector>

#include "collect/host_view.h"

namespace msw::collect::linux {

inline constexpr size_t kMaxSweepEntries = 200'000;  // directory entries looked at per sweep
inline constexpr size_t kMaxSweepRows = 500;       // rows kept per sweep
inline constexpr int kMaxSweepDepth = 8;

// Small text files in the drop folders worth reading whole: scripts (a dropper's d.sh with its rival-killing and
// download loops) and miner configurations (XMRig's config.json with pools and wallet).
inline constexpr uint64_t kMaxDroppedTextBytes = 1u << 20;
inline constexpr size_t kMaxDroppedTextFiles = 200;

struct FileSweep {
  std::string jsonl;  // one object per line, keys named as event fields (see normalize/linux_tables.cpp)
  size_t rows = 0;
  size_t truncated = 0;  // entries or rows beyond the caps
  std::vector<std::string> dropped_scripts;  // host paths for the collector to copy
  std::vector<std::string> miner_configs;
};

// True for JSON text that configures a miner: XMRig's "pools" list, or any stratum URL.
bool looks_like_miner_config(std::string_view head);

// `watched`: host paths recorded when present. `collected_unix`: the collection time, so the age of a file is
// fixed in the bundle rather than computed again at analysis time.
FileSweep sweep_files(const HostView& host, const std::vector<std::string>& watched, int64_t collected_unix);

// "immutable", "append_only" or both (comma-separated) from FS_IOC_GETFLAGS bits; empty when neither.
std::string describe_inode_flags(uint32_t flags);

}  // namespace msw::collect::linux
