#include "support/regf_writer.h"

#include <cstdio>

#include "core/byte_reader.h"
#include "core/hash.h"
#include "formats/regf/sam_secrets.h"
#include "support/bytes.h"

#include <openssl/evp.h>

namespace msw::test {
namespace {

using namespace bytes;

}  // namespace


namespace {
void set_checksum(std::string& h) {
  uint32_t sum = 0;
  for (size_t i = 0; i < 508; i += 4)
    sum ^= static_cast<uint32_t>(static_cast<uint8_t>(h[i])) | static_cast<uint32_t>(static_cast<uint8_t>(h[i + 1])) << 8 |
           static_cast<uint32_t>(static_cast<uint8_t>(h[i + 2])) << 16 | static_cast<uint32_t>(static_cast<uint8_t>(h[i + 3])) << 24;
  if (sum == 0xFFFFFFFFu) sum = 0xFFFFFFFEu;
  if (sum == 0) sum = 1;
  h.replace(508, 4, le32(sum));
}
}  // namespace

std::string with_base_checksum(std::string h) {
  set_checksum(h);
  return h;
}

std::string make_dirty(std::string hive, uint32_t sequence) {
  hive.replace(4, 4, le32(sequence));
  hive.replace(8, 4, le32(sequence - 1));
  set_checksum(hive);
  return hive;
}

std::string write_transaction_log(const std::string& old_hive, const std::string& new_hive, uint32_t sequence) {
  std::string log = new_hive.substr(0, 512);
  log.replace(4, 4, le32(sequence));
  log.replace(8, 4, le32(sequence));
  log.replace(28, 4, le32(6));  // new-format log
  set_checksum(log);
  const size_t bins = new_hive.size() - 4096;
  std::string refs, pages;
  uint32_t count = 0;
  for (size_t off = 0; off < bins; off += 4096) {
    const std::string page = new_hive.substr(4096 + off, 4096);
    if (4096 + off + 4096 <= old_hive.size() && old_hive.compare(4096 + off, 4096, page) == 0) continue;
    refs += le32(static_cast<uint32_t>(off)) + le32(4096);
    pages += page;
    ++count;
  }
  std::string entry = "HvLE" + le32(0) + le32(0) + le32(sequence) + le32(static_cast<uint32_t>(bins)) + le32(count) +
                      std::string(16, '\0') + refs + pages;
  entry.resize((entry.size() + 511) / 512 * 512, '\0');
  entry.replace(4, 4, le32(static_cast<uint32_t>(entry.size())));
  auto le64 = [](uint64_t v) { return le32(static_cast<uint32_t>(v)) + le32(static_cast<uint32_t>(v >> 32)); };
  entry.replace(24, 8, le64(marvin32(as_bytes(std::string_view(entry).substr(40)), 0x82EF4D887A4E55C5ull)));
  entry.replace(32, 8, le64(marvin32(as_bytes(std::string_view(entry).substr(0, 32)), 0x82EF4D887A4E55C5ull)));
  return log + entry;
}

std::string write_old_transaction_log(const std::string& old_hive, const std::string& new_hive) {
  std::string log = new_hive.substr(0, 512);
  log.replace(28, 4, le32(1));
  set_checksum(log);
  const size_t bins = new_hive.size() - 4096, bits = bins / 512;
  std::string bitmap((bits + 7) / 8, '\0'), pages;
  for (size_t i = 0; i < bits; ++i) {
    const std::string page = new_hive.substr(4096 + i * 512, 512);
    if (4096 + (i + 1) * 512 <= old_hive.size() && old_hive.compare(4096 + i * 512, 512, page) == 0) continue;
    bitmap[i / 8] = static_cast<char>(bitmap[i / 8] | (1 << (i % 8)));
    pages += page;
  }
  log += "DIRT" + bitmap;
  log.resize((log.size() + 511) / 512 * 512, '\0');
  return log + pages;
}

namespace {
std::string aes_cbc_encrypt(const uint8_t key[16], const std::string& iv, const std::string& plain) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  std::string out(plain.size() + 16, '\0');
  int n1 = 0, n2 = 0;
  EVP_EncryptInit_ex(ctx, EVP_aes_128_cbc(), nullptr, key, reinterpret_cast<const uint8_t*>(iv.data()));
  EVP_CIPHER_CTX_set_padding(ctx, 0);
  EVP_EncryptUpdate(ctx, reinterpret_cast<uint8_t*>(out.data()), &n1, reinterpret_cast<const uint8_t*>(plain.data()),
                    static_cast<int>(plain.size()));
  EVP_EncryptFinal_ex(ctx, reinterpret_cast<uint8_t*>(out.data()) + n1, &n2);
  EVP_CIPHER_CTX_free(ctx);
  out.resize(static_cast<size_t>(n1 + n2));
  return out;
}
constexpr uint8_t kHashedBootKey[16] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                        0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xf0, 0x01};
}  // namespace

