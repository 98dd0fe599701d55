#include "core/escape.h"

#include <algorithm>
#include <cstdio>
#include <random>

#include <gtest/gtest.h>

#include "core/text.h"

namespace msw {
namespace {

TEST(Escape, HtmlNeutralisesMarkupAndAttributes) {
  EXPECT_EQ(escape_html("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
  EXPECT_EQ(escape_html("a\"b'c&d"), "a&quot;b&#39;c&amp;d");
  EXPECT_EQ(escape_html(std::string_view("x\0y", 3)), "x&#xFFFD;y");
}

TEST(Escape, CsvQuotesAndBlocksFormulas) {
  EXPECT_EQ(escape_csv("plain"), "plain");
  EXPECT_EQ(escape_csv("a,b"), "\"a,b\"");
  EXPECT_EQ(escape_csv("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(escape_csv("line\nbreak"), "\"line\nbreak\"");
  // Spreadsheet formula injection: a leading = + - @ tab or CR must not be evaluated.
  EXPECT_EQ(escape_csv("=HYPERLINK(\"http://x\")"), "\"'=HYPERLINK(\"\"http://x\"\")\"");
  EXPECT_EQ(escape_csv("+1"), "\"'+1\"");
  EXPECT_EQ(escape_csv("-cmd"), "\"'-cmd\"");
  EXPECT_EQ(escape_csv("@SUM(A1)"), "\"'@SUM(A1)\"");
  EXPECT_EQ(escape_csv("\tx"), "\"'\tx\"");
}

TEST(Escape, TerminalShowsControlsAndHiddenCharacters) {
  EXPECT_EQ(escape_terminal("ok"), "ok");
  EXPECT_EQ(escape_terminal("\x1b[31mred"), "\\x1b[31mred");
  EXPECT_EQ(escape_terminal("a\nb\tc\x7f"), "a\\nb\\tc\\x7f");
  // U+202E RIGHT-TO-LEFT OVERRIDE makes "evil\u202Etxt.exe" display as "evilexe.txt".
  EXPECT_EQ(escape_terminal("evil\u202Etxt.exe"), "evil\\u{202e}txt.exe");
  EXPECT_EQ(escape_terminal("\u4e2d\u6587"), "\u4e2d\u6587");  // CJK passes through
  EXPECT_EQ(escape_terminal("\xff\xfe"), "\\xff\\xfe");        // invalid UTF-8 shown as bytes
  EXPECT_EQ(escape_terminal("\xc2\x9b"), "\\u{009b}");         // C1 CSI
  EXPECT_EQ(escape_terminal("\xe4\xb8"), "\\xe4\\xb8");        // truncated sequence
}

TEST(Escape, MarkdownBreaksMarkupAndRawHtml) {
  EXPECT_EQ(escape_markdown("<img src=x>"), "&lt;img src=x&gt;");
  EXPECT_EQ(escape_markdown("[link](http://x)"), "\\[link\\](http://x)");
  EXPECT_EQ(escape_markdown("a|b\nc"), "a\\|b c");
}

// Issue 22 item 14: ESC, BEL, a line break, a backslash and a right-to-left override in evidence reach no output raw.
TEST(Escape, EveryOutputShowsControlAndInvisibleCharactersVisibly) {
  const std::string hostile = "evil\x1b[2J\x07\\x\n\u202Etxt.exe";
  auto raw = [](std::string_view s) {
    for (size_t i = 0; i < s.size(); ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      size_t len = 0;
      if ((c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7F || invisible_at(s, i, len)) return true;
    }
    return false;
  };
  EXPECT_EQ(escape_html(hostile), "evil\\x1b[2J\\x07\\x\n\\u{202e}txt.exe");
  EXPECT_EQ(escape_markdown(hostile), "evil\\\\x1b\\[2J\\\\x07\\\\x \\\\u{202e}txt.exe");
  EXPECT_EQ(escape_csv(hostile), "\"evil\\x1b[2J\\x07\\x\n\\u{202e}txt.exe\"");
  EXPECT_EQ(escape_json(hostile), "evil\\u001b[2J\\u0007\\\\x\\n\\u202etxt.exe");
  for (const auto& out : {escape_html(hostile), escape_markdown(hostile), escape_csv(hostile), escape_json(hostile),
                          escape_terminal(hostile)})
    EXPECT_FALSE(raw(out)) << out;
  // Serialised JSON keeps the value (a parser reads the override back) and shows nothing hidden.
  std::string text = "{\"name\":\"a\u202Eb\u2066c\ufeffd \u4e2d\"}";
  escape_invisible_in_json(text);
  EXPECT_EQ(text, "{\"name\":\"a\\u202eb\\u2066c\\ufeffd \u4e2d\"}");
  size_t len = 0;
  EXPECT_EQ(invisible_at("\u202E", 0, len), U'\u202E');
  EXPECT_EQ(len, 3u);
  EXPECT_EQ(invisible_at("\u4e2d", 0, len), 0u);  // CJK is text
}

}  // namespace
}  // namespace msw

namespace msw {
namespace {

TEST(Escape, XmlStaysWellFormed) {
  EXPECT_EQ(escape_xml("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
  EXPECT_EQ(escape_xml(std::string_view("x\x03y\tz", 5)), "x\uFFFDy\tz");
}

TEST(Escape, JsonAlwaysParses) {
  EXPECT_EQ(escape_json("a\"b\\c\n\x01"), "a\\\"b\\\\c\\n\\u0001");
  EXPECT_EQ(escape_json("\xff ok \xe4\xb8\xad"), "\uFFFD ok \xe4\xb8\xad");
}

// The plain byte-at-a-time definition, to hold the block-wise escaper (16-byte SIMD runs, 512-byte pieces that
// must not split a UTF-8 sequence) to.
std::string reference_json(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (size_t len = utf8_sequence_length(s, i); len != 0) {
      out.append(s.substr(i, len));
      i += len;
      continue;
    } else {
      out += "\xEF\xBF\xBD";
    }
    ++i;
  }
  return out;
}

TEST(Escape, JsonMatchesTheByteWiseDefinitionAcrossBlocksAndPieces) {
  std::mt19937 rng(11);
  const std::string_view atoms[] = {"a",
                                    "path\\to",
                                    "\"",
                                    "\n",
                                    "\x01",
                                    "\x7f",
                                    "\xc3\xa9",
                                    "\xe4\xb8\xad",
                                    "\xf0\x9f\x98\x80",
                                    "\xff",
                                    "\xe4\xb8",
                                    "\x80",
                                    "0123456789abcdef"};
  for (int round = 0; round < 400; ++round) {
    std::string s;
    const size_t target = rng() % 1600;
    while (s.size() < target) s += atoms[rng() % std::size(atoms)];
    ASSERT_EQ(escape_json(s), reference_json(s)) << round;
    std::string buf(json_escaped_bound(s.size()), '\0');
    buf.resize(static_cast<size_t>(write_json_escaped(buf.data(), s) - buf.data()));
    ASSERT_EQ(buf, reference_json(s)) << round;
    // Every prefix up to 17 bytes: the inlined 4-to-16-byte words, and their hand-over to the general path.
    for (size_t n = 0; n <= std::min<size_t>(17, s.size()); ++n) {
      std::string part(json_escaped_bound(n), '\0');
      part.resize(static_cast<size_t>(write_json_escaped_inline(part.data(), s.substr(0, n)) - part.data()));
      ASSERT_EQ(part, reference_json(s.substr(0, n))) << round << " prefix " << n;
    }
  }
  // A four-byte sequence across the 512-byte piece boundary, at every offset.
  for (size_t at = 505; at < 514; ++at) {
    std::string s(at, 'x');
    s += "\xf0\x9f\x98\x80\x80\x80tail";
    ASSERT_EQ(escape_json(s), reference_json(s)) << at;
  }
}

}  // namespace
}  // namespace msw
