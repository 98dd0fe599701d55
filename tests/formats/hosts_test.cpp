#include "formats/hosts/hosts_file.h"

#include <gtest/gtest.h>

#include "formats/hosts/hosts_limits.h"

namespace msw::formats::hosts {
namespace {

struct Parsed {
  HostsFile file;
  Diagnostics diags;
};

Parsed parse_text(std::string_view text) {
  Diagnostics d;
  auto r = parse(as_bytes(text), "hosts", d);
  EXPECT_TRUE(r);
  return {std::move(r).value(), std::move(d)};
}

bool has_code(const Diagnostics& d, std::string_view code) {
  for (const auto& x : d.items())
    if (x.code == code) return true;
  return false;
}

TEST(Hosts, ParsesEntriesCommentsAndAliases) {
  auto p = parse_text(
      "# Copyright (c) 1993-2009 Microsoft Corp.\r\n"
      "127.0.0.1       localhost\r\n"
      "\r\n"
      "  ::1 ip6-localhost ip6-loopback # trailing comment\r\n"
      "1.2.3.4\twww.example.com\texample.com\r\n");
  const auto& e = p.file.entries();
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(p.file.line_count(), 5u);
  EXPECT_EQ(e[0].line, 2u);
  EXPECT_EQ(p.file.text(e[0].address), "127.0.0.1");
  ASSERT_EQ(p.file.names(e[1]).size(), 2u);
  EXPECT_EQ(p.file.text(p.file.names(e[1])[1]), "ip6-loopback");
  EXPECT_EQ(p.file.text(e[1].comment), " trailing comment");
  EXPECT_EQ(p.file.text(e[2].raw_line), "1.2.3.4\twww.example.com\texample.com");  // no CR
  EXPECT_TRUE(e[2].ip && e[2].ip->scope() == IpScope::Public);
  EXPECT_TRUE(p.diags.empty());
}

TEST(Hosts, MalformedLinesAreDiagnosticsNotFailures) {
  auto p = parse_text(
      "999.1.1.1 bad.example\n"
      "10.0.0.1\n"
      "10.0.0.2 ok.example " + std::string(300, 'a') + "\n"
      "#only a comment\n"
      "10.0.0.3 last.example");  // no final newline
  const auto& e = p.file.entries();
  ASSERT_EQ(e.size(), 3u);
  EXPECT_FALSE(e[0].ip);  // kept, but marked: resolvers ignore it
  EXPECT_TRUE(has_code(p.diags, "hosts.bad_address"));
  EXPECT_TRUE(has_code(p.diags, "hosts.no_names"));
  EXPECT_TRUE(has_code(p.diags, "hosts.bad_name"));
  EXPECT_EQ(p.file.names(e[1]).size(), 1u);
  EXPECT_EQ(p.file.text(p.file.names(e[2])[0]), "last.example");
}

TEST(Hosts, TooManyNamesOnALineIsCapped) {
  std::string line = "10.0.0.1";
  for (size_t i = 0; i < kMaxNamesPerLine + 10; ++i) line += " h" + std::to_string(i);
  auto p = parse_text(line);
  ASSERT_EQ(p.file.entries().size(), 1u);
  EXPECT_EQ(p.file.names(p.file.entries()[0]).size(), kMaxNamesPerLine);
  EXPECT_TRUE(has_code(p.diags, "hosts.too_many_names"));
}

TEST(Hosts, Utf16AndGbkFilesDecode) {
  std::string u16 = "\xFF\xFE";
  for (char c : std::string("1.2.3.4 a.cn # \xE4\xB8\xAD")) {  // comment has a non-ASCII char (U+4E2D)
    if (static_cast<unsigned char>(c) < 0x80) {
      u16 += c;
      u16 += '\0';
    }
  }
  u16 += "\x2D\x4E";
  auto p = parse_text(u16);
  ASSERT_EQ(p.file.entries().size(), 1u);
  EXPECT_EQ(p.file.encoding(), TextEncoding::Utf16Le);
  EXPECT_EQ(p.file.text(p.file.entries()[0].comment), " \u4e2d");

  auto g = parse_text("1.2.3.4 b.cn # \xD6\xD0\xCE\xC4\n");
  EXPECT_EQ(g.file.encoding(), TextEncoding::Gb18030);
  EXPECT_EQ(g.file.text(g.file.entries()[0].comment), " 中文");
}

TEST(Hosts, MovedFileKeepsValidText) {
  Diagnostics d;
  auto r = parse(as_bytes("1.2.3.4 x.y\n"), "hosts", d);  // short text lives in SSO storage
  ASSERT_TRUE(r);
  HostsFile moved = std::move(r).value();
  EXPECT_EQ(moved.text(moved.names(moved.entries()[0])[0]), "x.y");
}

TEST(Hosts, Sniffing) {
  EXPECT_TRUE(looks_like_hosts(as_bytes("# hosts\n127.0.0.1 localhost\n")));
  EXPECT_TRUE(looks_like_hosts(as_bytes("1.2.3.4 a.com\n5.6.7.8 b.com c.com")));
  EXPECT_FALSE(looks_like_hosts(as_bytes("# only comments\n")));
  EXPECT_FALSE(looks_like_hosts(as_bytes("nameserver 8.8.8.8\n")));
  EXPECT_FALSE(looks_like_hosts(as_bytes("@echo off\nset x=1\n1.2.3.4 a.com\n")));
  EXPECT_FALSE(looks_like_hosts({}));
}

TEST(Hosts, EmptyInput) {
  auto p = parse_text("");
  EXPECT_TRUE(p.file.entries().empty());
  EXPECT_EQ(p.file.line_count(), 0u);
}

}  // namespace
}  // namespace msw::formats::hosts
