#include "detect/heuristics/brute_force.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <set>

#include "core/ip.h"
#include "core/text.h"

namespace msw::detect::heuristics {
namespace {

constexpr int64_t kHour = 3'600'000'000'000;
constexpr int64_t kSuccessAfterLastFailure = 24 * kHour;  // a success long after the guessing stopped is not its
constexpr size_t kMaxHourBuckets = 4096;                  // per source: failures per clock hour
constexpr size_t kMaxSuccesses = 64;                      // per source, the earliest kept
constexpr size_t kMaxAccounts = 20;                       // accounts named per source (the rest counted)
constexpr size_t kSprayBurstAccounts = 8;                 // accounts failed from one source within an hour

enum class Outcome { Failure, Success, UnknownAccount };

struct Attempt {
  Outcome outcome = Outcome::Failure;
  std::string source;  // an address, or "workstation NAME" when the log has no address
  std::string user;
  std::string service;  // SSH, Windows logon, RDP, Kerberos, NTLM, SQL Server, ...
};

std::string_view value(const model::Event& e, std::string_view name) {
  const std::string* v = e.get(name);
  return v ? std::string_view(*v) : std::string_view();
}
std::string_view value(const model::Event& e, model::Field f) {
  const std::string* v = e.get(f);
  return v ? std::string_view(*v) : std::string_view();
}

uint64_t count_of(const model::Event& e) {
  const std::string* c = e.get("Count");
  uint64_t n = 1;
  if (c) std::from_chars(c->data(), c->data() + c->size(), n);
  return std::clamp<uint64_t>(n, 1, 1'000'000);
}

bool absent(std::string_view v) { return v.empty() || v == "-"; }

// Kerberos writes IPv4 clients as IPv4-mapped IPv6 ("::ffff:10.0.0.5").
std::string address(std::string_view ip) {
  if (ip.size() > 7 && iequals_ascii(ip.substr(0, 7), "::ffff:") && ip.find('.') != std::string_view::npos)
    ip.remove_prefix(7);
  return std::string(ip);
}

// The source of a Windows logon: its address, else the workstation it names (a 4625 over NTLM often has no address).
std::string windows_source(const model::Event& e) {
  if (const std::string_view ip = value(e, model::Field::IpAddress); !absent(ip)) return address(ip);
  for (std::string_view field : {"WorkstationName", "Workstation"})
    if (const std::string_view ws = value(e, field); !absent(ws)) return "workstation " + std::string(ws);
  return {};
}

bool status_is(std::string_view status, std::initializer_list<std::string_view> codes) {
  for (auto c : codes)
    if (iequals_ascii(status, c)) return true;
  return false;
}

std::optional<Attempt> classify(const model::Event& e) {
  Attempt a;
  if (e.category == "authentication") {
    a.user = std::string(value(e, model::Field::TargetUserName));
    const std::string_view t = value(e, model::Field::EventType);
    if (t != "failure" && t != "success") return std::nullopt;
    a.outcome = t == "failure" ? Outcome::Failure : Outcome::Success;
    a.source = std::string(value(e, model::Field::IpAddress));
    const std::string_view service = value(e, "AuthService");
    a.service = service.empty() ? "SSH" : std::string(service);
    if (absent(a.source)) return std::nullopt;
    return a;
  }
  if (e.product != "windows") return std::nullopt;
  const std::string_view id = value(e, model::Field::EventID);
  if (id != "4625" && id != "4624" && id != "4771" && id != "4768" && id != "4776" && id != "140" && id != "1149")
    return std::nullopt;  // most records: nothing to copy
  a.user = std::string(value(e, model::Field::TargetUserName));
  const std::string_view status = value(e, "Status");
  if (id == "4625" || id == "4624") {
    const std::string_view type = value(e, model::Field::LogonType);
    if (id == "4624") {
      if (type != "3" && type != "10") return std::nullopt;
      if (a.user.ends_with('$') || iequals_ascii(a.user, "ANONYMOUS LOGON")) return std::nullopt;
      a.outcome = Outcome::Success;
    }
    a.service = type == "10" ? "RDP" : "Windows logon";
    a.source = windows_source(e);
  } else if (id == "4771" || id == "4768") {
    // Kerberos: 0x18 pre-authentication failed (wrong password), 0x17 password expired; 4768 with 0x0 is a ticket
    // issued (the password was right), 0x6 a name the domain does not know.
    if (status_is(status, {"0x18", "0x17"}))
      a.outcome = Outcome::Failure;
    else if (id == "4768" && status_is(status, {"0x0"}))
      a.outcome = Outcome::Success;
    else if (id == "4768" && status_is(status, {"0x6"}))
      a.outcome = Outcome::UnknownAccount;
    else
      return std::nullopt;
    if (a.user.ends_with('$')) return std::nullopt;
    a.service = "Kerberos";
    a.source = absent(value(e, model::Field::IpAddress)) ? "" : address(value(e, model::Field::IpAddress));
  } else if (id == "4776") {
    // NTLM validation on a domain controller: 0xC000006A wrong password, 0xC0000064 no such user.
    if (status_is(status, {"0x0"}))
      a.outcome = Outcome::Success;
    else if (status_is(status, {"0xc000006a", "0xc0000064", "0xc0000234", "0xc0000071"}))
      a.outcome = Outcome::Failure;
    else
      return std::nullopt;
    if (a.user.ends_with('$')) return std::nullopt;
    a.service = "NTLM";
    a.source = windows_source(e);
  } else if (id == "140" && e.service == "microsoft-windows-remotedesktopservices-rdpcorets/operational") {
    a.service = "RDP";
    a.source = address(value(e, "IPString"));
  } else if (id == "1149" && e.service == "microsoft-windows-terminalservices-remoteconnectionmanager/operational") {
    a.outcome = Outcome::Success;
    a.service = "RDP";
    a.user = std::string(value(e, "Param1"));
    a.source = address(value(e, "Param3"));
  } else {
    return std::nullopt;
  }
  if (absent(a.source)) return std::nullopt;
  return a;
}

struct Ref {
  model::EvidenceRef ref;
  std::optional<Timestamp> time;
  std::string user;
};

Ref make_ref(const ArtefactView& a, const model::Event& e, const std::string& user) {
  uint64_t line = 0;
  if (auto ln = value(e, model::Field::LineNumber); !ln.empty())
    std::from_chars(ln.data(), ln.data() + ln.size(), line);
  std::string excerpt(value(e, model::Field::Message));
  if (excerpt.empty())
    excerpt = "EventID " + std::string(value(e, model::Field::EventID)) + " " + user + " from " + windows_source(e) +
              (value(e, "Status").empty() ? "" : " status " + std::string(value(e, "Status")));
  return {{std::string(a.path), std::string(a.sha256), e.offset, 0, line, excerpt}, e.time, user};
}

std::string when(const std::optional<Timestamp>& t) { return t ? to_iso8601(*t, 0) : std::string("?"); }

// Distinct names, the first few kept and the rest counted.
struct NameSet {
  std::set<std::string> names;
  uint64_t more = 0;
  void add(const std::string& n) {
    if (names.size() < kMaxAccounts)
      names.insert(n.empty() ? std::string("(none)") : n);
    else if (!names.count(n))
      ++more;
  }
  size_t size() const { return names.size() + more; }
  std::string text() const {
    std::string s;
    for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
    if (more) s += " and " + std::to_string(more) + " more";
    return s;
  }
};

struct Source {
  uint64_t failures = 0, undated = 0;
  uint64_t unknown = 0;  // of the failures, names the domain does not know (4768 0x6)
  struct Hour {
    uint64_t failures = 0;
    Timestamp earliest;
  };
  std::map<int64_t, Hour> per_hour;  // clock hour -> its failures and the earliest (at most kMaxHourBuckets)
  NameSet users;
  std::optional<Timestamp> first, last;
  std::optional<Ref> first_failure;
  std::vector<Ref> successes;  // the earliest kMaxSuccesses, in time order
  std::string status;          // the Windows SubStatus seen most recently (0xC0000071: password expired)
  std::set<std::string> services;

