#include "core/crc32.h"

#include <zlib.h>

#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace msw {
namespace {

uint32_t zlib_crc(const std::vector<std::byte>& v, size_t off, size_t n, uint32_t seed) {
  return static_cast<uint32_t>(::crc32(seed, reinterpret_cast<const Bytef*>(v.data() + off), static_cast<uInt>(n)));
}

TEST(Crc32, KnownValues) {
  EXPECT_EQ(crc32(as_bytes("")), 0u);
  EXPECT_EQ(crc32(as_bytes("123456789")), 0xCBF43926u);  // the CRC-32/ISO-HDLC check value
  const std::string zeros(4096, '\0');
  EXPECT_EQ(crc32(as_bytes(zeros)), zlib_crc(std::vector<std::byte>(4096), 0, 4096, 0));
}

// Every length from 0 to 1,100 at every alignment mod 16, with running seeds, agrees with zlib — covering the
// folded path (64 bytes and more), its 16-byte steps and the tail zlib finishes.
TEST(Crc32, AgreesWithZlibAtEveryLengthAndAlignment) {
  std::mt19937 rng(7);
  std::vector<std::byte> buf(70000);
  for (auto& b : buf) b = static_cast<std::byte>(rng());
  for (size_t align = 0; align < 16; ++align)
    for (size_t n = 0; n <= 1100; ++n) {
      const uint32_t seed = n % 3 == 0 ? 0 : static_cast<uint32_t>(rng());
      ASSERT_EQ(crc32(Bytes(buf).subspan(align, n), seed), zlib_crc(buf, align, n, seed)) << n << " at " << align;
    }
  // A whole EVTX chunk's records, and a split computation continued through the seed.
  EXPECT_EQ(crc32(Bytes(buf).subspan(512, 65024)), zlib_crc(buf, 512, 65024, 0));
  EXPECT_EQ(crc32(Bytes(buf).subspan(1000, 3000), crc32(Bytes(buf).subspan(0, 1000))), zlib_crc(buf, 0, 4000, 0));
}

}  // namespace
}  // namespace msw
