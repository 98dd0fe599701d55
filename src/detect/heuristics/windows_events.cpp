#include "detect/heuristics/windows_events.h"

#include <algorithm>
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

// System 7045 and Security 4697.
void service_installed(const ArtefactView& a, const model::Event& ev, std::vector<model::Finding>& out) {
  const bool security = ev.service == "security";
  const std::string name = ev.value(model::Field::ServiceName);
  const std::string image = ev.value(security ? "ServiceFileName" : "ImagePath");
  const CommandJudgement judged = judge_windows_command(image);
  if (!judged.suspicious()) return;
  const std::string type = ev.value("ServiceType"), start = ev.value(security ? "ServiceStartType" : "StartType");
  const std::string runs_as = ev.value(security ? "ServiceAccount" : "AccountName");
  model::Finding f = heuristic_finding(kServiceInstalledRule, judged.severity(), ev.time);
  f.attack = {"T1543.003"};
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
    model::Finding f = heuristic_finding(kTaskSuspiciousRule, judged.severity(), ev.time);
    f.attack = {"T1053.005"};
    const std::string what_en = id == "4698"   ? "registered by " + account(ev)
                                : id == "4702" ? "updated by " + account(ev)
                                               : "ran";
    f.title_en = "Scheduled task " + name + " " + judged.why + ": " + command.substr(0, 300);
    f.title_zh = "计划任务 " + name + " 执行可疑命令：" + command.substr(0, 300);
    f.description_en = "The task " + name + " was " + what_en + " to run \"" + command.substr(0, 1000) + "\" (" +
                       judged.why + ")" +
                       (ev.value("TaskTriggers").empty() ? "" : ", triggered " + ev.value("TaskTriggers")) +
                       ". Mining worms re-infect through such tasks (MyKings' Mysa*, ok; Lemon Duck's hourly "
                       "PowerShell). Export the task for the report, delete it (schtasks /Delete /TN \"" +
                       name + "\" /F) and remove what it runs.";
    f.description_zh = "计划任务 " + name + (registered ? " 被创建或修改" : " 运行了") + "，执行“" +
                       command.substr(0, 1000) + "”（" + judged.why +
                       "）。挖矿蠕虫借此类任务反复感染（MyKings 的 Mysa*、ok，Lemon Duck 每小时执行的 PowerShell）。"
                       "请导出该任务留证后删除（schtasks /Delete /TN \"" +
                       name + "\" /F），并清除其执行的程序。";
    f.evidence.push_back(record_ref(a, ev, name + ": " + command));
    if (!name.empty()) {
      f.observables.push_back({model::ObservableKind::ScheduledTask, name, "task"});
      f.actions.push_back({model::ActionKind::RemoveScheduledTask, name,
                           "Export, then delete the scheduled task " + name + ".",
                           "导出后删除计划任务 " + name + "。"});
    }
    quarantine_dropped(f, command);
    out.push_back(std::move(f));
  });
}

// Security 1102 and System 104 (its own Channel field names the log that was cleared).
void log_cleared(const ArtefactView& a, const model::Event& ev, std::string_view id, std::vector<model::Finding>& out) {
  const std::string log = id == "1102" ? std::string("Security") : ev.value(model::Field::Channel);
  const std::string who = account(ev);
  // A clear alone is not a compromise (administrators and log-collection agents clear logs too): suspicious, to be
  // read with whatever else the host shows.
  model::Finding f = heuristic_finding(kEventLogClearedRule, model::Severity::Medium, ev.time);
  f.attack = {"T1070.001"};
  f.title_en = "The " + (log.empty() ? std::string("an event") : log) + " log was cleared by " + who;
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
    const std::string computer = to_lower_ascii(ev.value(model::Field::Computer));
    if (shutdown_or_boot(ev, id)) {
      if (markers_.size() < kMaxMarkers) markers_.emplace_back(computer, *ev.time);
      return;
    }
    if (id != "7036" && id != "7040" && id != "7031" && id != "7034") return;
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
    std::set<std::string> tasks_seen;
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
      } else if (id == "1102" && ev.service == "security") {
        log_cleared(a, ev, id, out);  // only the Event Log service writes 1102 into Security
      } else if (id == "104" && ev.service == "system" &&
                 ev.value(model::Field::Provider_Name) == "Microsoft-Windows-Eventlog") {
        log_cleared(a, ev, id, out);
      }
    }
  }
};

}  // namespace

std::unique_ptr<Engine> make_windows_event_engine() { return std::make_unique<WindowsEventEngine>(); }

std::unique_ptr<CaseEngine> make_event_log_service_engine() { return std::make_unique<EventLogServiceEngine>(); }

}  // namespace msw::detect::heuristics
