#include "detect/heuristics/linux_persistence.h"

#include <regex>

#include "core/text.h"

namespace msw::detect::heuristics {
namespace {

std::string field(const model::Event& e, model::Field f) {
  const std::string* v = e.get(f);
  return v ? *v : std::string();
}

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

bool runs_from_temp_or_hidden(std::string_view command) {
  static const std::regex kPattern(R"((^|[\s;'"=])(/tmp/|/var/tmp/|/dev/shm/|/[^\s'"]*/\.[^\s/'"]+))",
                                   std::regex::optimize);
  std::string cmd(command.substr(0, 8192));
  return std::regex_search(cmd, kPattern);
}

namespace {

class LinuxPersistenceEngine final : public Engine {
 public:
  std::string_view name() const override { return "heuristics.linux_persistence"; }

  void scan_artefact(const ArtefactView& a, std::vector<model::Finding>& out) const override {
    for (const auto& ev : a.events) {
      if (ev.category == "cron_entry") scan_cron(a, ev, out);
      if (ev.category == "preload_entry") scan_preload(a, ev, out);
    }
  }

 private:
  static model::EvidenceRef ref(const ArtefactView& a, const model::Event& ev) {
    uint64_t line = 0;
    std::string ln = field(ev, model::Field::LineNumber);
    for (char c : ln) line = line * 10 + static_cast<uint64_t>(c - '0');
    return {std::string(a.path), std::string(a.sha256), ev.offset, 0, line, field(ev, model::Field::Message)};
  }

  static void scan_cron(const ArtefactView& a, const model::Event& ev, std::vector<model::Finding>& out) {
    const std::string cmd = field(ev, model::Field::CommandLine);
    const bool download = downloads_and_executes(cmd);
    const bool temp = runs_from_temp_or_hidden(cmd);
    if (!download && !temp) return;
    model::Finding f;
    f.engine = "heuristics";
    f.rule_id = download ? kCronDownloadRule : kCronTempRule;
    f.severity = download ? model::Severity::High : model::Severity::Medium;
    const std::string where = std::string(a.path) + ":" + field(ev, model::Field::LineNumber);
    if (download) {
      f.title_en = "Cron entry downloads and runs code (" + where + ")";
      f.title_zh = "计划任务下载并执行代码（" + where + "）";
      f.description_en = "A scheduled job fetches a script and pipes it to an interpreter, so the host re-infects "
                         "itself on schedule even after the miner is removed: " + cmd;
      f.description_zh = "计划任务下载脚本并通过管道交给解释器执行，即使清除了挖矿程序也会按计划重新感染：" + cmd;
      f.attack = {"T1053.003", "T1105"};  // Scheduled Task/Job: Cron; Ingress Tool Transfer
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
                             field(ev, model::Field::LineNumber) + " (and stop cron while cleaning, worms re-add it).",
                         "备份 " + std::string(a.path) + " 后删除第 " + field(ev, model::Field::LineNumber) +
                             " 行（清理期间先停止 cron，蠕虫会重新写入）。"});
    out.push_back(std::move(f));
  }

  static void scan_preload(const ArtefactView& a, const model::Event& ev, std::vector<model::Finding>& out) {
    const std::string lib = field(ev, model::Field::ImageLoaded);
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
