#include "formats/regf/transaction_log.h"

#include <algorithm>
#include <cstring>

#include "core/hash.h"

namespace msw::formats::regf {
namespace {

constexpr size_t kBaseBlock = 4096;
constexpr size_t kLogSector = 512;
constexpr size_t kEntryHeader = 40;

bool regf_signature(Bytes b) { return b.size() >= 512 && std::memcmp(b.data(), "regf", 4) == 0; }

struct Entry {
  Bytes bytes;  // the whole entry
  uint32_t sequence, bins_size, pages;
  size_t log, offset;
};

uint32_t base_block_checksum(Bytes b) {
  uint32_t sum = 0;
  for (size_t i = 0; i < 508; i += 4) sum ^= wire::le32(b, i);
  if (sum == 0xFFFFFFFFu) sum = 0xFFFFFFFEu;
  if (sum == 0) sum = 1;
  return sum;
}

void put32(std::vector<std::byte>& v, size_t at, uint32_t x) {
  for (int i = 0; i < 4; ++i) v[at + i] = static_cast<std::byte>(x >> (8 * i));
}

// Old format (Windows XP to 8): a base block copy (file type 1) whose last-written time must equal the primary's,
// a "DIRT" bitmap of 512-byte hive-bin pages (least significant bit first), then the dirty pages in bit order.
bool apply_old_format(Bytes log, Bytes primary, std::vector<std::byte>& out, LogReplay& info) {
  if (base_block_checksum(log) != wire::le32(log, 508)) {
    info.stopped = "the old-format log's base block checksum does not match";
    return false;
  }
  if (wire::le32(log, 4) != wire::le32(log, 8)) {
    info.stopped = "the old-format log was itself not completely written";
    return false;
  }
  if (wire::le64(log, 12) != wire::le64(primary, 12)) {
    info.stopped = "the old-format log belongs to another write of the hive (its timestamp differs)";
    return false;
  }
  const size_t sector = kLogSector * std::clamp<size_t>(wire::le32(log, 44), 1, 8);
  const uint32_t bins_size = wire::le32(log, 40);
  if (bins_size == 0 || bins_size % kBaseBlock != 0 || bins_size > kMaxReplayedHiveBytes - kBaseBlock ||
      log.size() < sector + 4 || std::memcmp(log.data() + sector, "DIRT", 4) != 0) {
    info.stopped = "the old-format log has no usable dirty vector";
    return false;
  }
  const size_t bits = bins_size / kLogSector, bitmap_bytes = (bits + 7) / 8;
  if (log.size() - sector - 4 < bitmap_bytes) {
    info.stopped = "the old-format log's dirty vector is cut short";
    return false;
  }
  const Bytes bitmap = log.subspan(sector + 4, bitmap_bytes);
  size_t page_at = (sector + 4 + bitmap_bytes + kLogSector - 1) / kLogSector * kLogSector;
  out.resize(std::max(out.size(), kBaseBlock + size_t{bins_size}));
  for (size_t bit = 0; bit < bits; ++bit) {
    if (!(static_cast<uint8_t>(bitmap[bit / 8]) >> (bit % 8) & 1)) continue;
    if (log.size() - page_at < kLogSector) {
      info.stopped = "the old-format log ends before its last dirty page";
      break;
    }
    std::memcpy(out.data() + kBaseBlock + bit * kLogSector, log.data() + page_at, kLogSector);
    page_at += kLogSector;
    ++info.pages_written;
  }
  // The log's base block is the hive's as it was meant to be written.
  std::memcpy(out.data(), log.data(), kLogSector);
  put32(out, 28, 0);  // a primary file again
  put32(out, 8, wire::le32(log, 4));
  put32(out, 508, base_block_checksum(Bytes(out.data(), 512)));
  out.resize(kBaseBlock + size_t{bins_size});
  info.entries_applied = 1;
  info.first_sequence = info.last_sequence = wire::le32(log, 4);
  return true;
}

}  // namespace

bool is_transaction_log(Bytes file) { return regf_signature(file) && wire::le32(file, 28) != 0; }

Result<std::vector<std::byte>> replay_transaction_logs(Bytes primary, std::span<const Bytes> logs, LogReplay& info) {
  if (primary.size() < kBaseBlock || !regf_signature(primary))
    return Error::make("regf.not_hive", "the primary file has no regf base block");
  const uint32_t start = wire::le32(primary, 4);  // entries from the primary sequence number on are not in the hive
  // Old-format logs: the first applicable one is the whole answer.
  for (const Bytes log : logs) {
    if (!regf_signature(log) || wire::le32(log, 28) != 1) continue;
    std::vector<std::byte> out(primary.begin(), primary.end());
    LogReplay attempt;
    if (apply_old_format(log, primary, out, attempt)) {
      info = attempt;
      info.old_format = true;
      return out;
    }
    if (info.stopped.empty()) info.stopped = attempt.stopped;
  }
  std::vector<Entry> entries;
  for (size_t l = 0; l < logs.size(); ++l) {
    const Bytes log = logs[l];
    if (!regf_signature(log)) continue;
    if (wire::le32(log, 28) != 6) continue;  // old-format logs were tried above
    for (size_t at = kLogSector; log.size() - at >= kEntryHeader; ) {
      if (std::memcmp(log.data() + at, "HvLE", 4) != 0) break;
      const uint32_t size = wire::le32(log, at + 4);
      if (size < kEntryHeader || size % kLogSector != 0 || size > log.size() - at) break;
      const Bytes e = log.subspan(at, size);
      const uint32_t pages = wire::le32(e, 20);
      // Hash-1 covers everything after the header; hash-2 the first 32 bytes (hash-1 included).
      const bool hashes_ok = marvin32(e.subspan(kEntryHeader), kLogHashSeed) == wire::le64(e, 24) &&
                             marvin32(e.first(32), kLogHashSeed) == wire::le64(e, 32);
      if (!hashes_ok) {
        if (info.stopped.empty())
          info.stopped = "hash mismatch in the entry at offset " + std::to_string(at) + " of log " + std::to_string(l + 1);
        break;
      }
      entries.push_back({e, wire::le32(e, 12), wire::le32(e, 16), pages, l, at});
      at += size;
    }
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.sequence < b.sequence; });

