#include "formats/mbr/mbr.h"

#include <gtest/gtest.h>

#include <random>

#include "detect/heuristics/boot_sector.h"
#include "normalize/boot_record.h"

namespace msw::formats::mbr {
namespace {

// A disk's first MiB: boot code holding `strings` (the rest of the 440 bytes pseudo-random code), one NTFS partition
// at sector 2048, and `hidden` sectors of random data right after the MBR.
std::string disk(std::initializer_list<std::string_view> strings, size_t hidden = 0, uint32_t seed = 1) {
  std::mt19937 rng(seed);
  std::string d(2048 * kSector + kSector, '\0');
  for (size_t i = 0; i < 440; ++i) d[i] = static_cast<char>(rng() % 256);
  size_t at = 0x60;
  for (auto s : strings) {
    d.replace(at, s.size(), s);
    at += s.size() + 1;
  }
  auto put32 = [&](size_t o, uint32_t v) {
    for (int i = 0; i < 4; ++i) d[o + i] = static_cast<char>(v >> (8 * i));
  };
  put32(440, 0x1234ABCD);
  d[446] = '\x80';
  d[446 + 4] = 0x07;
  put32(446 + 8, 2048);
  put32(446 + 12, 4096000);
  d[510] = '\x55';
  d[511] = '\xAA';
  for (size_t s = 1; s <= hidden; ++s)
    for (size_t i = 0; i < kSector; ++i) d[s * kSector + i] = static_cast<char>(rng() % 256);
  return d;
}

std::vector<model::Finding> judge(const std::string& bytes) {
  std::vector<model::Event> events;
  EXPECT_TRUE(normalize::boot_record_events(as_bytes(bytes), "disk.img", events));
  std::vector<model::Finding> found;
  detect::heuristics::make_boot_sector_engine()->scan_artefact({"disk.img", "", "boot_record", "", "", events}, found);
  return found;
}

const std::initializer_list<std::string_view> kWindows = {"Invalid partition table", "Error loading operating system",
                                                          "Missing operating system"};

TEST(Mbr, StandardLoadersAreRecognisedAndQuiet) {
  auto r = parse(as_bytes(disk(kWindows)));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->loader, Loader::Windows);
  EXPECT_EQ(r->disk_signature, 0x1234ABCDu);
  EXPECT_TRUE(r->partitions[0].active);
  EXPECT_EQ(r->partitions[0].first_lba, 2048u);
  EXPECT_EQ(r->gap_sectors, 2047u);
  EXPECT_EQ(r->gap_used, 0u);
  EXPECT_TRUE(judge(disk(kWindows)).empty());
  // GRUB 2 keeps its core image in the gap: expected.
  const std::string grub = disk({"GRUB ", "Geom", "Hard Disk", "Read", " Error"}, 60);
  EXPECT_EQ(parse(as_bytes(grub))->loader, Loader::Grub2);
  EXPECT_TRUE(judge(grub).empty());
}

TEST(Mbr, BootkitTraitsAreFindingsWithTheRepairStep) {
  const auto unknown = judge(disk({}, 0, 7));
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_EQ(unknown[0].rule_id, detect::heuristics::kUnknownBootCodeRule);
  EXPECT_EQ(unknown[0].severity, model::Severity::High);
  ASSERT_EQ(unknown[0].actions.size(), 1u);
  EXPECT_EQ(unknown[0].actions[0].kind, model::ActionKind::RepairBootSector);
  EXPECT_NE(unknown[0].actions[0].detail_en.find("bootrec /fixmbr"), std::string::npos);
  // A Windows loader with 30 random sectors behind it.
  const auto hidden = judge(disk(kWindows, 30));
  ASSERT_EQ(hidden.size(), 1u);
  EXPECT_EQ(hidden[0].rule_id, detect::heuristics::kHiddenSectorsRule);
  EXPECT_EQ(hidden[0].title_en, "30 sector(s) of data hidden before the first partition");
  EXPECT_EQ(hidden[0].severity, model::Severity::High);
}

TEST(Mbr, OtherSectorsAreNotMbrsAndDamageIsSurvived) {
  std::string vbr = disk(kWindows);
  vbr.replace(3, 8, "NTFS    ");
  EXPECT_FALSE(looks_like_mbr(as_bytes(vbr)));
  std::string no_table = disk(kWindows);
  for (size_t i = 446; i < 510; ++i) no_table[i] = '\0';
  EXPECT_FALSE(looks_like_mbr(as_bytes(no_table)));
  EXPECT_FALSE(looks_like_mbr(as_bytes(std::string(511, 'x'))));
  const std::string d = disk(kWindows, 3);
  for (size_t cut = 0; cut < 4 * kSector; cut += 13) (void)parse(as_bytes(d.substr(0, cut)));
  for (size_t bit = 0; bit < 512 * 8; ++bit) {
    std::string f = d.substr(0, 8 * kSector);
    f[bit / 8] = static_cast<char>(f[bit / 8] ^ (1 << (bit % 8)));
    if (auto r = parse(as_bytes(f))) {
      EXPECT_LE(r->gap_sectors, kMaxGapSectors);
    }
  }
}

}  // namespace
}  // namespace msw::formats::mbr
