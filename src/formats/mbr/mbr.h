// The master boot record and the sectors before the first partition, from a raw disk image or the first sectors a
// collector read off the boot disk: where MBR bootkits (MyKings' among them) live. The boot code is recognised by
// what the standard loaders carry — Windows' (NT 6+: "Invalid partition table", "Error loading operating system",
// "Missing operating system"), GRUB 2's boot.img ("GRUB", "Geom", "Hard Disk", "Read", " Error") and SYSLINUX's —
// and judged for the traits bootkits show: boot code that is none of these, text-free high-entropy code, and data
// hidden in the gap before the first partition that the loader in the MBR does not use (GRUB keeps its core.img
// there; Windows keeps nothing).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/byte_reader.h"
#include "core/result.h"

namespace msw::formats::mbr {

inline constexpr size_t kSector = 512;
inline constexpr size_t kMaxGapSectors = 2048;  // the first MiB

struct Partition {
  bool active = false;
  uint8_t type = 0;
  uint32_t first_lba = 0, sectors = 0;
};

enum class Loader { Empty, Windows, Grub2, Syslinux, Unknown };
std::string_view to_string(Loader l);

struct BootRecord {
  Loader loader = Loader::Unknown;
  std::string evidence;        // what identified it ("strings: Invalid partition table, ...")
  double code_entropy = 0;     // bits per byte over the 440 bytes of boot code
  uint32_t disk_signature = 0;
  std::array<Partition, 4> partitions{};
  bool gpt = false;            // a protective MBR (type 0xEE)
  size_t gap_sectors = 0;      // sectors between the MBR and the first partition that the input holds
  size_t gap_used = 0;         // of those, the ones not zero-filled
  double gap_entropy = 0;      // over the used gap sectors (GRUB 2 keeps its core.img there: expected)
  std::string sha256;          // of the 440 bytes of boot code, to compare with a known-good copy
};

// Whether `head` starts with an MBR (0x55AA at 510, a partition table whose entries are empty or plausible, at least
// one partition). Errors from parse: mbr.not_mbr.
bool looks_like_mbr(Bytes head);
Result<BootRecord> parse(Bytes disk);

}  // namespace msw::formats::mbr