  std::vector<std::byte> out(primary.begin(), primary.end());
  uint32_t bins_size = wire::le32(primary, 40);
  uint32_t expected = 0;
  bool started = false;
  for (const auto& e : entries) {
    if (e.sequence < start) continue;  // already in the hive
    if (started && e.sequence == expected - 1) continue;  // the same entry in both logs
    if (started && e.sequence != expected) {
      info.stopped = "sequence " + std::to_string(e.sequence) + " follows " + std::to_string(expected - 1);
      break;
    }
    if (e.bins_size == 0 || e.bins_size % kBaseBlock != 0 || e.bins_size > kMaxReplayedHiveBytes - kBaseBlock) {
      info.stopped = "implausible hive bins size " + std::to_string(e.bins_size) + " in entry " + std::to_string(e.sequence);
      break;
    }
    // References first, then the pages in the same order.
    const size_t refs = size_t{e.pages} * 8;
    if (refs > e.bytes.size() - kEntryHeader) {
      info.stopped = "entry " + std::to_string(e.sequence) + " lists more pages than it holds";
      break;
    }
    size_t data = kEntryHeader + refs;
    bool ok = true;
    out.resize(std::max(out.size(), kBaseBlock + size_t{e.bins_size}));
    for (uint32_t p = 0; p < e.pages && ok; ++p) {
      const uint32_t offset = wire::le32(e.bytes, kEntryHeader + 8 * p), size = wire::le32(e.bytes, kEntryHeader + 8 * p + 4);
      ok = size <= e.bytes.size() - data && offset <= e.bins_size && size <= e.bins_size - offset;
      if (!ok) break;
      std::memcpy(out.data() + kBaseBlock + offset, e.bytes.data() + data, size);
      data += size;
      ++info.pages_written;
    }
    if (!ok) {
      info.stopped = "entry " + std::to_string(e.sequence) + " has a page outside the hive or the entry";
      break;
    }
    if (!started) info.first_sequence = e.sequence;
    started = true;
    bins_size = e.bins_size;
    info.last_sequence = e.sequence;
    expected = e.sequence + 1;
    ++info.entries_applied;
  }
  if (info.entries_applied > 0) {
    out.resize(kBaseBlock + size_t{bins_size});
    put32(out, 4, info.last_sequence);
    put32(out, 8, info.last_sequence);
    put32(out, 40, bins_size);
    put32(out, 508, base_block_checksum(Bytes(out.data(), 512)));
  }
  return out;
}

}  // namespace msw::formats::regf
