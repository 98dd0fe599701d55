#include "detect/heuristics/linux_persistence.h"

#include <algorithm>
#include <regex>

#include "core/text.h"

namespace msw::detect::heuristics {
namespace {

}  // namespace

bool downloads_and_executes(std::string_view command) {
  // Three shapes cover the worms' cron lines: a fetcher piped into an interpreter, an interpreter running a
  // command substitution that fetches, and base64-decoded text piped into a shell.
  static const std::regex kPiped(
      R"((curl|wget|fetch|lwp-download|tftp|python[0-9.]*\s+-c|perl\s+-e|/dev/tcp/).*\|\s*(/[\w./-]*/)?((ba|da|a|z)?sh|python[0-9.]*|perl)\b)",
      std::regex::optimize);
  static const std::regex kSubstituted(R"((\$\(|`)\s*(curl|wget|fetch)\b)", std::regex::optimize);
  static const std::regex kBase64(R"(base64\s+(-d|--decode).*\|\s*(/[\w./-]*/)?(ba|da|a|z)?sh\b)",
                                  std::regex::optimize);
  const std::string lower = to_lower_ascii(command.substr(0, 8192));
  return std::regex_search(lower, kPiped) || std::regex_search(lower, kSubstituted) ||
         std::regex_search(lower, kBase64);
}

namespace {

bool temp_or_hidden_path(std::string_view w) {
  if (w.size() >= 2 && (w.front() == '"' || w.front() == '\'') && w.back() == w.front()) w = w.substr(1, w.size() - 2);
  if (w.starts_with("/tmp/") || w.starts_with("/var/tmp/") || w.starts_with("/dev/shm/")) return true;
  if (!w.starts_with('/')) return false;
  // A hidden component: "/." followed by a name (not "/./" or "/../").
  for (size_t i = w.find("/."); i != std::string_view::npos; i = w.find("/.", i + 1))
    if (i + 2 < w.size() && w[i + 2] != '/' && w[i + 2] != '.') return true;
  return false;
}

// Words that run the next word: `nohup /tmp/x`, `sh /dev/shm/.s`.
constexpr std::string_view kWrappers[] = {"nohup", "exec", "sudo", "setsid", "nice", "ionice", "env", "command",
                                          "timeout", "sh", "bash", "dash", "ash", "zsh", "/bin/sh", "/bin/bash",
                                          "/usr/bin/env", "python", "python2", "python3", "perl", "source", "."};

}  // namespace

bool runs_from_temp_or_hidden(std::string_view command) {
  // Only the command position counts: init scripts mention /tmp/.X11-unix and /dev/shm all the time without running
  // anything from there. Segments split at ; & | ( ) ` and newlines.
  const std::string cmd(command.substr(0, 8192));
  bool cwd_temp = false;  // "cd /tmp/.x && ./run"
  size_t start = 0;
  while (start <= cmd.size()) {
    size_t end = cmd.find_first_of(";&|()`\n", start);
    std::string_view seg = std::string_view(cmd).substr(start, (end == std::string::npos ? cmd.size() : end) - start);
    start = end == std::string::npos ? cmd.size() + 1 : end + 1;
    auto words = split_words(seg);
    size_t i = 0;
    while (i < words.size() && words[i].find('=') != std::string_view::npos && !words[i].starts_with('/')) ++i;  // VAR=x
    while (i < words.size()) {
      std::string_view w = words[i];
      if (w.starts_with('-') || std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        ++i;  // a wrapper's option or number (timeout 60, nice -n 19)
        continue;
      }
      if (std::find(std::begin(kWrappers), std::end(kWrappers), w) != std::end(kWrappers)) {
        ++i;
        continue;
      }
      break;
    }
    if (i >= words.size()) continue;
    std::string_view word = words[i];
    if (word == "cd" && i + 1 < words.size()) {
      cwd_temp = temp_or_hidden_path(words[i + 1]) || words[i + 1] == "/tmp" || words[i + 1] == "/var/tmp" ||
                 words[i + 1] == "/dev/shm";
      continue;
    }
    if (temp_or_hidden_path(word)) return true;
    if (cwd_temp && word.starts_with("./")) return true;
  }
  return false;
}

std::vector<std::string> download_urls(std::string_view command) {
  static const std::regex kUrl(R"((https?|ftp|tftp)://[^\s'"|;)`<>]+)", std::regex::optimize | std::regex::icase);
  std::vector<std::string> urls;
  const std::string cmd(command.substr(0, 8192));
  for (auto it = std::sregex_iterator(cmd.begin(), cmd.end(), kUrl); it != std::sregex_iterator() && urls.size() < 8; ++it)
    if (std::find(urls.begin(), urls.end(), it->str()) == urls.end()) urls.push_back(it->str());
  return urls;
}

bool kills_competitors(std::string_view command) {
  // pkill/killall of a miner's name, a kill loop over processes that burn CPU, or killing whoever holds a pool port.
  static const std::regex kByName(
      R"((pkill|killall|kill\s+-9).*\b(xmrig|xmr-stak|minerd|cpuminer|kdevtmpfsi|kinsing|kworkerds|sysupdate|networkservice|watchbog|dbused|cryptonight|stratum))",
      std::regex::optimize);
  static const std::regex kByCpu(R"(ps\s.*\|.*awk.*\$3\s*>\s*[1-9][0-9].*\|.*kill)", std::regex::optimize);
  static const std::regex kByPort(R"((netstat|ss)\s.*(:3333|:4444|:5555|:7777|:14444|:45700).*(kill|awk))",
                                  std::regex::optimize);
  const std::string lower = to_lower_ascii(command.substr(0, 8192));
  return std::regex_search(lower, kByName) || std::regex_search(lower, kByCpu) || std::regex_search(lower, kByPort);
}

namespace {

class LinuxPersistenceEngine final : public Engine {
 public:
  std::string_view name() const override { return "heuristics.linux_persistence"; }

  void scan_artefact(const ArtefactView& a, std::vector<model::Finding>& out) const override {
    const size_t first = out.size();
    scan_events(a, out);
    merge_repeats(out, first);
  }

 private:
  // A script that kills twenty rivals, or a history full of curl|sh, is one finding with every line as evidence.
  static void merge_repeats(std::vector<model::Finding>& out, size_t first) {
    constexpr size_t kMaxEvidence = 20;
    std::vector<model::Finding> merged;
    for (size_t i = first; i < out.size(); ++i) {
      auto& f = out[i];
      const bool mergeable = f.rule_id != kCronDownloadRule && f.rule_id != kCronTempRule && f.rule_id != kPreloadRule &&
                             f.rule_id != kSudoersRule && f.rule_id != kPromptCommandRule;
      auto same = std::find_if(merged.begin(), merged.end(), [&](const model::Finding& m) {
        return mergeable && m.rule_id == f.rule_id && !m.evidence.empty() && !f.evidence.empty() &&
               m.evidence[0].path == f.evidence[0].path;
      });
      if (same == merged.end()) {
        merged.push_back(std::move(f));
        continue;
      }
      if (same->evidence.size() < kMaxEvidence) same->evidence.push_back(f.evidence[0]);
      if (!same->time || (f.time && *f.time < *same->time)) same->time = f.time;
    }
    for (auto& m : merged)
      if (m.evidence.size() > 1) {
        const std::string n = std::to_string(m.evidence.size()) + (m.evidence.size() == kMaxEvidence ? "+" : "");
        m.title_en += " — " + n + " lines";
        m.title_zh += "——共 " + n + " 行";
      }
    out.resize(first);
    for (auto& m : merged) out.push_back(std::move(m));
  }

  static void scan_events(const ArtefactView& a, std::vector<model::Finding>& out) {
    for (const auto& ev : a.events) {
      if (ev.category == "cron_entry") scan_cron(a, ev, out);
      else if (ev.category == "preload_entry") scan_preload(a, ev, out);
      else if (ev.category == "startup_script" || ev.category == "systemd_unit" || ev.category == "shell_command" ||
               ev.category == "dropped_script")
        scan_autostart(a, ev, out);
      else if (ev.category == "sudoers_rule") scan_sudoers(a, ev, out);
    }
  }

  static model::EvidenceRef ref(const ArtefactView& a, const model::Event& ev) {
    uint64_t line = 0;
    std::string ln = ev.value(model::Field::LineNumber);
    for (char c : ln) line = line * 10 + static_cast<uint64_t>(c - '0');
    return {std::string(a.path), std::string(a.sha256), ev.offset, 0, line, ev.value(model::Field::Message)};
  }

  static void scan_cron(const ArtefactView& a, const model::Event& ev, std::vector<model::Finding>& out) {
    const std::string cmd = ev.value(model::Field::CommandLine);
    const bool download = downloads_and_executes(cmd);
    const bool temp = runs_from_temp_or_hidden(cmd);
    if (kills_competitors(cmd)) {  // judged like any start-up command
      model::Event copy = ev;
      copy.category = "startup_script";
      scan_autostart(a, copy, out);
      if (!download && !temp) return;
    }
    if (!download && !temp) return;
    model::Finding f;
    f.engine = "heuristics";
    f.rule_id = download ? kCronDownloadRule : kCronTempRule;
    f.severity = download ? model::Severity::High : model::Severity::Medium;
    const std::string where = std::string(a.path) + ":" + ev.value(model::Field::LineNumber);
    if (download) {
      f.title_en = "Cron entry downloads and runs code (" + where + ")";
      f.title_zh = "计划任务下载并执行代码（" + where + "）";
      f.description_en = "A scheduled job fetches a script and pipes it to an interpreter, so the host re-infects "
                         "itself on schedule even after the miner is removed: " + cmd;
      f.description_zh = "计划任务下载脚本并通过管道交给解释器执行，即使清除了挖矿程序也会按计划重新感染：" + cmd;
      f.attack = {"T1053.003", "T1105"};  // Scheduled Task/Job: Cron; Ingress Tool Transfer
      for (const auto& url : download_urls(cmd)) f.observables.push_back({model::ObservableKind::Url, url, "cron download"});
    } else {
      f.title_en = "Cron entry runs a program from a temporary or hidden folder (" + where + ")";
      f.title_zh = "计划任务从临时或隐藏目录运行程序（" + where + "）";
      f.description_en = "A scheduled job starts something from /tmp, /var/tmp, /dev/shm or a hidden folder: " + cmd;
      f.description_zh = "计划任务从 /tmp、/var/tmp、/dev/shm 或隐藏目录启动程序：" + cmd;
      f.attack = {"T1053.003"};
    }
    f.evidence.push_back(ref(a, ev));
    f.actions.push_back({model::ActionKind::RemoveCronEntry, where,
                         "Back up " + std::string(a.path) + ", then delete line " +
                             ev.value(model::Field::LineNumber) + " (and stop cron while cleaning, worms re-add it).",
                         "备份 " + std::string(a.path) + " 后删除第 " + ev.value(model::Field::LineNumber) +
                             " 行（清理期间先停止 cron，蠕虫会重新写入）。",
                         ev.value(model::Field::Message), std::string(a.sha256)});
    out.push_back(std::move(f));
  }

  // Boot, login and unit commands (and shell histories, which show what was typed) with the cron line's tests plus
  // competitor killing and PROMPT_COMMAND.
  static void scan_autostart(const ArtefactView& a, const model::Event& ev, std::vector<model::Finding>& out) {
    const std::string cmd = ev.value(model::Field::CommandLine);
    const bool history = ev.category == "shell_command";
    const bool unit = ev.category == "systemd_unit";
    const bool dropped = ev.category == "dropped_script";
    const bool download = downloads_and_executes(cmd);
    const bool temp = !history && !dropped && runs_from_temp_or_hidden(cmd);
    const bool rival = kills_competitors(cmd);
    const bool prompt = !history && cmd.find("PROMPT_COMMAND") != std::string::npos && cmd.find('=') != std::string::npos;
    if (!download && !temp && !rival && !prompt) return;
    const std::string line = ev.value(model::Field::LineNumber);
    const std::string where = std::string(a.path) + ":" + line;
    const std::string what_en = history ? "Shell history"
                                : unit  ? "systemd unit " + ev.value(model::Field::ServiceName)
                                : dropped ? "Script in a temporary folder"
                                          : "Start-up script";
    const std::string what_zh = history ? "Shell 历史"
                                : unit  ? "systemd 服务 " + ev.value(model::Field::ServiceName)
                                : dropped ? "临时目录中的脚本"
                                          : "启动脚本";
    model::Finding f;
    f.engine = "heuristics";
    f.evidence.push_back(ref(a, ev));
    f.time = ev.time;
    if (rival) {
      f.rule_id = kCompetitorKillRule;
      f.severity = model::Severity::High;
      f.title_en = what_en + " kills other miners (" + where + ")";
      f.title_zh = what_zh + "清除其他挖矿程序（" + where + "）";
      f.description_en = "Mining worms kill rival miners and their processes before starting their own; no "
                         "administrator script does this: " + cmd;
      f.description_zh = "挖矿蠕虫在启动自身前会清除竞争对手的矿机进程，正常运维脚本不会这样做：" + cmd;
      f.attack = {"T1489", "T1059.004"};
    } else if (download) {
      f.rule_id = history ? kHistoryDownloadRule : kAutostartDownloadRule;
      f.severity = history ? model::Severity::Medium : model::Severity::High;
      f.title_en = what_en + (history ? " shows code downloaded and run (" : " downloads and runs code (") + where + ")";
      f.title_zh = what_zh + (history ? "显示曾下载并执行代码（" : "下载并执行代码（") + where + "）";
      f.description_en = history ? "Someone ran a fetch-and-execute command on this host: " + cmd
                                 : "This runs at boot, login or on schedule and fetches code to execute, so the host "
                                   "re-infects itself: " + cmd;
      f.description_zh = history ? "有人在本机执行了下载并运行的命令：" + cmd : "该命令在开机、登录或定时执行时下载并运行代码，主机会反复被感染：" + cmd;
      f.attack = history ? std::vector<std::string>{"T1105", "T1059.004"}
                         : std::vector<std::string>{unit ? "T1543.002" : "T1037.004", "T1105"};
      for (const auto& url : download_urls(cmd)) f.observables.push_back({model::ObservableKind::Url, url, "download"});
    } else if (prompt) {
      f.rule_id = kPromptCommandRule;
      f.severity = model::Severity::Medium;
      f.title_en = what_en + " sets PROMPT_COMMAND (" + where + ")";
      f.title_zh = what_zh + "设置了 PROMPT_COMMAND（" + where + "）";
      f.description_en = "PROMPT_COMMAND runs before every shell prompt; worms use it to re-launch themselves whenever "
                         "an administrator logs in: " + cmd;
      f.description_zh = "PROMPT_COMMAND 在每次显示提示符前执行；蠕虫借此在管理员登录时重新启动自身：" + cmd;
      f.attack = {"T1546.004"};
    } else {
      f.rule_id = kAutostartTempRule;
      f.severity = model::Severity::Medium;
      f.title_en = what_en + " runs a program from a temporary or hidden folder (" + where + ")";
      f.title_zh = what_zh + "从临时或隐藏目录运行程序（" + where + "）";
      f.description_en = "Something starts from /tmp, /var/tmp, /dev/shm or a hidden folder at boot or login: " + cmd;
      f.description_zh = "开机或登录时从 /tmp、/var/tmp、/dev/shm 或隐藏目录启动程序：" + cmd;
      f.attack = {unit ? "T1543.002" : "T1037.004"};
    }
    if (dropped)
      f.actions.push_back({model::ActionKind::QuarantineFile, std::string(a.path), "Move " + std::string(a.path) + " into quarantine.",
                           "将 " + std::string(a.path) + " 移入隔离区。"});
    else if (!history)
      f.actions.push_back({unit ? model::ActionKind::RemoveService : model::ActionKind::RemoveAutorun, where,
                           unit ? "Stop and disable " + ev.value(model::Field::ServiceName) + ", then quarantine its unit file."
                                : "Back up " + std::string(a.path) + " and remove line " + line + ".",
                           unit ? "停止并禁用 " + ev.value(model::Field::ServiceName) + "，然后隔离其 unit 文件。"
                                : "备份 " + std::string(a.path) + " 后删除第 " + line + " 行。",
                           cmd, std::string(a.sha256)});
    out.push_back(std::move(f));
  }

  static void scan_sudoers(const ArtefactView& a, const model::Event& ev, std::vector<model::Finding>& out) {
    const std::string user = ev.value(model::Field::User);
    const std::string rule = ev.value(model::Field::Details);
    // Full root without a password for anyone but root and the distribution's admin groups.
    if (user == "root" || user == "%sudo" || user == "%admin" || user == "%wheel") return;
    const std::string compact = [&] {
      std::string c;
      for (char ch : rule)
        if (ch != ' ' && ch != '\t') c += ch;
      return c;
    }();
    if (compact.find("NOPASSWD:ALL") == std::string::npos) return;
    model::Finding f;
    f.engine = "heuristics";
    f.rule_id = kSudoersRule;
    f.severity = model::Severity::Medium;
    f.title_en = "sudo gives " + user + " root without a password (" + std::string(a.path) + ")";
    f.title_zh = "sudo 允许 " + user + " 免密码获得 root（" + std::string(a.path) + "）";
    f.description_en = "The rule `" + ev.value(model::Field::Message) + "` lets " + user +
                       " run anything as root without a password; worms add such lines for the accounts they create.";
    f.description_zh = "规则 `" + ev.value(model::Field::Message) + "` 允许 " + user + " 免密码以 root 执行任何命令；蠕虫会为其创建的账户添加此类规则。";
    f.attack = {"T1548.003"};
    f.evidence.push_back(ref(a, ev));
    f.observables.push_back({model::ObservableKind::Account, user, "sudoers"});
    f.actions.push_back({model::ActionKind::RemoveAutorun, std::string(a.path) + ":" + ev.value(model::Field::LineNumber),
                         "Remove the rule unless an administrator added it (edit with visudo).",
                         "除非为管理员所加，否则删除该规则（使用 visudo 编辑）。", ev.value(model::Field::CommandLine),
                         std::string(a.sha256)});
    out.push_back(std::move(f));
  }

  static void scan_preload(const ArtefactView& a, const model::Event& ev, std::vector<model::Finding>& out) {
    const std::string lib = ev.value(model::Field::ImageLoaded);
    model::Finding f;
    f.engine = "heuristics";
    f.rule_id = kPreloadRule;
    f.severity = model::Severity::High;
    f.title_en = "Library preloaded into every process: " + lib;
    f.title_zh = "动态库被预加载到所有进程：" + lib;
    f.description_en = "/etc/ld.so.preload makes every program load " + lib +
                       ". Mining worms use it to hide their processes and files from ps, top and ls; legitimate use "
                       "on servers is rare. Until it is removed, the process list of this host cannot be trusted.";
    f.description_zh = "/etc/ld.so.preload 使所有程序加载 " + lib +
                       "。挖矿蠕虫借此对 ps、top、ls 隐藏进程和文件；服务器上正常使用极少。在移除之前，本机的进程列表不可信。";
    f.attack = {"T1574.006", "T1014"};  // Dynamic Linker Hijacking; Rootkit
    f.evidence.push_back(ref(a, ev));
    f.observables.push_back({model::ObservableKind::FilePath, lib, "ld.so.preload"});
    f.actions.push_back({model::ActionKind::RemoveAutorun, std::string(a.path),
                         "Remove the line for " + lib + " from /etc/ld.so.preload (chattr -i first if it is immutable).",
                         "从 /etc/ld.so.preload 删除 " + lib + " 这一行（若设置了不可修改属性，先 chattr -i）。"});
    f.actions.push_back({model::ActionKind::QuarantineFile, lib, "Move the library into quarantine.",
                         "将该动态库移入隔离区。"});
    out.push_back(std::move(f));
  }
};

}  // namespace

std::unique_ptr<Engine> make_linux_persistence_engine() { return std::make_unique<LinuxPersistenceEngine>(); }

}  // namespace msw::detect::heuristics
