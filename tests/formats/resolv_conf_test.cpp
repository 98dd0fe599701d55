#include "formats/resolv_conf/resolv_conf.h"

#include <gtest/gtest.h>

namespace msw::formats::resolv_conf {
namespace {

TEST(ResolvConf, ParsesNameserversSearchAndOptions) {
  Diagnostics d;
  auto r = parse(as_bytes("# generated\nnameserver 223.5.5.5\nnameserver 8.8.8.8 ; google\n"
                          "search corp.example\noptions edns0 trust-ad\nnameserver not-an-ip\n"),
                 "resolv.conf", d);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->nameservers.size(), 3u);
  EXPECT_EQ(r->nameservers[0].address, "223.5.5.5");
  EXPECT_EQ(r->nameservers[1].line, 3u);
  EXPECT_FALSE(r->nameservers[2].ip);
  EXPECT_EQ(r->search, std::vector<std::string>{"corp.example"});
  EXPECT_EQ(r->options.size(), 2u);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d.items()[0].code, "resolv.bad_nameserver");
}

TEST(ResolvConf, CapsHostileFiles) {
  std::string many;
  for (size_t i = 0; i < kMaxNameservers + 5; ++i) many += "nameserver 10.0.0.1\n";
  Diagnostics d;
  auto r = parse(as_bytes(many), "resolv.conf", d);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->nameservers.size(), kMaxNameservers);
  EXPECT_EQ(d.items().front().code, "resolv.too_many_nameservers");
  std::string huge(kMaxFileBytes + 1, '#');
  EXPECT_FALSE(parse(as_bytes(huge), "resolv.conf", d));
}

}  // namespace
}  // namespace msw::formats::resolv_conf
