#include "detect/heuristics/windows_commands.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "core/text.h"

namespace msw::detect::heuristics {
namespace {

using Weight = CommandJudgement::Weight;

struct Place {
  std::string_view needle;  // in the normalised command (lower case, backslashes, %SystemRoot% spelled out)
  Weight weight;
  std::string_view why;
};
constexpr Place kPlaces[] = {
    {"\\windows\\debug\\", Weight::Strong, "runs from C:\\Windows\\debug"},
    {"\\windows\\inf\\", Weight::Strong, "runs from C:\\Windows\\inf"},
    {"\\windows\\fonts\\", Weight::Strong, "runs from C:\\Windows\\Fonts"},
    {"\\windows\\help\\", Weight::Strong, "runs from C:\\Windows\\Help"},
    {"\\windows\\system\\", Weight::Strong, "runs from C:\\Windows\\System (not System32)"},
    {"$recycle.bin", Weight::Strong, "runs from the recycle bin"},
    {"\\users\\public\\", Weight::Strong, "runs from C:\\Users\\Public"},
    {"\\perflogs\\", Weight::Strong, "runs from C:\\PerfLogs"},
    {"\\windows\\temp\\", Weight::Weak, "runs from C:\\Windows\\Temp"},
    {"\\appdata\\local\\temp\\", Weight::Weak, "runs from a user's Temp folder"},
    {"%temp%", Weight::Weak, "runs from %TEMP%"},
    {"%tmp%", Weight::Weak, "runs from %TEMP%"},
    {"\\programdata\\", Weight::Weak, "runs from C:\\ProgramData"},
};

// Programs whose name a worm borrows; outside System32/SysWOW64 they are masquerading.
constexpr std::string_view kWindowsPrograms[] = {
    "svchost.exe",  "lsass.exe",   "csrss.exe",   "services.exe", "winlogon.exe", "smss.exe",      "spoolsv.exe",
    "taskhost.exe", "conhost.exe", "dllhost.exe", "wininit.exe",  "lsm.exe",      "taskhostw.exe", "rundll32.exe"};

// Lower case, '/' as '\', and the environment spellings of the Windows folder written out, so one needle list
// covers "%SystemRoot%\debug", "\SystemRoot\debug" and "C:\Windows\debug".
std::string normalise(std::string_view command) {
  std::string s = to_lower_ascii(command);
  std::replace(s.begin(), s.end(), '/', '\\');
  // URLs keep their meaning: "http://" reads "http:\\" here, and the shapes below look for "http:".
  auto replace_all = [&s](std::string_view from, std::string_view to) {
    for (size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size()) s.replace(p, from.size(), to);
  };
  replace_all("%systemroot%", "c:\\windows");
  replace_all("%windir%", "c:\\windows");
  if (s.starts_with("\\??\\")) s.erase(0, 4);
  if (s.starts_with("\\systemroot\\")) s.replace(0, 11, "c:\\windows");
  return s;
}

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'; }

// `word` occurs in `s` with no word character on either side ("iex(" and "| iex" but not "complex").
bool has_word(std::string_view s, std::string_view word) {
  for (size_t p = 0; (p = s.find(word, p)) != std::string_view::npos; ++p) {
    const bool left = p == 0 || !word_char(s[p - 1]);
    const bool right = p + word.size() >= s.size() || !word_char(s[p + word.size()]);
    if (left && right) return true;
  }
  return false;
}

bool has(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

// Command-line options as PowerShell reads them: a token starting with '-', '/' (a backslash after normalise()) or
// a Unicode dash, its name lower case and cut at ':' ("-EncodedCommand", "-enc", "/e", "–ec" all give their name).
// Any spacing, tabs included.
template <typename Fn>
void for_each_option(std::string_view s, Fn&& fn) {
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '"' || s[i] == '\'')) ++i;
    size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    std::string_view tok = s.substr(start, i - start);
    if (tok.starts_with('-') || tok.starts_with('/') || tok.starts_with('\\'))
      tok.remove_prefix(1);
    else if (tok.starts_with("\xE2\x80\x93") || tok.starts_with("\xE2\x80\x94") || tok.starts_with("\xE2\x80\x95"))
      tok.remove_prefix(3);
    else
      continue;
    if (const size_t colon = tok.find(':'); colon != std::string_view::npos) tok = tok.substr(0, colon);
    while (!tok.empty() && (tok.back() == '"' || tok.back() == '\'')) tok.remove_suffix(1);
    if (!tok.empty()) fn(tok);
  }
}

