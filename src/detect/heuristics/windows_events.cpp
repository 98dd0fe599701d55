#include "detect/heuristics/windows_events.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "core/text.h"
#include "detect/heuristics/finding.h"
#include "detect/heuristics/windows_commands.h"
#include "detect/heuristics/windows_persistence.h"

namespace msw::detect::heuristics {
namespace {

model::EvidenceRef record_ref(const ArtefactView& a, const model::Event& ev, std::string excerpt) {
  return {std::string(a.path),
          std::string(a.sha256),
          ev.offset,
          0,
          0,
          "EventID " + ev.value(model::Field::EventID) + " record " + ev.value(model::Field::EventRecordID) + ": " +
              excerpt.substr(0, 600)};
}

std::string account(const model::Event& ev) {
  const std::string user = ev.value(model::Field::SubjectUserName), domain = ev.value(model::Field::SubjectDomainName);
  if (user.empty()) return "an unknown account";
  return domain.empty() || domain == "-" ? user : domain + "\\" + user;
}

// A service whose binary is a command shell runs a command, not a service: how PsExec-style tools, impacket's
// smbexec and worms that spread over SMB execute on the next host (the "service" fails to start once the command
// has run). A binary named without any folder is no installer's work either.
CommandJudgement service_shape(std::string_view image) {
  const std::string_view s = trim(image);
  std::string program;
  if (s.starts_with('"')) {
    const size_t end = s.find('"', 1);
    program = to_lower_ascii(s.substr(1, end == std::string_view::npos ? std::string_view::npos : end - 1));
  } else {
    program = to_lower_ascii(s.substr(0, s.find(' ')));
  }
  const std::string base =
      program.substr(program.find_last_of("\\/") == std::string::npos ? 0 : program.find_last_of("\\/") + 1);
  CommandJudgement j;
  if (program == "%comspec%" || base == "cmd" || base == "cmd.exe" || base == "powershell" ||
      base == "powershell.exe" || base == "pwsh.exe") {
    j.weight = CommandJudgement::Weight::Strong;
    j.why = "a command shell as the service binary (PsExec-style remote execution)";
  } else if (base == program && base.ends_with(".exe")) {
    j.weight = CommandJudgement::Weight::Weak;
    j.why = "a service binary named without a folder";
  }
  return j;
}

// System 7045 and Security 4697.
void service_installed(const ArtefactView& a, const model::Event& ev, std::vector<model::Finding>& out) {
  const bool security = ev.service == "security";
  const std::string name = ev.value(model::Field::ServiceName);
  const std::string image = ev.value(security ? "ServiceFileName" : "ImagePath");
  CommandJudgement judged = judge_windows_command(image);
  const CommandJudgement shape = service_shape(image);
  if (shape.weight > judged.weight) judged.weight = shape.weight;
  if (shape.suspicious()) judged.why = judged.why.empty() ? shape.why : shape.why + "; " + judged.why;
  if (!judged.suspicious()) return;
  const std::string type = ev.value("ServiceType"), start = ev.value(security ? "ServiceStartType" : "StartType");
  const std::string runs_as = ev.value(security ? "ServiceAccount" : "AccountName");
  model::Finding f = heuristic_finding(kServiceInstalledRule, judged.severity(), ev.time);
  f.attack = {"T1543.003", "T1569.002"};
  if (shape.weight == CommandJudgement::Weight::Strong) f.attack.push_back("T1021.002");  // run from another host
  f.title_en = "Service " + name + " installed " + judged.why + ": " + image.substr(0, 300);
  f.title_zh = "安装了可疑服务 " + name + "：" + image.substr(0, 300);
  f.description_en = "The service " + name + " was installed" + (security ? " by " + account(ev) : "") + " to run \"" +
                     image.substr(0, 1000) + "\" (" + judged.why + ")" + (type.empty() ? "" : ", type " + type) +
                     (start.empty() ? "" : ", start " + start) + (runs_as.empty() ? "" : ", as " + runs_as) +
                     ". WannaMine, MyKings and Lemon Duck install services like this to come back after every reboot. "
                     "If nobody installed it on purpose, stop and delete the service and quarantine what it runs.";
  f.description_zh = "服务 " + name + " 被安装" + (security ? "（操作账户 " + account(ev) + "）" : "") + "，执行“" +
                     image.substr(0, 1000) + "”（" + judged.why +
                     "）。WannaMine、MyKings、Lemon Duck 常安装此类服务以便每次重启后复活。"
                     "若非有意安装，请停止并删除该服务，并隔离其执行的文件。";
  f.evidence.push_back(record_ref(a, ev, name + " = " + image));
  f.observables.push_back({model::ObservableKind::Service, name, "installed service"});
  f.actions.push_back({model::ActionKind::RemoveService, name, "Stop, disable and delete the service " + name + ".",
                       "停止、禁用并删除服务 " + name + "。"});
  quarantine_dropped(f, image);
  out.push_back(std::move(f));
}

// Security 4698/4702 (the task's exec actions from its XML, normalize/evtx) and TaskScheduler 129/200 (what a run
// started). One finding per task and command in an artefact.
void task_event(const ArtefactView& a, const model::Event& ev, std::string_view id, std::set<std::string>& seen,
                std::vector<model::Finding>& out) {
  const std::string name = ev.value(model::Field::TaskName);
  const bool registered = id == "4698" || id == "4702";
  const std::string commands = registered ? ev.value("TaskCommandLine") : ev.value(id == "129" ? "Path" : "ActionName");
  for_each_line(commands, [&](std::string_view line, uint64_t) {
    const std::string command(trim(line));
    const CommandJudgement judged = judge_windows_command(command);
    if (!judged.suspicious() || !seen.insert(name + "\x1f" + command).second) return;
    TaskSighting t;
    t.name = name;
    t.command = command;
    t.triggers = ev.value("TaskTriggers");
    t.how_en = id == "4698" ? "registered by " + account(ev) : id == "4702" ? "updated by " + account(ev) : "started";
    t.how_zh = id == "4698" ? "由 " + account(ev) + " 创建" : id == "4702" ? "由 " + account(ev) + " 修改" : "已运行";
    t.time = ev.time;
    t.evidence = record_ref(a, ev, name + ": " + command);
    out.push_back(suspicious_task_finding(t, judged));
  });
}

// Security 1102 and System 104 (its own Channel field names the log that was cleared). Clears of one log by one
// account make one finding that counts them, so a log cleared twice reads as that, not as two identical lines.
struct LogClears {
  size_t finding = 0;  // index into the engine's output
  size_t count = 0;
};

void log_cleared(const ArtefactView& a, const model::Event& ev, std::string_view id,
                 std::map<std::string, LogClears>& clears, std::vector<model::Finding>& out) {
  const std::string log = id == "1102" ? std::string("Security") : ev.value(model::Field::Channel);
  const std::string who = account(ev);
  const std::string shown_log = log.empty() ? std::string("an event") : log;
  auto [it, first] = clears.try_emplace(log + "\x1f" + who);
  LogClears& c = it->second;
  ++c.count;
  if (!first) {
    model::Finding& f = out[c.finding];
    if (f.evidence.size() < 20) f.evidence.push_back(record_ref(a, ev, log + " log cleared by " + who));
    if (ev.time && (!f.time || *ev.time < *f.time)) f.time = ev.time;
    f.title_en = "The " + shown_log + " log was cleared " + std::to_string(c.count) + " times by " + who;
    f.title_zh =
        (log.empty() ? std::string("某个事件") : log) + " 日志被 " + who + " 清除 " + std::to_string(c.count) + " 次";
    return;
  }
  // A clear alone is not a compromise (administrators and log-collection agents clear logs too): suspicious, to be
  // read with whatever else the host shows.
  model::Finding f = heuristic_finding(kEventLogClearedRule, model::Severity::Medium, ev.time);
  f.attack = {"T1070.001"};
  f.title_en = "The " + shown_log + " log was cleared by " + who;
  f.title_zh = (log.empty() ? std::string("某个事件") : log) + " 日志被 " + who + " 清除";
  f.description_en = "The " + log + " log was cleared by " + who +
                     ". Worms and their operators clear logs after guessing passwords and moving between hosts; the "
                     "records before this one are gone from the log. Look at the other logs of this host and of the "
                     "hosts it talks to, and at the log's free space (minesweep evtx dump --recover).";
  f.description_zh = log + " 日志被 " + who +
                     " 清除。蠕虫及其操作者常在猜解密码、横向移动后清除日志，此前的记录已不在日志中。"
                     "请查看本机其他日志、与其通信的主机的日志，以及日志文件空闲区（minesweep evtx dump --recover）。";
  f.evidence.push_back(record_ref(a, ev, log + " log cleared by " + who));
  if (const std::string u = ev.value(model::Field::SubjectUserName); !u.empty())
    f.observables.push_back({model::ObservableKind::Account, u, "cleared the log"});
  c.finding = out.size();
  out.push_back(std::move(f));
}

// Hosts whose BITS jobs are the vendors' own updates (the domain or any name below it).
constexpr std::string_view kBitsUpdateHosts[] = {
    "windowsupdate.com", "update.microsoft.com", "microsoft.com", "msedge.net",  "windows.com",
    "office.com",        "office.net",           "live.com",      "bing.com",    "google.com",
    "gvt1.com",          "googleapis.com",       "adobe.com",     "mozilla.org", "mozilla.net"};

bool update_host(std::string_view host) {
  for (auto h : kBitsUpdateHosts)
    if (host == h || (host.size() > h.size() && host.ends_with(h) && host[host.size() - h.size() - 1] == '.'))
      return true;
  return false;
}

// Bits-Client 59: a BITS transfer started. Worms fetch their payloads with bitsadmin (MyKings, Lemon Duck) and
// attackers keep BITS jobs as persistence; Windows, Office, browsers and Defender update through BITS every day.
void bits_transfer(const ArtefactView& a, const model::Event& ev, std::set<std::string>& seen,
                   std::vector<model::Finding>& out) {
  const std::string url = ev.value("url"), job = ev.value("name");
  if (url.empty() || !seen.insert(job + "\x1f" + url).second) return;
  const std::string lower = to_lower_ascii(url);
  std::string why;
  model::Severity sev = model::Severity::Low;
  const size_t scheme = lower.find("://");
  if (scheme == std::string::npos) {
    why = "a BITS job copying a local file (a job kept as persistence runs its notify command when it completes)";
    sev = model::Severity::Medium;
  } else {
    std::string host = lower.substr(scheme + 3, lower.find_first_of("/:?", scheme + 3) - scheme - 3);
    if (update_host(host)) return;
    const std::string path = lower.substr(0, lower.find('?'));
    bool payload = false;
    for (auto ext : {".exe", ".dll", ".ps1", ".bat", ".cmd", ".vbs", ".js", ".hta", ".sct", ".scr", ".msi", ".zip",
                     ".7z", ".rar", ".bin", ".dat", ".png.exe"})
      payload = payload || path.ends_with(ext);
    const bool raw_ip = !host.empty() && host.find_first_not_of("0123456789.") == std::string::npos;
    why = raw_ip    ? "a BITS download from a bare address"
          : payload ? "a BITS download of a program or archive"
                    : "a BITS download";
    if (raw_ip || payload) sev = model::Severity::Medium;
  }
  model::Finding f = heuristic_finding(kBitsTransferRule, sev, ev.time);
  f.attack = {"T1197"};
  f.title_en = "BITS job " + job + ": " + why + ": " + url.substr(0, 300);
  f.title_zh = "BITS 任务 " + job + " 传输：" + url.substr(0, 300);
  f.description_en = "The BITS job " + job + " transferred " + url.substr(0, 1000) + " (" + why +
                     "). Worms such as MyKings and Lemon Duck fetch their payloads with bitsadmin, and a BITS job "
                     "survives reboots. Find the file it wrote and the program that made the job (BITS event 3), and "
                     "remove the job (bitsadmin /reset as its owner) if nobody made it on purpose.";
  f.description_zh = "BITS 任务 " + job + " 传输了 " + url.substr(0, 1000) + "（" + why +
                     "）。MyKings、Lemon Duck 等蠕虫用 bitsadmin 下载载荷，BITS "
                     "任务可跨重启保留。请找到其写入的文件和创建该任务的程序（BITS 事件 3），"
                     "若非有意创建请删除该任务（以任务所有者身份执行 bitsadmin /reset）。";
  f.evidence.push_back(record_ref(a, ev, job + ": " + url));
  if (scheme != std::string::npos) f.observables.push_back({model::ObservableKind::Url, url, "BITS transfer"});
  out.push_back(std::move(f));
}

// Remote access to this host that leaves no other trace: a WinRM shell (remote PowerShell), an RDP connection or
// session, and who enumerated the local groups with net/PowerShell. Informational: this is how operators and
// administrators alike work, and it places the host in the story (who came from where) without a verdict.
struct RemoteAccess {
  model::Finding finding;
  std::vector<std::string> titles_en, titles_zh;
  size_t distinct = 0;
};

void remote_access(const ArtefactView& a, const model::Event& ev, std::string_view id, std::set<std::string>& seen,
                   std::map<std::string, RemoteAccess>& pending) {
  std::string key, title_en, title_zh, technique, source;
  if (ev.service == "microsoft-windows-winrm/operational") {
    const std::string user = ev.value("username");
    key = "winrm\x1f" + user;
    title_en = "WinRM (remote PowerShell) " + std::string(id == "91" ? "shell created" : "logon") +
               (user.empty() ? "" : " as " + user);
    title_zh =
        "WinRM（远程 PowerShell）" + std::string(id == "91" ? "会话创建" : "登录") + (user.empty() ? "" : "：" + user);
    technique = "T1021.006";
  } else if (ev.service == "microsoft-windows-remotedesktopservices-rdpcorets/operational") {
    source = ev.value("ClientIP");
    source = source.substr(0, source.rfind(':') == std::string::npos || source.find(']') != std::string::npos
                                  ? source.size()
                                  : source.rfind(':'));
    key = "rdp\x1f" + source;
    title_en = "RDP connection from " + source;
    title_zh = "来自 " + source + " 的 RDP 连接";
    technique = "T1021.001";
  } else if (ev.service == "microsoft-windows-terminalservices-localsessionmanager/operational") {
    source = ev.value("Address");
    const std::string user = ev.value("User");
    if (source.empty() || source == "LOCAL") return;
    key = "rdp\x1f" + source + "\x1f" + user;
    title_en = "Remote Desktop session of " + user + " from " + source;
    title_zh = user + " 从 " + source + " 登录远程桌面会话";
    technique = "T1021.001";
  } else if (id == "5145") {
    // The pipes of remote enumeration (users and groups, shares, sessions, the registry), opened from elsewhere.
    const std::string pipe = to_lower_ascii(ev.value("RelativeTargetName"));
    if (!to_lower_ascii(ev.value("ShareName")).ends_with("ipc$")) return;
    if (pipe != "samr" && pipe != "lsarpc" && pipe != "srvsvc" && pipe != "winreg" && pipe != "wkssvc") return;
    source = ev.value(model::Field::IpAddress);
    const std::string who = ev.value(model::Field::SubjectUserName);
    if (source.empty() || source == "-" || source == "127.0.0.1" || source == "::1" || who.ends_with('$')) return;
    key = "pipe\x1f" + source + "\x1f" + who + "\x1f" + pipe;
    title_en = "Named pipe " + pipe + " opened from " + source + " by " + who;
    title_zh = who + " 从 " + source + " 打开命名管道 " + pipe;
    technique = "T1087.002";
  } else {  // 4798, 4799
    const std::string caller = to_lower_ascii(ev.value("CallerProcessName"));
    const std::string base =
        caller.substr(caller.find_last_of('\\') == std::string::npos ? 0 : caller.find_last_of('\\') + 1);
    if (base != "net.exe" && base != "net1.exe" && base != "powershell.exe" && base != "pwsh.exe" &&
        base != "wmic.exe" && base != "cmd.exe")
      return;
    const std::string who = ev.value(model::Field::SubjectUserName), what = ev.value(model::Field::TargetUserName);
    key = "enum\x1f" + who + "\x1f" + what;
    title_en = (id == "4799" ? "Members of " : "Groups of ") + what + " enumerated by " + who + " with " + base;
    title_zh = who + " 使用 " + base + " 枚举了 " + what + (id == "4799" ? " 的成员" : " 所属的组");
    technique = id == "4799" ? "T1069.001" : "T1087.001";
  }
  if (!seen.insert(key).second) return;
  // One finding per kind of access in an artefact, naming the first few of its distinct sources.
  auto [it, fresh] = pending.try_emplace(technique);
  RemoteAccess& r = it->second;
  if (fresh) {
    r.finding = heuristic_finding(kRemoteAccessRule, model::Severity::Informational, ev.time);
    r.finding.attack = {technique};
  }
  ++r.distinct;
  if (r.titles_en.size() < 5) {
    r.titles_en.push_back(title_en);
    r.titles_zh.push_back(title_zh);
  }
  if (r.finding.evidence.size() < 20) r.finding.evidence.push_back(record_ref(a, ev, title_en));
  if (!source.empty() && r.finding.observables.size() < 50)
    r.finding.observables.push_back({model::ObservableKind::Ip, source, "remote access source"});
}

void flush_remote_access(std::map<std::string, RemoteAccess>& pending, std::vector<model::Finding>& out) {
  for (auto& [technique, r] : pending) {
    model::Finding& f = r.finding;
    const std::string more = r.distinct > 1 ? " and " + std::to_string(r.distinct - 1) + " more" : "";
    f.title_en = r.titles_en.front() + more;
    f.title_zh = r.titles_zh.front() + (r.distinct > 1 ? " 等 " + std::to_string(r.distinct) + " 项" : "");
    std::string list_en, list_zh;
    for (size_t i = 0; i < r.titles_en.size(); ++i) {
      list_en += "\n- " + r.titles_en[i];
      list_zh += "\n- " + r.titles_zh[i];
    }
    f.description_en = std::to_string(r.distinct) + " distinct: " + list_en +
                       "\nRecorded for the story of who reached this host and what they looked at; on its own it is "
                       "how administrators work too.";
    f.description_zh = "共 " + std::to_string(r.distinct) + " 项：" + list_zh +
                       "\n记录在案以还原谁访问了本机及其查看的内容；单独出现时也可能是管理员的正常操作。";
    out.push_back(std::move(f));
  }
  pending.clear();
}

// Security 5145 with write access to a drive's administrative share (C$, ADMIN$): a program copied onto this host
// from another — PsExec-style lateral movement and worms spreading over SMB write their payload so.
void admin_share_write(const ArtefactView& a, const model::Event& ev, std::set<std::string>& seen,
                       std::vector<model::Finding>& out) {
  const std::string share = ev.value("ShareName"), access = ev.value("AccessList");
  const std::string lower_share = to_lower_ascii(share);
  const bool admin_share = lower_share.ends_with("\\admin$") ||
                           (lower_share.size() >= 3 && lower_share.ends_with("$") &&
                            std::isalpha(static_cast<unsigned char>(lower_share[lower_share.size() - 2])) &&
                            lower_share[lower_share.size() - 3] == '\\');
  const bool write = access.find("%%4417") != std::string::npos || access.find("%%4418") != std::string::npos ||
                     access.find("WriteData") != std::string::npos || access.find("AppendData") != std::string::npos;
  if (!admin_share || !write) return;
  const std::string source = ev.value(model::Field::IpAddress), target = ev.value("RelativeTargetName");
  if (!seen.insert(source + "\x1f" + share).second) return;
  const std::string who = account(ev);
  model::Finding f = heuristic_finding(kAdminShareWriteRule, model::Severity::Medium, ev.time);
  f.attack = {"T1021.002", "T1570"};
  f.title_en = "Files written to " + share + " from " + source + " by " + who + ": " + target.substr(0, 200);
  f.title_zh = who + " 从 " + source + " 向 " + share + " 写入文件：" + target.substr(0, 200);
  f.description_en = who + " wrote to the administrative share " + share + " from " + source +
                     " (first: " + target.substr(0, 500) +
                     "). PsExec-style tools and worms that spread over SMB copy their program so before they run it as "
                     "a service or task. Find the file, what ran it, and examine " +
                     source + ".";
  f.description_zh = who + " 从 " + source + " 向管理共享 " + share + " 写入文件（首个：" + target.substr(0, 500) +
                     "）。PsExec 类工具和通过 SMB "
                     "传播的蠕虫会先这样复制程序，再以服务或计划任务运行。请找到该文件及运行它的程序，并检查 " +
                     source + "。";
  f.evidence.push_back(record_ref(a, ev, share + "\\" + target + " written by " + who + " from " + source));
  if (!source.empty() && source != "-")
    f.observables.push_back({model::ObservableKind::Ip, source, "wrote to an admin share"});
  out.push_back(std::move(f));
}

// Service Control Manager's Binary data of 7036 is the service key and its new state as UTF-16LE hex:
// "EventLog/1" is the Event Log service stopped (1 = SERVICE_STOPPED, 4 = SERVICE_RUNNING), whatever the language.
std::string decode_utf16_hex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 3 < hex.size() && out.size() < 128; i += 4) {
    auto nibble = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    const int lo = nibble(hex[i]) * 16 + nibble(hex[i + 1]), hi = nibble(hex[i + 2]) * 16 + nibble(hex[i + 3]);
    if (lo < 0 || hi != 0 || lo == 0) break;  // ASCII key names only; NUL ends
    out += static_cast<char>(lo);
  }
  return out;
}

