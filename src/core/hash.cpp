#include "core/hash.h"

#include <fuzzy.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <exception>
#include <stdexcept>
#include <thread>
#include <vector>

#include <openssl/evp.h>

#include "core/mapped_file.h"

namespace msw {

struct MultiHasher::State {
  EVP_MD_CTX* md5 = EVP_MD_CTX_new();
  EVP_MD_CTX* sha1 = EVP_MD_CTX_new();
  EVP_MD_CTX* sha256 = EVP_MD_CTX_new();

  State() {
    if (md5 == nullptr || sha1 == nullptr || sha256 == nullptr) throw std::bad_alloc();
    reset();
  }
  ~State() {
    EVP_MD_CTX_free(md5);
    EVP_MD_CTX_free(sha1);
    EVP_MD_CTX_free(sha256);
  }
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  void reset() {
    // These digests are built into libcrypto's default provider; failure here means a broken OpenSSL install.
    if (EVP_DigestInit_ex(md5, EVP_md5(), nullptr) != 1 || EVP_DigestInit_ex(sha1, EVP_sha1(), nullptr) != 1 ||
        EVP_DigestInit_ex(sha256, EVP_sha256(), nullptr) != 1)
      throw std::runtime_error("OpenSSL digest initialisation failed (is libssl3 intact?)");
  }
};

namespace {
std::string finish_one(EVP_MD_CTX* ctx) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, out, &len);
  return to_hex({reinterpret_cast<const std::byte*>(out), len});
}
}  // namespace

MultiHasher::MultiHasher() : state_(std::make_unique<State>()) {}
MultiHasher::~MultiHasher() = default;

void MultiHasher::update(Bytes data) {
  // Large inputs are fed in slices so one call never exceeds what EVP's size_t handling was tested with.
  constexpr size_t kSlice = 1u << 24;
  for (size_t off = 0; off < data.size(); off += kSlice) {
    size_t n = std::min(kSlice, data.size() - off);
    const void* p = data.data() + off;
    EVP_DigestUpdate(state_->md5, p, n);
    EVP_DigestUpdate(state_->sha1, p, n);
    EVP_DigestUpdate(state_->sha256, p, n);
  }
}

FileHashes MultiHasher::finish() {
  FileHashes h{finish_one(state_->md5), finish_one(state_->sha1), finish_one(state_->sha256)};
  state_->reset();
  return h;
}

FileHashes hash_bytes(Bytes data) {
  MultiHasher h;
  h.update(data);
  return h.finish();
}

std::string sha256_hex(Bytes data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr);
  return to_hex({reinterpret_cast<const std::byte*>(out), len});
}

namespace {

// The digests of `mds` over the file, a window at a time, each window's pages released once hashed.
std::vector<std::string> digest_windows(const MappedFile& file, std::initializer_list<const EVP_MD*> mds) {
  constexpr size_t kWindow = size_t{16} << 20;
  std::vector<EVP_MD_CTX*> ctx;
  for (const EVP_MD* md : mds) {
    ctx.push_back(EVP_MD_CTX_new());
    if (ctx.back() == nullptr || EVP_DigestInit_ex(ctx.back(), md, nullptr) != 1) {
      for (auto* c : ctx) EVP_MD_CTX_free(c);
      throw std::runtime_error("OpenSSL digest initialisation failed (is libssl3 intact?)");
    }
  }
  const Bytes all = file.bytes();
  for (size_t at = 0; at < all.size(); at += kWindow) {
    const size_t n = std::min(kWindow, all.size() - at);
    for (auto* c : ctx) EVP_DigestUpdate(c, all.data() + at, n);
    file.release(at, n);
  }
  std::vector<std::string> out;
  for (auto* c : ctx) {
    out.push_back(finish_one(c));
    EVP_MD_CTX_free(c);
  }
  return out;
}

}  // namespace

FileHashes hash_mapped(const MappedFile& file, bool md5) {
  // MD5 has no instructions of its own and is as slow as SHA-1 and SHA-256 together (SHA-NI): a large file is hashed
  // on two threads, MD5 beside the other two (or SHA-1 beside SHA-256), which halves the wait before a
  // multi-gigabyte log is parsed.
  constexpr size_t kTwoThreadsFrom = size_t{64} << 20;
  if (file.size() < kTwoThreadsFrom) {
    if (!md5) {
      auto d = digest_windows(file, {EVP_sha1(), EVP_sha256()});
      return {"", d[0], d[1]};
    }
    auto d = digest_windows(file, {EVP_md5(), EVP_sha1(), EVP_sha256()});
    return {d[0], d[1], d[2]};
  }
  std::vector<std::string> side_digest;
  std::exception_ptr failed;
  std::thread side([&] {
    try {
      side_digest = md5 ? digest_windows(file, {EVP_md5()}) : digest_windows(file, {EVP_sha1()});
    } catch (...) {
      failed = std::current_exception();
    }
  });
  std::vector<std::string> main_digest;
  try {
    main_digest = md5 ? digest_windows(file, {EVP_sha1(), EVP_sha256()}) : digest_windows(file, {EVP_sha256()});
  } catch (...) {
    side.join();
    throw;
  }
  side.join();
  if (failed) std::rethrow_exception(failed);
  if (md5) return {side_digest[0], main_digest[0], main_digest[1]};
  return {"", side_digest[0], main_digest[0]};
}

std::string md5_mapped(const MappedFile& file) { return digest_windows(file, {EVP_md5()})[0]; }

Result<FileHashes> hash_file(const std::string& path) {
  auto file = MappedFile::open(path);
  if (!file) return file.error();
  return hash_mapped(*file);
}

uint64_t marvin32(Bytes data, uint64_t seed) {
  uint32_t lo = static_cast<uint32_t>(seed), hi = static_cast<uint32_t>(seed >> 32);
  auto mix = [&] {
    hi ^= lo;
    lo = std::rotl(lo, 20);
    lo += hi;
    hi = std::rotl(hi, 9);
    hi ^= lo;
    lo = std::rotl(lo, 27);
    lo += hi;
    hi = std::rotl(hi, 19);
  };
  size_t i = 0;
  for (; data.size() - i >= 4; i += 4) {
    lo += wire::le32(data, i);
    mix();
  }
  // The tail (0-3 bytes) with a 0x80 end marker above it.
  uint32_t tail = 0x80;
  for (size_t k = data.size(); k-- > i;) tail = (tail << 8) | static_cast<uint8_t>(data[k]);
  lo += tail;
  mix();
  mix();
  return static_cast<uint64_t>(hi) << 32 | lo;
}

std::string to_hex(Bytes data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(data.size() * 2, '0');
  for (size_t i = 0; i < data.size(); ++i) {
    auto b = static_cast<unsigned>(data[i]);
    out[2 * i] = kDigits[b >> 4];
    out[2 * i + 1] = kDigits[b & 0xF];
  }
  return out;
}

std::string ssdeep(Bytes data) {
  char out[FUZZY_MAX_RESULT] = {};
  if (fuzzy_hash_buf(reinterpret_cast<const unsigned char*>(data.data()),
                     static_cast<uint32_t>(std::min<size_t>(data.size(), UINT32_MAX)), out) != 0)
    return "";
  return out;
}

}  // namespace msw