  // The first failure of the first pair of consecutive clock hours that holds kBruteForceMinFailures failures, or,
  // for logs without times, the epoch when there were that many at all.
  std::optional<Timestamp> burst_start() const {
    if (undated >= kBruteForceMinFailures && per_hour.empty()) return Timestamp{};
    for (auto it = per_hour.begin(); it != per_hour.end(); ++it) {
      uint64_t n = it->second.failures;
      if (auto next = std::next(it); next != per_hour.end() && next->first == it->first + 1) n += next->second.failures;
      if (n + undated >= kBruteForceMinFailures) return it->second.earliest;
    }
    return std::nullopt;
  }
};

// Distinct accounts per subject (4648) or per source (4768 0x6).
struct Spread {
  NameSet accounts;
  std::optional<Timestamp> first, last;
  std::optional<Ref> example;
  std::string what;  // the subject, the process, the target server
};

std::string service_zh(const std::string& service) {
  if (service == "Windows logon") return "Windows 登录";
  return service;
}

class BruteForceEngine final : public CaseEngine {
 public:
  std::string_view name() const override { return "heuristics.brute_force"; }

  void observe(const ArtefactView& a, const model::Event& e) override {
    if (e.product == "windows" && value(e, model::Field::EventID) == "4648") return explicit_credentials(a, e);
    const auto at = classify(e);
    if (!at) return;
    if (at->outcome == Outcome::UnknownAccount) unknown_account(a, e, *at);  // and a failed guess below
    auto it = sources_.find(at->source);
    if (it == sources_.end()) {
      if (sources_.size() >= kBruteForceMaxSources) return;
      it = sources_.emplace(at->source, Source{}).first;
    }
    Source& s = it->second;
    if (at->outcome == Outcome::Success) {
      // Logs arrive in any order: every success is kept (the earliest few) and judged against the failures at the end.
      Ref r = make_ref(a, e, at->user);
      auto pos = std::upper_bound(s.successes.begin(), s.successes.end(), r.time,
                                  [](const auto& t, const Ref& x) { return t < x.time; });
      if (s.successes.size() < kMaxSuccesses)
        s.successes.insert(pos, std::move(r));
      else if (pos != s.successes.end()) {
        s.successes.pop_back();
        s.successes.insert(pos, std::move(r));
      }
      return;
    }
    const uint64_t n = count_of(e);
    s.failures += n;
    if (at->outcome == Outcome::UnknownAccount) s.unknown += n;
    s.services.insert(at->service);
    s.users.add(at->user);
    if (auto st = value(e, model::Field::SubStatus); !st.empty()) s.status = std::string(st);
    if (!e.time) {
      s.undated += n;
    } else {
      if (!s.first || *e.time < *s.first) {
        s.first = e.time;
        s.first_failure = make_ref(a, e, at->user);
      }
      if (!s.last || *e.time > *s.last) s.last = e.time;
      const int64_t hour = e.time->unix_ns / kHour - (e.time->unix_ns % kHour < 0);
      if (s.per_hour.size() < kMaxHourBuckets || s.per_hour.count(hour)) {
        auto [slot, fresh] = s.per_hour.try_emplace(hour, Source::Hour{0, *e.time});
        slot->second.failures += n;
        if (*e.time < slot->second.earliest) slot->second.earliest = *e.time;
      }
    }
    if (!s.first_failure) s.first_failure = make_ref(a, e, at->user);
  }

