#include "core/crc32.h"

#include <zlib.h>

#include <algorithm>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define MSW_CRC32_CLMUL 1
#include <immintrin.h>
#endif

namespace msw {
namespace {

uint32_t crc32_zlib(Bytes data, uint32_t crc) {
  uLong c = crc;
  // zlib takes uInt lengths: stay correct for any span.
  for (size_t off = 0; off < data.size();) {
    auto n = static_cast<uInt>(std::min<size_t>(data.size() - off, 1u << 30));
    c = ::crc32(c, reinterpret_cast<const Bytef*>(data.data() + off), n);
    off += n;
  }
  return static_cast<uint32_t>(c);
}

#ifdef MSW_CRC32_CLMUL
// The folding constants are powers of x modulo the (bit-reflected) polynomial, each shifted by one bit for the
// reflected product: x^(4*128+32) and x^(4*128-32) fold 512 bits ahead, x^(128+32) and x^(128-32) fold 128 bits,
// x^64 reduces 96 bits to 64; then Barrett reduction with the polynomial and floor(x^64 / P).
constexpr uint64_t kFold4Lo = 0x154442bd4, kFold4Hi = 0x1c6e41596;
constexpr uint64_t kFold1Lo = 0x1751997d0, kFold1Hi = 0x0ccaa009e;
constexpr uint64_t kFold64 = 0x163cd6124;
constexpr uint64_t kPoly = 0x1db710641, kBarrettMu = 0x1f7011641;

// x times the fold constants (low half by k's low, high half by k's high), plus the next 16 bytes.
__attribute__((target("pclmul,sse4.1"))) inline __m128i fold(__m128i x, __m128i k, __m128i next) {
  return _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11)), next);
}

// `crc` is the running register (zlib's value, inverted); `n` is a multiple of 16, at least 64.
__attribute__((target("pclmul,sse4.1"))) uint32_t crc32_fold(const std::byte* p, size_t n, uint32_t crc) {
  auto load = [](const std::byte* q) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(q)); };
  __m128i x0 = _mm_xor_si128(load(p), _mm_cvtsi32_si128(static_cast<int>(crc)));
  __m128i x1 = load(p + 16), x2 = load(p + 32), x3 = load(p + 48);
  p += 64;
  n -= 64;
  const __m128i k4 = _mm_set_epi64x(static_cast<int64_t>(kFold4Hi), static_cast<int64_t>(kFold4Lo));
  for (; n >= 64; n -= 64, p += 64) {
    x0 = fold(x0, k4, load(p));
    x1 = fold(x1, k4, load(p + 16));
    x2 = fold(x2, k4, load(p + 32));
    x3 = fold(x3, k4, load(p + 48));
  }
  const __m128i k1 = _mm_set_epi64x(static_cast<int64_t>(kFold1Hi), static_cast<int64_t>(kFold1Lo));
  x0 = fold(x0, k1, x1);
  x0 = fold(x0, k1, x2);
  x0 = fold(x0, k1, x3);
  for (; n >= 16; n -= 16, p += 16) x0 = fold(x0, k1, load(p));

  // 128 bits → 96: the low half times x^(128-32), added to the high half.
  const __m128i low32 = _mm_setr_epi32(-1, 0, -1, 0);
  __m128i t = _mm_clmulepi64_si128(x0, k1, 0x10);
  x0 = _mm_xor_si128(_mm_srli_si128(x0, 8), t);
  // 96 → 64.
  t = _mm_srli_si128(x0, 4);
  x0 = _mm_clmulepi64_si128(_mm_and_si128(x0, low32), _mm_cvtsi64_si128(static_cast<int64_t>(kFold64)), 0x00);
  x0 = _mm_xor_si128(x0, t);
  // Barrett: 64 → 32.
  const __m128i poly = _mm_set_epi64x(static_cast<int64_t>(kBarrettMu), static_cast<int64_t>(kPoly));
  t = _mm_clmulepi64_si128(_mm_and_si128(x0, low32), poly, 0x10);
  t = _mm_clmulepi64_si128(_mm_and_si128(t, low32), poly, 0x00);
  x0 = _mm_xor_si128(x0, t);
  return static_cast<uint32_t>(_mm_extract_epi32(x0, 1));
}

bool has_clmul() {
  static const bool yes = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
  return yes;
}
#endif

}  // namespace

uint32_t crc32(Bytes data, uint32_t seed) {
#ifdef MSW_CRC32_CLMUL
  if (data.size() >= 64 && has_clmul()) {
    const size_t n = data.size() & ~size_t{15};
    seed = ~crc32_fold(data.data(), n, ~seed);
    data = data.subspan(n);
  }
#endif
  return crc32_zlib(data, seed);
}

}  // namespace msw