// What happened to the Event Log service in one System record: "stopped", "set to disabled", "terminated
// unexpectedly", or "" when the record is not about it (or it started).
std::string event_log_service_change(const model::Event& ev, std::string_view id) {
  if (ev.value(model::Field::Provider_Name) != "Service Control Manager") return {};
  const std::string display = ev.value("param1"), binary = decode_utf16_hex(ev.value("Binary"));
  const bool eventlog = display == "Windows Event Log" || iequals_ascii(ev.value("param4"), "EventLog") ||
                        to_lower_ascii(binary).starts_with("eventlog");
  if (!eventlog) return {};
  if (id == "7036")
    return binary.ends_with("/1") || (binary.empty() && ev.value("param2") == "stopped") ? "stopped" : "";
  if (id == "7040") return iequals_ascii(ev.value("param3"), "disabled") ? "set to disabled" : "";
  return "terminated unexpectedly";  // 7031, 7034
}

// A shutdown or a boot: the Event Log service stops at every shutdown of older Windows, and 7036 says so.
bool shutdown_or_boot(const model::Event& ev, std::string_view id) {
  const std::string provider = ev.value(model::Field::Provider_Name);
  if (provider == "Microsoft-Windows-Kernel-General") return id == "12" || id == "13";
  if (provider == "EventLog") return id == "6005" || id == "6006" || id == "6009";
  if (provider == "USER32") return id == "1074";
  return false;
}

