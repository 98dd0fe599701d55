#include "respond/script.h"

#include <cstdio>
#include <utility>
#include <vector>

#include "core/escape.h"
#include "core/text.h"

namespace msw::respond {
namespace {

using Subst = std::vector<std::pair<std::string_view, std::string>>;

// Replaces every @NAME@ in a block template; values are already quoted for the target shell. One pass over the
// template: a value is never searched again, so evidence text that reads "@EXPECT@" stays text.
std::string fill(std::string_view tpl, const Subst& subst) {
  std::string out;
  for (size_t at = 0; at < tpl.size();) {
    const size_t mark = tpl.find('@', at);
    if (mark == std::string_view::npos) {
      out.append(tpl.substr(at));
      break;
    }
    out.append(tpl.substr(at, mark - at));
    at = mark;
    bool replaced = false;
    for (const auto& [key, value] : subst)
      if (tpl.substr(at, key.size()) == key) {
        out.append(value);
        at += key.size();
        replaced = true;
        break;
      }
    if (!replaced) out += tpl[at++];
  }
  return out;
}

bool all_digits(std::string_view s) {
  return !s.empty() && s.size() < 10 && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// "Class.Name=\"c\" __EventFilter.Name=\"f\"" → class, consumer, filter.
struct WmiTarget {
  std::string consumer_class, consumer, filter;
};
WmiTarget parse_wmi(std::string_view t) {
  WmiTarget w;
  auto name_after = [&](size_t at) {
    std::string v;
    for (size_t i = at; i < t.size() && t[i] != '"'; ++i) v += t[i];
    return v;
  };
  if (const size_t dot = t.find(".Name=\""); dot != std::string_view::npos && !t.starts_with("__EventFilter")) {
    w.consumer_class = std::string(t.substr(0, dot));
    w.consumer = name_after(dot + 7);
  }
  if (const size_t f = t.find("__EventFilter.Name=\""); f != std::string_view::npos) w.filter = name_after(f + 20);
  return w;
}

struct Text {
  bool zh;
  std::string_view operator()(std::string_view en, std::string_view zh_text) const { return zh ? zh_text : en; }
};

// ---- PowerShell ------------------------------------------------------------------------------------------------

constexpr std::string_view kPsHeader = R"T(# @TITLE@
# @REVIEW@
# @HOWTO@
#   powershell -ExecutionPolicy Bypass -File .\remediate.ps1            (@DRY@)
#   powershell -ExecutionPolicy Bypass -File .\remediate.ps1 -Apply     (@APPLY@)
#   ... -Apply -Harden                                                   (@HARDEN@)
param([switch]$Apply, [switch]$Harden)
$ErrorActionPreference = 'Continue'
$Work = Join-Path $env:ProgramData ('minesweep\remediation-' + (Get-Date -Format 'yyyyMMddTHHmmss'))
$Backup = Join-Path $Work 'backup'
$Quarantine = Join-Path $Work 'quarantine'
$Log = Join-Path $Work 'remediation.log'
if ($Apply) { New-Item -ItemType Directory -Force -Path $Backup, $Quarantine | Out-Null }
function Step([string]$Message) {
  # Evidence text made safe for a console and a log line: control characters and bidirectional overrides become '?'.
  $line = (Get-Date -Format s) + ' ' + ($Message -replace '[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]', '?')
  Write-Host $line
  if ($Apply) { Add-Content -LiteralPath $Log -Value $line }
}
Step ('@START@ ' + $(if ($Apply) { 'apply' } else { 'dry run' }))
)T";

std::string ps_block(const PlannedAction& p, size_t n, const Text& t) {
  const auto& a = p.action;
  const std::string N = std::to_string(n), T = powershell_quote(a.target);
  Subst s = {{"@N@", N}, {"@T@", T}};
  switch (a.kind) {
    case model::ActionKind::KillProcess: {
      std::string pid = a.target.starts_with("pid ") ? a.target.substr(4) : a.target;
      if (!all_digits(pid)) break;
      s.push_back({"@PID@", pid});
      return fill(R"T($p = Get-Process -Id @PID@ -ErrorAction SilentlyContinue
if (-not $p) { Step '[@N@] skip: process @PID@ is not running' }
elseif (-not $Apply) { Step ('[@N@] would stop process @PID@ ' + $p.Path) }
else { Stop-Process -Id @PID@ -Force; Step ('[@N@] stopped process @PID@ ' + $p.Path) }
)T",
                  s);
    }
    case model::ActionKind::RemoveScheduledTask:
      return fill(R"T($Target = @T@
$xml = schtasks.exe /Query /TN $Target /XML 2>$null
if ($LASTEXITCODE -ne 0) { Step ('[@N@] skip: no scheduled task ' + $Target) }
elseif (-not $Apply) { Step ('[@N@] would export and delete the scheduled task ' + $Target) }
else {
  $xml | Out-File -LiteralPath (Join-Path $Backup 'task-@N@.xml') -Encoding Unicode
  schtasks.exe /Delete /TN $Target /F | Out-Null
  Step ('[@N@] deleted the scheduled task ' + $Target + ' (exit ' + $LASTEXITCODE + ')')
}
)T",
                  s);
    case model::ActionKind::RemoveWmiSubscription: {
      const WmiTarget w = parse_wmi(a.target);
      if (w.consumer.empty() && w.filter.empty()) break;
      s.push_back(
          {"@CLASS@", powershell_quote(w.consumer_class.empty() ? "CommandLineEventConsumer" : w.consumer_class)});
      s.push_back({"@CONSUMER@", powershell_quote(w.consumer)});
      s.push_back({"@FILTER@", powershell_quote(w.filter)});
      return fill(R"T($Class = @CLASS@; $Consumer = @CONSUMER@; $Filter = @FILTER@
$c = @(Get-WmiObject -Namespace root\subscription -Class $Class | Where-Object { $Consumer -ne '' -and $_.Name -eq $Consumer })
$f = @(Get-WmiObject -Namespace root\subscription -Class __EventFilter | Where-Object { $Filter -ne '' -and $_.Name -eq $Filter })
$b = @(Get-WmiObject -Namespace root\subscription -Class __FilterToConsumerBinding | Where-Object {
  ($Consumer -ne '' -and ([string]$_.Consumer).EndsWith($Class + '.Name="' + $Consumer + '"')) -or
  ($Filter -ne '' -and ([string]$_.Filter).EndsWith('__EventFilter.Name="' + $Filter + '"')) })
if (($c.Count + $f.Count + $b.Count) -eq 0) { Step ('[@N@] skip: no WMI subscription ' + $Consumer + ' ' + $Filter) }
elseif (-not $Apply) { Step ('[@N@] would remove ' + $b.Count + ' binding(s), consumer ' + $Consumer + ' and filter ' + $Filter) }
else {
  ($c + $f + $b) | Export-Clixml -LiteralPath (Join-Path $Backup 'wmi-@N@.xml')
  $b | Remove-WmiObject; $c | Remove-WmiObject; $f | Remove-WmiObject
  Step ('[@N@] removed the WMI subscription ' + $Consumer + ' / ' + $Filter)
}
)T",
                  s);
    }
    case model::ActionKind::RemoveService:
      return fill(R"T($Target = @T@
$svc = Get-Service -Name $Target -ErrorAction SilentlyContinue
if (-not $svc) { Step ('[@N@] skip: no service ' + $Target) }
elseif (-not $Apply) { Step ('[@N@] would stop, disable and delete the service ' + $Target) }
else {
  reg.exe export ('HKLM\SYSTEM\CurrentControlSet\Services\' + $Target) (Join-Path $Backup 'service-@N@.reg') /y | Out-Null
  Stop-Service -Name $Target -Force -ErrorAction SilentlyContinue
  sc.exe config $Target start= disabled | Out-Null
  sc.exe delete $Target | Out-Null
  Step ('[@N@] deleted the service ' + $Target + ' (exit ' + $LASTEXITCODE + ')')
}
)T",
                  s);
    case model::ActionKind::RemoveAutorun:
    case model::ActionKind::RestoreDnsSettings: {
      // HKLM\...\Key\Value: only machine keys; a user's hive (HKU\name) must be loaded by hand.
      const size_t cut = a.target.rfind('\\');
      if (!(a.target.starts_with("HKLM\\") || a.target.starts_with("HKCU\\")) || cut == std::string::npos) break;
      const std::string key = a.target.substr(0, cut), value = a.target.substr(cut + 1);
      s.push_back({"@KEY@", powershell_quote(key)});
      s.push_back({"@VALUE@", powershell_quote(value)});
      s.push_back({"@CHANGE@", a.kind == model::ActionKind::RestoreDnsSettings
                                   ? "Set-ItemProperty -LiteralPath ('Registry::' + $Key) -Name $Value -Value ''"
                                   : "Remove-ItemProperty -LiteralPath ('Registry::' + $Key) -Name $Value"});
      // Changed only while it still holds what was flagged (a value an administrator rewrote since is theirs).
      s.push_back({"@EXPECTED@", powershell_quote(a.expected_text)});
      return fill(R"T($Key = @KEY@; $Value = @VALUE@; $Expected = @EXPECTED@
$v = Get-ItemProperty -LiteralPath ('Registry::' + $Key) -Name $Value -ErrorAction SilentlyContinue
if ($null -eq $v) { Step ('[@N@] skip: no value ' + $Key + '\' + $Value) }
elseif ($Expected -ne '' -and [string]$v.$Value -ne $Expected) { Step ('[@N@] refused: ' + $Key + '\' + $Value + ' no longer holds the flagged data; nothing changed') }
elseif (-not $Apply) { Step ('[@N@] would change ' + $Key + '\' + $Value) }
else {
  reg.exe export $Key (Join-Path $Backup 'registry-@N@.reg') /y | Out-Null
  @CHANGE@
  Step ('[@N@] changed ' + $Key + '\' + $Value)
}
)T",
                  s);
    }
    case model::ActionKind::QuarantineFile:
      // Droppers name files with %TEMP% and %windir%: expanded on the host the script runs on. A file flagged by its
      // content is moved only while it still has that content (-ne compares hex without case).
      s.push_back({"@SHA@", powershell_quote(a.expected_sha256)});
      return fill(R"T($Target = [Environment]::ExpandEnvironmentVariables(@T@); $Flagged = @SHA@
if (-not (Test-Path -LiteralPath $Target -PathType Leaf)) { Step ('[@N@] skip: no file ' + $Target) }
elseif ($Flagged -ne '' -and (Get-FileHash -LiteralPath $Target -Algorithm SHA256).Hash -ne $Flagged) { Step ('[@N@] refused: ' + $Target + ' is not the file that was flagged (its SHA-256 changed); scan it again') }
elseif (-not $Apply) { Step ('[@N@] would move ' + $Target + ' into quarantine') }
else {
  $item = Get-Item -LiteralPath $Target -Force
  $hash = (Get-FileHash -LiteralPath $Target -Algorithm SHA256).Hash
  $dest = Join-Path $Quarantine ($hash + '.quarantined')
  [pscustomobject]@{ Path = $Target; Sha256 = $hash; Size = $item.Length; Created = $item.CreationTimeUtc.ToString('o');
    Modified = $item.LastWriteTimeUtc.ToString('o'); Attributes = [string]$item.Attributes } |
    Export-Csv -LiteralPath (Join-Path $Quarantine 'manifest.csv') -Append -NoTypeInformation -Encoding UTF8
  Move-Item -LiteralPath $Target -Destination $dest -Force
  Step ('[@N@] quarantined ' + $Target + ' as ' + $dest)
}
)T",
                  s);
    case model::ActionKind::RestoreHostsFile: {
      if (a.expected_text.empty()) break;  // which lines of a tampered hosts file go: a person decides
      s.push_back({"@EXPECTED@", powershell_quote(a.expected_text)});
      // Read and written back in the file's own encoding (a byte-order mark, else the system's code page), so
      // the other lines come back byte for byte.
      return fill(R"T($Target = [Environment]::ExpandEnvironmentVariables(@T@); $Expected = @EXPECTED@
$lines = @(); $enc = [System.Text.Encoding]::Default
if (Test-Path -LiteralPath $Target -PathType Leaf) {
  $reader = New-Object System.IO.StreamReader($Target, [System.Text.Encoding]::Default, $true)
  $text = $reader.ReadToEnd(); $enc = $reader.CurrentEncoding; $reader.Close()
  $lines = $text -split "`r?`n"
}
$hits = @($lines | Where-Object { $_.Trim() -eq $Expected })
if ($hits.Count -eq 0) { Step ('[@N@] skip: the line is not in ' + $Target + ' (any more)') }
elseif (-not $Apply) { Step ('[@N@] would comment out ' + $hits.Count + ' line(s) of ' + $Target) }
else {
  Copy-Item -LiteralPath $Target -Destination (Join-Path $Backup 'hosts-@N@')
  $new = ($lines | ForEach-Object { if ($_.Trim() -eq $Expected) { '# removed by minesweep: ' + $_ } else { $_ } }) -join "`r`n"
  [System.IO.File]::WriteAllText($Target, $new, $enc)
  Step ('[@N@] commented out ' + $hits.Count + ' line(s) of ' + $Target)
}
)T",
                  s);
    }
    case model::ActionKind::RotateCredentials:
      // Who is never disabled is decided as in respond/credentials.h, at run time for the operator.
      return fill(R"T($Target = @T@
net.exe user $Target 2>$null | Out-Null
$Reset = ($Target -eq 'Administrator') -or ($Target -eq $env:USERNAME)
if ($LASTEXITCODE -ne 0) { Step ('[@N@] skip: no local account ' + $Target) }
elseif (-not $Apply) {
  if ($Reset) { Step ('[@N@] would set a new random password for ' + $Target + ' (not disabled: Administrator or the account you work as)') }
  else { Step ('[@N@] would disable the account ' + $Target) }
}
elseif ($Reset) {
  $chars = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789'
  $rng = [System.Security.Cryptography.RandomNumberGenerator]::Create(); $b = New-Object byte[] 1; $pw = ''
  while ($pw.Length -lt 20) { $rng.GetBytes($b); if ($b[0] -lt 228) { $pw += $chars[$b[0] % 57] } }
  net.exe user $Target $pw | Out-Null
  Step ('[@N@] set a new password for ' + $Target + ' (shown once below, not logged)')
  Write-Host ('   new password for ' + $Target + ': ' + $pw)
}
else { net.exe user $Target /active:no | Out-Null; Step ('[@N@] disabled the account ' + $Target) }
)T",
                  s);
    case model::ActionKind::BlockPort: {
      std::string body;
      if (a.target == "SMBv1")
        body =
            "Set-SmbServerConfiguration -EnableSMB1Protocol $false -Force -ErrorAction SilentlyContinue; "
            "Set-ItemProperty -LiteralPath "
            "'Registry::HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters' -Name SMB1 -Value 0";
      else if (all_digits(a.target))
        body =
            "New-NetFirewallRule -DisplayName ('minesweep: block TCP ' + $Target) -Direction Inbound -Protocol TCP "
            "-LocalPort $Target -Action Block | Out-Null";
      else
        body =
            "New-NetFirewallRule -DisplayName ('minesweep: block ' + $Target) -Direction Inbound -RemoteAddress "
            "$Target "
            "-Action Block | Out-Null; New-NetFirewallRule -DisplayName ('minesweep: block ' + $Target) -Direction "
            "Outbound -RemoteAddress $Target -Action Block | Out-Null";
      s.push_back({"@BODY@", body});
      return fill(R"T($Target = @T@
if (-not ($Apply -and $Harden)) { Step ('[@N@] hardening, not applied without -Apply -Harden: ' + $Target) }
else { @BODY@; Step ('[@N@] applied: ' + $Target) }
)T",
                  s);
    }
    default:
      break;
  }
  // Steps a script cannot do safely: printed for the responder.
  s.push_back({"@DETAIL@", powershell_quote(std::string(t(a.detail_en, a.detail_zh)))});
  return fill(R"T(Step ('[@N@] @MANUAL@: ' + @DETAIL@)
)T",
              {{"@N@", N}, {"@MANUAL@", std::string(t("do by hand", "需手工处理"))}, {"@DETAIL@", s.back().second}});
}

