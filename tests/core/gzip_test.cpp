#include "core/gzip.h"

#include <gtest/gtest.h>
#include <zlib.h>

namespace msw {
namespace {

std::string gzip(std::string_view plain) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, plain.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  zs.avail_in = static_cast<uInt>(plain.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

TEST(Gzip, RoundTripAndConcatenatedMembers) {
  std::string a(100000, 'a'), b = "second member\n";
  auto r = gunzip(as_bytes(gzip(a) + gzip(b)), 1 << 20);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->bytes, a + b);
  EXPECT_FALSE(r->truncated);
  EXPECT_FALSE(r->damaged);
}

TEST(Gzip, OutputIsCappedAndDamageReported) {
  const std::string big(1 << 20, 'x');  // compresses to about 1 KiB: the classic bomb shape
  auto capped = gunzip(as_bytes(gzip(big)), 4096);
  ASSERT_TRUE(capped);
  EXPECT_TRUE(capped->truncated);
  EXPECT_EQ(capped->bytes.size(), 4096u);

  std::string z = gzip(std::string(50000, 'y') + "tail");
  auto cut = gunzip(as_bytes(std::string_view(z).substr(0, z.size() / 2)), 1 << 20);
  ASSERT_TRUE(cut);
  EXPECT_TRUE(cut->damaged);

  EXPECT_FALSE(gunzip(as_bytes(std::string("not gzip at all, just text")), 100));
  std::string corrupt = z;
  corrupt[12] = static_cast<char>(corrupt[12] ^ 0x5a);
  auto bad = gunzip(as_bytes(corrupt), 1 << 20);
  if (bad) {
    EXPECT_TRUE(bad->damaged);
  }
}

}  // namespace
}  // namespace msw
