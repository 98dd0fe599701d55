// Archives and self-extractors, read with libarchive and never run: zip, 7z, RAR 4 and 5, cab, tar, and single
// gzip/xz/bzip2 streams. A self-extracting PE carries its archive in the overlay (WinRAR, 7-Zip, zip SFX), so the
// archive is also looked for by its signature from an offset on. WinRAR SFX modules are driven by a script in the
// archive comment (`Setup=`, `Silent=1`, `Path=` — how the MyKings `ups.dat` launched its payload); the comment is read
// from the zip end record or an uncompressed RAR 4/5 "CMT" block and its commands are parsed.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/byte_reader.h"
#include "core/result.h"

namespace msw::formats::archive {

// Every archive is attacker-made: these bound what one archive may cost.
struct Limits {
  size_t max_members = 10'000;
  uint64_t max_member_bytes = 64ull << 20;  // one member, unpacked
  uint64_t max_total_bytes = 512ull << 20;  // everything unpacked from one archive
  uint64_t max_ratio = 1000;                // unpacked / packed, once more than 16 MiB has come out
};

enum class MemberKind { File, Directory, Link, Other };

struct Member {
  std::string name;  // as the archive spells it (may be hostile: "../../x", "C:\\x", "/etc/x")
  MemberKind kind = MemberKind::File;
  uint64_t size = 0;         // as recorded (0 when the format does not say)
  bool encrypted = false;    // data not readable without the password
  bool unsafe_path = false;  // absolute, a drive, or climbing out with ".."; never extracted
  std::string link_target;   // for links: where it points (never followed, never extracted)
  std::string data;          // unpacked bytes of a file (empty when skipped; see `note`)
  std::string note;          // why the data is missing or partial
};

struct Archive {
  std::string format;   // libarchive's name: "ZIP 2.0 (deflation)", "7-Zip", "RAR5", ...
  uint64_t offset = 0;  // where it starts in the bytes given (an SFX's overlay)
  std::vector<Member> members;
  std::vector<std::string> notes;  // limits reached, damage
};

// Reads the archive that starts at `data[0]`. `single_stream` also accepts a lone gzip/xz/bzip2 stream (one member
// named "data"). Errors: archive.unreadable.
Result<Archive> read(Bytes data, const Limits& limits = {}, bool single_stream = false);

// Where an archive begins in `data`, at or after `from`: zip, 7z, RAR 4/5, cab signatures, in file order, at most
// `max` of them.
struct Embedded {
  uint64_t offset = 0;
  std::string kind;  // "zip", "7z", "rar4", "rar5", "cab"
};
std::vector<Embedded> find_embedded(Bytes data, uint64_t from, size_t max = 4);

// The archive comment of a zip (end record) or RAR 4/5 (stored "CMT" block) starting at `data[0]`; "" when there is
// none. A compressed RAR comment is not unpacked: `note` says so.
std::string comment(Bytes data, std::string* note = nullptr);

// A WinRAR SFX script: each command as written ("Setup" → "payload.exe"), and what it means for a responder.
struct SfxScript {
  std::vector<std::pair<std::string, std::string>> commands;
  std::vector<std::string> runs;  // programs started after extraction (Setup=, Presetup=)
  std::string path;               // where it extracts (Path=)
  bool silent = false;            // Silent=1 or 2: no window
  bool temp_mode = false;         // TempMode: extract to a temporary folder, delete afterwards
  bool overwrite = false;         // Overwrite=1 or 2
};
SfxScript parse_sfx_script(std::string_view comment);

}  // namespace msw::formats::archive
