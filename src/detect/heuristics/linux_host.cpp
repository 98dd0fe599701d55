#include "detect/heuristics/linux_host.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include "core/ip.h"
#include "core/text.h"
#include "data/embedded.h"

namespace msw::detect::heuristics {
namespace {

int64_t int_field(const model::Event& e, std::string_view name) {
  std::string v = e.value(name);
  int64_t n = 0;
  std::from_chars(v.data(), v.data() + v.size(), n);
  return n;
}

std::string_view base_name(std::string_view p) {
  size_t s = p.rfind('/');
  return s == std::string_view::npos ? p : p.substr(s + 1);
}

bool under(std::string_view path, std::initializer_list<std::string_view> folders) {
  for (auto f : folders)
    if (path.starts_with(f) && path.size() > f.size() && path[f.size()] == '/') return true;
  return false;
}

// Programs that give a shell or run code: set-id copies of these are root shells left behind.
constexpr std::string_view kShells[] = {"sh", "bash", "dash", "zsh", "ksh", "csh", "tcsh", "ash", "busybox",
                                        "python", "python2", "python3", "perl", "ruby", "php", "lua", "node",
                                        "find", "vim", "vi", "nmap", "awk", "gawk", "env", "cp", "tee"};

model::Finding finding(std::string_view rule, model::Severity sev, const ArtefactView& a, const model::Event& ev) {
  model::Finding f;
  f.engine = "heuristics";
  f.rule_id = rule;
  f.severity = sev;
  f.evidence.push_back({std::string(a.path), std::string(a.sha256), ev.offset, 0, 0, ""});
  return f;
}

class LinuxHostEngine final : public Engine {
 public:
  LinuxHostEngine() {
    if (auto text = data::embedded_file("linux/rootkit-modules.txt"))
      data::for_each_content_line(*text, [&](std::string_view l, size_t) { rootkits_.insert(to_lower_ascii(l)); });
  }
  std::string_view name() const override { return "heuristics.linux_host"; }

  void scan_artefact(const ArtefactView& a, std::vector<model::Finding>& out) const override {
    // Dropped executables are judged per folder: a worm drops a handful, a build or install tree drops hundreds.
    std::map<std::string, std::vector<const model::Event*>> dropped;
    for (const auto& ev : a.events)
      if (ev.category == "file_info" && is_dropped(ev)) dropped[drop_group(ev.value("TargetFilename"))].push_back(&ev);
    for (const auto& [group, events] : dropped) {
      if (events.size() <= kMaxDroppedPerFolder) {
        for (const auto* ev : events) dropped_file(a, *ev, out);
        continue;
      }
      model::Finding f = finding(kDroppedExecutableRule, model::Severity::Low, a, *events.front());
      const std::string n = std::to_string(events.size());
      f.evidence.back().excerpt = events.front()->value("TargetFilename");
      f.title_en = n + " executables under " + group + " (a build or install tree?)";
      f.title_zh = group + " 下有 " + n + " 个可执行文件（构建或安装目录？）";
      f.description_en = "So many programs in one temporary or hidden folder usually means a build or an installer, not "
                         "a worm; confirm that " + group + " is expected. Each file is listed in tables/files.jsonl.";
      f.description_zh = "同一临时或隐藏目录中有大量程序，通常是构建或安装产物而非蠕虫；请确认 " + group +
                         " 是否正常。每个文件见 tables/files.jsonl。";
      f.attack = {"T1105"};
      out.push_back(std::move(f));
    }
    for (const auto& ev : a.events) {
      if (ev.category == "file_info") file_info(a, ev, out);
      else if (ev.category == "user_account") account(a, ev, out);
      else if (ev.category == "kernel_module") module(a, ev, out);
      else if (ev.category == "service_config") service_config(a, ev, out);
      else if (ev.category == "network_connection") listener(a, ev, out);
      else if (ev.category == "process_creation") process(a, ev, out);
      else if (ev.category == "miner_config") miner_config(a, ev, out);
    }
  }

