// Registry hives → events for the places a mining worm persists and reconfigures a Windows host, in Sigma's
// registry_set taxonomy (TargetObject, Details, EventType "SetValue"; the key's last-write time as the event time),
// so SigmaHQ's registry rules and the built-in heuristics read offline hives as they read Sysmon:
//   - SOFTWARE and every NTUSER.DAT: Run, RunOnce, RunServices(Once), Policies\Explorer\Run (and Wow6432Node),
//     Winlogon Shell/Userinit, Image File Execution Options Debugger, AppInit_DLLs;
//   - SYSTEM (the control set Select\Current names, shown as CurrentControlSet): every service's ImagePath and
//     Parameters\ServiceDll with its name, display name, start type, type and account (ServiceName, StartType, ...);
//     DNS servers per interface (NameServer, DhcpNameServer), RDP port, fDenyTSConnections and NLA, SMBv1 on the
//     server;
//   - Amcache.hve: every executable Windows recorded, with path and SHA-1 (Hashes "SHA1=…", matched against the
//     knowledge base and intel) as "amcache_entry" events;
//   - SAM: every local account (name, RID, disabled, created, last logon, password last set, logon and failure
//     counts) as "local_account" events, so an account the worm added stands out.
// Paths read as Windows shows them: HKLM\SOFTWARE\..., HKLM\System\CurrentControlSet\..., HKU\<user>\... (the user
// from the hive's folder, as the SID is not in the hive).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/byte_reader.h"
#include "core/diagnostics.h"
#include "core/result.h"
#include "formats/regf/regf.h"
#include "formats/regf/sam_secrets.h"
#include "model/event.h"

namespace msw::normalize {

enum class HiveKind { Software, System, Sam, Security, NtUser, UsrClass, Amcache, Unknown };
std::string_view to_string(HiveKind k);

// From the keys under the root (names can lie; structure does not).
HiveKind classify_hive(const formats::regf::Hive& hive);

// Errors: regf.not_hive, regf.bad_root. Damage inside is a diagnostic (regf.damaged with the count). With the
// SYSTEM hive's boot key, a SAM's accounts also say whether their password is blank or on the guessing lists
// (PasswordChecked, BlankPassword, WeakPassword; the hashes are never kept).
Result<void> registry_hive_events(Bytes hive_bytes, std::string_view display_path, Diagnostics& diags,
                                  std::vector<model::Event>& out,
                                  const std::optional<formats::regf::Key16>& boot_key = std::nullopt);

}  // namespace msw::normalize
