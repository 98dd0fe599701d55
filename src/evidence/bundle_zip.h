// `triage --zip`: the bundle folder packed into one .zip (deflate, PKWARE APPNOTE 6.3 without ZIP64) to carry off a
// customer's server. Entries keep the bundle's relative paths; unzip it anywhere and `minesweep scan` the folder.
#pragma once

#include <string>

#include "core/result.h"

namespace msw::evidence {

// ZIP without ZIP64 holds at most 65,535 entries of under 4 GiB each, and 4 GiB in all.
inline constexpr uint64_t kMaxZipBytes = 0xFFFFFFFFull - (1u << 20);
inline constexpr size_t kMaxZipEntries = 65535;

// Errors: bundle.zip (cannot write `zip_path`, a file is unreadable, or the bundle exceeds the limits above; the
// message says which). `zip_path` must not exist.
Result<void> write_bundle_zip(const std::string& bundle_dir, const std::string& zip_path);

}  // namespace msw::evidence