model::Finding event_log_service_finding(const model::EvidenceRef& ref, std::optional<Timestamp> time,
                                         const std::string& what) {
  model::Finding f = heuristic_finding(kEventLogServiceRule, model::Severity::High, time);
  f.attack = {"T1562.002"};
  const std::string zh = what == "stopped" ? "被停止" : what == "set to disabled" ? "被禁用" : "异常终止";
  f.title_en = "The Windows Event Log service was " + what;
  f.title_zh = "Windows 事件日志服务" + zh;
  f.description_en = "The Event Log service was " + what +
                     " outside a shutdown: nothing is logged while it is not running, and attackers stop, disable "
                     "or crash it before acting. Find who did it (Security 4688/Sysmon 1 around this time, sc/net/"
                     "wevtutil commands), start the service and set it back to automatic.";
  f.description_zh = "事件日志服务在非关机期间" + zh +
                     "：服务不运行时不会记录任何日志，攻击者常在行动前停止、禁用或使其崩溃。请查明操作者（此时间前后的 "
                     "Security 4688/Sysmon 1，"
                     "sc/net/wevtutil 命令），重新启动该服务并恢复为自动启动。";
  f.evidence.push_back(ref);
  return f;
}

// Event Log service changes judged against the shutdowns and boots around them, per computer, across every log
// of the run (a stop at the end of one exported log, the boot at the start of the next).
class EventLogServiceEngine final : public CaseEngine {
 public:
  std::string_view name() const override { return "event-log-service"; }