 private:
  static void file_info(const ArtefactView& a, const model::Event& ev, std::vector<model::Finding>& out) {
    const std::string path = ev.value("TargetFilename");
    const std::string reason = ev.value("Reason");
    const std::string attrs = ev.value("FileAttributes");
    const std::string details = path + " (mode " + ev.value("FileMode") + ", owner " + ev.value("FileOwner") +
                                (attrs.empty() ? "" : ", " + attrs) + ")";
    if (!attrs.empty() && reason == "watched") {
      // resolv.conf alone is sometimes locked by administrators against DHCP; anything else locked is a worm's doing.
      const bool resolv = base_name(path) == "resolv.conf";
      model::Finding f = finding(kLockedFileRule, resolv ? model::Severity::Medium : model::Severity::High, a, ev);
      f.evidence.back().excerpt = details;
      f.title_en = "File locked with chattr (" + attrs + "): " + path;
      f.title_zh = "文件被 chattr 锁定（" + attrs + "）：" + path;
      f.description_en = path + " carries the " + attrs + " attribute, so even root cannot change or delete it until "
                         "`chattr -ia` is run. Mining worms lock " +
                         std::string(resolv ? "resolv.conf to keep their DNS servers" : "their persistence files") +
                         " this way so that cleaning fails silently.";
      f.description_zh = path + " 带有 " + attrs + " 属性，在执行 `chattr -ia` 之前即使 root 也无法修改或删除。挖矿蠕虫以此锁定" +
                         std::string(resolv ? " resolv.conf 以保持其 DNS 设置" : "其持久化文件") + "，使清理静默失败。";
      f.attack = resolv ? std::vector<std::string>{"T1222.002", "T1565.001"} : std::vector<std::string>{"T1222.002"};
      f.observables.push_back({model::ObservableKind::FilePath, path, "locked file"});
      f.actions.push_back({model::ActionKind::RemoveAutorun, path, "Run `chattr -ia " + path + "` before cleaning it.",
                           "清理前先执行 `chattr -ia " + path + "`。"});
      out.push_back(std::move(f));
    }
    if (reason == "watched" && (base_name(path) == "authorized_keys" || base_name(path) == "authorized_keys2")) {
      const int64_t age = int_field(ev, "AgeSeconds");
      if (ev.get("AgeSeconds") && age >= 0 && age < kRecentKeySeconds) {
        model::Finding f = finding(kRecentKeysRule, model::Severity::Medium, a, ev);
        f.evidence.back().excerpt = details;
        f.time = ev.time;
        const std::string days = std::to_string(age / 86400 + 1);
        f.title_en = "SSH authorized_keys changed within " + days + (days == "1" ? " day" : " days") +
                     " before collection: " + path;
        f.title_zh = "SSH authorized_keys 在采集前 " + days + " 天内被修改：" + path;
        f.description_en = "Worms add their own key to keep access after the password is changed. Compare every key "
                           "in " + path + " with the keys your administrators actually use.";
        f.description_zh = "蠕虫会写入自己的公钥，以便在改密后仍能登录。请逐一核对 " + path + " 中的公钥是否属于管理员。";
        f.attack = {"T1098.004"};
        f.actions.push_back({model::ActionKind::RemoveAutorun, path, "Remove every key nobody recognises from " + path + ".",
                             "从 " + path + " 中删除无法确认归属的公钥。"});
        out.push_back(std::move(f));
      }
    }
    if (reason == "setid") setid_file(a, ev, out);
  }

  static bool is_dropped(const model::Event& ev) {
    const std::string reason = ev.value("Reason"), type = ev.value("FileType");
    if (reason == "hidden_executable") return true;
    return reason == "dropped_executable" && (type == "elf" || type == "script");  // an x bit on text is noise
  }

  // "/tmp/x/y/z" → "/tmp/x"; "/root/.configrc/a/upd" → "/root/.configrc"; "/home/u/.x/y" → "/home/u/.x".
  static std::string drop_group(std::string_view path) {
    size_t skip = path.starts_with("/home/") ? 3 : path.starts_with("/var/tmp/") || path.starts_with("/dev/shm/") ? 2 : 1;
    size_t pos = 0;
    for (size_t i = 0; i <= skip; ++i) {
      pos = path.find('/', pos + 1);
      if (pos == std::string_view::npos) {
        size_t last = path.rfind('/');
        return std::string(path.substr(0, last == 0 ? 1 : last));
      }
    }
    return std::string(path.substr(0, pos));
  }

