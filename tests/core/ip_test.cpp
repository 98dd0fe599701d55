#include "core/ip.h"

#include <gtest/gtest.h>

namespace msw {
namespace {

IpScope scope(std::string_view s) {
  auto ip = parse_ip(s);
  EXPECT_TRUE(ip) << s;
  return ip ? ip->scope() : IpScope::Reserved;
}

TEST(Ip, ParsesStrictly) {
  EXPECT_TRUE(parse_ip("223.5.5.5"));
  EXPECT_TRUE(parse_ip("::1"));
  EXPECT_TRUE(parse_ip("fe80::1%eth0"));
  EXPECT_FALSE(parse_ip("010.1.1.1"));  // octal-looking: resolvers disagree on it
  EXPECT_FALSE(parse_ip("1.2.3"));
  EXPECT_FALSE(parse_ip("1.2.3.256"));
  EXPECT_FALSE(parse_ip("example.com"));
  EXPECT_FALSE(parse_ip(""));
  EXPECT_FALSE(parse_ip(std::string(100, '1')));
}

TEST(Ip, Scopes) {
  EXPECT_EQ(scope("0.0.0.0"), IpScope::Unspecified);
  EXPECT_EQ(scope("127.0.0.1"), IpScope::Loopback);
  EXPECT_EQ(scope("127.8.8.8"), IpScope::Loopback);
  EXPECT_EQ(scope("10.33.15.240"), IpScope::Private);
  EXPECT_EQ(scope("172.16.0.1"), IpScope::Private);
  EXPECT_EQ(scope("172.32.0.1"), IpScope::Public);
  EXPECT_EQ(scope("192.168.1.1"), IpScope::Private);
  EXPECT_EQ(scope("100.64.0.1"), IpScope::Private);
  EXPECT_EQ(scope("169.254.1.1"), IpScope::LinkLocal);
  EXPECT_EQ(scope("224.0.0.251"), IpScope::Multicast);
  EXPECT_EQ(scope("8.8.8.8"), IpScope::Public);
  EXPECT_EQ(scope("192.0.2.1"), IpScope::Reserved);
  EXPECT_EQ(scope("::"), IpScope::Unspecified);
  EXPECT_EQ(scope("::1"), IpScope::Loopback);
  EXPECT_EQ(scope("::ffff:127.0.0.1"), IpScope::Loopback);
  EXPECT_EQ(scope("fd00::1"), IpScope::Private);
  EXPECT_EQ(scope("fe80::1"), IpScope::LinkLocal);
  EXPECT_EQ(scope("2001:4860:4860::8888"), IpScope::Public);
}

TEST(Ip, CanonicalText) {
  EXPECT_EQ(parse_ip("2001:0db8:0000:0000:0000:0000:0000:0001")->to_string(), "2001:db8::1");
  EXPECT_EQ(parse_ip("8.8.8.8")->to_string(), "8.8.8.8");
}

}  // namespace
}  // namespace msw