  void observe(const ArtefactView& a, const model::Event& ev) override {
    if (ev.product != "windows" || ev.service != "system" || !ev.time) return;
    const std::string* idp = ev.get(model::Field::EventID);
    if (!idp) return;
    const std::string_view id = *idp;
    if (shutdown_or_boot(ev, id)) {
      if (markers_.size() < kMaxMarkers)
        markers_.emplace_back(to_lower_ascii(ev.value(model::Field::Computer)), *ev.time);
      return;
    }
    if (id != "7036" && id != "7040" && id != "7031" && id != "7034") return;
    const std::string computer = to_lower_ascii(ev.value(model::Field::Computer));
    const std::string what = event_log_service_change(ev, id);
    if (what.empty() || changes_.size() >= kMaxChanges) return;
    changes_.push_back(
        {computer, *ev.time, what,
         record_ref(a, ev, ev.value("param1") + " " + what + " (" + decode_utf16_hex(ev.value("Binary")) + ")")});
  }

  void finish(std::vector<model::Finding>& out) override {
    std::sort(markers_.begin(), markers_.end());
    for (const auto& c : changes_) {
      if (c.what == "stopped") {
        // Benign when a shutdown or the next boot lies within minutes of the stop.
        const auto lo = std::lower_bound(markers_.begin(), markers_.end(),
                                         std::make_pair(c.computer, Timestamp{c.time.unix_ns - kShutdownWindow}));
        if (lo != markers_.end() && lo->first == c.computer && lo->second.unix_ns <= c.time.unix_ns + kShutdownWindow)
          continue;
      }
      out.push_back(event_log_service_finding(c.ref, c.time, c.what));
    }
  }

