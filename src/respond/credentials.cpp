#include "respond/credentials.h"

#include <crypt.h>

#include <vector>

#include <sys/random.h>

#include "core/text.h"

namespace msw::respond {
namespace {

// Fields of the line of `file` (passwd or shadow format) whose first field is `account`; empty when there is none.
std::vector<std::string_view> entry(std::string_view file, std::string_view account) {
  std::vector<std::string_view> fields;
  for (size_t pos = 0; pos < file.size();) {
    const size_t eol = file.find('\n', pos);
    std::string_view line = file.substr(pos, (eol == std::string_view::npos ? file.size() : eol) - pos);
    pos = eol == std::string_view::npos ? file.size() : eol + 1;
    if (!line.starts_with(account) || line.size() <= account.size() || line[account.size()] != ':') continue;
    for (size_t at = 0;;) {
      const size_t colon = line.find(':', at);
      fields.push_back(line.substr(at, (colon == std::string_view::npos ? line.size() : colon) - at));
      if (colon == std::string_view::npos) break;
      at = colon + 1;
    }
    return fields;
  }
  return fields;
}

bool usable_hash(std::string_view h) { return !h.empty() && h[0] != '!' && h[0] != '*'; }

// Offset of the account's password field in /etc/shadow, or npos.
size_t hash_field(std::string_view shadow, std::string_view account) {
  const std::string key = std::string(account) + ":";
  size_t at = shadow.starts_with(key) ? 0 : shadow.find("\n" + key);
  if (at == std::string_view::npos) return at;
  return (at == 0 ? 0 : at + 1) + key.size();
}

}  // namespace

CredentialChange planned_credential_change(std::string_view account) {
  return account == "root" || iequals_ascii(account, "Administrator") ? CredentialChange::Reset
                                                                      : CredentialChange::Lock;
}

std::string credential_step_en(std::string_view account) {
  const std::string a(account);
  if (planned_credential_change(account) == CredentialChange::Reset)
    return "Set a new random password for " + a + " (shown once, not stored); " + a +
           " is never locked, as that could lock everyone out.";
  return "Lock the password of " + a + " (Linux: passwd -l; Windows: net user " + a +
         " /active:no) until someone "
         "vouches for it; if it is the account you are working as, or the last root login, its password is reset "
         "instead.";
}

std::string credential_step_zh(std::string_view account) {
  const std::string a(account);
  if (planned_credential_change(account) == CredentialChange::Reset)
    return "为 " + a + " 设置新的随机密码（只显示一次，不保存）；不会锁定 " + a + "，以免所有人都无法登录。";
  return "锁定 " + a + " 的密码（Linux：passwd -l；Windows：net user " + a +
         " /active:no），直到有人确认该账户；"
         "若它是您当前使用的账户或最后一个 root 登录账户，则改为重置密码。";
}

CredentialChange credential_change(std::string_view account, std::string_view operator_account, std::string_view passwd,
                                   std::string_view shadow) {
  if (planned_credential_change(account) == CredentialChange::Reset) return CredentialChange::Reset;
  if (!operator_account.empty() && account == operator_account) return CredentialChange::Reset;
  const auto mine = entry(passwd, account);
  if (mine.size() > 2 && mine[2] == "0") {
    // The last uid-0 account anyone can log in to stays reachable.
    size_t others = 0;
    for (size_t pos = 0; pos < passwd.size();) {
      const size_t eol = passwd.find('\n', pos);
      std::string_view line = passwd.substr(pos, (eol == std::string_view::npos ? passwd.size() : eol) - pos);
      pos = eol == std::string_view::npos ? passwd.size() : eol + 1;
      const size_t c1 = line.find(':');
      if (c1 == std::string_view::npos) continue;
      const std::string_view name = line.substr(0, c1);
      const auto fields = entry(passwd, name);
      if (name == account || fields.size() < 3 || fields[2] != "0") continue;
      const auto s = entry(shadow, name);
      if (s.size() > 1 && usable_hash(s[1])) ++others;
    }
    if (others == 0) return CredentialChange::Reset;
  }
  return CredentialChange::Lock;
}

Result<std::string> lock_in_shadow(std::string_view shadow, std::string_view account) {
  const size_t at = hash_field(shadow, account);
  if (at == std::string_view::npos)
    return Error::make("respond.no_account", "no account " + std::string(account) + " in /etc/shadow");
  if (at < shadow.size() && shadow[at] == '!') return Error::make("respond.line_done", "already locked");
  std::string out(shadow);
  out.insert(at, "!");
  return out;
}

Result<std::string> reset_in_shadow(std::string_view shadow, std::string_view account, std::string_view new_hash,
                                    int64_t days_since_epoch) {
  const size_t at = hash_field(shadow, account);
  if (at == std::string_view::npos)
    return Error::make("respond.no_account", "no account " + std::string(account) + " in /etc/shadow");
  const size_t hash_end = shadow.find_first_of(":\n", at);
  std::string out(shadow.substr(0, at));
  out += new_hash;
  if (hash_end == std::string_view::npos || shadow[hash_end] == '\n') {
    out += shadow.substr(hash_end == std::string_view::npos ? shadow.size() : hash_end);
    return out;
  }
  // Field 3: the day of the last change, so password ageing counts from now.
  const size_t changed_end = shadow.find_first_of(":\n", hash_end + 1);
  out += ":" + std::to_string(days_since_epoch);
  out += shadow.substr(changed_end == std::string_view::npos ? shadow.size() : changed_end);
  return out;
}

Result<std::string> random_password() {
  static constexpr std::string_view kAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  std::string out;
  unsigned char byte = 0;
  while (out.size() < 20) {
    if (::getrandom(&byte, 1, 0) != 1) return Error::make("respond.random", "no random bytes for a new password");
    if (byte >= 256 - 256 % kAlphabet.size()) continue;  // no modulo bias
    out += kAlphabet[byte % kAlphabet.size()];
  }
  return out;
}

Result<std::string> hash_password(const std::string& password) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  if (!::crypt_gensalt_rn("$6$", 0, nullptr, 0, salt, sizeof salt))
    return Error::make("respond.crypt", "cannot make a password salt");
  crypt_data data{};
  const char* hash = ::crypt_r(password.c_str(), salt, &data);
  if (!hash || hash[0] == '*') return Error::make("respond.crypt", "cannot hash the new password");
  return std::string(hash);
}

}  // namespace msw::respond
