#include "detect/heuristics/windows_persistence.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <set>

#include "core/ip.h"
#include "core/text.h"
#include "detect/heuristics/finding.h"
#include "detect/heuristics/windows_commands.h"

namespace msw::detect::heuristics {
namespace {

bool autostart_target(std::string_view target_lower) {
  for (auto k : {"\\currentversion\\run\\", "\\currentversion\\runonce\\", "\\currentversion\\runservices",
                 "\\policies\\explorer\\run\\", "\\winlogon\\shell", "\\winlogon\\userinit", "\\appinit_dlls",
                 "\\imagepath", "\\parameters\\servicedll", "\\windows\\load", "\\windows\\run"})
    if (target_lower.find(k) != std::string_view::npos) return true;
  return false;
}

constexpr std::string_view kPublicResolvers[] = {"223.5.5.5", "223.6.6.6", "8.8.8.8",   "8.8.4.4", "114.114.114.114",
                                                 "114.114.115.115", "1.1.1.1", "1.0.0.1", "9.9.9.9", "180.76.76.76",
                                                 "119.29.29.29"};

// WannaMine 4.0's service (Sangfor, CrowdStrike; data/kb/family-wannamine.yaml): a name of three words from short
// lists — Windows|Microsoft|Network|Remote|Function|Secure|Application, then Update|Time|NetBIOS|RPC|Protocol|SSDP|
// UPnP, then Service|Host|Client|Event|Manager|Helper|System — hosted by svchost with a ServiceDll of the same name in
// System32 or SysWOW64. Windows has no service of that shape whose DLL carries the service's own name.
bool wannamine_service_name(std::string_view name) {
  static constexpr std::string_view w1[] = {"Windows", "Microsoft", "Network", "Remote", "Function", "Secure", "Application"};
  static constexpr std::string_view w2[] = {"Update", "Time", "NetBIOS", "RPC", "Protocol", "SSDP", "UPnP"};
  static constexpr std::string_view w3[] = {"Service", "Host", "Client", "Event", "Manager", "Helper", "System"};
  for (auto a : w1) {
    if (!name.starts_with(a)) continue;
    const std::string_view rest = name.substr(a.size());
    for (auto b : w2) {
      if (!rest.starts_with(b)) continue;
      for (auto c : w3)
        if (rest.substr(b.size()) == c) return true;
    }
  }
  return false;
}

void wannamine_service(const ArtefactView& a, const model::Event& ev, std::vector<model::Finding>& out) {
  const std::string service = ev.value("ServiceName"), dll = ev.value("Details");
  if (!wannamine_service_name(service)) return;
  const std::string lower = to_lower_ascii(dll);
  const std::string own = "\\" + to_lower_ascii(service) + ".dll";
  if (!lower.ends_with(own) || (lower.find("\\system32\\") == std::string::npos && lower.find("\\syswow64\\") == std::string::npos))
    return;
  model::Finding f = heuristic_finding(kWannaMineServiceRule, model::Severity::Critical, ev.time);
  f.family = "wannamine";  // the shape is this family's own
  f.attack = {"T1543.003"};
  f.title_en = "WannaMine-style service " + service + " loads " + dll;
  f.title_zh = "疑似 WannaMine 服务 " + service + " 加载 " + dll;
  f.description_en = "The service " + service + " (start " + ev.value("StartType") + ") is hosted by svchost with the "
                     "ServiceDll " + dll + ". WannaMine 4.0 installs exactly this: a service named from three fixed "
                     "word lists with a DLL of the same name in System32, which launches the EternalBlue kit in "
                     "C:\\Windows\\NetworkDistribution and the miner dllhostex.exe. Stop and disable the service, "
                     "quarantine the DLL (and its SysWOW64 twin), rdpkax.xsl, dllhostex.exe and NetworkDistribution, then "
                     "install MS17-010.";
  f.description_zh = "服务 " + service + "（启动类型 " + ev.value("StartType") + "）由 svchost 承载，ServiceDll 为 " + dll +
                     "。WannaMine 4.0 正是如此：服务名由三组固定词拼成，同名 DLL 位于 System32，用于启动 "
                     "C:\\Windows\\NetworkDistribution 中的永恒之蓝攻击包和挖矿程序 dllhostex.exe。请停止并禁用该服务，隔离该 DLL"
                     "（及 SysWOW64 下的同名文件）、rdpkax.xsl、dllhostex.exe 和 NetworkDistribution 目录，然后安装 MS17-010 补丁。";
  f.evidence.push_back({std::string(a.path), std::string(a.sha256), ev.offset, 0, 0,
                        ev.value("TargetObject") + " = " + dll + (ev.time ? ", key written " + to_iso8601(*ev.time, 0) : "")});
  f.observables.push_back({model::ObservableKind::Service, service, "WannaMine service"});
  f.observables.push_back({model::ObservableKind::FilePath, dll, "service DLL"});
  f.actions.push_back({model::ActionKind::RemoveService, service, "Stop, disable and delete the service " + service + ".",
                       "停止、禁用并删除服务 " + service + "。"});
  f.actions.push_back({model::ActionKind::QuarantineFile, dll, "Move " + dll + " into quarantine.", "将 " + dll + " 移入隔离区。"});
  out.push_back(std::move(f));
}

// A task whose TaskCache Tree key has no security descriptor: invisible to schtasks and the Task Scheduler, still
// run by the service.
void hidden_task(const ArtefactView& a, const model::Event& ev, std::vector<model::Finding>& out) {
  if (ev.value("TaskSdRemoved") != "true") return;
  const std::string name = ev.value("TaskName"), command = ev.value("CommandLine");
  model::Finding f = heuristic_finding(kHiddenTaskRule, model::Severity::High, ev.time);
  f.attack = {"T1053.005", "T1564"};
  f.title_en = "Scheduled task " + name + " hidden by removing its security descriptor" + (command.empty() ? "" : ": " + command);
  f.title_zh = "计划任务 " + name + " 的安全描述符被删除以隐藏自身" + (command.empty() ? "" : "：" + command);
  f.description_en = "The task cache in SOFTWARE lists " + name + " without its SD value, so schtasks and the Task "
                     "Scheduler do not show it while the service still runs it" + (command.empty() ? "" : " (\"" + command + "\")") +
                     ". Nothing legitimate does this. Export the TaskCache keys for the report, then delete the task's "
                     "Tree and Tasks keys (and its file under System32\\Tasks) as SYSTEM.";
  f.description_zh = "SOFTWARE 中的任务缓存里，" + name + " 缺少 SD 值，因此 schtasks 和任务计划程序都看不到它，但服务仍会执行" +
                     (command.empty() ? "" : "（“" + command + "”）") + "。正常软件不会这样做。请导出 TaskCache 相关键留证，然后以 SYSTEM 身份删除该任务的 Tree 与 Tasks 键（以及 System32\\Tasks 下的文件）。";
  f.evidence.push_back({std::string(a.path), std::string(a.sha256), ev.offset, 0, 0,
                        "TaskCache\\Tree" + name + " (no SD)" + (command.empty() ? "" : ": " + command)});
  f.observables.push_back({model::ObservableKind::ScheduledTask, name, "hidden task"});
  f.actions.push_back({model::ActionKind::RemoveScheduledTask, name,
                       "Delete the hidden task " + name + " (its TaskCache Tree and Tasks keys, as SYSTEM).",
                       "删除隐藏计划任务 " + name + "（以 SYSTEM 身份删除其 TaskCache 的 Tree 与 Tasks 键）。"});
  quarantine_dropped(f, command);
  out.push_back(std::move(f));
}

void task(const ArtefactView& a, const model::Event& ev, std::vector<model::Finding>& out) {
  TaskSighting t;
  t.command = ev.value("CommandLine");
  const CommandJudgement judged = judge_windows_command(t.command);
  if (!judged.suspicious()) return;
  t.name = ev.value("TaskName");
  t.triggers = ev.value("TaskTriggers");
  t.user = ev.value("User");
  t.hidden = ev.value("TaskHidden") == "true";
  t.time = ev.time;
  t.evidence = {std::string(a.path),
                std::string(a.sha256),
                ev.offset,
                0,
                0,
                t.name + ": " + t.command + (t.triggers.empty() ? "" : " [" + t.triggers + "]")};
  out.push_back(suspicious_task_finding(t, judged));
}

// A Prefetch file (or an Amcache entry) proves the program ran; where it ran from is the signal. Installers run from
// Temp every day, so only the folders no legitimate program lives in (debug, inf, Fonts, Help, System, Public, the
// recycle bin) or a Windows name outside System32 make it high; Temp, AppData and ProgramData make a Prefetch record
// low.
void executed_from(const ArtefactView& a, const model::Event& ev, std::vector<model::Finding>& out) {
  const bool prefetch = ev.category == "prefetch_execution";
  if (prefetch && ev.value("RunIndex") != "1") return;  // one finding per file, not per recorded run
  const std::string image = ev.value("Image");
  const CommandJudgement judged = judge_windows_command(image);
  if (!judged.suspicious()) return;
  const std::string& why = judged.why;
  const bool strong = judged.weight == CommandJudgement::Weight::Strong;
  // Amcache remembers every installer and tool that ever ran from Temp or ProgramData (chocolatey, vendor agents):
  // there only the strong places count. A Prefetch file is one program's recent runs: the weak places are low.
  if (!prefetch && !strong) return;
  const std::string runs = prefetch ? ev.value("RunCount") : "";
  model::Finding f = heuristic_finding(kPrefetchSuspiciousRule, strong ? model::Severity::High : model::Severity::Low, ev.time);
  f.attack = {"T1204.002"};
  f.title_en = "Program ran from a suspicious place (" + why + "): " + image;
  f.title_zh = "程序从可疑位置运行过：" + image;
  f.description_en = (prefetch ? "Windows Prefetch shows that " + image + " ran " + runs + " time(s), last at the time given ("
                               : "Amcache recorded that " + image + " ran (" + ev.value("Hashes") + "; ") + why +
                     "). Worms such as MyKings start their droppers and miners from C:\\Windows\\debug, inf or Temp. "
                     "Find the file, hash it and check it against the knowledge base; if it is still there, "
                     "quarantine it.";
  f.description_zh = (prefetch ? "Windows 预读（Prefetch）文件表明 " + image + " 运行过 " + runs + " 次（"
                               : "Amcache 记录了 " + image + " 曾运行（" + ev.value("Hashes") + "；") + why +
                     "）。MyKings 等蠕虫常从 C:\\Windows\\debug、inf 或 Temp 启动下载器和挖矿程序。请找到该文件、计算哈希并与知识库比对，如仍存在请隔离。";
  f.evidence.push_back({std::string(a.path), std::string(a.sha256), ev.offset, 0, 0,
                        image + (prefetch ? ", run " + runs + " time(s)" : " " + ev.value("Hashes")) +
                            (ev.time ? ", last " + to_iso8601(*ev.time, 0) : "")});
  f.observables.push_back({model::ObservableKind::FilePath, image, prefetch ? "prefetch" : "amcache"});
  if (strong) {
    // Prefetch records the path without its drive; the system volume is the one worms drop on.
    const std::string on_host = image.starts_with("\\") ? "C:" + image : image;
    f.actions.push_back({model::ActionKind::QuarantineFile, on_host, "Move " + on_host + " into quarantine if it is still there.",
                         "如 " + on_host + " 仍存在，将其移入隔离区。"});
  }
  out.push_back(std::move(f));
}

// A program or script in a Startup folder runs at every logon. Shortcuts are how installers use the folder and
// are left to the knowledge base; scripts and programs there are worth a look, and a script that fetches or runs
// code from a drop folder is a foothold.
void startup_item(const ArtefactView& a, const model::Event& ev, std::vector<model::Finding>& out) {
  const std::string name = ev.value("Image"), lower = to_lower_ascii(name), command = ev.value("CommandLine");
  bool runnable = false;
  for (auto ext : {".bat", ".cmd", ".vbs", ".vbe", ".js", ".jse", ".wsf", ".hta", ".ps1", ".exe", ".scr", ".pif", ".com"})
    runnable = runnable || lower.ends_with(ext);
  if (!runnable) return;
  const CommandJudgement judged = judge_windows_command(command);
  const std::string& why = judged.why;
  model::Finding f = heuristic_finding(
      kStartupItemRule,
      judged.weight == CommandJudgement::Weight::Strong ? model::Severity::High : model::Severity::Medium, ev.time);
  f.attack = {"T1547.001"};
  f.title_en = "Startup folder runs " + name + (why.empty() ? "" : " (" + why + ")");
  f.title_zh = "启动文件夹中的 " + name + " 会在登录时运行" + (why.empty() ? "" : "（" + why + "）");
  f.description_en = ev.value("TargetFilename") + " runs at every logon" + (command.empty() ? "" : ": \"" + command.substr(0, 500) + "\"") +
                     ". Worms drop scripts and programs here to come back after a reboot. If nobody installed it on "
                     "purpose, quarantine the file.";
  f.description_zh = ev.value("TargetFilename") + " 会在每次登录时运行" + (command.empty() ? "" : "：“" + command.substr(0, 500) + "”") +
                     "。蠕虫常在此放置脚本或程序以便重启后再次运行。若非有意安装，请隔离该文件。";
  f.evidence.push_back({std::string(a.path), std::string(a.sha256), 0, 0, 0, name + (command.empty() ? "" : ": " + command.substr(0, 300))});
  f.observables.push_back({model::ObservableKind::FilePath, ev.value("TargetFilename"), "startup folder"});
  f.actions.push_back({model::ActionKind::QuarantineFile, ev.value("TargetFilename"),
                       "Move " + name + " out of the Startup folder into quarantine.", "将 " + name + " 从启动文件夹移入隔离区。"});
  quarantine_dropped(f, command);
  out.push_back(std::move(f));
}

class WindowsPersistenceEngine final : public Engine {
 public:
  std::string_view name() const override { return "windows-persistence"; }

