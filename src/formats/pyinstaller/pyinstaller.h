// PyInstaller bundles (2.0 to 6.x), as the MyKings responder unpacked csrs.exe by hand: the CArchive found by its
// cookie ("MEI\014\013\012\013\016" near the end), its table of contents, each member inflated, the PYZ archive's
// own table (a marshalled list or dict of name → (is package, offset, length)) read with a minimal marshal reader,
// and every code object written back as a .pyc **with the header its Python version expects** (the magic from the
// PYZ, else from the cookie's version; 16 bytes for 3.7+, 12 for 3.3–3.6, 8 before), which is the repair that
// standard decompilers need. Encrypted PYZ members (PyInstaller < 6 with --key) are reported, not guessed at.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/byte_reader.h"
#include "core/result.h"

namespace msw::formats::pyinstaller {

inline constexpr size_t kMaxMembers = 20'000;        // CArchive and PYZ entries together
inline constexpr size_t kMaxMemberBytes = 64 << 20;  // one inflated member
inline constexpr size_t kMaxTotalBytes = 512 << 20;  // everything inflated from one bundle
inline constexpr size_t kMaxRatio = 1000;            // inflated / compressed
inline constexpr size_t kMaxMarshalDepth = 32;

struct Member {
  std::string name;      // as the archive names it ("csrs", "PYZ-00.pyz", "pyimod01_archive", "mod.sub")
  char type = 0;         // CArchive typecode: s script, m/M module, z/Z PYZ, b binary, x data, o option; 'p' PYZ module
  bool package = false;  // PYZ: a package's __init__
  uint64_t offset = 0, stored_size = 0, size = 0;  // in the file; size as recorded uncompressed
  bool compressed = false;
  bool encrypted = false;  // a PYZ member that is not a zlib stream (tinyaes-encrypted)
  std::string data;        // inflated (empty when encrypted, damaged or over a limit; see `note`)
  std::string note;
};

struct Bundle {
  uint64_t cookie_offset = 0, archive_offset = 0;
  int py_major = 0, py_minor = 0;  // from the cookie (0 when it does not say)
  std::string python_library;      // "python38.dll" (2.1+ cookies)
  std::string pyc_magic;           // 4 bytes: the PYZ's, else the version's
  std::vector<Member> members;     // CArchive members, then each PYZ's modules
  std::vector<std::string> notes;  // limits reached, damage
};

// Errors: pyinstaller.no_cookie, pyinstaller.bad_cookie, pyinstaller.bad_toc.
Result<Bundle> parse(Bytes data);

// The 4-byte pyc magic of a CPython version ("" when unknown).
std::string pyc_magic(int major, int minor);

// The member as a .pyc a decompiler accepts: `data` is a marshalled code object without header ('s' scripts, PYZ
// modules) or a .pyc whose header was zeroed or cut ('m' modules); the header is rebuilt for the bundle's Python.
// "" for members that are not code.
std::string as_pyc(const Bundle& bundle, const Member& member);

}  // namespace msw::formats::pyinstaller