  void finish(std::vector<model::Finding>& out) override {
    std::set<std::string> guessed;
    for (const auto& [source, s] : sources_)
      if (guessing(source, s, out)) guessed.insert(source);
    for (const auto& [key, sp] : sprays_) spread_finding(sp, true, out);
    // Enumeration that went on to guess passwords is part of that finding.
    for (const auto& [source, sp] : enumerations_)
      if (!guessed.count(source)) spread_finding(sp, false, out);
  }

 private:
  // 4648: a logon was attempted with explicit credentials, by SubjectUserName for TargetUserName.
  void explicit_credentials(const ArtefactView& a, const model::Event& e) {
    const std::string subject(value(e, model::Field::SubjectUserName)), target(value(e, model::Field::TargetUserName));
    if (absent(target) || iequals_ascii(subject, target)) return;
    const std::string key = to_lower_ascii(std::string(value(e, model::Field::Computer)) + "\x1f" + subject + "\x1f" +
                                           std::string(value(e, "ProcessName")));
    auto it = sprays_.find(key);
    if (it == sprays_.end()) {
      if (sprays_.size() >= kBruteForceMaxSources) return;
      it = sprays_.emplace(key, Spread{}).first;
      it->second.what = std::string(value(e, model::Field::SubjectDomainName)) + "\\" + subject + " (" +
                        std::string(value(e, "ProcessName")) + ") on " + std::string(value(e, model::Field::Computer));
    }
    note(it->second, a, e, target);
  }

  // 4768 with 0x6: a ticket asked for a name the domain does not know.
  void unknown_account(const ArtefactView& a, const model::Event& e, const Attempt& at) {
    auto it = enumerations_.find(at.source);
    if (it == enumerations_.end()) {
      if (enumerations_.size() >= kBruteForceMaxSources) return;
      it = enumerations_.emplace(at.source, Spread{}).first;
      it->second.what = at.source;
    }
    note(it->second, a, e, at.user);
  }

