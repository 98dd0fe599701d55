#include "correlate/storyline.h"

#include <algorithm>
#include <charconv>

#include "correlate/spread.h"

namespace msw::correlate {

std::string_view to_string(StepKind k) {
  switch (k) {
    case StepKind::Entry:
      return "entry";
    case StepKind::Miner:
      return "miner";
    case StepKind::Executable:
      return "executable";
    case StepKind::Connection:
      return "connection";
    case StepKind::Persistence:
      return "persistence";
    case StepKind::Evasion:
      return "evasion";
    case StepKind::Exposure:
      return "exposure";
    case StepKind::NextHost:
      return "next_host";
    case StepKind::Other:
      return "other";
  }
  return "other";
}

namespace {

// Rule families, by the ids the heuristics publish (detect/heuristics/*.h). Sigma and YARA findings join through
// their ATT&CK tactics when those engines land.
constexpr std::string_view kMinerRule = "heuristic.miner_process";
constexpr std::string_view kPoolRule = "heuristic.pool_port_connection";
constexpr std::string_view kPersistenceRules[] = {
    "heuristic.cron_download_exec", "heuristic.cron_runs_from_temp", "heuristic.autostart_download_exec",
    "heuristic.autostart_runs_from_temp", "heuristic.prompt_command", "heuristic.recent_authorized_keys",
    "heuristic.sudoers_nopasswd", "heuristic.suspicious_account", "heuristic.unusual_setid_file",
    // Windows: tasks (also hidden ones), WMI subscriptions, services, Run keys, startup folders, IFEO, the MBR.
    "heuristic.task_suspicious_action", "heuristic.task_hidden", "heuristic.task_cache_mismatch",
    "heuristic.wmi_subscription", "heuristic.wannamine_service", "heuristic.registry_autostart_suspicious",
    "heuristic.startup_item", "heuristic.ifeo_debugger", "heuristic.mbr_unknown_boot_code",
    "heuristic.mbr_hidden_sectors", "heuristic.local_account_suspicious", "heuristic.service_installed_suspicious",
    "heuristic.account_created_admin", "heuristic.bits_transfer"};
constexpr std::string_view kEvasionRules[] = {
    "heuristic.ld_so_preload",      "heuristic.locked_config_file",       "heuristic.rootkit_module",
    "heuristic.competitor_killing", "heuristic.hosts_tampering",          "heuristic.hidden_process",
    "heuristic.memfd_process",      "heuristic.dns_forced_public",        "heuristic.firewall_off",
    "heuristic.event_log_cleared",  "heuristic.event_log_service_stopped"};
constexpr std::string_view kMinerFileRules[] = {"heuristic.miner_config", "heuristic.dropped_executable"};
constexpr std::string_view kEntryRule = "heuristic.brute_force_then_logon";
constexpr std::string_view kGuessingRule = "heuristic.logon_brute_force";
// Open doors: a listening service, and the weaknesses the write-ups' advice closes (MS17-010, SMBv1, RDP on 3389,
// SQL Server accepting SQL logins).
constexpr std::string_view kExposureRules[] = {"heuristic.exposed_service",     "heuristic.ms17_010_missing",
                                               "heuristic.ms17_010_vulnerable", "heuristic.smb1_enabled",
                                               "heuristic.rdp_default_port",    "heuristic.mssql_mixed_mode"};
// Folders many programs share: naming one of them links nothing.
constexpr std::string_view kSharedFolders[] = {"/tmp", "/var/tmp", "/dev/shm",       "/usr/bin", "/usr/sbin",
                                               "/bin", "/sbin",    "/usr/local/bin", "/root",    "/"};

bool in(std::string_view id, std::span<const std::string_view> list) {
  return std::find(list.begin(), list.end(), id) != list.end();
}

std::string evidence_of(const model::Finding& f) {
  if (f.evidence.empty()) return {};
  const auto& e = f.evidence.front();
  return e.line ? e.path + ":" + std::to_string(e.line) : e.path;
}

struct Miner {
  const model::Finding* finding;
  std::string pid, image, sha256;
  bool deleted = false;
};

std::string_view base_name(std::string_view p) {
  size_t s = p.rfind('/');
  return s == std::string_view::npos ? p : p.substr(s + 1);
}

std::string all_text(const model::Finding& f) {
  std::string t = f.title_en + "\n" + f.description_en;
  for (const auto& e : f.evidence) t += "\n" + e.excerpt;
  return t;
}

// True when the finding's evidence names the miner's program, its own folder or one of its pool addresses.
bool names_miner(const model::Finding& f, const Miner& m, const std::vector<std::string>& pool_ips) {
  const std::string text = all_text(f);
  const std::string_view name = base_name(m.image);
  if (name.size() >= 4 && text.find(name) != std::string::npos) return true;
  const std::string_view dir =
      std::string_view(m.image).substr(0, m.image.size() - name.size() - (name.size() < m.image.size() ? 1 : 0));
  if (!dir.empty() && !in(dir, kSharedFolders) && text.find(std::string(dir) + "/") != std::string::npos) return true;
  for (const auto& ip : pool_ips)
    if (!ip.empty() && text.find(ip) != std::string::npos) return true;
  return false;
}

std::string when(const std::optional<Timestamp>& t) { return t ? to_iso8601(*t, 0) : std::string(); }

}  // namespace

std::string pid_in(std::string_view context) {
  for (std::string_view prefix : {"process ", "PID "}) {
    if (!context.starts_with(prefix)) continue;
    std::string_view rest = context.substr(prefix.size());
    return std::string(rest.substr(0, rest.find(' ')));
  }
  return {};
}

StepKind step_kind_of(std::string_view rule_id) {
  if (rule_id == kMinerRule) return StepKind::Miner;
  if (rule_id == kPoolRule) return StepKind::Connection;
  if (rule_id == kEntryRule) return StepKind::Entry;
  if (rule_id == kGuessingRule || rule_id == kLateralMovementRule || rule_id == "heuristic.admin_share_write" ||
      rule_id == "heuristic.remote_execution")
    return StepKind::NextHost;
  if (rule_id == kPatientZeroRule) return StepKind::Entry;
  if (in(rule_id, kPersistenceRules)) return StepKind::Persistence;
  if (in(rule_id, kEvasionRules)) return StepKind::Evasion;
  if (in(rule_id, kExposureRules)) return StepKind::Exposure;
  if (in(rule_id, kMinerFileRules)) return StepKind::Executable;
  return StepKind::Other;
}

Storyline build_storyline(std::span<const model::Finding> findings) {
  Storyline s;
  std::vector<Miner> miners;
  for (const auto& f : findings) {
    if (f.rule_id != kMinerRule || miners.size() >= 5) continue;
    Miner m{&f, {}, {}, {}, false};
    for (const auto& o : f.observables) {
      if (o.kind == model::ObservableKind::FilePath && m.image.empty()) m.image = o.value;
      if (o.kind == model::ObservableKind::Sha256 && m.sha256.empty()) m.sha256 = o.value;
      if (m.pid.empty()) m.pid = pid_in(o.context);
    }
    m.deleted = std::find(f.attack.begin(), f.attack.end(), "T1070.004") != f.attack.end();
    miners.push_back(std::move(m));
  }

  std::vector<bool> used(findings.size(), false);
  // Where it started, in a case of several hosts; then how it got in: a logon after guessing first, then the
  // exposed doors.
  for (size_t i = 0; i < findings.size(); ++i)
    if (findings[i].rule_id == kPatientZeroRule) {
      const auto& f = findings[i];
      used[i] = true;
      s.steps.push_back({StepKind::Entry, f.time, f.title_en, f.title_zh, f.rule_id, evidence_of(f), true});
    }
  for (size_t i = 0; i < findings.size(); ++i) {
    const auto& f = findings[i];
    if (f.rule_id != kEntryRule) continue;
    used[i] = true;
    s.steps.push_back(
        {StepKind::Entry, f.time, "Got in: " + f.title_en, "入侵途径：" + f.title_zh, f.rule_id, evidence_of(f), true});
  }

  std::vector<std::string> summary_en, summary_zh;
  for (const auto& m : miners) {
    const auto& f = *m.finding;
    used[static_cast<size_t>(&f - findings.data())] = true;
    const std::string who = "PID " + m.pid + " " + std::string(base_name(m.image));
    s.steps.push_back({StepKind::Miner, f.time,
                       "Mining: " + who + (f.time ? ", running since " + when(f.time) : std::string()),
                       "挖矿进程：" + who + (f.time ? "，自 " + when(f.time) + " 起运行" : std::string()), f.rule_id,
                       evidence_of(f), true});
    if (!m.image.empty())
      s.steps.push_back({StepKind::Executable, std::nullopt,
                         "Executable " + m.image + (m.deleted ? " (deleted from disk after start)" : "") +
                             (m.sha256.empty() ? "" : ", SHA-256 " + m.sha256),
                         "可执行文件 " + m.image + (m.deleted ? "（启动后已从磁盘删除）" : "") +
                             (m.sha256.empty() ? "" : "，SHA-256 " + m.sha256),
                         f.rule_id, evidence_of(f), true});
    std::vector<std::string> pool_ips;
    std::string pools;
    for (size_t i = 0; i < findings.size(); ++i) {
      const auto& c = findings[i];
      if (c.rule_id != kPoolRule) continue;
      bool same = false;
      for (const auto& o : c.observables) same = same || pid_in(o.context) == m.pid;
      if (!same) continue;
      used[i] = true;
      for (const auto& e : c.evidence) pools += (pools.empty() ? "" : ", ") + e.excerpt;
      for (const auto& o : c.observables)
        if (o.kind == model::ObservableKind::Ip) pool_ips.push_back(o.value);
      s.steps.push_back({StepKind::Connection, c.time, "Connected to the pool at " + pools, "连接矿池 " + pools,
                         c.rule_id, evidence_of(c), true});
    }
    std::string comes_back_en, comes_back_zh;
    for (size_t i = 0; i < findings.size(); ++i) {
      const auto& p = findings[i];
      if (used[i] ||
          !(in(p.rule_id, kPersistenceRules) || in(p.rule_id, kEvasionRules) || in(p.rule_id, kMinerFileRules)))
        continue;
      if (!names_miner(p, m, pool_ips)) continue;
      used[i] = true;
      if (in(p.rule_id, kMinerFileRules)) {
        s.steps.push_back({StepKind::Executable, p.time, "Beside it: " + p.title_en, "同目录：" + p.title_zh, p.rule_id,
                           evidence_of(p), true});
        continue;
      }
      if (in(p.rule_id, kEvasionRules)) {
        s.steps.push_back({StepKind::Evasion, p.time, "Hides it: " + p.title_en, "隐藏它：" + p.title_zh, p.rule_id,
                           evidence_of(p), true});
        continue;
      }
      s.steps.push_back({StepKind::Persistence, p.time, "Brings it back: " + p.title_en, "使其复活：" + p.title_zh,
                         p.rule_id, evidence_of(p), true});
      if (comes_back_en.empty()) {
        std::string url;
        for (const auto& o : p.observables)
          if (o.kind == model::ObservableKind::Url && url.empty()) url = o.value;
        comes_back_en = "; restarted by " + evidence_of(p) + (url.empty() ? "" : " (fetches " + url + ")");
        comes_back_zh = "；由 " + evidence_of(p) + " 重新拉起" + (url.empty() ? "" : "（下载 " + url + "）");
      }
    }
    summary_en.push_back("miner " + who + (pools.empty() ? "" : " → pool " + pools) + comes_back_en);
    summary_zh.push_back("挖矿木马 " + who + (pools.empty() ? "" : " → 矿池 " + pools) + comes_back_zh);
  }

  // The rest of the host's persistence and hiding, then the open doors and the next hosts.
  for (size_t i = 0; i < findings.size(); ++i) {
    const auto& f = findings[i];
    if (used[i]) continue;
    StepKind kind;
    if (in(f.rule_id, kPersistenceRules))
      kind = StepKind::Persistence;
    else if (in(f.rule_id, kEvasionRules))
      kind = StepKind::Evasion;
    else if (in(f.rule_id, kExposureRules))
      kind = StepKind::Exposure;
    else if (f.rule_id == kGuessingRule || f.rule_id == kLateralMovementRule)
      kind = StepKind::NextHost;
    else
      continue;
    if (f.severity < model::Severity::Medium) continue;
    if (kind == StepKind::NextHost && f.rule_id == kGuessingRule &&
        f.description_en.find("internal") == std::string::npos)
      kind = StepKind::Exposure;
    used[i] = true;
    const bool spread = f.rule_id == kLateralMovementRule;
    const std::string lead_en = spread                          ? "Spread: "
                                : kind == StepKind::Persistence ? "Also persists: "
                                : kind == StepKind::Evasion     ? "Hides or defends: "
                                : kind == StepKind::Exposure    ? "Open door: "
                                                                : "Next host to examine: ";
    const std::string lead_zh = spread                          ? "横向移动："
                                : kind == StepKind::Persistence ? "其他持久化："
                                : kind == StepKind::Evasion     ? "隐藏或对抗："
                                : kind == StepKind::Exposure    ? "暴露面："
                                                                : "下一台需检查的主机：";
    s.steps.push_back({kind, f.time, lead_en + f.title_en, lead_zh + f.title_zh, f.rule_id, evidence_of(f), false});
  }
  // Next hosts also come from a successful guess by an internal address.
  for (const auto& f : findings)
    if (f.rule_id == kEntryRule && f.description_en.find("internal") != std::string::npos)
      for (const auto& o : f.observables)
        if (o.kind == model::ObservableKind::Ip)
          s.steps.push_back(
              {StepKind::NextHost, f.time, "Next host to examine: " + o.value + " (it logged on here after guessing)",
               "下一台需检查的主机：" + o.value + "（猜解成功后登录本机）", f.rule_id, evidence_of(f), true});

  const auto entry =
      std::find_if(s.steps.begin(), s.steps.end(), [](const StoryStep& st) { return st.kind == StepKind::Entry; });
  if (!summary_en.empty() || entry != s.steps.end()) {
    for (size_t i = 0; i < summary_en.size(); ++i) {
      s.summary_en += (i ? "; " : "") + summary_en[i];
      s.summary_zh += (i ? "；" : "") + summary_zh[i];
    }
    if (entry != s.steps.end()) {
      s.summary_en += (s.summary_en.empty() ? "" : ". ") + entry->text_en;
      s.summary_zh += (s.summary_zh.empty() ? "" : "。") + entry->text_zh;
    }
  }
  return s;
}

}  // namespace msw::correlate