  static void dropped_file(const ArtefactView& a, const model::Event& ev, std::vector<model::Finding>& out) {
    const std::string path = ev.value("TargetFilename"), reason = ev.value("Reason"), type = ev.value("FileType");
    const std::string details = path + " (mode " + ev.value("FileMode") + ", owner " + ev.value("FileOwner") + ")";
    {
      model::Finding f = finding(kDroppedExecutableRule, model::Severity::Medium, a, ev);
      f.evidence.back().excerpt = details;
      f.time = ev.time;
      const std::string kind = type == "elf" ? "program" : "script";
      f.title_en = "Executable " + kind + " in a " + (reason == "hidden_executable" ? "hidden folder" : "temporary folder") + ": " + path;
      f.title_zh = (reason == "hidden_executable" ? "隐藏目录中的可执行" : "临时目录中的可执行") +
                   std::string(type == "elf" ? "程序：" : "脚本：") + path;
      f.description_en = "Mining worms download their miner and helpers into /tmp, /var/tmp, /dev/shm or a dot-folder. "
                         "Check what " + path + " is; its hash is in the evidence.";
      f.description_zh = "挖矿蠕虫常把矿机和辅助程序下载到 /tmp、/var/tmp、/dev/shm 或以点开头的隐藏目录。请确认 " + path +
                         " 的来源，哈希见证据。";
      f.attack = {"T1105", "T1564.001"};
      f.observables.push_back({model::ObservableKind::FilePath, path, reason});
      if (auto h = ev.value("Hashes"); h.starts_with("SHA256="))
        f.observables.push_back({model::ObservableKind::Sha256, h.substr(7), path});
      f.actions.push_back({model::ActionKind::QuarantineFile, path, "Move " + path + " into quarantine.",
                           "将 " + path + " 移入隔离区。"});
      out.push_back(std::move(f));
    }
  }

  static void setid_file(const ArtefactView& a, const model::Event& ev, std::vector<model::Finding>& out) {
    const std::string path = ev.value("TargetFilename");
    const std::string details = path + " (mode " + ev.value("FileMode") + ", owner " + ev.value("FileOwner") + ")";
    {
      const bool package_dir = under(path, {"/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/lib", "/usr/libexec"});
      const std::string_view name = base_name(path);
      const bool shell = std::find(std::begin(kShells), std::end(kShells), name) != std::end(kShells) ||
                         name.starts_with("python");
      const bool hidden = name.starts_with('.');
      if (package_dir && !shell && !hidden) return;
      // A set-id shell is a back door; a set-id program in /opt or /usr/local is often a vendor's (browser sandboxes).
      model::Finding f = finding(kSetIdRule, shell || hidden ? model::Severity::High : model::Severity::Medium, a, ev);
      f.evidence.back().excerpt = details;
      f.time = ev.time;
      f.title_en = "Set-id " + std::string(shell ? "shell or interpreter" : "file") + " in an unusual place: " + path;
      f.title_zh = "异常位置的 set-id " + std::string(shell ? "shell/解释器" : "文件") + "：" + path;
      f.description_en = path + " runs with its owner's rights (mode " + ev.value("FileMode") +
                         "). A set-uid copy of a shell or a program outside the package folders is a back door to root.";
      f.description_zh = path + " 以其属主权限运行（权限 " + ev.value("FileMode") + "）。shell 的 set-uid 副本或包目录之外的 set-id 程序是提权后门。";
      f.attack = {"T1548.001"};
      f.observables.push_back({model::ObservableKind::FilePath, path, "setid"});
      f.actions.push_back({model::ActionKind::QuarantineFile, path, "Remove the set-id bit (chmod u-s,g-s) and quarantine " + path + ".",
                           "去除 set-id 位（chmod u-s,g-s）并隔离 " + path + "。"});
      out.push_back(std::move(f));
    }
  }

