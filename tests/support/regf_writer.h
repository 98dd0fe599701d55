// Registry hives for tests, on top of the production writer (formats/regf/writer.h): dirty hives and broken
// checksums, transaction logs of both formats, and SAM/LSA trees with encrypted secrets, so tests build SYSTEM-,
// SOFTWARE-, SAM- and NTUSER-shaped hives with exactly the keys and damage a scenario needs.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "formats/regf/writer.h"

namespace msw::test {

using RegValueSpec = formats::regf::ValueSpec;
using RegKeySpec = formats::regf::KeySpec;
using formats::regf::reg_dword;
using formats::regf::reg_multi_sz;
using formats::regf::reg_qword;
using formats::regf::reg_sz;

struct HiveOptions {
  bool dirty = false;
  bool bad_checksum = false;
  std::string embedded_name = "\\??\\C:\\Windows\\System32\\config\\SOFTWARE";
};

// The production writer's hive, made dirty or given a wrong checksum when a test asks.
std::string write_hive(const RegKeySpec& root, const HiveOptions& options = {});

// The base block's XOR checksum recomputed (after a test edited the first 508 bytes).
std::string with_base_checksum(std::string hive_or_log);
// A hive whose last write did not finish: primary sequence `sequence`, secondary one less, checksum redone.
std::string make_dirty(std::string hive, uint32_t sequence);
// A new-format transaction log (.LOG1) that turns `old_hive` into `new_hive`: a base block copy of file type 6 and
// one HvLE entry with sequence `sequence` carrying every hive-bin page that differs, with both Marvin32 hashes.
std::string write_transaction_log(const std::string& old_hive, const std::string& new_hive, uint32_t sequence);

// The same change as an old-format log (Windows XP–8): base block copy of file type 1, a DIRT bitmap of the
// 512-byte pages that differ, then those pages.
std::string write_old_transaction_log(const std::string& old_hive, const std::string& new_hive);

// A SAM hive's root: Domains\Account (V ending with the machine SID S-1-5-21-1-2-3), Users\<RID> with F (RID,
// flags, times) and V (the name), Users\Names\<name> (default value typed with the RID), and Builtin\Aliases
// \00000220 (Administrators) whose C lists the admins' SIDs.
struct SamAccountSpec {
  std::string name;
  uint32_t rid = 1000;
  bool disabled = false;
  bool admin = false;
  std::string password = {};  // with a boot key: stored as an AES-encrypted NT hash (Windows 10 1607+ layout)
};
// With `boot_key`, Domains\Account\F holds the AES-encrypted hashed boot key and every account its NT hash.
// `weak_policy`: the Windows defaults of a workgroup server (no minimum length, no complexity, no lockout); else 12
// characters, complexity and lockout after 5 failures.
RegKeySpec sam_root(const std::vector<SamAccountSpec>& accounts, const std::array<uint8_t, 16>* boot_key = nullptr,
                    bool weak_policy = false);
// SYSTEM's ControlSet001\Control\Lsa with the boot key scrambled into the JD/Skew1/GBG/Data class names.
RegKeySpec lsa_key(const std::array<uint8_t, 16>& boot_key);

// Cell offset of the first cell whose data starts with `signature` ("nk", "vk", "lh", ...) and contains `marker`
// (for tests that damage a hive on purpose).
size_t hive_cell_offset(const std::string& hive, const std::string& signature, const std::string& marker);

}  // namespace msw::test