  static void note(Spread& sp, const ArtefactView& a, const model::Event& e, const std::string& account) {
    sp.accounts.add(to_lower_ascii(account));
    if (e.time) {
      if (!sp.first || *e.time < *sp.first) sp.first = e.time;
      if (!sp.last || *e.time > *sp.last) sp.last = e.time;
    }
    if (!sp.example) sp.example = make_ref(a, e, account);
  }

  static void spread_finding(const Spread& sp, bool spray, std::vector<model::Finding>& out) {
    if (sp.accounts.size() < kSprayMinAccounts) return;
    model::Finding f;
    f.engine = "heuristics";
    f.rule_id = spray ? kExplicitCredentialSprayRule : kUserEnumerationRule;
    f.severity = model::Severity::Medium;
    f.time = sp.first;
    const std::string n = std::to_string(sp.accounts.size()), span = when(sp.first) + " – " + when(sp.last);
    if (spray) {
      f.attack = {"T1110.003"};
      f.title_en = "Explicit credentials for " + n + " accounts used by " + sp.what;
      f.title_zh = sp.what + " 使用 " + n + " 个账户的显式凭据";
      f.description_en = sp.what + " logged on with explicit credentials (4648) for " + n + " different accounts (" +
                         span + ": " + sp.accounts.text() +
                         "). Tools that spray passwords from a foothold do this; a person "
                         "or a service uses one or two. Find the process and what it ran, and reset the accounts that "
                         "logged on afterwards.";
      f.description_zh = sp.what + " 使用 " + n + " 个不同账户的显式凭据登录（4648，" + span + "：" +
                         sp.accounts.text() +
                         "）。从已控制主机发起密码喷洒的工具会这样做，正常用户或服务只会用到一两个账户。请找出该进程及"
                         "其执行内容，并重置之后成功登录的账户。";
    } else {
      f.attack = {"T1087.002", "T1110"};
      f.title_en = "Kerberos asked for " + n + " accounts that do not exist, from " + sp.what;
      f.title_zh = "来自 " + sp.what + " 的 Kerberos 请求涉及 " + n + " 个不存在的账户";
      f.description_en = sp.what + " asked the domain controller for tickets for " + n +
                         " account names it does not know " + "(4768 with status 0x6, " + span + ": " +
                         sp.accounts.text() + "): user enumeration before password guessing. Examine that host.";
      f.description_zh = sp.what + " 向域控制器请求了 " + n + " 个不存在账户的票据（4768，状态 0x6，" + span + "：" +
                         sp.accounts.text() + "）：这是密码猜解前的用户枚举。请检查该主机。";
      f.observables.push_back({model::ObservableKind::Ip, sp.what, "enumeration source"});
    }
    if (sp.example) f.evidence.push_back(sp.example->ref);
    out.push_back(std::move(f));
  }