  static void account(const ArtefactView& a, const model::Event& ev, std::vector<model::Finding>& out) {
    const std::string user = ev.value("User"), state = ev.value("PasswordState"), shell = ev.value("Shell");
    const bool can_log_in = !shell.ends_with("nologin") && !shell.ends_with("/false") && !shell.empty();
    std::string why_en, why_zh;
    model::Severity sev = model::Severity::Medium;
    if (int_field(ev, "Uid") == 0 && user != "root") {
      why_en = "has uid 0: it is a second root account";
      why_zh = "UID 为 0：这是第二个 root 账户";
      sev = model::Severity::High;
    } else if (ev.value("WeakPassword") == "true" && can_log_in) {
      why_en = "has a password from the guessing lists worms use (checked at collection, not stored)";
      why_zh = "使用了蠕虫爆破字典中的弱密码（采集时检测，未保存密码）";
      sev = model::Severity::High;
    } else if (state == "empty" && can_log_in) {
      why_en = "has an empty password and a login shell";
      why_zh = "密码为空且有登录 shell";
      sev = model::Severity::High;
    } else if (ev.value("PasswordInPasswd") == "true" && state.starts_with("hash:")) {
      why_en = "keeps its password hash in /etc/passwd, the way worms add accounts";
      why_zh = "密码哈希直接写在 /etc/passwd 中，这是蠕虫添加账户的方式";
      sev = model::Severity::High;
    } else if ((state == "hash:des" || state == "hash:md5") && can_log_in) {
      why_en = "uses an obsolete password hash (" + state.substr(5) + "), quick to crack";
      why_zh = "使用过时的密码哈希（" + state.substr(5) + "），易被破解";
    } else {
      return;
    }
    model::Finding f = finding(kAccountRule, sev, a, ev);
    f.evidence.back().excerpt = user + " uid=" + ev.value("Uid") + " shell=" + shell + " password=" + state;
    f.title_en = "Account " + user + " " + why_en;
    f.title_zh = "账户 " + user + " " + why_zh;
    f.description_en = "Account " + user + " " + why_en + ". Verify that an administrator created it.";
    f.description_zh = "账户 " + user + " " + why_zh + "。请确认是否由管理员创建。";
    f.attack = {"T1136.001", "T1078.003"};
    f.observables.push_back({model::ObservableKind::Account, user, "local account"});
    f.actions.push_back({model::ActionKind::RotateCredentials, user, "Lock or remove " + user + " (usermod -L), or set a strong password.",
                         "锁定或删除 " + user + "（usermod -L），或设置强密码。"});
    out.push_back(std::move(f));
  }

  void module(const ArtefactView& a, const model::Event& ev, std::vector<model::Finding>& out) const {
    const std::string name = ev.value("ModuleName");
    if (!rootkits_.count(to_lower_ascii(name))) return;
    model::Finding f = finding(kRootkitModuleRule, model::Severity::Critical, a, ev);
    f.evidence.back().excerpt = name + " " + ev.value("Taint");
    f.title_en = "Kernel rootkit module loaded: " + name;
    f.title_zh = "已加载内核 rootkit 模块：" + name;
    f.description_en = "The module " + name + " has the name of a public Linux rootkit. It can hide processes, files "
                       "and connections from every tool on this host, minesweep included: analyse the disk offline.";
    f.description_zh = "模块 " + name + " 与公开的 Linux rootkit 同名，可对本机所有工具（包括 minesweep）隐藏进程、文件和连接：请离线分析磁盘。";
    f.attack = {"T1014", "T1547.006"};
    f.actions.push_back({model::ActionKind::Rescan, name, "Take the host offline and analyse its disk from a clean system.",
                         "将主机下线，并从干净系统离线分析其磁盘。"});
    out.push_back(std::move(f));
  }

