// Windows collector: the `netstat -ano`, `tasklist`, `wmic`, Autoruns and log exports of the write-ups in one run,
// written as the same triage bundle the Linux collector writes (evidence/bundle.h), so `minesweep scan` analyses it
// anywhere. It reads only: what it cannot read (no administrator rights, a locked file, an API Wine lacks) is a
// manifest failure with the reason, and collection goes on.
//
// Bundle layout: Windows paths under their drive letter ("C/Windows/System32/config/SYSTEM") so the evidence
// locator treats the bundle like a mounted volume; generated tables under "tables/"; the boot sectors in "disk/".
#pragma once

#include <functional>
#include <string>

#include "collect/windows/windows_host.h"
#include "core/result.h"
#include "evidence/bundle.h"

namespace msw::collect::windows {

inline constexpr uint64_t kMaxArtefactBytes = 512ull << 20;   // an event log or hive larger than this is skipped
inline constexpr uint64_t kMaxExecutableBytes = 64ull << 20;  // executables above this are hashed, not copied
inline constexpr size_t kMaxExecutableCopies = 64;
inline constexpr size_t kMaxCopiedFiles = 5000;      // Tasks + Prefetch + repository files together
inline constexpr size_t kMaxSnapshotKeys = 200'000;  // live-registry snapshot, all hives together

struct CollectOptions {
  std::string out_dir;  // created; must not exist or be empty
  std::string tool_version;
  std::string collected_at;  // ISO-8601, from the caller's clock
  int cpu_sample_ms = 500;
  bool copy_executables = true;
  std::function<void(std::string_view step)> on_step;
};

// Errors: collect.out_dir. Everything else goes into the manifest's failures.
Result<evidence::BundleManifest> collect_bundle(const WindowsHost& host, const CollectOptions& opts);

// Pure pieces, exposed for tests.
// True for an image outside the folders Windows and installers own (System32, Program Files): where worms drop.
bool is_unusual_image_location(std::string_view windows_path);
// The program a command line runs: "\"C:\\a b\\x.exe\" -k" and "C:\\a b\\x.exe -k" → "C:\\a b\\x.exe"; "" when
// it names no absolute local path (bare names, environment variables).
std::string executable_of(std::string_view command);
// "C:\\Windows\\System32\\x" → "C/Windows/System32/x"; "" for paths the bundle cannot hold (UNC, device, relative,
// "..").
std::string bundle_path_for(std::string_view windows_path);

}  // namespace msw::collect::windows
