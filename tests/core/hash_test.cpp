#include "core/hash.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace msw {
namespace {

// Vectors from RFC 1321, FIPS 180-2 (SHA-1 and SHA-256 "abc" and empty-message examples).
TEST(Hash, KnownVectors) {
  FileHashes abc = hash_bytes(as_bytes("abc"));
  EXPECT_EQ(abc.md5, "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(abc.sha1, "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(abc.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  FileHashes empty = hash_bytes({});
  EXPECT_EQ(empty.md5, "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(empty.sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(empty.sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex(as_bytes("abc")), abc.sha256);
}

TEST(Hash, StreamingEqualsOneShotAndHasherIsReusable) {
  std::string msg = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  MultiHasher h;
  h.update(as_bytes(std::string_view(msg).substr(0, 10)));
  h.update(as_bytes(std::string_view(msg).substr(10)));
  FileHashes streamed = h.finish();
  EXPECT_EQ(streamed.sha256, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(streamed.sha1, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  h.update(as_bytes("abc"));
  EXPECT_EQ(h.finish().md5, "900150983cd24fb0d6963f7d28e17f72");
}

TEST(Hash, FileHashMatchesBytes) {
  test::TempDir dir;
  test::write_file(dir / "f", "abc");
  auto h = hash_file((dir / "f").string());
  ASSERT_TRUE(h);
  EXPECT_EQ(h->sha1, "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_FALSE(hash_file((dir / "missing").string()));
}

// A large file is hashed on two threads (MD5 beside SHA-1 and SHA-256) a window at a time: the same digests.
TEST(Hash, LargeFileHashedInWindowsOnTwoThreadsMatchesBytes) {
  test::TempDir dir;
  std::string bytes(size_t{70} << 20, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>((i * 2654435761u) >> 13);
  test::write_file(dir / "big.bin", bytes);
  auto h = hash_file((dir / "big.bin").string());
  ASSERT_TRUE(h);
  const FileHashes want = hash_bytes(as_bytes(std::string_view(bytes)));
  EXPECT_EQ(h->md5, want.md5);
  EXPECT_EQ(h->sha1, want.sha1);
  EXPECT_EQ(h->sha256, want.sha256);
}

TEST(Hash, HexIsLowerCase) {
  const std::byte b[] = {std::byte{0xAB}, std::byte{0x01}};
  EXPECT_EQ(to_hex(b), "ab01");
}

}  // namespace
}  // namespace msw

namespace msw {
namespace {

// Published Marvin32 test vectors (the .NET runtime's Marvin tests).
TEST(Marvin32, KnownVectors) {
  auto bytes = [](std::initializer_list<int> v) {
    std::string s;
    for (int c : v) s += static_cast<char>(c);
    return s;
  };
  const uint64_t seed0 = 0x004fb61a001bdbccull;
  EXPECT_EQ(marvin32(as_bytes(""), seed0), 0x30ed35c100cd3c7dull);
  EXPECT_EQ(marvin32(as_bytes(bytes({0xaf})), seed0), 0x48e73fc77d75ddc1ull);
  EXPECT_EQ(marvin32(as_bytes(bytes({0xe7, 0x0f})), seed0), 0xb5f6e1fc485dbff8ull);
  EXPECT_EQ(marvin32(as_bytes(bytes({0x37, 0xf4, 0x95})), seed0), 0xf0b07c789b8cf7e8ull);
  EXPECT_EQ(marvin32(as_bytes(bytes({0x86, 0x42, 0xdc, 0x59})), seed0), 0x7008f2e87e9cf556ull);
  EXPECT_EQ(marvin32(as_bytes("abc"), 0xd53cd9cecd0893b7ull), 0x22c74339492769bfull);
  EXPECT_EQ(marvin32(as_bytes("abcdefghijklmnopqrstuvwxyz"), 0xddddeeeeffff000ull), 0xa128eb7e7260aca2ull);
}

// ssdeep groups variants: a small edit keeps most of the hash, and the format is libfuzzy's BLOCK:HASH1:HASH2.
TEST(Hash, SsdeepHashesSimilarBytesAlike) {
  std::string a;
  for (int i = 0; i < 4000; ++i) a += "line " + std::to_string(i * 7919 % 10007) + " of a dropper script\n";
  std::string b = a;
  b.replace(100000, 10, "EDITED-BIT");  // late in the file: the hash's first pieces stay
  const std::string ha = ssdeep(as_bytes(a)), hb = ssdeep(as_bytes(b));
  ASSERT_EQ(std::count(ha.begin(), ha.end(), ':'), 2) << ha;
  EXPECT_EQ(ha, ssdeep(as_bytes(a)));  // deterministic
  EXPECT_NE(ha, hb);
  const std::string block = ha.substr(0, ha.find(':'));
  EXPECT_EQ(hb.substr(0, hb.find(':')), block);
  const std::string body_a = ha.substr(block.size() + 1, 10), body_b = hb.substr(block.size() + 1, 10);
  EXPECT_EQ(body_a, body_b) << ha << " / " << hb;  // the start of the file did not change, nor did its hash
  EXPECT_EQ(ssdeep(as_bytes(std::string())), "3::");
}

}  // namespace
}  // namespace msw
