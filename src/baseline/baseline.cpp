#include "baseline/baseline.h"

#include <cstdlib>
#include <map>
#include <optional>
#include <set>

#include "core/text.h"

namespace msw::baseline {
namespace {

// What the case holds, gathered in one pass over its events.
struct Facts {
  bool windows = false, linux_host = false;
  bool windows_os = false, system_hive = false, rdp_values = false, firewall_values = false, sam = false;
  bool smb1_value = false;  // LanmanServer\Parameters\SMB1 read (without it, the default needs the build)
  bool sam_passwords_checked = false;
  std::optional<model::Event> password_policy;
  bool builtin_admin_enabled = false, builtin_admin_seen = false;
  std::vector<std::string> sql_mixed, sql_windows_only;  // SQL Server instances by LoginMode
  std::string sa_login, sa_disabled;                     // from ERRORLOG: an sa login that worked / "account is disabled"
  std::vector<std::string> writable_persistence;         // world-writable files that run code
  std::optional<model::Event> updates_summary;
  std::vector<std::string> pending_updates;
  bool sshd = false, accounts_known = false, connections = false;
  std::map<std::string, std::string> sshd_options;
  std::map<std::string, std::string> findings;  // rule id -> the first such finding's title (evidence)
  std::map<std::string, std::vector<std::string>> finding_titles;
};

Check make(std::string id, std::string platform, std::string risk, std::string en, std::string zh, std::string fix_en,
           std::string fix_zh) {
  Check c;
  c.id = std::move(id);
  c.platform = std::move(platform);
  c.risk = std::move(risk);
  c.title_en = std::move(en);
  c.title_zh = std::move(zh);
  c.fix_en = std::move(fix_en);
  c.fix_zh = std::move(fix_zh);
  return c;
}

// Fails on any finding of `rule`, passes when `collected`, else unknown with `missing`.
void by_finding(Check& c, const Facts& f, std::string_view rule, bool collected, std::string missing) {
  if (auto it = f.findings.find(std::string(rule)); it != f.findings.end()) {
    c.status = Status::Fail;
    c.evidence = it->second;
  } else if (collected) {
    c.status = Status::Pass;
    c.evidence = "no " + std::string(rule) + " finding in the collected evidence";
  } else {
    c.status = Status::Unknown;
    c.evidence = std::move(missing);
  }
}

}  // namespace

std::string_view to_string(Status s) {
  switch (s) {
    case Status::Pass: return "pass";
    case Status::Fail: return "fail";
    case Status::Unknown: return "unknown";
  }
  return "unknown";
}

Result<std::vector<Check>> evaluate(const casedb::CaseDb& db) {
  Facts f;
  auto events = db.for_each_event([&](const casedb::StoredEvent& se) {
    const model::Event& e = se.event;
    if (e.product == "windows") f.windows = true;
    if (e.product == "linux") f.linux_host = true;
    if (e.category == "windows_os") f.windows_os = true;
    if (e.category == "password_policy") f.password_policy = e;
    if (e.category == "authentication" && e.value("AuthService") == "SQL Server" && iequals_ascii(e.value("TargetUserName"), "sa")) {
      if (e.value("EventType") == "success" && f.sa_login.empty()) f.sa_login = e.value(model::Field::Message);
      if (e.value("Reason").find("disabled") != std::string::npos && f.sa_disabled.empty()) f.sa_disabled = e.value(model::Field::Message);
    }
    if (e.category == "package_update") {
      if (e.value("Summary") == "true") f.updates_summary = e;
      else if (f.pending_updates.size() < 1000)
        f.pending_updates.push_back(e.value("Package") + " " + e.value("Installed") + " -> " + e.value("Fixed"));
    }
    if (e.category == "local_account" && e.value("Rid") == "500") {
      f.builtin_admin_seen = true;
      f.builtin_admin_enabled = e.value("AccountDisabled") == "false";
    }
    if (e.category == "local_account") {
      f.sam = true;
      f.sam_passwords_checked = f.sam_passwords_checked || e.value("PasswordChecked") == "true";
    }
    if (e.category == "registry_set" && e.value("HiveKind") == "SYSTEM") {
      f.system_hive = true;
      const std::string t = to_lower_ascii(e.value("TargetObject"));
      if (t.ends_with("\\portnumber")) f.rdp_values = true;
      if (t.ends_with("\\enablefirewall")) f.firewall_values = true;
      if (t.ends_with("\\lanmanserver\\parameters\\smb1")) f.smb1_value = true;
    }
    if (e.category == "registry_set") {
      const std::string t = e.value("TargetObject");
      if (t.find("\\Microsoft SQL Server\\") != std::string::npos && to_lower_ascii(t).ends_with("\\loginmode"))
        (e.value("Details").ends_with("0x00000002)") ? f.sql_mixed : f.sql_windows_only).push_back(t);
    }
    if (e.category == "file_info") {
      const std::string path = e.value("TargetFilename"), mode = e.value("FileMode");
      const bool runs_code = path.starts_with("/etc/cron") || path.starts_with("/var/spool/cron") ||
                             path.starts_with("/etc/systemd") || path.starts_with("/lib/systemd") ||
                             path.starts_with("/usr/lib/systemd") || path.starts_with("/etc/init.d") ||
                             path == "/etc/rc.local" || path == "/etc/ld.so.preload" || path.starts_with("/etc/profile") ||
                             path.ends_with("/authorized_keys");
      // FileMode is octal ("0666"): the last digit's 2 bit is write for others.
      if (runs_code && mode.size() == 4 && ((mode[3] - '0') & 2) && e.value("FileType") != "link")
        f.writable_persistence.push_back(path + " " + mode);
    }
    if (e.category == "sshd_config") {
      f.sshd = true;
      f.sshd_options.emplace(e.value("SshdOption"), e.value("SshdValue"));
    }
    if (e.category == "user_account" && e.value("PasswordState") != "unknown" && !e.value("PasswordState").empty())
      f.accounts_known = true;
    if (e.category == "network_connection" && e.product == "linux") f.connections = true;
    return true;
  });
  if (!events) return events.error();
  auto findings = db.findings();
  if (!findings) return findings.error();
  for (const auto& sf : *findings) {
    const auto& fd = sf.finding;
    f.findings.emplace(fd.rule_id, fd.title_en);
    f.finding_titles[fd.rule_id].push_back(fd.title_en);
  }

  // A password someone guessed (a guessing run that ended in a logon) was guessable, whatever the hash lists say:
  // the attacker may have changed it since. The services the run went through say whose it was.
  auto guessed = [&](bool windows_side) -> std::optional<std::string> {
    for (const auto& t : f.finding_titles["heuristic.brute_force_then_logon"]) {
      const std::string services = t.substr(0, t.find(" password guessing"));
      const bool windows_service =
          services.find("Windows logon") != std::string::npos || services.find("RDP") != std::string::npos ||
          services.find("NTLM") != std::string::npos || services.find("Kerberos") != std::string::npos;
      if (windows_service == windows_side) return t;
    }
    return std::nullopt;
  };

  std::vector<Check> out;
  const bool both = !f.windows && !f.linux_host;
  if (f.windows || both) {
    Check c = make("WIN-MS17-010", "windows", "high", "MS17-010 (EternalBlue) installed", "已安装 MS17-010（永恒之蓝）补丁",
                   "Install the MS17-010 update for the build (or a later monthly rollup) and reboot.",
                   "安装对应版本的 MS17-010 补丁（或之后的月度汇总更新）并重启。");
    by_finding(c, f, "heuristic.ms17_010_missing", f.windows_os, "no SOFTWARE hive: the build and updates are not known");
    out.push_back(c);
    c = make("WIN-SMB1", "windows", "high", "SMBv1 server off", "SMBv1 服务端已关闭",
             "Set-SmbServerConfiguration -EnableSMB1Protocol $false -Force",
             "Set-SmbServerConfiguration -EnableSMB1Protocol $false -Force");
    c.fix_powershell = "Set-SmbServerConfiguration -EnableSMB1Protocol $false -Force";
    // Off only when known: SMB1=0 read, or no value on a build whose default is off (the build is in SOFTWARE).
    by_finding(c, f, "heuristic.smb1_enabled", f.system_hive && (f.smb1_value || f.windows_os),
               f.system_hive ? "no SMB1 value in the SYSTEM hive and no SOFTWARE hive to tell the build's default"
                             : "no SYSTEM hive");
    out.push_back(c);
    c = make("WIN-RDP", "windows", "medium", "Remote Desktop off its default port 3389 and with NLA",
             "远程桌面不使用默认端口 3389 且启用 NLA",
             "reg add \"HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\WinStations\\RDP-Tcp\" /v PortNumber /t REG_DWORD "
             "/d <port> /f; enable NLA; allow RDP only from a VPN or jump host",
             "修改 RDP-Tcp 的 PortNumber，启用 NLA，仅允许经 VPN 或跳板机访问");
    by_finding(c, f, "heuristic.rdp_default_port", f.rdp_values, "no RDP settings in the SYSTEM hive");
    c.fix_powershell = "Set-ItemProperty -LiteralPath 'Registry::HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\WinStations\\RDP-Tcp' -Name UserAuthentication -Value 1";
    out.push_back(c);
    c = make("WIN-FIREWALL", "windows", "medium", "Windows Firewall on for every profile", "Windows 防火墙所有配置文件均已开启",
             "netsh advfirewall set allprofiles state on", "netsh advfirewall set allprofiles state on");
    by_finding(c, f, "heuristic.firewall_off", f.firewall_values, "no firewall policy in the SYSTEM hive");
    c.fix_powershell = "netsh.exe advfirewall set allprofiles state on";
    out.push_back(c);
    c = make("WIN-ACCOUNTS", "windows", "high", "No hidden ($) local accounts, Guest disabled", "无隐藏（$）本地账户，来宾账户已禁用",
             "net user <name> /active:no (and delete accounts nobody owns)", "net user <账户名> /active:no（并删除无人认领的账户）");
    c.status = f.sam ? Status::Pass : Status::Unknown;
    c.evidence = f.sam ? "no hidden or opened account in the SAM hive" : "no SAM hive";
    for (const auto& t : f.finding_titles["heuristic.local_account_suspicious"])
      if (t.find("'$'") != std::string::npos || t.find("Guest") != std::string::npos) {
        c.status = Status::Fail;
        c.evidence = t;
      }
    out.push_back(c);
    c = make("WIN-BUILTIN-ADMIN", "windows", "medium", "Built-in Administrator (RID 500) disabled or renamed",
             "内置管理员账户（RID 500）已禁用或重命名",
             "Create a named administrator, then: net user Administrator /active:no (guessing lists start with it)",
             "先创建具名管理员账户，再执行 net user Administrator /active:no（爆破字典首先尝试该账户）");
    c.status = !f.builtin_admin_seen ? Status::Unknown : f.builtin_admin_enabled ? Status::Fail : Status::Pass;
    c.evidence = !f.builtin_admin_seen ? "no SAM hive" : f.builtin_admin_enabled ? "RID 500 is enabled" : "RID 500 is disabled";
    out.push_back(c);
    c = make("WIN-PASSWORD-POLICY", "windows", "high", "Password policy: 8+ characters, complexity, lockout after failures",
             "密码策略：至少 8 位、启用复杂度、多次失败后锁定",
             "net accounts /minpwlen:12 /lockoutthreshold:5 /lockoutwindow:30 /lockoutduration:30; enable complexity (secpol)",
             "net accounts /minpwlen:12 /lockoutthreshold:5 /lockoutwindow:30 /lockoutduration:30；在本地安全策略中启用复杂度");
    c.fix_powershell = "net.exe accounts /minpwlen:12 /lockoutthreshold:5 /lockoutwindow:30 /lockoutduration:30";
    if (!f.password_policy) {
      c.evidence = "no SAM hive";
    } else {
      const auto& p = *f.password_policy;
      const std::string len = p.value("MinPasswordLength"), lockout = p.value("LockoutThreshold"), complex = p.value("PasswordComplexity");
      const bool ok = std::strtol(len.c_str(), nullptr, 10) >= 8 && lockout != "0" && complex == "true";
      c.status = ok ? Status::Pass : Status::Fail;
      c.evidence = "minimum length " + len + ", complexity " + complex + ", lockout after " +
                   (lockout == "0" ? std::string("never") : lockout + " failures");
    }
    out.push_back(c);
    c = make("WIN-DNS", "windows", "medium", "DNS servers not forced to public resolvers", "DNS 未被强制设置为公共解析服务器",
             "Set the interface back to DHCP or the organisation's DNS servers", "将网卡 DNS 恢复为 DHCP 或单位 DNS 服务器");
    by_finding(c, f, "heuristic.dns_forced_public", f.system_hive, "no SYSTEM hive");
    out.push_back(c);
    c = make("WIN-MSSQL-AUTH", "windows", "high", "SQL Server accepts Windows logins only (no sa password guessing)",
             "SQL Server 仅允许 Windows 身份验证（杜绝 sa 爆破）",
             "Set Windows authentication mode (LoginMode 1) or disable sa (ALTER LOGIN sa DISABLE) with a strong password; "
             "block 1433 at the firewall",
             "改为 Windows 身份验证模式（LoginMode 1）或禁用 sa（ALTER LOGIN sa DISABLE）并设置强密码；在防火墙封禁 1433");
    if (!f.sa_login.empty()) {
      c.status = Status::Fail;
      c.evidence = "sa is enabled and was used: " + f.sa_login.substr(0, 200);
    } else if (!f.sql_mixed.empty()) {
      c.status = Status::Fail;
      c.evidence = f.sql_mixed.front() + " = 2 (mixed mode)" + (f.sa_disabled.empty() ? "" : "; sa itself is disabled");
    } else if (!f.sql_windows_only.empty()) {
      c.status = Status::Pass;
      c.evidence = f.sql_windows_only.front() + " = 1";
    } else {
      c.evidence = f.windows_os ? "no SQL Server instance in the SOFTWARE hive" : "no SOFTWARE hive";
      if (f.windows_os) c.status = Status::Pass;
    }
    out.push_back(c);
    c = make("WIN-WEAK-PASSWORDS", "windows", "high", "No local account with a guessable password", "本地账户无弱密码",
             "Set long unique passwords; lock accounts after repeated failures", "设置长且唯一的密码；配置多次失败后锁定账户");
    c.status = f.sam_passwords_checked ? Status::Pass : Status::Unknown;
    c.evidence = f.sam_passwords_checked ? "every local account's NT hash tested against the guessing lists"
                                         : "not checked: needs the SAM hive with the SYSTEM hive beside it (the boot key)";
    for (const auto& t : f.finding_titles["heuristic.local_account_suspicious"])
      if (t.find("guessing lists") != std::string::npos || t.find("blank password") != std::string::npos) {
        c.status = Status::Fail;
        c.evidence = t;
      }
    if (auto t = guessed(/*windows_side=*/true)) {
      c.status = Status::Fail;
      c.evidence = *t;
    }
    out.push_back(c);
  }
  if (f.linux_host || both) {
    Check c = make("LNX-SSH-ROOT", "linux", "high", "SSH does not accept root logins with a password", "SSH 不允许 root 使用密码登录",
                   "PermitRootLogin prohibit-password (or no) in /etc/ssh/sshd_config; systemctl reload sshd",
                   "在 /etc/ssh/sshd_config 中设置 PermitRootLogin prohibit-password（或 no），然后 systemctl reload sshd");
    c.fix_bash = "sed -i -E 's/^[#[:space:]]*PermitRootLogin[[:space:]].*/PermitRootLogin prohibit-password/' /etc/ssh/sshd_config && "
                 "sshd -t && systemctl reload ssh sshd 2>/dev/null";
    if (!f.sshd) {
      c.evidence = "no sshd_config collected";
    } else {
      const auto it = f.sshd_options.find("permitrootlogin");
      const std::string v = it == f.sshd_options.end() ? "prohibit-password (default)" : it->second;
      c.status = v == "yes" ? Status::Fail : Status::Pass;
      c.evidence = "PermitRootLogin " + v;
    }
    out.push_back(c);
    c = make("LNX-SSH-PASSWORD", "linux", "medium", "SSH logins by key only", "SSH 仅允许密钥登录",
             "PasswordAuthentication no in /etc/ssh/sshd_config (after installing keys); systemctl reload sshd",
             "配置密钥后在 /etc/ssh/sshd_config 中设置 PasswordAuthentication no，然后 systemctl reload sshd");
    if (!f.sshd) {
      c.evidence = "no sshd_config collected";
    } else {
      const auto it = f.sshd_options.find("passwordauthentication");
      const std::string v = it == f.sshd_options.end() ? "yes (default)" : it->second;
      c.status = v.starts_with("no") ? Status::Pass : Status::Fail;
      c.evidence = "PasswordAuthentication " + v;
    }
    out.push_back(c);
    c = make("LNX-PASSWORDS", "linux", "high", "No account with an empty or guessable password", "无空密码或弱密码账户",
             "passwd -l <user>, then set a strong password; remove accounts nobody owns",
             "passwd -l <用户名>，再设置强密码；删除无人认领的账户");
    c.status = f.accounts_known ? Status::Pass : Status::Unknown;
    c.evidence = f.accounts_known ? "every /etc/shadow hash tried against the guessing lists" : "/etc/shadow not read (collect as root)";
    for (const auto& t : f.finding_titles["heuristic.suspicious_account"])
      if (t.find("guessing lists") != std::string::npos || t.find("empty password") != std::string::npos) {
        c.status = Status::Fail;
        c.evidence = t;
      }
    if (auto t = guessed(/*windows_side=*/false)) {
      c.status = Status::Fail;
      c.evidence = *t;
    }
    out.push_back(c);
    c = make("LNX-EXPOSED-SERVICES", "linux", "high", "Redis, the Docker API and databases not reachable without authentication",
             "Redis、Docker API 与数据库不对外无认证开放",
             "Bind to 127.0.0.1, set requirepass / TLS client auth, and block 2375/6379/3306/5432 at the firewall",
             "绑定 127.0.0.1，设置 requirepass 或 TLS 客户端认证，并在防火墙封禁 2375/6379/3306/5432");
    by_finding(c, f, "heuristic.exposed_service", f.connections, "no connection table (live triage lists listening sockets)");
    out.push_back(c);
    c = make("LNX-SECURITY-UPDATES", "linux", "high", "Security updates installed", "已安装安全更新",
             "apt-get update && apt-get upgrade (then restart what needs it)", "apt-get update && apt-get upgrade（之后重启需要重启的服务）");
    if (!f.updates_summary || f.updates_summary->value("SecurityLists") == "0") {
      c.evidence = f.updates_summary ? "dpkg found but no apt security list (run apt-get update, then triage again)"
                                     : "no package database collected (not Debian/Ubuntu, or not collected)";
    } else if (!f.pending_updates.empty()) {
      c.status = Status::Fail;
      c.evidence = std::to_string(f.pending_updates.size()) + " package(s) behind the security lists, e.g. " + f.pending_updates.front();
    } else {
      c.status = Status::Pass;
      c.evidence = "every installed package at or past " + f.updates_summary->value("SecurityLists") + " security list(s)";
    }
    c.fix_bash = "apt-get update && apt-get -y upgrade";
    out.push_back(c);
    c = make("LNX-WRITABLE-PERSISTENCE", "linux", "high", "No world-writable cron, systemd, start-up or key files",
             "cron、systemd、启动脚本及密钥文件均不可被任意用户写入", "chmod o-w <file>; check who changed it",
             "chmod o-w <文件>；排查被谁修改");
    c.status = f.linux_host ? Status::Pass : Status::Unknown;
    c.evidence = f.linux_host ? "collected persistence files are not writable by others" : "no Linux file table";
    if (!f.writable_persistence.empty()) {
      c.status = Status::Fail;
      c.evidence = f.writable_persistence.front() + (f.writable_persistence.size() > 1 ? " and " + std::to_string(f.writable_persistence.size() - 1) + " more" : "");
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace msw::baseline