  static void service_config(const ArtefactView& a, const model::Event& ev, std::vector<model::Finding>& out) {
    if (ev.value("ServiceName") != "redis" || ev.value("RequirePass") != "unset") return;
    const std::string bind = ev.value("Bind"), prot = ev.value("ProtectedMode");
    // Every bound address loopback ("-::1": the dash marks an optional address, still loopback).
    const bool loopback_only = !bind.empty() && bind.find("(default") == std::string::npos && [&] {
                                 for (auto w : split_words(bind)) {
                                   std::string_view v = w.starts_with('-') ? w.substr(1) : w;
                                   auto ip = parse_ip(v);
                                   if (!ip || ip->scope() != IpScope::Loopback) return false;
                                 }
                                 return true;
                               }();
    if (loopback_only) return;
    model::Finding f = finding(kExposedServiceRule, prot == "no" ? model::Severity::High : model::Severity::Medium, a, ev);
    f.evidence.back().excerpt = "requirepass unset; bind " + bind + "; protected-mode " + prot;
    f.title_en = "Redis without a password, listening beyond loopback (" + std::string(a.path) + ")";
    f.title_zh = "Redis 未设密码且监听非本地地址（" + std::string(a.path) + "）";
    f.description_en = "Redis with no requirepass on a reachable address lets anyone write a cron file or an SSH key "
                       "through CONFIG SET — the entry point of Kinsing, WatchDog and many Redis worms.";
    f.description_zh = "Redis 未设置 requirepass 且监听可达地址，任何人都能通过 CONFIG SET 写入计划任务或 SSH 公钥——这是 Kinsing、WatchDog 等 Redis 蠕虫的入口。";
    f.attack = {"T1190"};
    f.actions.push_back({model::ActionKind::BlockPort, "6379", "Set requirepass, bind Redis to 127.0.0.1 and block 6379 at the firewall.",
                         "设置 requirepass，将 Redis 绑定到 127.0.0.1，并在防火墙封禁 6379。"});
    out.push_back(std::move(f));
  }

  static void listener(const ArtefactView& a, const model::Event& ev, std::vector<model::Finding>& out) {
    if (ev.value("State") != "LISTEN") return;
    const std::string port = ev.value("SourcePort"), ip = ev.value("SourceIp");
    auto addr = parse_ip(ip);
    if (!addr || addr->scope() == IpScope::Loopback) return;
    const bool docker = port == "2375", redis = port == "6379";
    if (!docker && !redis) return;
    model::Finding f = finding(kExposedServiceRule, docker ? model::Severity::High : model::Severity::Medium, a, ev);
    f.evidence.back().excerpt = ip + ":" + port + " LISTEN pid " + ev.value("ProcessId") + " " + ev.value("Image");
    if (docker) {
      f.title_en = "Docker API open without TLS on " + ip + ":2375";
      f.title_zh = "Docker API 在 " + ip + ":2375 上无 TLS 开放";
      f.description_en = "Port 2375 is Docker's unauthenticated API: anyone who reaches it can start a privileged "
                         "container that mounts the host — how TeamTNT and Kinsing spread between cloud servers.";
      f.description_zh = "2375 端口是 Docker 的无认证 API：能访问它的人即可启动挂载宿主机的特权容器——TeamTNT 和 Kinsing 借此在云服务器间传播。";
    } else {
      f.title_en = "Redis listening on " + ip + ":6379";
      f.title_zh = "Redis 监听 " + ip + ":6379";
      f.description_en = "Redis answers on a non-loopback address. Without a password it is the usual way mining worms "
                         "write a cron job or SSH key; check requirepass and the firewall.";
      f.description_zh = "Redis 监听非本地地址。若未设密码，挖矿蠕虫常借此写入计划任务或 SSH 公钥；请检查 requirepass 与防火墙。";
    }
    f.attack = {"T1190"};
    f.actions.push_back({model::ActionKind::BlockPort, port, "Block port " + port + " at the firewall; bind the service to 127.0.0.1.",
                         "在防火墙封禁 " + port + " 端口；将服务绑定到 127.0.0.1。"});
    out.push_back(std::move(f));
  }