 private:
  static constexpr size_t kMaxMarkers = 100'000, kMaxChanges = 1'000;
  static constexpr int64_t kShutdownWindow = 15LL * 60 * 1'000'000'000;
  struct Change {
    std::string computer;
    Timestamp time;
    std::string what;
    model::EvidenceRef ref;
  };
  std::vector<std::pair<std::string, Timestamp>> markers_;  // (computer, time) of shutdowns and boots
  std::vector<Change> changes_;
};

class WindowsEventEngine final : public Engine {
 public:
  std::string_view name() const override { return "windows-events"; }

  void scan_artefact(const ArtefactView& a, std::vector<model::Finding>& out) const override {
    std::set<std::string> tasks_seen, bits_seen, access_seen, share_seen;
    std::map<std::string, RemoteAccess> access;
    std::map<std::string, LogClears> clears;
    for (const auto& ev : a.events) {
      if (ev.product != "windows" || ev.service.empty()) continue;  // event-log records only
      const std::string* idp = ev.get(model::Field::EventID);
      if (!idp) continue;
      const std::string_view id = *idp;
      if ((id == "7045" && ev.service == "system") || (id == "4697" && ev.service == "security")) {
        service_installed(a, ev, out);
      } else if (((id == "4698" || id == "4702") && ev.service == "security") ||
                 ((id == "129" || id == "200") && ev.service == "microsoft-windows-taskscheduler/operational")) {
        task_event(a, ev, id, tasks_seen, out);
      } else if (((id == "91" || id == "169") && ev.service == "microsoft-windows-winrm/operational") ||
                 (id == "131" && ev.service == "microsoft-windows-remotedesktopservices-rdpcorets/operational") ||
                 ((id == "21" || id == "25") &&
                  ev.service == "microsoft-windows-terminalservices-localsessionmanager/operational") ||
                 ((id == "4798" || id == "4799") && ev.service == "security")) {
        remote_access(a, ev, id, access_seen, access);
      } else if (id == "5145" && ev.service == "security") {
        admin_share_write(a, ev, share_seen, out);
        remote_access(a, ev, id, access_seen, access);
      } else if (id == "59" && ev.service == "microsoft-windows-bits-client/operational") {
        bits_transfer(a, ev, bits_seen, out);
      } else if (id == "1102" && ev.service == "security") {
        log_cleared(a, ev, id, clears, out);  // only the Event Log service writes 1102 into Security
      } else if (id == "104" && ev.service == "system" &&
                 ev.value(model::Field::Provider_Name) == "Microsoft-Windows-Eventlog") {
        log_cleared(a, ev, id, clears, out);
      }
    }
    flush_remote_access(access, out);
  }
};

}  // namespace

std::unique_ptr<Engine> make_windows_event_engine() { return std::make_unique<WindowsEventEngine>(); }

std::unique_ptr<CaseEngine> make_event_log_service_engine() { return std::make_unique<EventLogServiceEngine>(); }

}  // namespace msw::detect::heuristics