// ---- bash ------------------------------------------------------------------------------------------------------

constexpr std::string_view kShHeader = R"T(#!/usr/bin/env bash
# @TITLE@
# @REVIEW@
# @HOWTO@
#   bash remediate.sh                    (@DRY@)
#   sudo bash remediate.sh --apply       (@APPLY@)
#   sudo bash remediate.sh --apply --harden   (@HARDEN@)
# Backups, quarantine and the log go to ${MINESWEEP_WORK:-/var/lib/minesweep}/remediation-TIME.
set -u
APPLY=0
HARDEN=0
for arg in "$@"; do
  case "$arg" in --apply) APPLY=1 ;; --harden) HARDEN=1 ;; *) echo "unknown option: $arg" >&2; exit 2 ;; esac
done
WORK="${MINESWEEP_WORK:-/var/lib/minesweep}/remediation-$(date +%Y%m%dT%H%M%S)"
BACKUP="$WORK/backup"
QUARANTINE="$WORK/quarantine"
if [ "$APPLY" = 1 ]; then mkdir -p "$BACKUP" "$QUARANTINE" && chmod 700 "$WORK"; fi
# Evidence text made safe for a terminal and a log line: control characters and bidirectional overrides become '?'.
clean() { printf '%s' "$*" | LC_ALL=C tr '\000-\037\177' '?' | LC_ALL=C sed 's/\xe2\x80[\xaa-\xae]/?/g; s/\xe2\x81[\xa6-\xa9]/?/g'; }
step() {
  local line
  line="$(date -u +%Y-%m-%dT%H:%M:%SZ) $(clean "$*")"
  printf '%s\n' "$line"
  if [ "$APPLY" = 1 ]; then printf '%s\n' "$line" >>"$WORK/remediation.log"; fi
}
# A target is refused (the reason in REASON) when it is itself a symbolic link, when a link on its way belongs to
# someone other than root (a user could have planted it), or when it has '.' or '..' in it.
path_ok() {
  local p="" rest="${1#/}" part
  while [ -n "$rest" ]; do
    part="${rest%%/*}"
    if [ "$part" = "$rest" ]; then rest=""; else rest="${rest#*/}"; fi
    case "$part" in .|..) REASON="$1 has '.' or '..' in it"; return 1 ;; esac
    p="$p/$part"
    if [ -L "$p" ]; then
      if [ -z "$rest" ]; then REASON="$p is a symbolic link: not followed"; return 1; fi
      if [ "$(stat -c %u -- "$p")" != 0 ]; then REASON="$p is a link owned by uid $(stat -c %u -- "$p"), not root: not followed"; return 1; fi
    fi
  done
  return 0
}
# The numbers of the lines of FILE that read $MSW_EXPECT (trimmed, as minesweep read them), wherever they are now;
# "done" when only commented-out copies are left; nothing when the line is gone.
flagged_lines() {
  awk 'function trim(s) { sub(/^[[:space:]]+/, "", s); sub(/[[:space:]]+$/, "", s); return s }
    function same(t, e) { return t == e || (length(e) >= 1024 && index(t, e) == 1) }
    { t = trim($0); e = ENVIRON["MSW_EXPECT"]
      if (same(t, e)) found = found (found == "" ? "" : " ") NR
      else if (index($0, "# removed by minesweep: ") == 1 && same(trim(substr($0, 25)), e)) done = 1 }
    END { if (found != "") print found; else if (done) print "done" }' <"$1"
}
# Puts the marker before the given lines of FILE, in place (same inode, owner and mode).
comment_out() {
  local tmp rc
  tmp="$(mktemp)" || return 1
  awk -v lines=" $2 " 'index(lines, " " NR " ") { printf "%s", "# removed by minesweep: " } { print }' <"$1" >"$tmp" &&
    cat -- "$tmp" >"$1"
  rc=$?
  rm -f -- "$tmp"
  return $rc
}
step "@START@ $([ "$APPLY" = 1 ] && echo apply || echo 'dry run')"
)T";

