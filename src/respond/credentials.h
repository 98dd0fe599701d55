// What a credential step does, decided in one place so the plan, the scripts and `--apply` say and do the same:
// an account's password is locked (Linux `passwd -l`, Windows `net user /active:no`) unless locking it could lock
// the responders out — root (or Administrator), the account the operator is working as, or the last uid-0 account
// with a usable password. Those get a new random password instead, shown once and never stored by minesweep.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace msw::respond {

enum class CredentialChange { Lock, Reset };

// From the name alone (the plan's view): root and Administrator are reset, everyone else locked.
CredentialChange planned_credential_change(std::string_view account);
// The plan's words for it, in English and Chinese.
std::string credential_step_en(std::string_view account);
std::string credential_step_zh(std::string_view account);

// On the system being cleaned: also reset instead of lock the operator's own account and the last uid-0 account
// with a usable password. `passwd` and `shadow` are /etc/passwd and /etc/shadow; `operator_account` may be empty.
CredentialChange credential_change(std::string_view account, std::string_view operator_account, std::string_view passwd,
                                   std::string_view shadow);

// /etc/shadow with the account's password locked ("!" before the hash). Errors: respond.no_account,
// respond.line_done (already locked).
Result<std::string> lock_in_shadow(std::string_view shadow, std::string_view account);
// /etc/shadow with a new hash and "last changed" set to `days_since_epoch`. Errors: respond.no_account.
Result<std::string> reset_in_shadow(std::string_view shadow, std::string_view account, std::string_view new_hash,
                                    int64_t days_since_epoch);

// A random 20-character password without look-alike characters, and its SHA-512 crypt(3) hash.
// Errors: respond.random (no entropy), respond.crypt.
Result<std::string> random_password();
Result<std::string> hash_password(const std::string& password);

}  // namespace msw::respond