  // True when it reported the source.
  static bool guessing(const std::string& source, const Source& s, std::vector<model::Finding>& out) {
    if (s.unknown == s.failures) return false;  // only names the domain does not know: enumeration, reported as such
    // Guessing: a burst of failures. Spraying: few tries each for many accounts, all within the hour.
    const bool spray = s.users.size() >= kSprayBurstAccounts && s.first && s.last &&
                       s.last->unix_ns - s.first->unix_ns <= kHour && s.undated == 0;
    auto burst = s.failures >= kBruteForceMinFailures ? s.burst_start() : std::nullopt;
    if (!burst && spray) burst = s.first;
    if (!burst) return false;  // failures spread thin: mistakes over weeks, not guessing
    // The first success at or after the burst and within a day of the last failure (successes are in time order;
    // an undated one counts only when the failures are undated too).
    const Ref* success = nullptr;
    for (const auto& r : s.successes) {
      if (!r.time) {
        if (s.per_hour.empty()) success = &r;
        if (success) break;
        continue;
      }
      if (*r.time < *burst) continue;
      if (s.last && r.time->unix_ns - s.last->unix_ns > kSuccessAfterLastFailure) break;
      success = &r;
      break;
    }
    std::string service;
    for (const auto& x : s.services) service += (service.empty() ? "" : "/") + x;
    model::Finding f;
    f.engine = "heuristics";
    const bool is_address = !source.starts_with("workstation ");
    const auto addr = is_address ? parse_ip(source) : std::nullopt;
    const bool internal =
        !is_address || (addr && (addr->scope() == IpScope::Private || addr->scope() == IpScope::Loopback ||
                                 addr->scope() == IpScope::LinkLocal));
    const std::string n = std::to_string(s.failures), users = s.users.text();
    const std::string span = when(s.first) + " – " + when(s.last);
    const std::string many = s.users.size() >= 5 ? " (" + std::to_string(s.users.size()) + " accounts: spraying)" : "";
    std::string status_en, status_zh;
    if (iequals_ascii(s.status, "0xc0000071")) {
      status_en =
          " The last failures had status 0xC0000071: the account's password had expired — once someone resets "
          "it, the guessing succeeds.";
      status_zh = " 最后的失败状态为 0xC0000071（密码已过期）——一旦有人重置密码，猜解即会成功。";
    }
    const std::string origin_en = internal ? " The source is internal: that machine is very likely infected too and "
                                             "spreading; examine it next."
                                           : "";
    const std::string origin_zh = internal ? " 该来源位于内网：那台机器很可能也已感染并在扩散，应接着检查。" : "";
    if (success) {
      f.rule_id = kBruteForceSuccessRule;
      f.severity = model::Severity::Critical;
      f.time = success->time;
      f.title_en = service + " password guessing from " + source + " succeeded: logon as " + success->user + " at " +
                   when(success->time);
      f.title_zh = "来自 " + source + " 的 " + service_zh(service) + " 密码猜解成功：" + when(success->time) + " 以 " +
                   success->user + " 登录";
      f.description_en = source + " failed " + n + " times (" + span + ", accounts: " + users + many +
                         ") and then logged on as " + success->user + " at " + when(success->time) +
                         ". This is how the attacker got in: treat every credential of this host as known to them." +
                         status_en + origin_en;
      f.description_zh = source + " 失败 " + n + " 次（" + span + "，尝试账户：" + users + "）后于 " +
                         when(success->time) + " 以 " + success->user +
                         " 登录成功。这就是入侵途径：应视本机所有凭据均已泄露。" + status_zh + origin_zh;
      f.attack = {"T1110.001", "T1078"};  // Password Guessing; Valid Accounts
      f.evidence.push_back(s.first_failure->ref);
      f.evidence.push_back(success->ref);
      f.observables.push_back({model::ObservableKind::Account, success->user, "logon after brute force"});
      f.actions.push_back({model::ActionKind::RotateCredentials, success->user,
                           "Reset the password of " + success->user +
                               " (and every account on this host), and review what it did after " +
                               when(success->time) + ".",
                           "重置 " + success->user + " 的密码（以及本机所有账户），并审查其在 " + when(success->time) +
                               " 之后的操作。"});
    } else {
      f.rule_id = kBruteForceRule;
      f.severity = model::Severity::Medium;
      f.time = s.first;
      f.title_en = service + " password guessing attempt from " + source + ": " + n + " failures" + many;
      f.title_zh = "来自 " + source + " 的 " + service_zh(service) + " 密码猜解尝试：失败 " + n + " 次";
      f.description_en = source + " failed to log on " + n + " times (" + span + ", accounts: " + users + many +
                         "). No success from this source was logged." + status_en + origin_en;
      f.description_zh = source + " 登录失败 " + n + " 次（" + span + "，尝试账户：" + users +
                         "）。未记录到该来源的成功登录。" + status_zh + origin_zh;
      f.attack = {s.users.size() >= 5 ? "T1110.003" : "T1110.001"};
      f.evidence.push_back(s.first_failure->ref);
    }
    if (is_address) f.observables.push_back({model::ObservableKind::Ip, source, "logon source"});
    const bool ssh = s.services.count("SSH") && s.services.size() == 1;
    f.actions.push_back(
        {model::ActionKind::BlockPort, source,
         ssh ? "Block " + source + " and allow SSH only from administration addresses, with keys instead of passwords."
             : "Block " + source +
                   "; close SMB (445) and move RDP off 3389 at the perimeter; enforce strong passwords and lockout.",
         ssh ? "封禁 " + source + "，仅允许管理地址访问 SSH，并改用密钥登录。"
             : "封禁 " + source + "；在边界关闭 SMB（445），RDP 改用非 3389 端口；强制强密码与锁定策略。"});
    out.push_back(std::move(f));
    return true;
  }

  std::map<std::string, Source> sources_;  // ordered: findings come out in a stable order
  std::map<std::string, Spread> sprays_, enumerations_;
};

}  // namespace

std::unique_ptr<CaseEngine> make_brute_force_engine() { return std::make_unique<BruteForceEngine>(); }

}  // namespace msw::detect::heuristics
