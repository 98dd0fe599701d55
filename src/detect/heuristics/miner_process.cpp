#include "detect/heuristics/miner_process.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "core/text.h"
#include "data/embedded.h"

namespace msw::detect::heuristics {
namespace {

// Options only miners take (XMRig and its forks, cpuminer): two of them on one command line are a miner.
constexpr std::string_view kMinerOptions[] = {
    "--donate-level", "--cpu-priority",   "--randomx-mode", "--max-cpu-usage", "--cpu-max-threads-hint",
    "--nicehash",     "--coin=monero",    "--algo=rx",      "-a rx/0",         "--algo rx",
    "cryptonight",    "--rig-id",         "--randomx-1gb-pages", "--huge-pages-jit", "--keepalive",
};

constexpr std::string_view kStratumSchemes[] = {"stratum+tcp://", "stratum+ssl://", "stratum+tls://",
                                                "stratum2+tcp://", "stratum1+tcp://"};
constexpr std::string_view kTempDirs[] = {"/tmp/", "/var/tmp/", "/dev/shm/"};
// Windows folders any user may write and worms drop into (matched in lower case, anywhere in the path).
constexpr std::string_view kWindowsDropDirs[] = {"\\temp\\", "\\users\\public\\", "\\windows\\debug\\",
                                                 "\\windows\\fonts\\", "\\programdata\\"};

// A Windows path ("C:\...") from the Windows collector's process table.
bool is_windows_path(std::string_view p) { return p.size() > 2 && p[1] == ':'; }

std::string_view base_name(std::string_view path) {
  size_t slash = path.find_last_of("/\\");
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

bool looks_like_monero_wallet(std::string_view t) {
  // Standard (95 characters) and integrated (106) Monero addresses: base58, starting with 4 (or 8 for subaddresses).
  if ((t.size() != 95 && t.size() != 106) || (t[0] != '4' && t[0] != '8')) return false;
  static constexpr std::string_view kBase58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  return t.find_first_not_of(kBase58) == std::string_view::npos;
}

MinerKnowledge MinerKnowledge::from_text(std::string_view names, std::string_view ports) {
  MinerKnowledge kb;
  data::for_each_content_line(names, [&](std::string_view l, size_t) { kb.names_.insert(to_lower_ascii(l)); });
  data::for_each_content_line(ports, [&](std::string_view l, size_t) {
    unsigned v = 0;
    if (std::from_chars(l.data(), l.data() + l.size(), v).ec == std::errc() && v > 0 && v < 65536)
      kb.ports_.insert(static_cast<uint16_t>(v));
  });
  return kb;
}

MinerKnowledge MinerKnowledge::builtin(Diagnostics& diags) {
  auto names = data::embedded_file("linux/miner-names.txt");
  auto ports = data::embedded_file("linux/pool-ports.txt");
  if (!names || !ports)
    diags.add("content.missing", DiagSeverity::Error, "data/linux", 0, "built-in miner knowledge is missing");
  return from_text(names.value_or(""), ports.value_or(""));
}

bool MinerKnowledge::is_miner_name(std::string_view n) const { return !n.empty() && names_.count(to_lower_ascii(n)); }

MinerSigns assess_process(const MinerKnowledge& kb, std::string_view image, std::string_view name,
                          std::string_view cmd, bool exe_deleted, double cpu) {
  MinerSigns s;
  const std::string lower = to_lower_ascii(cmd);
  for (auto scheme : kStratumSchemes)
    if (lower.find(scheme) != std::string::npos) {
      s.strong.push_back("stratum pool URL on the command line");
      break;
    }
  size_t options = 0;
  for (auto opt : kMinerOptions) options += lower.find(opt) != std::string::npos;
  if (options >= 2) s.strong.push_back(std::to_string(options) + " miner options on the command line");
  for (size_t i = 0; i < cmd.size();) {
    size_t j = cmd.find_first_of(" \t=:,\"'", i);
    std::string_view tok = cmd.substr(i, (j == std::string_view::npos ? cmd.size() : j) - i);
    if (looks_like_monero_wallet(tok)) {
      s.strong.push_back("Monero wallet " + std::string(tok.substr(0, 12)) + "… on the command line");
      break;
    }
    if (j == std::string_view::npos) break;
    i = j + 1;
  }
  if (kb.is_miner_name(base_name(image)) || kb.is_miner_name(name))
    s.strong.push_back("known miner name '" + std::string(kb.is_miner_name(name) ? name : base_name(image)) + "'");
  if (exe_deleted) s.supporting.push_back("its executable was deleted after it started");
  for (auto dir : kTempDirs)
    if (image.starts_with(dir)) s.supporting.push_back("it runs from " + std::string(dir));
  if (is_windows_path(image)) {
    const std::string lower_image = to_lower_ascii(image);
    for (auto dir : kWindowsDropDirs)
      if (lower_image.find(dir) != std::string::npos) {
        s.supporting.push_back("it runs from a folder worms drop into (" + std::string(dir) + ")");
        break;
      }
  }
  if (cpu >= kHighCpuPercent) s.supporting.push_back("it uses " + std::to_string(static_cast<int>(cpu)) + "% CPU");
  return s;
}

namespace {


class MinerProcessEngine final : public Engine {
 public:
  explicit MinerProcessEngine(MinerKnowledge kb) : kb_(std::move(kb)) {}
  std::string_view name() const override { return "heuristics.miner"; }

  void scan_artefact(const ArtefactView& a, std::vector<model::Finding>& out) const override {
    if (a.kind == "process_table") scan_processes(a, out);
    if (a.kind == "connection_table") scan_connections(a, out);
  }

 private:
  void scan_processes(const ArtefactView& a, std::vector<model::Finding>& out) const {
    for (const auto& ev : a.events) {
      if (ev.category != "process_creation") continue;
      const std::string image = ev.value(model::Field::Image), cmd = ev.value(model::Field::CommandLine);
      const std::string pid = ev.value(model::Field::ProcessId);
      double cpu = 0;
      std::string cpu_text = ev.value("CpuPercent");
      std::from_chars(cpu_text.data(), cpu_text.data() + cpu_text.size(), cpu);
      const bool deleted = ev.value("ExeDeleted") == "true";
      MinerSigns s = assess_process(kb_, image, ev.value("ProcessName"), cmd, deleted, cpu);
      const bool temp_dir = std::any_of(std::begin(kTempDirs), std::end(kTempDirs),
                                        [&](std::string_view d) { return image.starts_with(d); });
      model::Severity sev;
      if (!s.strong.empty()) sev = s.supporting.empty() ? model::Severity::High : model::Severity::Critical;
      else if (deleted && temp_dir && cpu >= kHighCpuPercent) sev = model::Severity::Medium;
      else continue;

      model::Finding f;
      f.rule_id = kMinerProcessRule;
      f.engine = "heuristics";
      f.severity = sev;
      f.time = ev.time;
      const std::string who = "PID " + pid + " " + (image.empty() ? ev.value("ProcessName") : image);
      f.title_en = (s.strong.empty() ? "Suspicious process: " : "Crypto miner running: ") + who;
      f.title_zh = (s.strong.empty() ? "可疑进程：" : "挖矿进程正在运行：") + who;
      std::string signs_en;
      for (const auto& x : s.strong) signs_en += "- " + x + "\n";
      for (const auto& x : s.supporting) signs_en += "- " + x + "\n";
      f.description_en = "Process " + who + " shows these signs of mining:\n" + signs_en + "Command line: " + cmd;
      f.description_zh = "进程 " + who + " 具有以下挖矿特征：\n" + signs_en + "命令行：" + cmd;
      f.attack = {"T1496"};  // Resource Hijacking
      if (deleted) f.attack.push_back("T1070.004");  // Indicator Removal: File Deletion
      f.evidence.push_back({std::string(a.path), std::string(a.sha256), ev.offset, 0, 0, cmd.substr(0, 1024)});
      if (!image.empty()) f.observables.push_back({model::ObservableKind::FilePath, image, "process " + pid});
      if (auto h = ev.value(model::Field::Hashes); h.starts_with("SHA256="))
        f.observables.push_back({model::ObservableKind::Sha256, h.substr(7), "process " + pid});
      if (is_windows_path(image))
        f.actions.push_back({model::ActionKind::KillProcess, "pid " + pid,
                             "Stop process " + who + " (suspend it first to keep it for memory capture, then taskkill /F /PID " + pid + ").",
                             "结束进程 " + who + "（可先挂起以便内存取证，再 taskkill /F /PID " + pid + "）。"});
      else
        f.actions.push_back({model::ActionKind::KillProcess, "pid " + pid,
                             "Stop process " + who + " (kill -STOP first to keep it for memory capture, then kill -9).",
                             "结束进程 " + who + "（可先 kill -STOP 以便内存取证，再 kill -9）。"});
      if (!image.empty() && !deleted)
        f.actions.push_back({model::ActionKind::QuarantineFile, image, "Move the executable into quarantine.",
                             "将该可执行文件移入隔离区。"});
      out.push_back(std::move(f));
    }
  }

  void scan_connections(const ArtefactView& a, std::vector<model::Finding>& out) const {
    std::map<std::string, std::vector<const model::Event*>> by_process;
    for (const auto& ev : a.events) {
      if (ev.category != "network_connection" || ev.value(model::Field::State) != "ESTABLISHED") continue;
      if (ev.value(model::Field::Initiated) != "true") continue;
      unsigned port = 0;
      std::string p = ev.value(model::Field::DestinationPort);
      std::from_chars(p.data(), p.data() + p.size(), port);
      if (port == 0 || port > 65535 || !kb_.is_pool_port(static_cast<uint16_t>(port))) continue;
      by_process[ev.value(model::Field::ProcessId) + " " + ev.value(model::Field::Image)].push_back(&ev);
    }
    for (const auto& [who, conns] : by_process) {
      model::Finding f;
      f.rule_id = kPoolConnectionRule;
      f.engine = "heuristics";
      f.severity = model::Severity::Medium;
      f.title_en = "Connection to a mining-pool port by PID " + who;
      f.title_zh = "进程 PID " + who + " 连接矿池常用端口";
      std::string list;
      for (const auto* c : conns) {
        std::string dst = c->value(model::Field::DestinationIp) + ":" + c->value(model::Field::DestinationPort);
        list += "- " + dst + "\n";
        f.evidence.push_back({std::string(a.path), std::string(a.sha256), c->offset, 0, 0, dst});
        f.observables.push_back({model::ObservableKind::Ip, c->value(model::Field::DestinationIp), "PID " + who});
      }
      f.description_en = "An established outbound connection goes to a port mining pools use:\n" + list;
      f.description_zh = "存在到矿池常用端口的已建立外连：\n" + list;
      f.attack = {"T1496", "T1571"};  // Resource Hijacking; Non-Standard Port
      out.push_back(std::move(f));
    }
  }

  MinerKnowledge kb_;
};

}  // namespace

std::unique_ptr<Engine> make_miner_process_engine(Diagnostics& diags) {
  return std::make_unique<MinerProcessEngine>(MinerKnowledge::builtin(diags));
}

}  // namespace msw::detect::heuristics
