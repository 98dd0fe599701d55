#include "core/byte_reader.h"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

namespace msw {
namespace {

std::vector<std::byte> bytes(std::initializer_list<int> v) {
  std::vector<std::byte> out;
  for (int b : v) out.push_back(static_cast<std::byte>(b));
  return out;
}

TEST(ByteReader, ReadsLittleAndBigEndian) {
  auto data = bytes({0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08});
  ByteReader r(data);
  EXPECT_EQ(*r.u16le(), 0x0201);
  EXPECT_EQ(*r.u16be(), 0x0304);
  EXPECT_EQ(*r.u32le(), 0x08070605u);
  EXPECT_TRUE(r.at_end());
  ByteReader r2(data);
  EXPECT_EQ(*r2.u64be(), 0x0102030405060708ull);
  ByteReader r3(data);
  EXPECT_EQ(*r3.u64le(), 0x0807060504030201ull);
}

TEST(ByteReader, SignedReadsKeepTheirSign) {
  auto data = bytes({0xFE, 0xFF, 0xFF, 0xFF});
  ByteReader r(data);
  EXPECT_EQ(*r.i32le(), -2);
}

TEST(ByteReader, FailedReadLeavesPositionAndNamesWhatWasRead) {
  auto data = bytes({1, 2, 3});
  ByteReader r(data, 100);
  ASSERT_TRUE(r.u8());
  auto v = r.u32le("chunk size");
  ASSERT_FALSE(v);
  EXPECT_EQ(r.position(), 1u);
  EXPECT_EQ(v.error().code, "read.out_of_bounds");
  EXPECT_NE(v.error().message.find("chunk size"), std::string::npos);
  EXPECT_EQ(v.error().offset, 101u);  // absolute: base offset + position
}

TEST(ByteReader, HugeLengthsCannotWrapTheCheck) {
  auto data = bytes({1, 2, 3, 4});
  ByteReader r(data);
  ASSERT_TRUE(r.skip(2));
  constexpr size_t kHuge = std::numeric_limits<size_t>::max();
  EXPECT_FALSE(r.bytes(kHuge));
  EXPECT_FALSE(r.bytes(kHuge - 1));
  EXPECT_FALSE(r.skip(kHuge));
  EXPECT_FALSE(r.sub(kHuge));
  // offset + length wraps to a small number: must still fail.
  EXPECT_FALSE(r.sub_at(2, kHuge - 1));
  EXPECT_FALSE(r.bytes_at(kHuge, 2));
  EXPECT_FALSE(r.bytes_at(5, 0));  // offset past the end
  EXPECT_TRUE(r.bytes_at(4, 0));   // empty range at the end is valid
  EXPECT_FALSE(r.seek(5));
  EXPECT_EQ(r.position(), 2u);
}

TEST(ByteReader, SubReadersKeepAbsoluteOffsets) {
  auto data = bytes({0, 1, 2, 3, 4, 5, 6, 7});
  ByteReader r(data, 1000);
  auto sub = r.sub_at(4, 4);
  ASSERT_TRUE(sub);
  EXPECT_EQ(sub->base_offset(), 1004u);
  ASSERT_TRUE(sub->skip(3));
  auto fail = sub->u16le("field");
  ASSERT_FALSE(fail);
  EXPECT_EQ(fail.error().offset, 1007u);
  auto inner = r.sub(2);
  ASSERT_TRUE(inner);
  EXPECT_EQ(r.position(), 2u);
  EXPECT_EQ(inner->size(), 2u);
}

TEST(ByteReader, ConsumeIfMatchesMagicOnly) {
  auto data = bytes({'r', 'e', 'g', 'f', 0});
  ByteReader r(data);
  EXPECT_FALSE(r.consume_if(as_bytes("regx")));
  EXPECT_EQ(r.position(), 0u);
  EXPECT_TRUE(r.consume_if(as_bytes("regf")));
  EXPECT_EQ(r.position(), 4u);
  EXPECT_FALSE(r.consume_if(as_bytes(std::string_view("\0\0", 2))));  // longer than what is left
}

TEST(ByteReader, EmptyInput) {
  ByteReader r;
  EXPECT_TRUE(r.at_end());
  EXPECT_FALSE(r.u8());
  EXPECT_TRUE(r.bytes(0));
}

}  // namespace
}  // namespace msw
