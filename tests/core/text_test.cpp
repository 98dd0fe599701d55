#include "core/text.h"

#include <gtest/gtest.h>

namespace msw {
namespace {

TEST(Text, Gbk) {
  // "中文" in GBK, and "挖矿" (mining), as Chinese batch files store them.
  EXPECT_EQ(gb18030_to_utf8(as_bytes("\xD6\xD0\xCE\xC4")).utf8, "中文");
  DecodedText t = gb18030_to_utf8(as_bytes("echo \xCD\xDA\xBF\xF3"));
  EXPECT_EQ(t.utf8, "echo 挖矿");
  EXPECT_EQ(t.replaced, 0u);
}

TEST(Text, GbkInvalidBytesAreReplacedAndCounted) {
  DecodedText t = gb18030_to_utf8(as_bytes("a\xFF" "b\xD6"));  // 0xFF is never valid; 0xD6 is truncated
  EXPECT_EQ(t.replaced, 2u);
  EXPECT_EQ(t.utf8, "a\uFFFDb\uFFFD");
}

TEST(Text, Utf16LeWithSurrogatesAndErrors) {
  // "A" U+1F600 (surrogate pair) "中"
  const char le[] = {'A', 0, '\x3D', '\xD8', '\x00', '\xDE', '\x2D', '\x4E'};
  DecodedText t = utf16le_to_utf8(as_bytes(std::string_view(le, sizeof le)));
  EXPECT_EQ(t.utf8, "A\U0001F600中");
  EXPECT_EQ(t.replaced, 0u);
  const char lone[] = {'\x00', '\xDC', 'B', 0, 'x'};  // lone low surrogate, then odd trailing byte
  DecodedText bad = utf16le_to_utf8(as_bytes(std::string_view(lone, sizeof lone)));
  EXPECT_EQ(bad.utf8, "\uFFFDB\uFFFD");
  EXPECT_EQ(bad.replaced, 2u);
}

TEST(Text, DecodeDetectsEncodings) {
  EXPECT_EQ(decode_text(as_bytes("plain")).encoding, TextEncoding::Utf8);
  EXPECT_EQ(decode_text(as_bytes("\xEF\xBB\xBFhi")).utf8, "hi");
  const char bom16[] = {'\xFF', '\xFE', 'h', 0, 'i', 0};
  DecodedText t16 = decode_text(as_bytes(std::string_view(bom16, sizeof bom16)));
  EXPECT_EQ(t16.encoding, TextEncoding::Utf16Le);
  EXPECT_EQ(t16.utf8, "hi");
  const char nobom16[] = {'h', 0, 'o', 0, 's', 0, 't', 0, 's', 0};
  EXPECT_EQ(decode_text(as_bytes(std::string_view(nobom16, sizeof nobom16))).encoding, TextEncoding::Utf16Le);
  DecodedText gbk = decode_text(as_bytes("rem \xD6\xD0\xCE\xC4"));
  EXPECT_EQ(gbk.encoding, TextEncoding::Gb18030);
  EXPECT_EQ(gbk.utf8, "rem 中文");
}

TEST(Text, Utf8Validation) {
  EXPECT_TRUE(is_valid_utf8("中文 ok"));
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // UTF-16 surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_EQ(sanitize_utf8(as_bytes("a\xC0" "b")).utf8, "a\uFFFDb");
}

TEST(Text, AsciiHelpers) {
  EXPECT_TRUE(iequals_ascii("Windows", "wINDOWS"));
  EXPECT_TRUE(iends_with_ascii("C:/Windows/System32/Drivers/ETC/hosts", "drivers/etc/HOSTS"));
  EXPECT_EQ(trim(" \t x y \r\n"), "x y");
  EXPECT_EQ(to_lower_ascii("AbC中"), "abc中");
}

}  // namespace
}  // namespace msw
