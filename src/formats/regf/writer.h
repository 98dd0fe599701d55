// Writes a registry hive (REGF) from a tree of keys and values: a base block with its checksum, one hive bin of
// nk/vk cells, subkey lists (lh, lf, li, or ri over li), value lists, inline and big (db) data, and key names in
// Latin-1 ("compressed") or UTF-16 as their characters need.
//
// Why production code writes hives: the Windows collector snapshots live keys into a hive when the system refuses
// RegSaveKeyEx (no backup privilege, or Wine), so the same hive parser and heuristics read what was collected; the
// tests build their scenario hives with it too.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace msw::formats::regf {

struct ValueSpec {
  std::string name;  // UTF-8
  uint32_t type = 1;
  std::string data;  // raw bytes as stored (reg_sz()/reg_dword()/reg_multi_sz() build them)
};

struct KeySpec {
  KeySpec(std::string key_name = "") : name(std::move(key_name)) {}
  std::string name;                           // UTF-8
  uint64_t filetime = 132223104000000000ull;  // last written; 2020-01-01T00:00:00Z unless set
  std::vector<ValueSpec> values;
  std::vector<KeySpec> subkeys;
  std::string list_kind = "lh";  // lh, lf, li, or ri (li lists under an ri)
  bool utf16_name = false;       // forces UTF-16; names outside Latin-1 are UTF-16 anyway
  std::string class_name;        // written as UTF-16 (the LSA keys keep the boot key in theirs)
};

struct WriteOptions {
  // The base block's file name field (the hive's path on its system), e.g. "\??\C:\Windows\System32\config\SYSTEM".
  std::string embedded_name = "\\??\\C:\\Windows\\System32\\config\\SOFTWARE";
  uint64_t last_written = 132223104000000000ull;  // FILETIME
};

// A hive's cell offsets are 32-bit: a tree that would need more than this is refused.
inline constexpr size_t kMaxWrittenHiveBytes = 1u << 30;

// Errors: regf.too_large (the tree needs more than kMaxWrittenHiveBytes).
Result<std::string> build_hive(const KeySpec& root, const WriteOptions& options = {});

std::string reg_sz(std::string_view utf8);  // UTF-16LE with its terminator
std::string reg_dword(uint32_t v);
std::string reg_qword(uint64_t v);
std::string reg_multi_sz(const std::vector<std::string>& items);

}  // namespace msw::formats::regf