  // Processes hidden from ps, and programs running from memory only (memfd_create): both are how miners hide.
  static void process(const ArtefactView& a, const model::Event& ev, std::vector<model::Finding>& out) {
    const std::string hidden = ev.value("HiddenFrom"), image = ev.value("Image"), pid = ev.value("ProcessId");
    // runc re-executes itself from a sealed memfd by design (CVE-2019-5736 fix); sandboxes and packers do too, so a
    // memfd image alone is worth verifying (medium), not proof. Miner signs on it are judged by the miner engine.
    const bool memfd = image.starts_with("/memfd:") && !image.starts_with("/memfd:runc_cloned");
    if (hidden.empty() && !memfd) return;
    const std::string who = "PID " + pid + " " + (image.empty() ? ev.value("ProcessName") : image);
    model::Finding f = finding(hidden.empty() ? kMemfdProcessRule : kHiddenProcessRule,
                               hidden.empty() ? model::Severity::Medium : model::Severity::Critical, a, ev);
    f.evidence.back().excerpt = who + " " + ev.value("CommandLine").substr(0, 512);
    f.time = ev.time;
    if (!hidden.empty()) {
      const bool kernel = hidden == "getdents";
      f.title_en = "Process hidden from the process list: " + who;
      f.title_zh = "进程被从进程列表中隐藏：" + who;
      f.description_en = who + (kernel ? " exists under /proc but the kernel's own listing omits it: a kernel rootkit is hiding it."
                                       : " is listed by the kernel but not by the C library that ps and top use: an "
                                         "ld.so.preload rootkit is hiding it.") +
                         " Hidden processes on a mining victim are almost always the miner.";
      f.description_zh = who + (kernel ? " 存在于 /proc 下，但内核自身的列表中没有它：内核 rootkit 在隐藏它。"
                                       : " 在内核列表中可见，但 ps、top 使用的 C 库列表中不可见：ld.so.preload rootkit 在隐藏它。") +
                         "挖矿受害主机上被隐藏的进程几乎总是矿机。";
      f.attack = {"T1014", "T1564"};
    } else {
      f.title_en = "Process runs from memory only (memfd): " + who;
      f.title_zh = "进程仅在内存中运行（memfd）：" + who;
      f.description_en = who + " was started from an anonymous memory file, so no executable exists on disk — a way "
                         "droppers run miners and back doors without leaving a file.";
      f.description_zh = who + " 从匿名内存文件启动，磁盘上没有可执行文件——投递器借此无文件地运行矿机和后门。";
      f.attack = {"T1620", "T1027"};
    }
    if (auto h = ev.value("Hashes"); h.starts_with("SHA256="))
      f.observables.push_back({model::ObservableKind::Sha256, h.substr(7), "process " + pid});
    f.observables.push_back({model::ObservableKind::FilePath, image, "process " + pid});
    f.actions.push_back({model::ActionKind::KillProcess, "pid " + pid, "Stop process " + who + " (kill -STOP, capture, then kill -9).",
                         "结束进程 " + who + "（先 kill -STOP 取证，再 kill -9）。"});
    out.push_back(std::move(f));
  }

  static void miner_config(const ArtefactView& a, const model::Event& ev, std::vector<model::Finding>& out) {
    const std::string url = ev.value("DestinationHostname"), user = ev.value("User");
    model::Finding f = finding(kMinerConfigRule, model::Severity::High, a, ev);
    f.evidence.back().excerpt = "url " + url + (user.empty() ? "" : ", user " + user);
    f.title_en = "Miner configuration: pool " + url + " (" + std::string(a.path) + ")";
    f.title_zh = "矿机配置文件：矿池 " + url + "（" + std::string(a.path) + "）";
    f.description_en = std::string(a.path) + " configures a miner: pool " + url +
                       (user.empty() ? "" : ", login " + user + " (usually the attacker's wallet)") +
                       ". Block the pool and report the wallet.";
    f.description_zh = std::string(a.path) + " 是矿机配置：矿池 " + url + (user.empty() ? "" : "，登录名 " + user + "（通常为攻击者钱包）") +
                       "。请封禁该矿池并上报钱包地址。";
    f.attack = {"T1496"};
    f.observables.push_back({model::ObservableKind::Url, url, "miner config"});
    if (!user.empty()) f.observables.push_back({model::ObservableKind::Wallet, user.substr(0, user.find('.')), "miner config"});
    f.actions.push_back({model::ActionKind::QuarantineFile, std::string(a.path), "Move " + std::string(a.path) + " into quarantine.",
                         "将 " + std::string(a.path) + " 移入隔离区。"});
    out.push_back(std::move(f));
  }

  std::set<std::string> rootkits_;
};

}  // namespace

std::unique_ptr<Engine> make_linux_host_engine() { return std::make_unique<LinuxHostEngine>(); }

}  // namespace msw::detect::heuristics
