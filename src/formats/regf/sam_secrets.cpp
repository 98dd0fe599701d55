// OpenSSL's low-level MD4, MD5, RC4 and DES: what the SAM format was built on, deprecated for new protocols.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "formats/regf/sam_secrets.h"

#include <openssl/des.h>
#include <openssl/evp.h>
#include <openssl/md4.h>
#include <openssl/md5.h>
#include <openssl/rc4.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "core/text.h"

namespace msw::formats::regf {
namespace {

constexpr int kPermutation[16] = {0x8, 0x5, 0x4, 0x2, 0xb, 0x9, 0xd, 0x3, 0x0, 0x6, 0x1, 0xc, 0xe, 0xa, 0xf, 0x7};
constexpr char kQwerty[] = "!@#$%^&*()qwertyUIOPAzxcvbnmQQQQQQQQQQQQ)(*@&%";  // with its NUL
constexpr char kDigits[] = "0123456789012345678901234567890123456789";        // with its NUL
constexpr char kNtPassword[] = "NTPASSWORD";                                     // with its NUL

bool aes_cbc_decrypt(const uint8_t key[16], const uint8_t iv[16], const uint8_t* in, size_t len, uint8_t* out) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (!ctx) return false;
  int n1 = 0, n2 = 0;
  const bool ok = EVP_DecryptInit_ex(ctx, EVP_aes_128_cbc(), nullptr, key, iv) == 1 &&
                  EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
                  EVP_DecryptUpdate(ctx, out, &n1, in, static_cast<int>(len)) == 1 &&
                  EVP_DecryptFinal_ex(ctx, out + n1, &n2) == 1;
  EVP_CIPHER_CTX_free(ctx);
  return ok && static_cast<size_t>(n1 + n2) == len;
}

void des_key(const uint8_t s[7], DES_cblock& key) {
  key[0] = static_cast<uint8_t>(s[0] >> 1);
  key[1] = static_cast<uint8_t>(((s[0] & 0x01) << 6) | (s[1] >> 2));
  key[2] = static_cast<uint8_t>(((s[1] & 0x03) << 5) | (s[2] >> 3));
  key[3] = static_cast<uint8_t>(((s[2] & 0x07) << 4) | (s[3] >> 4));
  key[4] = static_cast<uint8_t>(((s[3] & 0x0F) << 3) | (s[4] >> 5));
  key[5] = static_cast<uint8_t>(((s[4] & 0x1F) << 2) | (s[5] >> 6));
  key[6] = static_cast<uint8_t>(((s[5] & 0x3F) << 1) | (s[6] >> 7));
  key[7] = static_cast<uint8_t>(s[6] & 0x7F);
  for (auto& k : key) k = static_cast<uint8_t>(k << 1);
  DES_set_odd_parity(&key);
}

}  // namespace

void des_layer(const uint8_t in[16], uint32_t rid, bool encrypt, uint8_t out[16]) {
  const uint8_t r[4] = {static_cast<uint8_t>(rid), static_cast<uint8_t>(rid >> 8), static_cast<uint8_t>(rid >> 16),
                        static_cast<uint8_t>(rid >> 24)};
  const uint8_t k1[7] = {r[0], r[1], r[2], r[3], r[0], r[1], r[2]};
  const uint8_t k2[7] = {r[3], r[0], r[1], r[2], r[3], r[0], r[1]};
  DES_cblock key1, key2;
  des_key(k1, key1);
  des_key(k2, key2);
  DES_key_schedule s1, s2;
  DES_set_key_unchecked(&key1, &s1);
  DES_set_key_unchecked(&key2, &s2);
  DES_cblock a, b, c, d;
  std::memcpy(a, in, 8);
  std::memcpy(b, in + 8, 8);
  DES_ecb_encrypt(&a, &c, &s1, encrypt ? DES_ENCRYPT : DES_DECRYPT);
  DES_ecb_encrypt(&b, &d, &s2, encrypt ? DES_ENCRYPT : DES_DECRYPT);
  std::memcpy(out, c, 8);
  std::memcpy(out + 8, d, 8);
}

std::optional<Key16> boot_key(const Hive& system) {
  auto lsa = system.find(current_control_set(system) + "\\Control\\Lsa");
  if (!lsa) return std::nullopt;
  std::string hex;
  for (auto name : {"JD", "Skew1", "GBG", "Data"}) {
    auto k = lsa->subkey(name);
    if (!k) return std::nullopt;
    const std::string cls = k->class_name();
    if (cls.size() != 8) return std::nullopt;
    hex += cls;
  }
  Key16 scrambled{};
  for (size_t i = 0; i < 16; ++i) {
    unsigned v = 0;
    if (std::sscanf(hex.c_str() + 2 * i, "%2x", &v) != 1) return std::nullopt;
    scrambled[i] = static_cast<uint8_t>(v);
  }
  Key16 key{};
  for (size_t i = 0; i < 16; ++i) key[i] = scrambled[static_cast<size_t>(kPermutation[i])];
  return key;
}

