// Windows registry hive files (REGF), read from mapped bytes, written from the public format notes (libyal's
// "Windows NT Registry File (REGF) format"): the base block (sequence numbers → dirty flag, checksum, root cell),
// hive bins and cells, key nodes (nk), values (vk), subkey lists (lf, lh, li, ri), value lists, big data (db), every
// value type. Lookups are case-insensitive, as Windows' are.
//
// A hive is evidence an attacker may have shaped (or a collector cut short): every cell offset and size is checked
// against the hive bins, lists and data are capped (kMax*), subkey lists nest at most one `ri` level, a walk never
// visits a key twice and stops at kMaxKeyDepth. What cannot be read is counted in `damage()` (and reported by the
// caller), never guessed.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/byte_reader.h"
#include "core/diagnostics.h"
#include "core/result.h"
#include "core/time.h"

namespace msw::formats::regf {

inline constexpr size_t kBaseBlockSize = 4096;
inline constexpr uint32_t kMaxSubkeysPerKey = 1u << 20;
inline constexpr uint32_t kMaxValuesPerKey = 1u << 20;
inline constexpr size_t kMaxValueBytes = 64u << 20;
inline constexpr size_t kBigDataSegmentBytes = 16344;  // data above this lives in a db cell's segments
inline constexpr int kMaxKeyDepth = 512;
inline constexpr size_t kMaxNameBytes = 4096;
inline constexpr size_t kMaxRecoveredKeys = 100000;

enum ValueType : uint32_t {
  kRegNone = 0,
  kRegSz = 1,
  kRegExpandSz = 2,
  kRegBinary = 3,
  kRegDword = 4,
  kRegDwordBigEndian = 5,
  kRegLink = 6,
  kRegMultiSz = 7,
  kRegResourceList = 8,
  kRegFullResourceDescriptor = 9,
  kRegResourceRequirementsList = 10,
  kRegQword = 11,
};
// "REG_SZ", ..., or "REG_0x1234" for a type Windows does not define.
std::string type_name(uint32_t type);

struct HiveHeader {
  uint32_t primary_sequence = 0, secondary_sequence = 0;
  bool dirty = false;  // the sequence numbers differ: the last write did not finish, a .LOG1/.LOG2 has newer data
  std::optional<Timestamp> last_written;
  uint32_t major_version = 0, minor_version = 0;
  uint32_t root_offset = 0;
  uint32_t bins_size = 0;       // as the header says
  std::string embedded_name;    // the path the hive had when it was written (often cut to its last 31 characters)
  bool checksum_ok = false;
};

class Hive;

struct Value {
  std::string name;  // "" for the key's default value
  uint32_t type = kRegNone;
  uint32_t size = 0;  // as recorded
  bool truncated = false;  // the data could not be read in full (offsets outside the hive, over kMaxValueBytes)
  Bytes data() const { return owned_.empty() ? view_ : as_bytes(owned_); }

  // REG_SZ / EXPAND_SZ / LINK as UTF-8 up to the first NUL (also for other types holding UTF-16 text).
  std::string text() const;
  // REG_MULTI_SZ's strings.
  std::vector<std::string> strings() const;
  // REG_DWORD (either order) and REG_QWORD; nullopt for other types or short data.
  std::optional<uint64_t> number() const;
  // As Sysmon writes registry values into `Details`: the text, "DWORD (0x00000001)", "QWORD (0x00000000-0x00000001)",
  // the strings joined by spaces, "Binary Data".
  std::string details() const;

 private:
  friend class Hive;
  Bytes view_;
  std::string owned_;  // big data, assembled from its segments
};

class Key {
 public:
  std::string name() const;
  std::optional<Timestamp> last_written() const;
  uint32_t subkey_count() const;
  uint32_t value_count() const;
  uint32_t offset() const { return offset_; }
  std::string class_name() const;

  // In list order; fn returns false to stop. Damaged entries are skipped and counted in the hive's damage().
  void for_each_subkey(const std::function<bool(const Key&)>& fn) const;
  void for_each_value(const std::function<bool(const Value&)>& fn) const;
  std::optional<Key> subkey(std::string_view name) const;  // case-insensitive
  std::optional<Value> value(std::string_view name) const;  // case-insensitive; "" for the default value

 private:
  friend class Hive;
  Key(const Hive* hive, uint32_t offset, Bytes cell) : hive_(hive), offset_(offset), cell_(cell) {}
  void for_each_vk(const std::function<bool(Bytes vk)>& fn) const;  // the value cells, checked as vk cells
  const Hive* hive_;
  uint32_t offset_;
  Bytes cell_;  // the nk cell's data
};

// A key found in unallocated space: deleted, or an old copy left by a rewrite. Its values are those whose cells
// still read as values; their data may since have been overwritten (Value::truncated when it no longer fits).
struct DeletedKey {
  uint32_t offset = 0;  // of the nk cell, relative to the hive bins
  std::string path;     // below the root as far as the parent chain leads ("?\\Name" when it breaks)
  std::optional<Timestamp> last_written;
  std::vector<Value> values;
};

class Hive;
// SYSTEM's control set in use: "ControlSet00N" from Select\\Current (ControlSet001 when Select is missing).
std::string current_control_set(const Hive& system);

class Hive {
 public:
  // Errors: regf.not_hive (no "regf" signature or too short), regf.bad_root (the root cell is not a key). Damage that
  // leaves the root readable (a bad checksum, hive bins cut short) is a diagnostic.
  static Result<Hive> open(Bytes file, std::string_view evidence, Diagnostics& diags);

  const HiveHeader& header() const { return header_; }
  Key root() const;
  // A backslash-separated path below the root, case-insensitive ("Microsoft\\Windows\\CurrentVersion\\Run").
  std::optional<Key> find(std::string_view path) const;
  // Every key depth-first with its path below the root ("" for the root itself); fn returns false to skip a key's
  // subkeys. Each key is visited once (a list pointing back up is a cycle, counted as damage).
  void walk(const std::function<bool(const std::string& path, const Key& key)>& fn) const;
  // Cells that could not be read while looking (bad offsets, wrong signatures, lists over the limits).
  uint64_t damage() const { return damage_; }
  // Keys in free cells, in hive order, at most kMaxRecoveredKeys: what a worm deleted to cover its tracks.
  std::vector<DeletedKey> recover_deleted_keys() const;

  // Internal: an allocated cell's data, or nullopt when `offset` does not point at one inside the hive bins.
  std::optional<Bytes> cell(uint32_t offset) const;
  void note_damage() const { ++damage_; }
  // `include_free`: also read data from unallocated cells (for recovered values).
  std::optional<Value> read_value(Bytes vk, bool include_free = false) const;
  // A cell's data whether allocated or free (recovery only).
  std::optional<Bytes> any_cell(uint32_t offset) const;

 private:
  Bytes file_, bins_;
  HiveHeader header_;
  mutable uint64_t damage_ = 0;
};

}  // namespace msw::formats::regf
