// Dropper scripts (.bat/.cmd, .ps1, .vbs/.js, .sct/.hta, .sh) read as the MyKings responder read c3.bat line by line:
// the obfuscation layers undone and named (UTF-16 text, batch `set` variables and %v:~x,y% substrings, carets,
// PowerShell -EncodedCommand and FromBase64String, [char] codes and 'a'+'b' joins, VBScript Chr() chains and "a" & "b"
// joins), then every command that changes the host or fetches something, as a structured record with its ATT&CK id:
// schtasks /create, wmic WMI subscriptions, reg add (Run keys), sc create/config, netsh firewall and portproxy,
// net user /add, attrib +h +s, cacls/icacls, taskkill lists, hosts-file writes, and downloads through certutil,
// bitsadmin, PowerShell, regsvr32 /i:URL scrobj.dll, mshta, curl and wget. Nothing is run.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace msw::formats::script {

inline constexpr size_t kMaxScriptBytes = 16 << 20;  // larger inputs are read up to this size
inline constexpr size_t kMaxLines = 200'000;
inline constexpr size_t kMaxCommands = 10'000;
inline constexpr size_t kMaxVariables = 4096;
inline constexpr size_t kMaxExpandedLine = 64 << 10;  // a line that expands past this is kept unexpanded
inline constexpr int kMaxDecodeDepth = 3;             // encoded PowerShell inside encoded PowerShell ...

struct Layer {
  std::string name;  // "utf-16le text", "batch variables", "powershell -EncodedCommand", "vbscript Chr()", ...
  size_t count = 0;  // how many times it was undone
};

struct Command {
  std::string kind;    // scheduled_task, wmi_subscription, registry_run, registry_set, service, firewall_rule,
                       // port_proxy, account_add, admin_group_add, hide_file, permissions, kill_processes,
                       // hosts_write, download
  std::string attack;  // ATT&CK technique id
  size_t line = 0;     // 1-based line of the (decoded) script it came from
  std::string text;    // the command as it reads after decoding (cut at 1 KiB)
  std::map<std::string, std::string> fields;  // name, action, schedule, url, destination, key, value, data, ...
};

struct Analysis {
  std::string language;  // batch, powershell, vbscript, javascript, shell, unknown
  std::vector<Layer> layers;
  std::vector<Command> commands;
  std::vector<std::string> urls;  // every URL seen after decoding, refanged (hxxp, [.]), de-duplicated
  std::string decoded;            // the script after decoding, for people (cut at 1 MiB)
  bool truncated = false;         // a limit was reached
};

// Whether the bytes look like a script worth this analysis: mostly text (UTF-8 or UTF-16) with script keywords.
bool looks_like_script(std::string_view head);

Analysis analyse(std::string_view bytes);

}  // namespace msw::formats::script