std::optional<Key16> hashed_boot_key(Bytes f, const Key16& bk) {
  if (f.size() < 0x68 + 16) return std::nullopt;
  const uint32_t revision = wire::le32(f, 0x68);
  Key16 out{};
  if (revision == 1) {
    // RC4: key = MD5(salt + QWERTY + boot key + DIGITS) over the 32 bytes of key and checksum.
    if (f.size() < 0xA0) return std::nullopt;
    std::string material(reinterpret_cast<const char*>(f.data()) + 0x70, 16);
    material.append(kQwerty, sizeof kQwerty);
    material.append(reinterpret_cast<const char*>(bk.data()), 16);
    material.append(kDigits, sizeof kDigits);
    uint8_t rc4key[16];
    MD5(reinterpret_cast<const uint8_t*>(material.data()), material.size(), rc4key);
    RC4_KEY k;
    RC4_set_key(&k, 16, rc4key);
    uint8_t plain[32];
    RC4(&k, 32, reinterpret_cast<const uint8_t*>(f.data()) + 0x80, plain);
    // Checksum: MD5(key + DIGITS + key + QWERTY) must equal the second half.
    std::string check(reinterpret_cast<const char*>(plain), 16);
    check.append(kDigits, sizeof kDigits);
    check.append(reinterpret_cast<const char*>(plain), 16);
    check.append(kQwerty, sizeof kQwerty);
    uint8_t sum[16];
    MD5(reinterpret_cast<const uint8_t*>(check.data()), check.size(), sum);
    if (std::memcmp(sum, plain + 16, 16) != 0) return std::nullopt;
    std::memcpy(out.data(), plain, 16);
    return out;
  }
  if (revision == 2) {
    // AES: revision, length, checksum length, data length, salt (16), data.
    if (f.size() < 0x88) return std::nullopt;
    const uint32_t data_len = wire::le32(f, 0x74);
    if (data_len < 16 || data_len > 256 || f.size() - 0x88 < data_len || data_len % 16 != 0) return std::nullopt;
    std::vector<uint8_t> plain(data_len);
    if (!aes_cbc_decrypt(bk.data(), reinterpret_cast<const uint8_t*>(f.data()) + 0x78,
                         reinterpret_cast<const uint8_t*>(f.data()) + 0x88, data_len, plain.data()))
      return std::nullopt;
    std::memcpy(out.data(), plain.data(), 16);
    return out;
  }
  return std::nullopt;
}

std::optional<Key16> nt_hash(Bytes v, uint32_t rid, const Key16& hbk) {
  if (v.size() < 0xCC) return std::nullopt;
  const size_t off = 0xCC + size_t{wire::le32(v, 0xA8)}, len = wire::le32(v, 0xAC);
  if (off > v.size() || len > v.size() - off || len < 4) return std::nullopt;
  const Bytes h = v.subspan(off, len);
  uint8_t obfuscated[16];
  if (wire::le16(h, 2) == 2) {
    // AES: PEK id, revision, data offset, salt (16), hash.
    if (len < 8 + 16 + 16) return std::nullopt;
    if (!aes_cbc_decrypt(hbk.data(), reinterpret_cast<const uint8_t*>(h.data()) + 8,
                         reinterpret_cast<const uint8_t*>(h.data()) + 24, 16, obfuscated))
      return std::nullopt;
  } else {
    // RC4: PEK id, revision, hash; key = MD5(hashed boot key + RID + "NTPASSWORD").
    if (len < 4 + 16) return std::nullopt;
    std::string material(reinterpret_cast<const char*>(hbk.data()), 16);
    for (int i = 0; i < 4; ++i) material += static_cast<char>(rid >> (8 * i));
    material.append(kNtPassword, sizeof kNtPassword);
    uint8_t rc4key[16];
    MD5(reinterpret_cast<const uint8_t*>(material.data()), material.size(), rc4key);
    RC4_KEY k;
    RC4_set_key(&k, 16, rc4key);
    RC4(&k, 16, reinterpret_cast<const uint8_t*>(h.data()) + 4, obfuscated);
  }
  Key16 out{};
  des_layer(obfuscated, rid, /*encrypt=*/false, out.data());
  return out;
}

Key16 nt_hash_of(std::string_view password) {
  std::string utf16;
  for (size_t i = 0; i < password.size();) {
    const auto c = static_cast<unsigned char>(password[i]);
    char32_t cp = c;
    size_t n = 1;
    if (c >= 0xC0 && c < 0xE0 && i + 1 < password.size()) cp = (c & 0x1F) << 6 | (password[i + 1] & 0x3F), n = 2;
    else if (c >= 0xE0 && c < 0xF0 && i + 2 < password.size())
      cp = (c & 0x0F) << 12 | (password[i + 1] & 0x3F) << 6 | (password[i + 2] & 0x3F), n = 3;
    utf16 += static_cast<char>(cp & 0xFF);
    utf16 += static_cast<char>((cp >> 8) & 0xFF);
    i += n;
  }
  Key16 out{};
  MD4(reinterpret_cast<const uint8_t*>(utf16.data()), utf16.size(), out.data());
  return out;
}

}  // namespace msw::formats::regf