std::string sh_block(const PlannedAction& p, size_t n, const Text& t) {
  const auto& a = p.action;
  const std::string N = std::to_string(n);
  Subst s = {{"@N@", N}, {"@T@", bash_quote(a.target)}};
  switch (a.kind) {
    case model::ActionKind::KillProcess: {
      std::string pid = a.target.starts_with("pid ") ? a.target.substr(4) : a.target;
      if (!all_digits(pid)) break;
      s.push_back({"@PID@", pid});
      return fill(R"T(if ! kill -0 @PID@ 2>/dev/null; then step "[@N@] skip: process @PID@ is not running"
elif [ "$APPLY" != 1 ]; then step "[@N@] would stop process @PID@ ($(readlink /proc/@PID@/exe 2>/dev/null))"
else
  kill -STOP @PID@ 2>/dev/null
  cp --preserve=all "/proc/@PID@/exe" "$QUARANTINE/pid-@PID@.exe.quarantined" 2>/dev/null && chmod 000 "$QUARANTINE/pid-@PID@.exe.quarantined"
  kill -KILL @PID@ && step "[@N@] stopped process @PID@ (its executable copied into quarantine)"
fi
)T",
                  s);
    }
    case model::ActionKind::RemoveCronEntry:
    case model::ActionKind::RemoveAutorun:
    case model::ActionKind::RestoreHostsFile: {
      // A line in a file (path:line from triage, or a path and the line a dropper wrote), found by its text: without
      // the text (a case from before it was kept) the line number alone is not trusted, and a person does it.
      std::string file = a.target, line;
      if (const size_t colon = a.target.rfind(':');
          colon != std::string::npos && all_digits(std::string_view(a.target).substr(colon + 1))) {
        file = a.target.substr(0, colon);
        line = a.target.substr(colon + 1);
      }
      if (a.expected_text.empty() || !file.starts_with("/")) break;
      s.push_back({"@FILE@", bash_quote(file)});
      s.push_back({"@EXPECT@", bash_quote(a.expected_text)});
      s.push_back({"@WHERE@", line.empty()
                                  ? std::string(t("written by the dropper", "由投放脚本写入"))
                                  : std::string(t("line ", "分诊时第 ")) + line + std::string(t(" at triage", " 行"))});
      return fill(R"T(TARGET=@FILE@
export MSW_EXPECT=@EXPECT@
if ! path_ok "$TARGET"; then step "[@N@] refused: $REASON"
elif [ ! -f "$TARGET" ]; then step "[@N@] skip: no file $TARGET"
else
  LINES="$(flagged_lines "$TARGET")"
  if [ "$LINES" = done ]; then step "[@N@] skip: already commented out in $TARGET"
  elif [ -z "$LINES" ]; then step "[@N@] refused: the flagged line (@WHERE@) is no longer in $TARGET; nothing changed"
  elif [ "$APPLY" != 1 ]; then step "[@N@] would comment out line(s) $LINES of $TARGET (@WHERE@)"
  else
    cp --preserve=all -- "$TARGET" "$BACKUP/file-@N@"
    FLAGS="$(lsattr -d -- "$TARGET" 2>/dev/null | head -n 1 | cut -d' ' -f1)"
    chattr -ia -- "$TARGET" 2>/dev/null
    comment_out "$TARGET" "$LINES" && step "[@N@] commented out line(s) $LINES of $TARGET"
    case "$FLAGS" in *i*) chattr +i -- "$TARGET" ;; esac
    case "$FLAGS" in *a*) chattr +a -- "$TARGET" ;; esac
  fi
fi
)T",
                  s);
    }
    case model::ActionKind::RemoveService:
      return fill(R"T(TARGET=@T@
UNIT="$(basename -- "${TARGET%%:*}")"
if ! systemctl cat -- "$UNIT" >/dev/null 2>&1; then step "[@N@] skip: no systemd unit $UNIT"
elif [ "$APPLY" != 1 ]; then step "[@N@] would stop and disable $UNIT"
else
  systemctl cat -- "$UNIT" >"$BACKUP/unit-@N@" 2>/dev/null
  systemctl disable --now -- "$UNIT" && step "[@N@] stopped and disabled $UNIT (quarantine its unit file next)"
fi
)T",
                  s);
    case model::ActionKind::QuarantineFile:
      // A file flagged by its content is moved only while it still has that content.
      s.push_back({"@SHA@", bash_quote(a.expected_sha256)});
      return fill(R"T(TARGET=@T@; FLAGGED=@SHA@
if ! path_ok "$TARGET"; then step "[@N@] refused: $REASON"
elif [ ! -f "$TARGET" ]; then step "[@N@] skip: no file $TARGET"
elif [ -n "$FLAGGED" ] && [ "$(sha256sum <"$TARGET" | cut -d' ' -f1)" != "$FLAGGED" ]; then
  step "[@N@] refused: $TARGET is not the file that was flagged (its SHA-256 changed); scan it again"
elif [ "$APPLY" != 1 ]; then step "[@N@] would move $TARGET into quarantine"
else
  FLAGS="$(lsattr -d -- "$TARGET" 2>/dev/null | head -n 1 | cut -d' ' -f1)"
  chattr -ia -- "$TARGET" 2>/dev/null
  HASH="$(sha256sum <"$TARGET" | cut -d' ' -f1)"
  printf '%s\t%s\t%s\t%q\n' "$HASH" "$(stat -c '%U:%G %a %s %Y' -- "$TARGET")" "${FLAGS:--}" "$TARGET" >>"$QUARANTINE/manifest.tsv"
  mv -- "$TARGET" "$QUARANTINE/$HASH.quarantined" && chmod 000 "$QUARANTINE/$HASH.quarantined" &&
    step "[@N@] quarantined $TARGET as $QUARANTINE/$HASH.quarantined"
fi
)T",
                  s);
    case model::ActionKind::RotateCredentials:
      // Who is never locked is decided as in respond/credentials.h, at run time for the operator.
      return fill(R"T(TARGET=@T@
OPERATOR="${SUDO_USER:-$(logname 2>/dev/null || id -un)}"
if ! id -- "$TARGET" >/dev/null 2>&1; then step "[@N@] skip: no local account $TARGET"
else
  MODE=lock
  if [ "$TARGET" = root ] || [ "$TARGET" = "$OPERATOR" ]; then MODE=reset
  elif [ "$(id -u -- "$TARGET")" = 0 ] &&
    ! awk -F: -v me="$TARGET" '$3 == 0 && $1 != me { print $1 }' /etc/passwd |
      while read -r u; do passwd -S -- "$u" 2>/dev/null; done | awk '$2 == "P" { f = 1 } END { exit !f }'; then MODE=reset
  fi
  if [ "$APPLY" != 1 ]; then
    if [ "$MODE" = lock ]; then step "[@N@] would lock the password of $TARGET"
    else step "[@N@] would set a new random password for $TARGET (not locked: root, the operator or the last root login)"; fi
  elif [ "$MODE" = lock ]; then
    passwd -l -- "$TARGET" >/dev/null && step "[@N@] locked the password of $TARGET (set a new one before unlocking)"
  else
    cp --preserve=all /etc/shadow "$BACKUP/shadow-@N@"
    NEWPW="$(LC_ALL=C tr -dc 'A-HJ-NP-Za-km-z2-9' </dev/urandom | head -c 20)"
    if printf '%s:%s\n' "$TARGET" "$NEWPW" | chpasswd; then
      step "[@N@] set a new password for $TARGET (shown once below, not logged)"
      printf '   new password for %s: %s\n' "$(clean "$TARGET")" "$NEWPW"
    fi
  fi
fi
)T",
                  s);
    case model::ActionKind::BlockPort: {
      if (all_digits(a.target))
        s.push_back({"@BODY@", "iptables -I INPUT -p tcp --dport \"$TARGET\" -j DROP"});
      else if (a.target.find_first_not_of("0123456789abcdefABCDEF.:/") == std::string::npos)
        s.push_back(
            {"@BODY@", "iptables -I INPUT -s \"$TARGET\" -j DROP && iptables -I OUTPUT -d \"$TARGET\" -j DROP"});
      else
        break;
      return fill(R"T(TARGET=@T@
if [ "$APPLY" != 1 ] || [ "$HARDEN" != 1 ]; then step "[@N@] hardening, not applied without --apply --harden: $TARGET"
else @BODY@ && step "[@N@] applied: $TARGET"
fi
)T",
                  s);
    }
    default:
      break;
  }
  return fill(R"T(step "[@N@] @MANUAL@: "@DETAIL@
)T",
              {{"@N@", N},
               {"@MANUAL@", std::string(t("do by hand", "需手工处理"))},
               {"@DETAIL@", bash_quote(std::string(t(a.detail_en, a.detail_zh)))}});
}

}  // namespace