// PowerShell takes any unambiguous prefix of -EncodedCommand, and -e and -ec as aliases.
bool encoded_command_option(std::string_view s) {
  bool found = false;
  for_each_option(s, [&](std::string_view name) {
    found = found || name == "ec" || std::string_view("encodedcommand").starts_with(name);
  });
  return found;
}

struct Reason {
  Weight weight;
  std::string why;
};

void shapes(std::string_view s, std::vector<Reason>& out) {
  const bool powershell = has(s, "powershell") || has_word(s, "pwsh") || has(s, "pwsh.exe");
  if (powershell && encoded_command_option(s)) out.push_back({Weight::Strong, "PowerShell with an encoded command"});
  for (std::string_view cradle : {"downloadstring", "downloadfile", "downloaddata", "net.webclient",
                                  "invoke-webrequest", "invoke-restmethod", "start-bitstransfer", "frombase64string"})
    if (has(s, cradle)) {
      out.push_back({Weight::Strong, "PowerShell download cradle (" + std::string(cradle) + ")"});
      break;
    }
  if (powershell &&
      (has_word(s, "iex") || has(s, "invoke-expression") ||
       ((has_word(s, "iwr") || has_word(s, "irm") || has_word(s, "curl") || has_word(s, "wget")) && has(s, "http"))))
    out.push_back({Weight::Strong, "PowerShell running code from a string or the network"});
  if ((has_word(s, "ftp") || has(s, "ftp.exe")) && (has(s, "-s:") || has(s, "\\s:") || has(s, "echo open")))
    out.push_back({Weight::Strong, "FTP script download (echo open HOST > file & ftp -s:file)"});
  if (has(s, "regsvr32")) {
    if (has(s, "i:http") || has(s, "i:\\\\") || has(s, "i:ftp"))
      out.push_back({Weight::Strong, "regsvr32 running a remote scriptlet (Squiblydoo)"});
    else if (has(s, "scrobj"))
      out.push_back({Weight::Strong, "regsvr32 running a scriptlet"});
  }
  if (has(s, "mshta") && (has(s, "http:") || has(s, "https:") || has(s, "vbscript:") || has(s, "javascript:")))
    out.push_back({Weight::Strong, "mshta running a remote or inline script"});
  if (has(s, "msiexec") && (has(s, "http:") || has(s, "https:")))
    out.push_back({Weight::Strong, "msiexec installing a package from the network"});
  if (has(s, "certutil") && has(s, "urlcache")) out.push_back({Weight::Strong, "certutil downloading a file"});
  if (has(s, "bitsadmin") && (has(s, "transfer") || has(s, "addfile") || has(s, "download")))
    out.push_back({Weight::Strong, "BITS downloading a file"});
  if (has(s, "rundll32") && has(s, "javascript:"))
    out.push_back({Weight::Strong, "rundll32 running inline JavaScript"});
  if (has(s, "certutil") && has(s, "decode")) out.push_back({Weight::Weak, "certutil decoding a file"});
  if ((has(s, "wscript") || has(s, "cscript")) && (has(s, ".vbs") || has(s, ".vbe") || has(s, ".js") || has(s, ".wsf")))
    out.push_back({Weight::Weak, "Windows Script Host running a script"});
}

