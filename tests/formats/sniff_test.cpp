#include <gtest/gtest.h>

#include <set>

#include "formats/registry.h"

namespace msw::formats {
namespace {

FileFormat sniff_text(std::string_view s) { return sniff(as_bytes(s)); }

TEST(Sniff, MagicNumbers) {
  EXPECT_EQ(sniff_text(std::string_view("ElfFile\0\0\0", 10)), FileFormat::Evtx);
  EXPECT_EQ(sniff_text("regf\x01\x00"), FileFormat::Regf);
  EXPECT_EQ(sniff_text("\x7f" "ELF\x02\x01"), FileFormat::Elf);
  EXPECT_EQ(sniff_text("\xd4\xc3\xb2\xa1\x02\x00"), FileFormat::Pcap);
  EXPECT_EQ(sniff_text("\x0a\x0d\x0d\x0a\x1c\x00"), FileFormat::Pcapng);
  EXPECT_EQ(sniff_text("PK\x03\x04\x14\x00"), FileFormat::Zip);
  EXPECT_EQ(sniff_text("7z\xbc\xaf\x27\x1c\x00"), FileFormat::SevenZip);
  EXPECT_EQ(sniff_text("Rar!\x1a\x07\x01\x00"), FileFormat::Rar);
  EXPECT_EQ(sniff_text("MSCF\0\0\0\0"), FileFormat::Cab);
  EXPECT_EQ(sniff_text(std::string_view("SQLite format 3\0", 16)), FileFormat::Sqlite);
  EXPECT_EQ(sniff_text(std::string_view("\x11\0\0\0SCCA", 8)), FileFormat::Prefetch);
}

TEST(Sniff, PeNeedsItsHeader) {
  std::string pe(0x100, '\0');
  pe[0] = 'M';
  pe[1] = 'Z';
  pe[0x3C] = '\x80';
  pe.replace(0x80, 4, std::string("PE\0\0", 4));
  EXPECT_EQ(sniff_text(pe), FileFormat::Pe);
  pe[0x80] = 'X';
  EXPECT_NE(sniff_text(pe), FileFormat::Pe);       // e_lfanew points at garbage
  EXPECT_NE(sniff_text("MZ"), FileFormat::Pe);      // too short to hold e_lfanew
  EXPECT_EQ(sniff_text("MZ is also how this sentence starts."), FileFormat::Text);
}

TEST(Sniff, TextAndUnknown) {
  EXPECT_EQ(sniff_text("127.0.0.1 localhost\n"), FileFormat::Text);
  EXPECT_EQ(sniff_text("\xff\xfeh\0i\0"), FileFormat::Text);
  EXPECT_EQ(sniff_text(std::string_view("\x01\x02\x00\x03", 4)), FileFormat::Unknown);
  EXPECT_EQ(sniff_text(""), FileFormat::Unknown);
}

TEST(Sniff, TableIsConsistent) {
  std::set<FileFormat> seen;
  for (const auto& s : sniffers()) {
    EXPECT_TRUE(seen.insert(s.format).second) << to_string(s.format);
    EXPECT_NE(to_string(s.format), "unknown");
    EXPECT_FALSE(s.evidence.empty());
  }
  EXPECT_EQ(sniffers().back().format, FileFormat::Text);  // the catch-all comes last
}

}  // namespace
}  // namespace msw::formats