  void scan_artefact(const ArtefactView& a, std::vector<model::Finding>& out) const override {
    std::set<std::string> dns_seen;
    for (const auto& ev : a.events) {
      if (ev.category == "scheduled_task") {
        task(a, ev, out);
        hidden_task(a, ev, out);
        continue;
      }
      if (ev.category == "startup_item") {
        startup_item(a, ev, out);
        continue;
      }
      if (ev.category == "prefetch_execution" || ev.category == "amcache_entry") {
        executed_from(a, ev, out);
        continue;
      }
      // From a hive, or as Sysmon logged the change (event 13, same fields): a Run key or DNS server set on a live
      // system shows in the log even when the hive was not collected.
      const bool sysmon_set = ev.service == "microsoft-windows-sysmon/operational" && ev.value(model::Field::EventID) == "13";
      if (ev.category != "registry_set" && !sysmon_set) continue;
      const std::string target = ev.value("TargetObject"), details = ev.value("Details");
      const std::string lower = to_lower_ascii(target);
      auto evidence = [&](model::Finding& f, const std::string& what) {
        f.evidence.push_back({std::string(a.path), std::string(a.sha256), ev.offset, 0, 0,
                              target + " = " + details + (what.empty() ? "" : " (" + what + ")") +
                                  (ev.value("RegistryRecovered").empty() ? "" : " [recovered from a deleted key]") +
                                  (ev.time ? ", key written " + to_iso8601(*ev.time, 0) : "")});
      };
      if (lower.find("\\image file execution options\\") != std::string::npos && lower.ends_with("\\debugger") &&
          !details.empty()) {
        model::Finding f = heuristic_finding(kIfeoDebuggerRule, model::Severity::High, ev.time);
        f.attack = {"T1546.012"};
        const std::string exe = target.substr(0, target.rfind('\\'));
        const std::string image = exe.substr(exe.rfind('\\') + 1);
        f.title_en = "Image File Execution Options debugger for " + image + ": " + details;
        f.title_zh = image + " 被设置了映像劫持调试器（IFEO Debugger）：" + details;
        f.description_en = "Windows starts \"" + details + "\" whenever " + image + " is run: a classic way to persist "
                           "or to block security tools. Unless it is a debugger an administrator set on purpose, "
                           "delete the Debugger value and examine the program it names.";
        f.description_zh = "每当运行 " + image + " 时，Windows 都会启动“" + details +
                           "”：这是常见的持久化或阻止安全工具运行的手法。除非是管理员有意设置的调试器，否则请删除该 Debugger 值并分析其指向的程序。";
        evidence(f, "");
        f.observables.push_back({model::ObservableKind::RegistryKey, target, "IFEO debugger"});
        f.actions.push_back({model::ActionKind::RemoveAutorun, target, "Delete the value " + target + ".",
                             "删除注册表值 " + target + "。", details});
        quarantine_dropped(f, details);
        out.push_back(std::move(f));
        continue;
      }
      if (lower.ends_with("\\nameserver") && !details.empty()) {
        std::string publics;
        for (auto r : kPublicResolvers)
          if (("," + details + ",").find("," + std::string(r) + ",") != std::string::npos ||
              (" " + details + " ").find(" " + std::string(r) + " ") != std::string::npos)
            publics += (publics.empty() ? "" : ", ") + std::string(r);
        if (!publics.empty() && dns_seen.insert(details).second) {
          model::Finding f = heuristic_finding(kPublicDnsRule, model::Severity::Medium, ev.time);
          f.attack = {"T1565.001"};
          f.title_en = "DNS servers set by hand to public resolvers: " + details;
          f.title_zh = "DNS 服务器被手动设置为公共解析服务器：" + details;
          f.description_en = "An interface's DNS servers are fixed to " + details + " (" + publics +
                             " are public resolvers). MyKings forces 223.5.5.5/8.8.8.8 so its domains resolve past "
                             "the company's DNS filtering. If the organisation did not set this, restore the DHCP or "
                             "internal DNS servers and look for what else changed at " +
                             (ev.time ? to_iso8601(*ev.time, 0) : std::string("that time")) + ".";
          f.description_zh = "某网卡的 DNS 服务器被固定为 " + details + "（其中 " + publics +
                             " 为公共解析服务器）。MyKings 会强制设置 223.5.5.5/8.8.8.8，以绕过企业 DNS 过滤解析其域名。"
                             "若非单位自行设置，请恢复为 DHCP 或内部 DNS，并排查同一时间的其他改动。";
          evidence(f, "");
          for (auto r : kPublicResolvers)
            if (publics.find(r) != std::string::npos)  // a public resolver: what was forced, not the attacker's
              f.observables.push_back(
                  {model::ObservableKind::Ip, std::string(r), "forced DNS server", model::ObservableRole::Affected});
          f.actions.push_back({model::ActionKind::RestoreDnsSettings, target,
                               "Clear " + target + " (back to DHCP) or set the organisation's DNS servers.",
                               "清除 " + target + "（恢复为 DHCP）或设置为单位的 DNS 服务器。"});
          out.push_back(std::move(f));
        }
        continue;
      }
      if (lower.ends_with("\\parameters\\servicedll")) wannamine_service(a, ev, out);
      if (!autostart_target(lower)) continue;
      const CommandJudgement judged = judge_windows_command(details);
      if (!judged.suspicious()) continue;
      const std::string& why = judged.why;
      const bool service = lower.find("\\services\\") != std::string::npos;
      model::Finding f = heuristic_finding(kRegistryAutostartRule, judged.severity(), ev.time);
      f.attack = {service ? "T1543.003" : "T1547.001"};
      const std::string what_en = service ? "Service " + ev.value("ServiceName") : "Autostart";
      const std::string what_zh = service ? "服务 " + ev.value("ServiceName") : "自启动项";
      f.title_en = what_en + " " + why + ": " + details;
      f.title_zh = what_zh + " 指向可疑程序：" + details;
      f.description_en = target + " starts \"" + details + "\" (" + why + "). Mining worms (MyKings, WannaMine) "
                         "persist this way. Collect the program for analysis, then remove the value (or the service) "
                         "and the file.";
      f.description_zh = target + " 会启动“" + details + "”（" + why + "）。挖矿蠕虫（MyKings、WannaMine）常以此方式持久化。"
                         "请提取该程序进行分析，然后删除该注册表值（或服务）及对应文件。";
      evidence(f, why);
      f.observables.push_back({model::ObservableKind::RegistryKey, target, service ? "service" : "autostart"});
      if (service)
        f.actions.push_back({model::ActionKind::RemoveService, ev.value("ServiceName"),
                             "Stop, disable and delete the service " + ev.value("ServiceName") + ".",
                             "停止、禁用并删除服务 " + ev.value("ServiceName") + "。"});
      else
        f.actions.push_back({model::ActionKind::RemoveAutorun, target, "Delete the value " + target + ".",
                             "删除注册表值 " + target + "。", details});
      quarantine_dropped(f, details);
      out.push_back(std::move(f));
    }
  }
};

}  // namespace

model::Finding suspicious_task_finding(const TaskSighting& t, const CommandJudgement& judged) {
  const std::string& why = judged.why;
  const std::string command = t.command.substr(0, 1000);
  model::Finding f = heuristic_finding(kTaskSuspiciousRule, judged.severity(), t.time);
  f.attack = {"T1053.005"};
  f.title_en = "Scheduled task " + t.name + " " + why + ": " + t.command.substr(0, 300);
  f.title_zh = "计划任务 " + t.name + " 执行可疑命令：" + t.command.substr(0, 300);
  f.description_en =
      "The task " + t.name + (t.hidden ? " (hidden)" : "") +
      (t.how_en.empty() ? " runs \"" : " was " + t.how_en + " to run \"") + command + "\" (" + why + ")" +
      (t.triggers.empty() ? "" : ", triggered " + t.triggers) + (t.user.empty() ? "" : ", as " + t.user) +
      ". Mining worms re-infect through such tasks (MyKings' Mysa*, ok; Lemon Duck's hourly PowerShell). "
      "Export the task for the report, delete it (schtasks /Delete /TN \"" +
      t.name + "\" /F) and remove what it runs.";
  f.description_zh =
      "计划任务 " + t.name + (t.hidden ? "（隐藏）" : "") + (t.how_zh.empty() ? "" : t.how_zh + "，") + "会执行“" +
      command + "”（" + why + "）" + (t.triggers.empty() ? "" : "，触发条件：" + t.triggers) +
      "。挖矿蠕虫借此类任务反复感染（MyKings 的 Mysa*、ok，Lemon Duck 每小时执行的 PowerShell）。请导出该任务留证后删除"
      "（schtasks /Delete /TN \"" +
      t.name + "\" /F），并清除其执行的程序。";
  f.evidence.push_back(t.evidence);
  if (!t.name.empty()) {
    f.observables.push_back({model::ObservableKind::ScheduledTask, t.name, "task"});
    f.actions.push_back({model::ActionKind::RemoveScheduledTask, t.name,
                         "Export, then delete the scheduled task " + t.name + ".",
                         "导出后删除计划任务 " + t.name + "。"});
  }
  quarantine_dropped(f, t.command);
  return f;
}

std::unique_ptr<Engine> make_windows_persistence_engine() { return std::make_unique<WindowsPersistenceEngine>(); }

}  // namespace msw::detect::heuristics