void places(std::string_view s, std::vector<Reason>& out) {
  bool weak_place = false;
  for (const auto& p : kPlaces) {
    const size_t at = s.find(p.needle);
    if (at == std::string_view::npos) continue;
    // Microsoft's own programs run from ProgramData\Microsoft (Defender's platform and definition updates).
    if (p.needle == "\\programdata\\" && s.compare(at, 23, "\\programdata\\microsoft\\") == 0 &&
        s.find("\\programdata\\", at + 1) == std::string_view::npos)
      continue;
    if (p.weight == Weight::Weak) {
      if (weak_place) continue;  // one folder is one reason (Temp is inside AppData)
      weak_place = true;
    }
    out.push_back({p.weight, std::string(p.why)});
  }
  for (std::string_view name : kWindowsPrograms) {
    for (size_t at = s.find(name); at != std::string_view::npos; at = s.find(name, at + 1)) {
      if (at == 0 || (s[at - 1] != '\\' && s[at - 1] != '"')) continue;
      const std::string_view dir = s.substr(0, at);
      const size_t start = dir.find_last_of(" \"'=,") == std::string_view::npos ? 0 : dir.find_last_of(" \"'=,") + 1;
      const std::string_view folder = dir.substr(start);
      if (folder.empty() || folder.find("\\system32\\") != std::string_view::npos ||
          folder.find("\\syswow64\\") != std::string_view::npos || folder.find("\\winsxs\\") != std::string_view::npos)
        continue;
      out.push_back({Weight::Strong, "a Windows program name (" + std::string(name) + ") outside System32"});
      return;
    }
  }
}

}  // namespace

model::Severity CommandJudgement::severity() const {
  switch (weight) {
    case Weight::Strong:
      return model::Severity::High;
    case Weight::Weak:
      return model::Severity::Medium;
    case Weight::None:
      break;
  }
  return model::Severity::Informational;
}

CommandJudgement judge_windows_command(std::string_view command) {
  const std::string s = normalise(command.substr(0, 64 * 1024));
  std::vector<Reason> reasons;
  shapes(s, reasons);
  places(s, reasons);
  CommandJudgement j;
  std::stable_sort(reasons.begin(), reasons.end(), [](const Reason& a, const Reason& b) {
    return a.weight == Weight::Strong && b.weight != Weight::Strong;
  });
  for (const auto& r : reasons) {
    if (j.weight == Weight::None) j.weight = r.weight;
    j.why += (j.why.empty() ? "" : "; ") + r.why;
  }
  return j;
}

std::vector<std::string> dropped_files(std::string_view command) {
  std::vector<std::string> out;
  for (size_t i = 0; i + 2 < command.size() && out.size() < 8; ++i) {
    const bool drive =
        std::isalpha(static_cast<unsigned char>(command[i])) && command[i + 1] == ':' && command[i + 2] == '\\' &&
        (i == 0 || command[i - 1] == ' ' || command[i - 1] == '"' || command[i - 1] == '=' || command[i - 1] == '\'');
    if (!drive) continue;
    size_t end = i;
    const bool quoted = i > 0 && command[i - 1] == '"';
    while (end < command.size() && command[end] != '"' && command[end] != ',' && command[end] != '\'' &&
           (quoted || command[end] != ' ') && command[end] != '>' && command[end] != '&' && command[end] != '|')
      ++end;
    std::string path(command.substr(i, end - i));
    if (judge_windows_command(path).suspicious() && std::find(out.begin(), out.end(), path) == out.end())
      out.push_back(path);
    i = end;
  }
  return out;
}

void quarantine_dropped(model::Finding& f, std::string_view command) {
  for (const auto& p : dropped_files(command))
    f.actions.push_back(
        {model::ActionKind::QuarantineFile, p, "Move " + p + " into quarantine.", "将 " + p + " 移入隔离区。"});
}

}  // namespace msw::detect::heuristics
