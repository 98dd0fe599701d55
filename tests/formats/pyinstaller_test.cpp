// PyInstaller unpacking and pyc header repair, on bundles written by tests/support/pyinstaller_writer.
#include "formats/pyinstaller/pyinstaller.h"

#include <gtest/gtest.h>

#include "support/pe_writer.h"
#include "support/pyinstaller_writer.h"

namespace msw::formats::pyinstaller {
namespace {

std::string bundle_exe() {
  const std::string magic38 = pyc_magic(3, 8);
  const std::string pyz = test::write_pyz(
      magic38,
      {{"eternalblue", "\xe3 code smb ms17-010 http://198.51.100.7/x", false}, {"secret", "\xe3 keyed", true}});
  const std::string archive =
      test::write_carchive({{"pyimod01_archive", 'm', magic38 + std::string(12, '\0') + "\xe3 module", true},
                            {"csrs", 's', "\xe3 entry point: connect 10.0.0.0/8 445", true},
                            {"PYZ-00.pyz", 'z', pyz, false},
                            {"python38.dll", 'b', std::string(300, 'D'), true}},
                           38, "python38.dll");
  test::PeSpec spec;
  spec.overlay = archive;
  return test::write_pe(spec);
}

TEST(PyInstaller, UnpacksTheArchiveAndItsPyz) {
  const std::string exe = bundle_exe();
  auto b = parse(as_bytes(exe));
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->py_major, 3);
  EXPECT_EQ(b->py_minor, 8);
  EXPECT_EQ(b->python_library, "python38.dll");
  EXPECT_EQ(b->archive_offset, 0x600u);  // the overlay: after the headers (0x400) and .text (0x200)
  ASSERT_EQ(b->members.size(), 6u);
  EXPECT_EQ(b->members[1].name, "csrs");
  EXPECT_EQ(b->members[1].type, 's');
  EXPECT_EQ(b->members[1].data, "\xe3 entry point: connect 10.0.0.0/8 445");
  EXPECT_EQ(b->members[3].data, std::string(300, 'D'));
  EXPECT_EQ(b->members[4].name, "eternalblue");
  EXPECT_EQ(b->members[4].type, 'p');
  EXPECT_EQ(b->members[4].data, "\xe3 code smb ms17-010 http://198.51.100.7/x");
  EXPECT_TRUE(b->members[5].encrypted);
  EXPECT_TRUE(b->members[5].data.empty());
  EXPECT_TRUE(b->notes.empty());
}

TEST(PyInstaller, RepairsHeadersForThePythonVersion) {
  const std::string exe = bundle_exe();
  auto b = parse(as_bytes(exe));
  ASSERT_TRUE(b);
  // 3.8: magic 3413 (0x0D55) "\r\n", then 12 zero bytes (flags, mtime, size), then the code object.
  const std::string pyc = as_pyc(*b, b->members[1]);
  EXPECT_EQ(pyc.substr(0, 4), std::string("\x55\x0d\x0d\x0a", 4));
  EXPECT_EQ(pyc.substr(4, 12), std::string(12, '\0'));
  EXPECT_EQ(pyc.substr(16), b->members[1].data);
  EXPECT_EQ(as_pyc(*b, b->members[4]).substr(0, 4), std::string("\x55\x0d\x0d\x0a", 4));
  EXPECT_EQ(as_pyc(*b, b->members[0]), b->members[0].data);  // a module that kept its header
  EXPECT_TRUE(as_pyc(*b, b->members[3]).empty());            // a DLL is no code
  // Other versions: header sizes and magics.
  EXPECT_EQ(pyc_magic(2, 7), std::string("\x03\xf3\r\n", 4));
  EXPECT_EQ(pyc_magic(3, 10), std::string("\x6f\x0d\r\n", 4));
  EXPECT_EQ(pyc_magic(3, 12), std::string("\xcb\x0d\r\n", 4));
  Bundle old = *b;
  old.py_major = 3, old.py_minor = 6, old.pyc_magic = pyc_magic(3, 6);
  EXPECT_EQ(as_pyc(old, old.members[1]).size(), 12 + old.members[1].data.size());
  old.py_major = 2, old.py_minor = 7, old.pyc_magic = pyc_magic(2, 7);
  EXPECT_EQ(as_pyc(old, old.members[1]).size(), 8 + old.members[1].data.size());
}

TEST(PyInstaller, DamageIsReportedNotFatal) {
  std::string exe = bundle_exe();
  EXPECT_EQ(parse(as_bytes(std::string(100, 'x'))).error().code, "pyinstaller.no_cookie");
  // A cookie whose archive length is absurd.
  std::string bad = exe;
  const size_t cookie = bad.rfind(std::string("MEI\x0c\x0b\x0a\x0b\x0e", 8));
  bad[cookie + 8] = '\x7f';
  EXPECT_EQ(parse(as_bytes(bad)).error().code, "pyinstaller.bad_cookie");
  // A table-of-contents entry with a bad length: what came before is kept.
  std::string cut = exe;
  auto be32 = [&](size_t at) {
    return static_cast<uint32_t>(static_cast<uint8_t>(cut[at]) << 24 | static_cast<uint8_t>(cut[at + 1]) << 16 |
                                 static_cast<uint8_t>(cut[at + 2]) << 8 | static_cast<uint8_t>(cut[at + 3]));
  };
  const size_t first = 0x600 + be32(cookie + 12);
  cut[first + be32(first)] = '\xff';  // the second entry's length
  auto r = parse(as_bytes(cut));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->members.size(), 1u);
  EXPECT_FALSE(r->notes.empty());
}

}  // namespace
}  // namespace msw::formats::pyinstaller
