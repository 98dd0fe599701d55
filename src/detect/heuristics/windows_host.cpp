#include "detect/heuristics/windows_host.h"

#include <map>
#include <optional>

#include "core/text.h"
#include "detect/heuristics/finding.h"

namespace msw::detect::heuristics {
namespace {

// MS17-010 (March 2017) per Windows version: the security-only and monthly-rollup KBs that carry it, and the build
// revision of srv.sys it brought (a later rollup's revision is higher). From Microsoft's bulletin MS17-010.
struct Fix {
  std::string_view version;  // CurrentVersion
  std::string_view build;    // CurrentBuild ("" any)
  std::string_view name;
  std::initializer_list<std::string_view> kbs;
  uint64_t revision;  // 0: no rollup check
};
const Fix kFixes[] = {
    {"5.1", "", "Windows XP", {"KB4012598"}, 0},
    {"5.2", "", "Windows Server 2003 / XP x64", {"KB4012598"}, 0},
    {"6.0", "", "Windows Vista / Server 2008", {"KB4012598"}, 0},
    {"6.1", "7601", "Windows 7 SP1 / Server 2008 R2 SP1", {"KB4012212", "KB4012215"}, 23689},
    {"6.2", "9200", "Windows 8 / Server 2012", {"KB4012214", "KB4012217", "KB4012598"}, 22099},
    {"6.3", "9600", "Windows 8.1 / Server 2012 R2", {"KB4012213", "KB4012216"}, 18604},
};
// Windows 10 builds that were vulnerable: the cumulative update with the fix raised UBR to at least this.
struct Win10Fix {
  std::string_view build, name, kb;
  uint64_t ubr;
};
constexpr Win10Fix kWin10Fixes[] = {
    {"10240", "Windows 10 1507", "KB4012606", 17319},
    {"10586", "Windows 10 1511", "KB4013198", 839},
    {"14393", "Windows 10 1607 / Server 2016", "KB4013429", 953},
};

uint64_t number(std::string_view s) {
  uint64_t v = 0;
  for (char c : s.substr(0, 12)) {
    if (c < '0' || c > '9') break;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

struct HostState {
  std::optional<model::Event> os;
  std::string os_path, os_sha;
  bool system_seen = false;
  std::optional<uint64_t> smb1, rdp_port, deny_ts, nla;
  std::map<std::string, uint64_t> firewall;  // profile -> EnableFirewall
  std::vector<std::string> sql_mixed;        // SQL Server instances accepting SQL logins (LoginMode 2)
  std::string software_path, software_sha;
  std::string system_path, system_sha;
  std::optional<Timestamp> system_time;
  struct Account {
    std::string name, path, sha, created;
    uint64_t rid = 0;
    bool disabled = false, admin = false, weak = false, blank = false;
    std::optional<Timestamp> time;
  };
  std::vector<Account> accounts;
  // Scheduled tasks as the TaskCache registers them and as the Tasks folder holds them (name -> where seen).
  struct Seen {
    std::string name, path, sha;  // name as recorded (the map key is lower case)
    std::optional<Timestamp> time;
  };
  std::map<std::string, Seen> cached_tasks, task_files;
};

std::optional<uint64_t> dword(std::string_view details) {
  // "DWORD (0x00000d3d)"
  const size_t at = details.find("0x");
  if (at == std::string_view::npos) return std::nullopt;
  uint64_t v = 0;
  for (char c : details.substr(at + 2, 8)) {
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (d < 0) break;
    v = v * 16 + static_cast<uint64_t>(d);
  }
  return v;
}

class WindowsHostEngine final : public CaseEngine {
 public:
  std::string_view name() const override { return "windows-host"; }

  void observe(const ArtefactView& a, const model::Event& e) override {
    if (e.product != "windows") return;
    if (e.category == "windows_os") {
      HostState& h = hosts_[std::string(a.subject_host)];
      h.os = e;
      h.os_path = a.path;
      h.os_sha = a.sha256;
      return;
    }
    if (e.category == "scheduled_task") {
      HostState& h = hosts_[std::string(a.subject_host)];
      auto& into = e.value("TaskSource") == "TaskCache" ? h.cached_tasks : h.task_files;
      if (e.value("TaskSource") == "job" || into.size() >= 100000) return;  // .job files are not in the cache
      const std::string name = e.value(model::Field::TaskName);
      into.emplace(to_lower_ascii(name), HostState::Seen{name, std::string(a.path), std::string(a.sha256), e.time});
      return;
    }
    if (e.category == "local_account") {
      HostState& h = hosts_[std::string(a.subject_host)];
      if (h.accounts.size() >= 4096) return;
      h.accounts.push_back({e.value("TargetUserName"), std::string(a.path), std::string(a.sha256), e.value("Created"),
                            number(e.value("Rid")), e.value("AccountDisabled") == "true", e.value("AdminGroup") == "true",
                            e.value("WeakPassword") == "true", e.value("BlankPassword") == "true", e.time});
      return;
    }
    if (e.category == "registry_set" && e.value("HiveKind") == "SOFTWARE") {
      const std::string t = e.value("TargetObject");
      if (t.find("\\Microsoft SQL Server\\") != std::string::npos && to_lower_ascii(t).ends_with("\\loginmode") &&
          dword(e.value("Details")) == 2u) {
        HostState& h = hosts_[std::string(a.subject_host)];
        h.sql_mixed.push_back(t);
        h.software_path = a.path;
        h.software_sha = a.sha256;
      }
      return;
    }
    if (e.category != "registry_set" || e.value("HiveKind") != "SYSTEM") return;
    HostState& h = hosts_[std::string(a.subject_host)];
    if (!h.system_seen) {
      h.system_seen = true;
      h.system_path = a.path;
      h.system_sha = a.sha256;
    }
    const std::string target = to_lower_ascii(e.value("TargetObject"));
    const auto v = dword(e.value("Details"));
    if (!v) return;
    if (target.ends_with("\\lanmanserver\\parameters\\smb1")) h.smb1 = v, h.system_time = e.time;
    else if (target.ends_with("\\rdp-tcp\\portnumber")) h.rdp_port = v;
    else if (target.ends_with("\\terminal server\\fdenytsconnections")) h.deny_ts = v;
    else if (target.ends_with("\\rdp-tcp\\userauthentication")) h.nla = v;
    else if (target.ends_with("\\enablefirewall")) {
      const size_t end = target.rfind('\\'), start = target.rfind('\\', end - 1);
      h.firewall[target.substr(start + 1, end - start - 1)] = *v;
    }
  }

  void finish(std::vector<model::Finding>& out) override {
    for (const auto& [host, h] : hosts_) {
      ms17_010(h, out);
      smb1(h, out);
      rdp(h, out);
      accounts(h, out);
      tasks(h, out);
      firewall(h, out);
      sql_server(h, out);
    }
    hosts_.clear();
  }

 private:
  static void ms17_010(const HostState& h, std::vector<model::Finding>& out) {
    if (!h.os) return;
    const model::Event& os = *h.os;
    const auto v = assess_ms17_010(os.value("CurrentVersion"), os.value("CurrentBuild"), os.value("UBR"),
                                   os.value("InstalledKBs"), os.value("LatestRollup"));
    if (!v.applicable || v.fixed) return;
    const std::string product = os.value("ProductName") + " (build " + os.value("CurrentBuild") +
                                (os.value("UBR").empty() ? "" : "." + os.value("UBR")) + ")";
    model::Finding f = heuristic_finding(kMs17010MissingRule, model::Severity::High, os.time);
    f.attack = {"T1210"};
    f.title_en = "MS17-010 (EternalBlue) not installed on " + product;
    f.title_zh = "未安装 MS17-010（永恒之蓝）补丁：" + product;
    f.description_en = "The SOFTWARE hive lists " + os.value("InstalledPackages") + " installed update packages and " + v.why +
                       ". Without MS17-010 the SMB server can be taken over remotely (EternalBlue), which is how "
                       "WannaMine and MyKings spread from host to host. Install the update for this version (or a "
                       "later monthly rollup), disable SMBv1 and block 445 between hosts that do not need it; confirm "
                       "with `wmic qfe` or the version of srv.sys.";
    f.description_zh = "SOFTWARE 配置单元中共有 " + os.value("InstalledPackages") + " 个已安装的更新包，" + v.why +
                       "。未安装 MS17-010 时，SMB 服务可被远程控制（永恒之蓝），WannaMine 和 MyKings 正是借此在主机间横向传播。"
                       "请安装对应版本的补丁（或之后的月度汇总更新），关闭 SMBv1，并在不需要的主机之间封禁 445 端口；可用 `wmic qfe` "
                       "或 srv.sys 版本确认。";
    f.evidence.push_back({h.os_path, h.os_sha, os.offset, 0, 0,
                          product + "; installed KBs: " + (os.value("InstalledKBs").empty() ? "none" : os.value("InstalledKBs").substr(0, 400)) +
                              (os.value("LatestRollup").empty() ? "" : "; latest rollup " + os.value("LatestRollup"))});
    f.actions.push_back({model::ActionKind::ApplyPatch, "MS17-010", "Install MS17-010 for " + product + " (" + v.why + ").",
                         "为 " + product + " 安装 MS17-010 补丁。"});
    f.actions.push_back({model::ActionKind::BlockPort, "445", "Block 139/445 between hosts that do not share files.",
                         "在无需文件共享的主机之间封禁 139/445 端口。"});
    out.push_back(std::move(f));
  }

  static void smb1(const HostState& h, std::vector<model::Finding>& out) {
    if (!h.system_seen) return;
    std::string why;
    if (h.smb1 && *h.smb1 != 0) {
      why = "SMB1 is set to " + std::to_string(*h.smb1) + " under LanmanServer\\Parameters";
    } else if (!h.smb1 && h.os) {
      const std::string ver = h.os->value("CurrentVersion");
      const uint64_t build = number(h.os->value("CurrentBuild"));
      const bool default_on = (ver != "6.3" && ver < "6.3") || (ver == "6.3" && build > 0 && build < 16299);
      if (default_on) why = "no SMB1=0 under LanmanServer\\Parameters, and SMBv1 is on by default on build " + std::to_string(build);
    }
    if (why.empty()) return;
    model::Finding f = heuristic_finding(kSmb1EnabledRule, model::Severity::Medium, h.system_time);
    f.attack = {"T1210"};
    f.title_en = "SMBv1 server enabled";
    f.title_zh = "SMBv1 服务端处于开启状态";
    f.description_en = "The SYSTEM hive shows the SMBv1 server on (" + why + "). EternalBlue, the exploit WannaMine and "
                       "MyKings spread with, needs SMBv1. Disable it (Set-SmbServerConfiguration -EnableSMB1Protocol "
                       "$false, or SMB1=0 and a restart) and block 139/445 where file sharing is not needed.";
    f.description_zh = "SYSTEM 配置单元显示 SMBv1 服务端处于开启状态（" + why + "）。WannaMine 和 MyKings 传播所用的永恒之蓝漏洞依赖 SMBv1。"
                       "请关闭 SMBv1（Set-SmbServerConfiguration -EnableSMB1Protocol $false，或设置 SMB1=0 并重启），并在不需要文件共享处封禁 139/445 端口。";
    f.evidence.push_back({h.system_path, h.system_sha, 0, 0, 0, why});
    f.actions.push_back({model::ActionKind::BlockPort, "SMBv1",
                         "Disable SMBv1: Set-SmbServerConfiguration -EnableSMB1Protocol $false (or SMB1=0 and restart).",
                         "关闭 SMBv1：Set-SmbServerConfiguration -EnableSMB1Protocol $false（或设置 SMB1=0 并重启）。"});
    out.push_back(std::move(f));
  }

  static void rdp(const HostState& h, std::vector<model::Finding>& out) {
    if (!h.rdp_port || !h.deny_ts || *h.deny_ts != 0) return;  // RDP off, or not known
    const bool default_port = *h.rdp_port == 3389;
    const bool no_nla = h.nla && *h.nla == 0;
    if (!default_port && !no_nla) return;
    model::Finding f = heuristic_finding(kRdpDefaultPortRule, no_nla ? model::Severity::Medium : model::Severity::Low, std::nullopt);
    f.attack = {"T1110", "T1021.001"};
    f.title_en = std::string("Remote Desktop enabled") + (default_port ? " on port 3389" : "") + (no_nla ? " without Network Level Authentication" : "");
    f.title_zh = std::string("远程桌面已开启") + (default_port ? "（默认端口 3389）" : "") + (no_nla ? "，且未启用网络级身份验证（NLA）" : "");
    f.description_en = "fDenyTSConnections is 0 and RDP-Tcp listens on port " + std::to_string(*h.rdp_port) +
                       (no_nla ? " with UserAuthentication 0 (no NLA)" : "") +
                       ". Worms and miners guess passwords on 3389 all day. Restrict RDP to a VPN or jump host, move it "
                       "off 3389, require NLA and strong passwords, and lock out repeated failures.";
    f.description_zh = "fDenyTSConnections 为 0，RDP-Tcp 监听端口 " + std::to_string(*h.rdp_port) + (no_nla ? "，且 UserAuthentication 为 0（未启用 NLA）" : "") +
                       "。蠕虫和挖矿团伙持续爆破 3389 端口。请仅允许经 VPN 或跳板机访问远程桌面，修改默认端口，启用 NLA 与强密码，并配置账户锁定策略。";
    f.evidence.push_back({h.system_path, h.system_sha, 0, 0, 0,
                          "PortNumber " + std::to_string(*h.rdp_port) + ", fDenyTSConnections 0" +
                              (h.nla ? ", UserAuthentication " + std::to_string(*h.nla) : "")});
    f.actions.push_back({model::ActionKind::BlockPort, "3389",
                         "Allow RDP only from a VPN or jump host, move it off 3389 and require NLA.",
                         "仅允许经 VPN 或跳板机访问远程桌面，修改 3389 默认端口并启用 NLA。"});
    out.push_back(std::move(f));
  }

  static void accounts(const HostState& h, std::vector<model::Finding>& out) {
    for (const auto& acct : h.accounts) {
      const bool hidden = acct.name.ends_with("$");
      const bool guest = acct.rid == 501 && !acct.disabled;
      const bool other_admin = acct.admin && !acct.disabled && acct.rid >= 1000;
      const bool guessable = !acct.disabled && (acct.weak || (acct.blank && acct.rid != 501));
      if (!hidden && !guest && !other_admin && !guessable) continue;
      model::Severity sev = model::Severity::Low;
      std::string why_en, why_zh;
      if (guessable && !hidden) {
        sev = model::Severity::High;
        why_en = acct.weak ? "its password is on the guessing lists worms use (tested offline, not stored)"
                           : "it has a blank password";
        why_zh = acct.weak ? "密码在蠕虫使用的爆破字典中（离线检测，未保存）" : "密码为空";
      } else if (hidden) {
        sev = model::Severity::High;
        why_en = "its name ends with '$', which hides it from `net user` (MyKings adds admin$)";
        why_zh = "账户名以 $ 结尾，可在 `net user` 中隐藏（MyKings 会添加 admin$）";
      } else if (guest) {
        sev = acct.admin ? model::Severity::High : model::Severity::Medium;
        why_en = std::string("the Guest account is enabled") + (acct.admin ? " and in Administrators" : "");
        why_zh = std::string("来宾账户（Guest）已启用") + (acct.admin ? "且属于管理员组" : "");
      } else {
        why_en = "an enabled member of Administrators (review that it belongs to someone)";
        why_zh = "已启用的管理员组成员（请核实其归属）";
      }
      model::Finding f = heuristic_finding(kLocalAccountRule, sev, acct.time);
      f.attack = {"T1136.001", "T1078.003"};
      f.title_en = "Local account " + acct.name + ": " + why_en;
      f.title_zh = "本地账户 " + acct.name + "：" + why_zh;
      f.description_en = "The SAM hive holds the local account " + acct.name + " (RID " + std::to_string(acct.rid) +
                         (acct.created.empty() ? "" : ", created " + acct.created) + (acct.admin ? ", member of Administrators" : "") +
                         "): " + why_en + ". Worms add or enable accounts to come back after cleaning. If nobody owns it, "
                         "disable it (net user " + acct.name + " /active:no), then delete it after the investigation.";
      f.description_zh = "SAM 配置单元中存在本地账户 " + acct.name + "（RID " + std::to_string(acct.rid) +
                         (acct.created.empty() ? "" : "，创建于 " + acct.created) + (acct.admin ? "，属于管理员组" : "") + "）：" + why_zh +
                         "。蠕虫常添加或启用账户以便清理后再次进入。若无人认领，请先禁用（net user " + acct.name +
                         " /active:no），调查结束后删除。";
      f.evidence.push_back({acct.path, acct.sha, 0, 0, 0,
                            acct.name + " RID " + std::to_string(acct.rid) + (acct.disabled ? " disabled" : " enabled") +
                                (acct.admin ? ", Administrators" : "")});
      f.observables.push_back({model::ObservableKind::Account, acct.name, "local account"});
      if (guessable && !hidden)
        f.actions.push_back({model::ActionKind::RotateCredentials, acct.name,
                             "Set a long unique password for " + acct.name + " now (net user \"" + acct.name + "\" *).",
                             "立即为 " + acct.name + " 设置长且唯一的密码（net user \"" + acct.name + "\" *）。"});
      else if (sev >= model::Severity::Medium)
        f.actions.push_back({model::ActionKind::RotateCredentials, acct.name,
                             "Disable " + acct.name + " (net user \"" + acct.name + "\" /active:no) and delete it after the investigation.",
                             "禁用 " + acct.name + "（net user \"" + acct.name + "\" /active:no），调查结束后删除。"});
      out.push_back(std::move(f));
    }
  }

  // The TaskCache and the Tasks folder should name the same tasks: a registered task without its file was
  // deleted from the folder (the scheduler still runs it), a file without registration is not loaded yet.
  static void tasks(const HostState& h, std::vector<model::Finding>& out) {
    if (h.cached_tasks.empty() || h.task_files.empty()) return;  // one side not collected: nothing to compare
    for (const auto& [key, seen] : h.cached_tasks) {
      if (h.task_files.count(key)) continue;
      const std::string& name = seen.name;
      model::Finding f = heuristic_finding(kTaskMismatchRule, model::Severity::Medium, seen.time);
      f.attack = {"T1053.005", "T1070.004"};
      f.title_en = "Scheduled task " + name + " is registered but its task file is missing";
      f.title_zh = "计划任务 " + name + " 已注册，但其任务文件缺失";
      f.description_en = "The TaskCache in SOFTWARE registers " + name + ", but the collected Windows\\System32\\Tasks folder "
                         "has no file for it. Attackers delete the file to hide a task the scheduler keeps running. Check "
                         "the task's actions in the TaskCache event and remove its Tree and Tasks keys if it is not known.";
      f.description_zh = "SOFTWARE 的 TaskCache 中注册了 " + name + "，但收集到的 Windows\\System32\\Tasks 目录中没有对应文件。"
                         "攻击者会删除任务文件来隐藏仍在运行的任务。请查看 TaskCache 中该任务的操作，如无法确认来源，删除其 Tree 与 Tasks 键。";
      f.evidence.push_back({seen.path, seen.sha, 0, 0, 0, "TaskCache\\Tree" + name + " (no file under System32\\Tasks)"});
      f.observables.push_back({model::ObservableKind::ScheduledTask, name, "registered task without file"});
      out.push_back(std::move(f));
    }
    for (const auto& [key, seen] : h.task_files) {
      if (h.cached_tasks.count(key)) continue;
      const std::string& name = seen.name;
      model::Finding f = heuristic_finding(kTaskMismatchRule, model::Severity::Low, seen.time);
      f.attack = {"T1053.005"};
      f.title_en = "Task file " + name + " is not registered in the TaskCache";
      f.title_zh = "任务文件 " + name + " 未在 TaskCache 中注册";
      f.description_en = "The Tasks folder holds " + name + " but the scheduler's cache does not register it: it was dropped "
                         "there after the last registration or copied in by hand, and does not run until registered.";
      f.description_zh = "Tasks 目录中存在 " + name + "，但任务计划程序的缓存中没有注册：它可能是在上次注册后被放入或被手工复制进来的，注册前不会运行。";
      f.evidence.push_back({seen.path, seen.sha, 0, 0, 0, name + " (no TaskCache entry)"});
      out.push_back(std::move(f));
    }
  }

  static void firewall(const HostState& h, std::vector<model::Finding>& out) {
    std::string off;
    size_t profiles_off = 0;
    for (const auto& [profile, enabled] : h.firewall)
      if (enabled == 0) off += (off.empty() ? "" : ", ") + profile, ++profiles_off;
    if (off.empty()) return;
    const bool all = profiles_off >= 3;  // domain, standard (private) and public
    model::Finding f = heuristic_finding(kFirewallOffRule, all ? model::Severity::Medium : model::Severity::Low, h.system_time);
    f.attack = {"T1562.004"};
    f.title_en = "Windows Firewall off for " + off;
    f.title_zh = "Windows 防火墙已关闭：" + off;
    f.description_en = "EnableFirewall is 0 for " + off + ". Worms turn the firewall off (or find it off) to reach 139/445/1433/3389 "
                       "from the network. Turn it back on and allow only the services the server needs.";
    f.description_zh = off + " 的 EnableFirewall 为 0。蠕虫会关闭防火墙（或利用其未开启）以便从网络访问 139/445/1433/3389。请重新开启，并只放行服务器必需的服务。";
    f.evidence.push_back({h.system_path, h.system_sha, 0, 0, 0, "FirewallPolicy " + off + ": EnableFirewall 0"});
    out.push_back(std::move(f));
  }

  // SQL Server in mixed mode accepts SQL logins: sa guessing over 1433 is how MyKings gets in.
  static void sql_server(const HostState& h, std::vector<model::Finding>& out) {
    if (h.sql_mixed.empty()) return;
    model::Finding f = heuristic_finding(kSqlMixedModeRule, model::Severity::Medium, std::nullopt);
    f.attack = {"T1110.001"};
    f.title_en = "SQL Server accepts SQL logins (mixed mode): sa can be guessed";
    f.title_zh = "SQL Server 允许 SQL 身份验证（混合模式）：sa 账户可被爆破";
    f.description_en = h.sql_mixed.front() + " is 2. MyKings brute-forces sa over 1433 and then runs commands through "
                       "xp_cmdshell and SQL Agent jobs. Switch to Windows authentication or disable sa with a strong "
                       "password, disable xp_cmdshell, review Agent jobs, and block 1433 from untrusted networks.";
    f.description_zh = h.sql_mixed.front() + " 为 2。MyKings 通过 1433 端口爆破 sa，再借 xp_cmdshell 和 SQL Agent 作业执行命令。"
                       "请改为 Windows 身份验证或禁用 sa 并设置强密码，关闭 xp_cmdshell，检查 Agent 作业，并对不可信网络封禁 1433。";
    f.evidence.push_back({h.software_path, h.software_sha, 0, 0, 0, h.sql_mixed.front() + " = 2"});
    f.actions.push_back({model::ActionKind::BlockPort, "1433", "Block 1433 from untrusted networks; disable sa (ALTER LOGIN sa DISABLE).",
                         "对不可信网络封禁 1433；禁用 sa（ALTER LOGIN sa DISABLE）。"});
    out.push_back(std::move(f));
  }

  std::map<std::string, HostState> hosts_;
};

}  // namespace

Ms17010Verdict assess_ms17_010(std::string_view version, std::string_view build, std::string_view ubr,
                               std::string_view kbs, std::string_view latest_rollup) {
  Ms17010Verdict v;
  const uint64_t b = number(build);
  if (version == "6.3" && b >= 10000) {  // Windows 10 and later report 6.3 with a build of 10240+
    for (const auto& w : kWin10Fixes)
      if (build == w.build) {
        v.applicable = true;
        v.fixed = number(ubr) >= w.ubr;
        v.why = v.fixed ? std::string(w.name) + " build " + std::string(build) + "." + std::string(ubr) + " carries " + std::string(w.kb)
                        : std::string(w.name) + " build " + std::string(build) + "." + std::string(ubr.empty() ? "?" : ubr) +
                              " is older than the cumulative update " + std::string(w.kb) + " (UBR " + std::to_string(w.ubr) + ")";
        return v;
      }
    v.why = "build " + std::string(build) + " shipped with the fix";
    return v;
  }
  for (const auto& fix : kFixes) {
    if (version != fix.version || (!fix.build.empty() && build != fix.build && !(fix.build == "7601" && b == 7600))) continue;
    v.applicable = true;
    if (fix.build == "7601" && b == 7600) {
      v.why = "Windows 7 / 2008 R2 without SP1 (7600) has no MS17-010 update: install SP1 first";
      return v;
    }
    for (auto kb : fix.kbs)
      if (("," + std::string(kbs) + ",").find("," + std::string(kb) + ",") != std::string::npos) {
        v.fixed = true;
        v.why = std::string(kb) + " installed";
        return v;
      }
    if (fix.revision && !latest_rollup.empty()) {
      const size_t dot = latest_rollup.find('.');
      const uint64_t rev = dot == std::string_view::npos ? 0 : number(latest_rollup.substr(dot + 1));
      if (rev >= fix.revision) {
        v.fixed = true;
        v.why = "the monthly rollup " + std::string(latest_rollup) + " is later than the fix";
        return v;
      }
    }
    std::string list;
    for (auto kb : fix.kbs) list += (list.empty() ? "" : ", ") + std::string(kb);
    v.why = "none of them is MS17-010 for " + std::string(fix.name) + " (" + list +
            (fix.revision ? ", or a monthly rollup at or past build revision " + std::to_string(fix.revision) : std::string()) + ")";
    return v;
  }
  return v;
}

std::unique_ptr<CaseEngine> make_windows_host_engine() { return std::make_unique<WindowsHostEngine>(); }

}  // namespace msw::detect::heuristics
