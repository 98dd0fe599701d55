#include "formats/mbr/mbr.h"

#include <algorithm>
#include <cmath>
#include <string_view>

#include "core/entropy.h"
#include "core/hash.h"

namespace msw::formats::mbr {
namespace {

bool contains(Bytes b, std::string_view s) {
  return std::search(b.begin(), b.end(), reinterpret_cast<const std::byte*>(s.data()),
                     reinterpret_cast<const std::byte*>(s.data()) + s.size()) != b.end();
}


struct Known {
  Loader loader;
  std::array<std::string_view, 5> strings;  // all present ones must be in the code
};
constexpr Known kKnown[] = {
    {Loader::Windows, {"Invalid partition table", "Error loading operating system", "Missing operating system"}},
    {Loader::Grub2, {"GRUB", "Geom", "Hard Disk", "Read", " Error"}},
    {Loader::Syslinux, {"Missing OS", "Multiple active partitions"}},
};

bool valid_entry(Bytes e) {
  const auto status = static_cast<uint8_t>(e[0]);
  return status == 0x00 || status == 0x80;
}

}  // namespace

std::string_view to_string(Loader l) {
  switch (l) {
    case Loader::Empty: return "empty";
    case Loader::Windows: return "windows";
    case Loader::Grub2: return "grub2";
    case Loader::Syslinux: return "syslinux";
    case Loader::Unknown: return "unknown";
  }
  return "unknown";
}

bool looks_like_mbr(Bytes b) {
  if (b.size() < kSector || b[510] != std::byte{0x55} || b[511] != std::byte{0xAA}) return false;
  bool any = false;
  for (size_t i = 0; i < 4; ++i) {
    const Bytes e = b.subspan(446 + 16 * i, 16);
    if (!valid_entry(e)) return false;
    const auto type = static_cast<uint8_t>(e[4]);
    const uint32_t lba = wire::le32(e, 8), sectors = wire::le32(e, 12);
    if (type == 0) continue;
    if (lba == 0 || sectors == 0) return false;
    any = true;
  }
  // A FAT/NTFS volume boot record also ends in 55AA; its "partition table" bytes are code and fail the checks above
  // often but not always: a volume boot record names its file system at offset 3 or 0x36/0x52.
  for (auto fs : {"NTFS    ", "MSDOS5.0", "EXFAT   ", "mkfs.fat"})
    if (as_chars(b.subspan(3, 8)) == fs) return false;
  return any;
}

Result<BootRecord> parse(Bytes disk) {
  if (!looks_like_mbr(disk)) return Error::make("mbr.not_mbr", "no master boot record (0x55AA and a partition table)");
  BootRecord r;
  const Bytes code = disk.first(440);
  r.sha256 = sha256_hex(code);
  r.code_entropy = shannon_entropy(code);
  r.disk_signature = wire::le32(disk, 440);
  uint32_t first = UINT32_MAX;
  for (size_t i = 0; i < 4; ++i) {
    const Bytes e = disk.subspan(446 + 16 * i, 16);
    Partition& p = r.partitions[i];
    p.active = e[0] == std::byte{0x80};
    p.type = static_cast<uint8_t>(e[4]);
    p.first_lba = wire::le32(e, 8);
    p.sectors = wire::le32(e, 12);
    if (p.type == 0xEE) r.gpt = true;
    if (p.type != 0) first = std::min(first, p.first_lba);
  }
  if (std::all_of(code.begin(), code.end(), [](std::byte x) { return x == std::byte{0}; })) {
    r.loader = Loader::Empty;
    r.evidence = "boot code all zero";
  } else {
    for (const auto& k : kKnown) {
      bool all = true;
      std::string found;
      for (auto s : k.strings) {
        if (s.empty()) continue;
        all = all && contains(code, s);
        found += (found.empty() ? "" : ", ") + std::string(s);
      }
      if (all) {
        r.loader = k.loader;
        r.evidence = "strings: " + found;
        break;
      }
    }
    if (r.loader == Loader::Unknown) r.evidence = "none of the standard loaders' strings";
  }
  // The gap: sectors 1 .. first partition (GPT: after its header and entries, 34 sectors).
  const size_t start = r.gpt ? 34 : 1;
  const size_t end = std::min<size_t>({first == UINT32_MAX ? 0 : first, kMaxGapSectors, disk.size() / kSector});
  std::vector<std::byte> used;
  for (size_t s = start; s < end; ++s) {
    const Bytes sec = disk.subspan(s * kSector, kSector);
    ++r.gap_sectors;
    if (std::all_of(sec.begin(), sec.end(), [](std::byte x) { return x == std::byte{0}; })) continue;
    ++r.gap_used;
    used.insert(used.end(), sec.begin(), sec.end());
  }
  r.gap_entropy = shannon_entropy(used);
  return r;
}

}  // namespace msw::formats::mbr