std::string powershell_quote(std::string_view v) {
  // Inside '...' only the quote characters are special; PowerShell also takes U+2018..U+201B as single quotes.
  // Control characters (a line break in a file name) go outside as [char]N, so no literal spans lines.
  std::string out = "'";
  bool joined = false;
  for (size_t i = 0; i < v.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(v[i]);
    size_t hidden = 0;
    if (c == '\'') {
      out += "''";
    } else if (c < 0x20 || c == 0x7F) {
      out += "' + [char]" + std::to_string(c) + " + '";
      joined = true;
    } else if (const char32_t cp = invisible_at(v, i, hidden)) {
      out += "' + [char]" + std::to_string(static_cast<unsigned>(cp)) + " + '";  // a bidi override stays a value
      joined = true;
      i += hidden - 1;
    } else if (c == 0xE2 && i + 2 < v.size() && static_cast<unsigned char>(v[i + 1]) == 0x80 &&
               static_cast<unsigned char>(v[i + 2]) >= 0x98 && static_cast<unsigned char>(v[i + 2]) <= 0x9B) {
      out.append(v.substr(i, 3));
      out.append(v.substr(i, 3));  // doubled, like '
      i += 2;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += "'";
  return joined ? "(" + out + ")" : out;
}

std::string bash_quote(std::string_view v) {
  // Inside '...' nothing is special but the quote itself. Control bytes and invisible characters go outside as
  // $'\xNN' pieces: the same value, and nothing in the script that could drive a terminal showing it.
  std::string out = "'";
  char buf[8];
  for (size_t i = 0; i < v.size(); ++i) {
    const auto c = static_cast<unsigned char>(v[i]);
    size_t hidden = 0;
    if (c < 0x20 || c == 0x7F || invisible_at(v, i, hidden)) {
      const size_t n = hidden ? hidden : 1;
      out += "'$'";
      for (size_t k = 0; k < n; ++k) {
        std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(v[i + k]));
        out += buf;
      }
      out += "''";
      i += n - 1;
    } else if (c == '\'') {
      out += "'\\''";
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "'";
}

std::string comment_text(std::string_view v) {
  // One line: line breaks and other controls become spaces; invisible characters visible escapes.
  std::string out;
  char buf[16];
  for (size_t i = 0; i < v.size(); ++i) {
    const auto c = static_cast<unsigned char>(v[i]);
    size_t hidden = 0;
    if (const char32_t cp = invisible_at(v, i, hidden)) {
      std::snprintf(buf, sizeof buf, "\\u{%04x}", static_cast<unsigned>(cp));
      out += buf;
      i += hidden - 1;
    } else {
      out += (c < 0x20 || c == 0x7F) ? ' ' : static_cast<char>(c);
    }
  }
  return out;
}

std::string write_script(std::span<const PlannedAction> plan, const ScriptOptions& o) {
  const Text t{o.chinese};
  const bool ps = o.kind == ScriptKind::PowerShell;
  std::string out = fill(
      ps ? kPsHeader : kShHeader,
      {{"@TITLE@",
        comment_text(std::string(t("minesweep remediation script, generated ", "minesweep 处置脚本，生成于 ")) +
                     o.generated + std::string(t(" from the case ", "，来自案例 ")) + o.case_path)},
       {"@REVIEW@", std::string(t("Review every block first. Each one checks, backs up what it changes, then acts.",
                                  "运行前请逐段审阅。每段先检查、备份将要修改的内容，再执行。"))},
       {"@HOWTO@", std::string(t("Nothing changes without the apply switch:", "不加执行参数时不会做任何修改："))},
       {"@DRY@", std::string(t("dry run: says what it would do", "演练：只显示将要执行的操作"))},
       {"@APPLY@", std::string(t("clean up", "执行清理"))},
       {"@HARDEN@",
        std::string(t("also the hardening steps (firewall rules, SMBv1)", "同时执行加固（防火墙规则、SMBv1）"))},
       {"@START@", std::string(t("minesweep remediation:", "minesweep 处置："))}});
  size_t n = 0;
  for (const auto& p : plan) {
    ++n;
    std::string reasons;
    for (const auto& r : p.reasons) reasons += (reasons.empty() ? "" : ", ") + r;
    out += "\n# [" + std::to_string(n) + "] " + comment_text(std::string(model::to_string(p.action.kind))) + ": " +
           comment_text(p.action.target) + "\n";
    if (!reasons.empty()) out += "#     " + std::string(t("because of ", "依据：")) + comment_text(reasons) + "\n";
    out += "#     " + comment_text(std::string(t(p.action.detail_en, p.action.detail_zh))) + "\n";
    out += ps ? ps_block(p, n, t) : sh_block(p, n, t);
  }
  if (!o.hardening.empty()) {
    out += "\n# ---- " +
           std::string(t("Hardening from the baseline: only with -Apply -Harden / --apply --harden",
                         "基线加固：仅在 -Apply -Harden / --apply --harden 时执行")) +
           " ----\n";
    for (const auto& h : o.hardening) {
      ++n;
      out += "\n# [" + std::to_string(n) + "] " + comment_text(h.id) + ": " + comment_text(h.title) + "\n";
      if (ps)
        out += "if ($Apply -and $Harden) { " + h.command + "; Step '[" + std::to_string(n) + "] applied " +
               comment_text(h.id) + "' } else { Step '[" + std::to_string(n) +
               "] hardening, not applied without -Apply -Harden: " + comment_text(h.id) + "' }\n";
      else
        out += "if [ \"$APPLY\" = 1 ] && [ \"$HARDEN\" = 1 ]; then " + h.command + " && step '[" + std::to_string(n) +
               "] applied " + comment_text(h.id) + "'; else step '[" + std::to_string(n) +
               "] hardening, not applied without --apply --harden: " + comment_text(h.id) + "'; fi\n";
    }
  }
  out += ps ? "Step '" + std::string(t("done", "完成")) + "'\n" : "step '" + std::string(t("done", "完成")) + "'\n";
  return out;
}

}  // namespace msw::respond
