// Local account password hashes, only to test them against guessing lists (the hashes themselves are never
// stored or printed): the boot key from the class names of SYSTEM's Lsa\{JD,Skew1,GBG,Data} keys, unscrambled;
// the SAM's hashed boot key from Domains\Account\F (RC4 with MD5 on Windows up to 10 1511, AES-128-CBC since 1607);
// each account's NT hash from its V value (RC4 or AES, then the DES layer keyed by the RID). From the public
// descriptions of the SAM format (samdump2, pwdump, creddump).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/byte_reader.h"
#include "formats/regf/regf.h"

namespace msw::formats::regf {

using Key16 = std::array<uint8_t, 16>;

std::optional<Key16> boot_key(const Hive& system);
std::optional<Key16> hashed_boot_key(Bytes account_f, const Key16& boot_key);
// nullopt: no NT hash stored (a blank or never-set password) or one that does not decrypt.
std::optional<Key16> nt_hash(Bytes user_v, uint32_t rid, const Key16& hashed_boot_key);
// MD4 of the UTF-16LE password (ASCII and Latin-1 passwords; others are converted from UTF-8).
Key16 nt_hash_of(std::string_view password);

// The DES layer, exposed for the test writer that builds encrypted SAM hives.
void des_layer(const uint8_t in[16], uint32_t rid, bool encrypt, uint8_t out[16]);

}  // namespace msw::formats::regf
