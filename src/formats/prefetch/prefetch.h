// Windows Prefetch files (Windows\Prefetch\*.pf): proof that a program ran, how often and when — the MyKings and
// WannaMine droppers leave one each time they start. Formats 17 (XP/2003), 23 (Vista/7), 26 (8.1), 30 (10) and 31
// (11), stored compressed in a "MAM\x04" container with LZXPRESS Huffman, read from libyal's public format notes: the
// executable name, prefetch hash, run count, up to eight last run times, the files the program loaded (its own full
// path among them) and the volumes. Every offset and count is checked against the file; lists are capped.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/byte_reader.h"
#include "core/diagnostics.h"
#include "core/result.h"

namespace msw::formats::prefetch {

inline constexpr size_t kMaxDecompressedBytes = size_t{64} << 20;
inline constexpr size_t kMaxFiles = 32768;
inline constexpr size_t kMaxVolumes = 64;

struct Volume {
  std::string device_path;   // \DEVICE\HARDDISKVOLUME2, \VOLUME{…}
  uint64_t creation_time = 0;  // FILETIME
  uint32_t serial = 0;
};

struct Prefetch {
  uint32_t version = 0;
  bool compressed = false;            // was a MAM container
  std::string executable;             // as Windows truncates it (29 characters)
  uint32_t hash = 0;                  // the hex part of the file name
  uint32_t run_count = 0;
  std::vector<uint64_t> last_runs;    // FILETIMEs, most recent first, unset ones left out
  std::vector<std::string> files;     // loaded files, device paths as recorded
  std::vector<Volume> volumes;

  // The recorded file whose name is the executable's: its full path (\VOLUME{…}\WINDOWS\DEBUG\LSMA12.EXE), or "".
  std::string executable_path() const;
};

// Errors: prefetch.not_prefetch, prefetch.unsupported_version, prefetch.truncated, and lzxpress.* from the container.
// Damage after the header (a string table or volume list out of bounds) is a diagnostic; what was read is kept.
Result<Prefetch> parse(Bytes file, std::string_view evidence, Diagnostics& diags);

// The decompressed SCCA bytes of a MAM container (for `minesweep` diagnostics and tests).
Result<std::vector<std::byte>> decompress_mam(Bytes file);

}  // namespace msw::formats::prefetch
