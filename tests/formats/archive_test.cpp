#include "formats/archive/archive.h"

#include <gtest/gtest.h>

#include "support/archive_writer.h"
#include "support/pe_writer.h"

namespace msw::formats::archive {
namespace {

const Member* find(const Archive& a, const std::string& name) {
  for (const auto& m : a.members)
    if (m.name == name) return &m;
  return nullptr;
}

TEST(Archive, ReadsZip7zAndTarMembersWithHostileNamesAndLinksFlagged) {
  for (const std::string format : {"zip", "7z", "tar"}) {
    const std::string bytes = test::write_archive(format, {{"payload/miner.exe", "MZ miner", ""},
                                                           {"../../etc/cron.d/x", "* * * * * root sh", ""},
                                                           {"/abs/evil", "x", ""},
                                                           {"link", "", "/etc/shadow"}});
    auto a = read(as_bytes(bytes));
    ASSERT_TRUE(a) << format << ": " << a.error().message;
    const auto* miner = find(*a, "payload/miner.exe");
    ASSERT_NE(miner, nullptr) << format;
    EXPECT_EQ(miner->data, "MZ miner");
    EXPECT_FALSE(miner->unsafe_path);
    ASSERT_NE(find(*a, "../../etc/cron.d/x"), nullptr) << format;
    EXPECT_TRUE(find(*a, "../../etc/cron.d/x")->unsafe_path);
    if (format != "tar") {  // tar writers strip the leading slash
      ASSERT_NE(find(*a, "/abs/evil"), nullptr) << format;
      EXPECT_TRUE(find(*a, "/abs/evil")->unsafe_path);
    }
    const auto* link = find(*a, "link");
    ASSERT_NE(link, nullptr) << format;
    EXPECT_EQ(link->kind, MemberKind::Link);
    EXPECT_EQ(link->link_target, "/etc/shadow");
    EXPECT_TRUE(link->data.empty());
  }
}

TEST(Archive, LimitsStopMembersTotalsAndBombs) {
  std::vector<test::ArchiveEntry> many;
  for (int i = 0; i < 30; ++i) many.push_back({"f" + std::to_string(i), "data", ""});
  Limits few;
  few.max_members = 10;
  auto a = read(as_bytes(test::write_archive("zip", many)), few);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->members.size(), 10u);
  ASSERT_FALSE(a->notes.empty());
  EXPECT_NE(a->notes[0].find("more than 10 members"), std::string::npos);

  // 40 MiB of zeros deflate to ~40 KiB: past 16 MiB out, the ratio limit stops it.
  const std::string bomb =
      test::write_archive("zip", {{"zeros", std::string(40u << 20, '\0'), ""}, {"after", "x", ""}});
  Limits strict;
  strict.max_ratio = 100;
  auto b = read(as_bytes(bomb), strict);
  ASSERT_TRUE(b);
  ASSERT_FALSE(b->members.empty());
  EXPECT_NE(b->members[0].note.find("archive bomb"), std::string::npos) << b->members[0].note;
  EXPECT_LT(b->members[0].data.size(), 40u << 20);
  EXPECT_EQ(b->members.size(), 1u);  // nothing after the bomb is read

  Limits small;
  small.max_member_bytes = 1000;
  auto c = read(as_bytes(test::write_archive("7z", {{"big", std::string(5000, 'a'), ""}})), small);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->members[0].data.size(), 1000u);
  EXPECT_NE(c->members[0].note.find("cut there"), std::string::npos);

  EXPECT_FALSE(read(as_bytes(std::string("PK\x03\x04 garbage", 12))));
  EXPECT_FALSE(read(as_bytes(std::string(100, 'x'))));
}

TEST(Archive, FindsTheArchiveInAnSfxOverlayAndReadsItsScript) {
  const std::string script =
      ";The comment below contains SFX script commands\r\n\r\nPath=%TEMP%\\ups\r\nSetup=ups.exe -s\r\nSilent=1\r\n"
      "Overwrite=1\r\nTempMode\r\nthis line is prose, not a command\r\n";
  const std::string zip = test::with_zip_comment(test::write_archive("zip", {{"ups.exe", "MZ", ""}}), script);
  test::PeSpec spec;
  spec.overlay = zip;
  const std::string sfx = test::write_pe(spec);
  const auto found = find_embedded(as_bytes(sfx), sfx.size() - zip.size());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].kind, "zip");
  EXPECT_EQ(found[0].offset, sfx.size() - zip.size());
  const Bytes slice = as_bytes(sfx).subspan(found[0].offset);
  EXPECT_EQ(comment(slice), script);
  auto a = read(slice);
  ASSERT_TRUE(a);
  ASSERT_EQ(a->members.size(), 1u);
  EXPECT_EQ(a->members[0].data, "MZ");

  const auto s = parse_sfx_script(script);
  EXPECT_EQ(s.runs, std::vector<std::string>{"ups.exe -s"});
  EXPECT_EQ(s.path, "%TEMP%\\ups");
  EXPECT_TRUE(s.silent);
  EXPECT_TRUE(s.overwrite);
  EXPECT_TRUE(s.temp_mode);
  EXPECT_EQ(s.commands.size(), 5u);  // the prose line and the ';' comment are not commands
  EXPECT_TRUE(parse_sfx_script("Just a friendly note.\nSee you").commands.empty());
}

// RAR 5 and RAR 4 comments as WinRAR stores them uncompressed: a "CMT" service block before the files.
TEST(Archive, ReadsStoredRarComments) {
  const std::string text = "Setup=lsma12.exe\r\nSilent=1\r\n";
  // RAR 5: signature, then a service header (crc, size, fields as vints) named "CMT" and its data.
  auto rar5 = [&](const std::string& compression) {
    std::string header;
    header += '\x03';                          // type: service header
    header += '\x02';                          // flags: data area present
    header += static_cast<char>(text.size());  // data size
    header += '\x00';                          // file flags
    header += static_cast<char>(text.size());  // unpacked size
    header += '\x00';                          // attributes
    header += compression;                     // compression information (vint; method in bits 7-10)
    header += '\x00';                          // host os
    header += '\x03';                          // name length
    header += "CMT";
    return std::string("Rar!\x1a\x07\x01\x00", 8) + std::string(4, '\0') + static_cast<char>(header.size()) + header +
           text;
  };
  EXPECT_EQ(comment(as_bytes(rar5(std::string(1, '\0')))), text);
  std::string note;
  EXPECT_EQ(comment(as_bytes(rar5("\x80\x01")), &note), "");  // method 1 is compressed
  EXPECT_NE(note.find("compressed"), std::string::npos);

  // RAR 4: marker, main header (type 0x73, size 13), NEWSUB_HEAD (0x7a) laid out as a file header.
  std::string rar4 = std::string("Rar!\x1a\x07\x00", 7);
  rar4 += std::string("\0\0\x73\0\0\x0d\0", 7) + std::string(6, '\0');
  std::string sub(32, '\0');
  sub[2] = '\x7a';
  sub[4] = '\x80';  // LONG_BLOCK
  sub[5] = static_cast<char>(32 + 3);
  sub[7] = static_cast<char>(text.size());   // PACK_SIZE
  sub[11] = static_cast<char>(text.size());  // UNP_SIZE
  sub[25] = '\x30';                          // method: store
  sub[26] = 3;                               // NAME_SIZE
  rar4 += sub + "CMT" + text;
  EXPECT_EQ(comment(as_bytes(rar4)), text);
  EXPECT_EQ(comment(as_bytes(std::string("Rar!\x1a\x07\x00\xff\xff", 9))), "");
}

}  // namespace
}  // namespace msw::formats::archive
