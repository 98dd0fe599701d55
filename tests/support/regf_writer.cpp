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

// Cells are appended to the hive bins data; offsets are relative to its start (file offset 4096).
class Bins {
 public:
  uint32_t add(const std::string& data) {
    const uint32_t at = static_cast<uint32_t>(bins_.size());
    size_t size = (4 + data.size() + 7) & ~size_t{7};
    std::string cell(size, '\0');
    put32(cell, 0, static_cast<uint32_t>(-static_cast<int32_t>(size)));
    cell.replace(4, data.size(), data);
    bins_ += cell;
    return at;
  }
  std::string& data() { return bins_; }

 private:
  std::string bins_ = std::string(32, '\0');  // the hbin header, filled in at the end
};

uint32_t add_value(Bins& b, const RegValueSpec& v) {
  std::string vk(20, '\0');
  vk[0] = 'v';
  vk[1] = 'k';
  put16(vk, 2, static_cast<uint16_t>(v.name.size()));
  put32(vk, 12, v.type);
  put16(vk, 16, 1);  // compressed name
  vk += v.name;
  if (v.data.size() <= 4) {
    put32(vk, 4, static_cast<uint32_t>(v.data.size()) | 0x80000000u);
    for (size_t i = 0; i < v.data.size(); ++i) vk[8 + i] = v.data[i];
  } else if (v.data.size() > 16344) {
    std::string list;
    for (size_t at = 0; at < v.data.size(); at += 16344) list += le32(b.add(v.data.substr(at, 16344)));
    std::string db(8, '\0');
    db[0] = 'd';
    db[1] = 'b';
    put16(db, 2, static_cast<uint16_t>((v.data.size() + 16343) / 16344));
    put32(db, 4, b.add(list));
    put32(vk, 4, static_cast<uint32_t>(v.data.size()));
    put32(vk, 8, b.add(db));
  } else {
    put32(vk, 4, static_cast<uint32_t>(v.data.size()));
    put32(vk, 8, b.add(v.data));
  }
  return b.add(vk);
}

uint32_t add_list(Bins& b, const std::string& kind, const std::vector<uint32_t>& keys,
                  const std::vector<std::string>& names) {
  auto simple = [&](const std::string& k, size_t from, size_t to) {
    std::string l(4, '\0');
    l[0] = k[0];
    l[1] = k[1];
    put16(l, 2, static_cast<uint16_t>(to - from));
    for (size_t i = from; i < to; ++i) {
      l += le32(keys[i]);
      if (k == "lf") l += (names[i] + std::string(4, '\0')).substr(0, 4);
      if (k == "lh") l += le32(0);  // the hash is a hint only; readers must not trust it
    }
    return b.add(l);
  };
  if (kind != "ri") return simple(kind, 0, keys.size());
  const size_t half = keys.size() / 2;
  std::string ri(4, '\0');
  ri[0] = 'r';
  ri[1] = 'i';
  put16(ri, 2, 2);
  ri += le32(simple("li", 0, half)) + le32(simple("li", half, keys.size()));
  return b.add(ri);
}

uint32_t add_key(Bins& b, const RegKeySpec& k, uint32_t parent, bool root) {
  std::vector<uint32_t> values;
  for (const auto& v : k.values) values.push_back(add_value(b, v));
  // The key first (its children need its offset), then patched with its lists.
  const std::string name = k.utf16_name ? utf16(k.name) : k.name;
  std::string nk(76, '\0');
  nk[0] = 'n';
  nk[1] = 'k';
  put16(nk, 2, static_cast<uint16_t>((root ? 0x0004 : 0) | (k.utf16_name ? 0 : 0x0020)));
  put64(nk, 4, k.filetime);
  put32(nk, 16, parent);
  put32(nk, 20, static_cast<uint32_t>(k.subkeys.size()));
  put32(nk, 28, 0xFFFFFFFFu);
  put32(nk, 32, 0xFFFFFFFFu);
  put32(nk, 36, static_cast<uint32_t>(values.size()));
  put32(nk, 40, 0xFFFFFFFFu);
  put32(nk, 44, 0xFFFFFFFFu);
  put32(nk, 48, 0xFFFFFFFFu);
  put16(nk, 72, static_cast<uint16_t>(name.size()));
  nk += name;
  const uint32_t self = b.add(nk);
  std::vector<uint32_t> children;
  std::vector<std::string> names;
  for (const auto& s : k.subkeys) {
    children.push_back(add_key(b, s, self, false));
    names.push_back(s.name);
  }
  if (!k.class_name.empty()) {
    const std::string cls = utf16(k.class_name);
    const uint32_t cell = b.add(cls);
    put32(b.data(), self + 4 + 48, cell);
    put16(b.data(), self + 4 + 74, static_cast<uint16_t>(cls.size()));
  }
  std::string& bins = b.data();
  const size_t at = self + 4;  // the nk's data inside the bins
  if (!children.empty()) put32(bins, at + 28, add_list(b, k.list_kind, children, names));
  if (!values.empty()) {
    std::string list;
    for (uint32_t v : values) list += le32(v);
    put32(bins, at + 40, b.add(list));
  }
  return self;
}

}  // namespace

std::string reg_sz(const std::string& ascii) { return utf16(ascii) + std::string(2, '\0'); }
std::string reg_dword(uint32_t v) { return le32(v); }

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
std::string reg_qword(uint64_t v) { return le32(static_cast<uint32_t>(v)) + le32(static_cast<uint32_t>(v >> 32)); }
std::string reg_multi_sz(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += reg_sz(i);
  return s + std::string(2, '\0');
}

std::string write_hive(const RegKeySpec& root, const HiveOptions& o) {
  Bins b;
  const uint32_t root_offset = add_key(b, root, 0xFFFFFFFFu, true);
  std::string bins = b.data();
  bins.resize((bins.size() + 4095) & ~size_t{4095}, '\0');
  // The hbin header, and the slack after the last cell as one free cell.
  bins.replace(0, 4, "hbin");
  put32(bins, 4, 0);
  put32(bins, 8, static_cast<uint32_t>(bins.size()));
  const size_t used = b.data().size();
  if (bins.size() > used) put32(bins, used, static_cast<uint32_t>(bins.size() - used));
  // The first cell starts after the 32-byte hbin header: cell offsets count from the bins' start, as Windows does.
  std::string base(4096, '\0');
  base.replace(0, 4, "regf");
  put32(base, 4, 7);
  put32(base, 8, o.dirty ? 6 : 7);
  put64(base, 12, 132223104000000000ull);
  put32(base, 20, 1);
  put32(base, 24, 5);
  put32(base, 32, 1);
  put32(base, 36, root_offset);
  put32(base, 40, static_cast<uint32_t>(bins.size()));
  put32(base, 44, 1);
  const std::string name = utf16(o.embedded_name).substr(0, 64);
  base.replace(48, name.size(), name);
  uint32_t sum = 0;
  for (size_t i = 0; i < 508; i += 4)
    sum ^= static_cast<uint32_t>(static_cast<uint8_t>(base[i])) | static_cast<uint32_t>(static_cast<uint8_t>(base[i + 1])) << 8 |
           static_cast<uint32_t>(static_cast<uint8_t>(base[i + 2])) << 16 | static_cast<uint32_t>(static_cast<uint8_t>(base[i + 3])) << 24;
  if (sum == 0xFFFFFFFFu) sum = 0xFFFFFFFEu;
  if (sum == 0) sum = 1;
  put32(base, 508, o.bad_checksum ? sum ^ 1 : sum);
  return base + bins;
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