RegKeySpec lsa_key(const std::array<uint8_t, 16>& boot_key) {
  constexpr int kPermutation[16] = {0x8, 0x5, 0x4, 0x2, 0xb, 0x9, 0xd, 0x3, 0x0, 0x6, 0x1, 0xc, 0xe, 0xa, 0xf, 0x7};
  std::array<uint8_t, 16> scrambled{};
  for (size_t i = 0; i < 16; ++i) scrambled[static_cast<size_t>(kPermutation[i])] = boot_key[i];
  RegKeySpec lsa{"Lsa"};
  const char* names[4] = {"JD", "Skew1", "GBG", "Data"};
  for (size_t k = 0; k < 4; ++k) {
    char hex[9];
    std::snprintf(hex, sizeof hex, "%02x%02x%02x%02x", scrambled[4 * k], scrambled[4 * k + 1], scrambled[4 * k + 2],
                  scrambled[4 * k + 3]);
    RegKeySpec part{names[k]};
    part.class_name = hex;
    lsa.subkeys.push_back(part);
  }
  return lsa;
}

RegKeySpec sam_root(const std::vector<SamAccountSpec>& accounts, const std::array<uint8_t, 16>* boot_key,
                    bool weak_policy) {
  const std::string machine_sid = std::string("\x01\x04\x00\x00\x00\x00\x00\x05", 8) + le32(21) + le32(1) + le32(2) + le32(3);
  RegKeySpec account{"Account"};
  account.values = {{"V", 3, std::string(64, '\0') + machine_sid}};
  if (boot_key) {
    // F: the AES structure at 0x68 — revision 2, length, checksum length, data length, salt, data.
    const std::string salt(16, '\x5a');
    const std::string data = aes_cbc_encrypt(boot_key->data(), salt,
                                             std::string(reinterpret_cast<const char*>(kHashedBootKey), 16) + std::string(16, '\x07'));
    std::string f(0x68, '\0');
    if (!weak_policy) {
      f.replace(76, 4, le32(1));                         // complexity
      f.replace(80, 2, std::string("\x0c\x00", 2));     // 12 characters
      f.replace(84, 2, std::string("\x05\x00", 2));     // lockout after 5 failures
    }
    f += le32(2) + le32(static_cast<uint32_t>(16 + data.size())) + le32(16) + le32(static_cast<uint32_t>(data.size())) + salt + data;
    account.values.push_back({"F", 3, f});
  }
  RegKeySpec users{"Users"};
  RegKeySpec names{"Names"};
  std::string members;
  uint32_t admins = 0;
  for (const auto& a : accounts) {
    std::string f(80, '\0');
    f.replace(8, 8, std::string("\x00\x80\x3e\xd5\xde\xb1\xd5\x01", 8));  // last logon 2020-01-01
    f.replace(48, 4, le32(a.rid));
    f.replace(56, 4, le32(0x0010 | (a.disabled ? 0x0001 : 0)));
    std::string v(0xCC, '\0');
    const std::string name = utf16(a.name);
    v.replace(0x0C, 4, le32(0));
    v.replace(0x10, 4, le32(static_cast<uint32_t>(name.size())));
    v += name;
    if (boot_key) {
      // The NT hash: DES layer keyed by the RID, then AES with the hashed boot key (PEK id, revision 2, offset, salt).
      const auto nt = formats::regf::nt_hash_of(a.password);
      uint8_t obf[16];
      formats::regf::des_layer(nt.data(), a.rid, /*encrypt=*/true, obf);
      const std::string salt(16, '\x33');
      const std::string enc = aes_cbc_encrypt(kHashedBootKey, salt, std::string(reinterpret_cast<const char*>(obf), 16));
      const std::string entry = std::string("\0\0\x02\0", 4) + le32(0x10) + salt + enc;
      while (v.size() % 4) v += '\0';
      v.replace(0xA8, 4, le32(static_cast<uint32_t>(v.size() - 0xCC)));
      v.replace(0xAC, 4, le32(static_cast<uint32_t>(entry.size())));
      v += entry;
    }
    char key[16];
    std::snprintf(key, sizeof key, "%08X", a.rid);
    RegKeySpec user{key};
    user.values = {{"F", 3, f}, {"V", 3, v}};
    users.subkeys.push_back(user);
    RegKeySpec n{a.name};
    n.values = {{"", a.rid, ""}};
    names.subkeys.push_back(n);
    if (a.admin) {
      members += std::string("\x01\x05\x00\x00\x00\x00\x00\x05", 8) + le32(21) + le32(1) + le32(2) + le32(3) + le32(a.rid);
      ++admins;
    }
  }
  users.subkeys.push_back(names);
  account.subkeys = {users};
  std::string c(0x34, '\0');
  c.replace(0x28, 4, le32(0));
  c.replace(0x2C, 4, le32(static_cast<uint32_t>(members.size())));
  c.replace(0x30, 4, le32(admins));
  c += members;
  RegKeySpec admins_alias{"00000220"};
  admins_alias.values = {{"C", 3, c}};
  RegKeySpec aliases{"Aliases"};
  aliases.subkeys = {admins_alias};
  RegKeySpec builtin{"Builtin"};
  builtin.subkeys = {aliases};
  RegKeySpec domains{"Domains"};
  domains.subkeys = {account, builtin};
  RegKeySpec sam{"SAM"};
  sam.subkeys = {domains};
  RegKeySpec root{"ROOT"};
  root.subkeys = {sam};
  return root;
}
std::string write_hive(const RegKeySpec& root, const HiveOptions& o) {
  formats::regf::WriteOptions wo;
  wo.embedded_name = o.embedded_name;
  auto hive = formats::regf::build_hive(root, wo);
  if (!hive) return {};
  std::string h = std::move(hive).value();
  if (o.dirty) h = make_dirty(std::move(h), 7);
  if (o.bad_checksum) h[508] = static_cast<char>(h[508] ^ 1);
  return h;
}

size_t hive_cell_offset(const std::string& hive, const std::string& signature, const std::string& marker) {
  for (size_t at = 4096 + 32; at + 8 <= hive.size();) {
    const auto raw = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint8_t>(hive[at])) |
                                          static_cast<uint32_t>(static_cast<uint8_t>(hive[at + 1])) << 8 |
                                          static_cast<uint32_t>(static_cast<uint8_t>(hive[at + 2])) << 16 |
                                          static_cast<uint32_t>(static_cast<uint8_t>(hive[at + 3])) << 24);
    const size_t size = static_cast<size_t>(raw < 0 ? -static_cast<int64_t>(raw) : raw);
    if (size < 8) break;
    const std::string data = hive.substr(at + 4, size - 4);
    if (data.compare(0, signature.size(), signature) == 0 && data.find(marker) != std::string::npos) return at - 4096;
    at += size;
  }
  return std::string::npos;
}

}  // namespace msw::test
