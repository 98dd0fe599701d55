#include "detect/heuristics/brute_force.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <unordered_map>

#include "core/ip.h"

namespace msw::detect::heuristics {
namespace {

// The guessed service as Chinese reports name it.
std::string service_zh(const std::string& service) {
  if (service == "SSH") return "SSH ";
  if (service == "Windows logon") return "Windows 登录";
  return service + " ";  // SQL Server, ...
}

enum class Outcome { None, Failure, Success };

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

// Windows: 4625 is a failed logon; 4624 with logon type 3 (network: SMB, WinRM) or 10 (RDP) is a remote success.
// Linux: the auth-log normaliser's EventType.
Outcome classify(const model::Event& e) {
  if (e.category == "authentication") {
    std::string_view t = value(e, model::Field::EventType);
    if (t == "failure") return Outcome::Failure;
    if (t == "success") return Outcome::Success;
    return Outcome::None;
  }
  std::string_view id = value(e, model::Field::EventID);
  if (id == "4625") return Outcome::Failure;
  if (id == "4624") {
    std::string_view type = value(e, model::Field::LogonType);
    if (type == "3" || type == "10") return Outcome::Success;
  }
  return Outcome::None;
}

struct Ref {
  model::EvidenceRef ref;
  std::optional<Timestamp> time;
  std::string user;
};

struct Source {
  uint64_t failures = 0;
  std::set<std::string> users;  // capped
  bool many_users = false;
  std::optional<Timestamp> first, last;
  std::optional<Ref> first_failure;
  std::optional<Ref> success;  // the first success after kBruteForceMinFailures failures
  std::string status;          // the Windows SubStatus seen most recently (0xC0000071: password expired)
  std::string service;         // "SSH" or "Windows logon"
};

Ref make_ref(const ArtefactView& a, const model::Event& e) {
  uint64_t line = 0;
  if (auto ln = value(e, model::Field::LineNumber); !ln.empty())
    std::from_chars(ln.data(), ln.data() + ln.size(), line);
  std::string excerpt(value(e, model::Field::Message));
  if (excerpt.empty()) {
    excerpt = "EventID " + std::string(value(e, model::Field::EventID)) + " " +
              std::string(value(e, model::Field::TargetUserName)) + " from " +
              std::string(value(e, model::Field::IpAddress));
  }
  return {{std::string(a.path), std::string(a.sha256), e.offset, 0, line, excerpt},
          e.time,
          std::string(value(e, model::Field::TargetUserName))};
}

std::string when(const std::optional<Timestamp>& t) { return t ? to_iso8601(*t, 0) : std::string("?"); }

class BruteForceEngine final : public CaseEngine {
 public:
  std::string_view name() const override { return "heuristics.brute_force"; }

  void observe(const ArtefactView& a, const model::Event& e) override {
    const Outcome o = classify(e);
    if (o == Outcome::None) return;
    std::string_view ip = value(e, model::Field::IpAddress);
    if (ip.empty() || ip == "-") return;
    auto it = sources_.find(std::string(ip));
    if (it == sources_.end()) {
      if (o == Outcome::Success || sources_.size() >= kBruteForceMaxSources) return;  // success with no history
      it = sources_.emplace(std::string(ip), Source{}).first;
    }
    Source& s = it->second;
    const std::string* service = e.get("AuthService");
    s.service = service ? *service : e.category == "authentication" ? "SSH" : "Windows logon";
    if (o == Outcome::Failure) {
      s.failures += count_of(e);
      if (!s.first_failure) s.first_failure = make_ref(a, e);
      if (e.time) {
        if (!s.first || *e.time < *s.first) s.first = e.time;
        if (!s.last || *e.time > *s.last) s.last = e.time;
      }
      std::string user(value(e, model::Field::TargetUserName));
      if (s.users.size() < 20)
        s.users.insert(user);
      else if (!s.users.count(user))
        s.many_users = true;
      if (auto st = value(e, model::Field::SubStatus); !st.empty()) s.status = st;
      return;
    }
    // A success counts when enough failures came first (in time when both are dated, else in reading order).
    if (!s.success && s.failures >= kBruteForceMinFailures && (!e.time || !s.first || *e.time >= *s.first))
      s.success = make_ref(a, e);
  }

  void finish(std::vector<model::Finding>& out) override {
    for (const auto& [ip, s] : sources_) {
      if (s.failures < kBruteForceMinFailures) continue;
      model::Finding f;
      f.engine = "heuristics";
      std::string users;
      for (const auto& u : s.users) users += (users.empty() ? "" : ", ") + (u.empty() ? std::string("(none)") : u);
      if (s.many_users) users += ", ...";
      const auto addr = parse_ip(ip);
      const bool internal = addr && (addr->scope() == IpScope::Private || addr->scope() == IpScope::Loopback ||
                                     addr->scope() == IpScope::LinkLocal);
      const std::string n = std::to_string(s.failures);
      const std::string span = when(s.first) + " – " + when(s.last);
      std::string status_note_en, status_note_zh;
      if (s.status == "0xc0000071" || s.status == "0xC0000071") {
        status_note_en =
            " The last failures had status 0xC0000071: the account's password had expired — once someone "
            "resets it, the guessing succeeds.";
        status_note_zh = " 最后的失败状态为 0xC0000071（密码已过期）——一旦有人重置密码，猜解即会成功。";
      }
      const std::string origin_en = internal ? " The address is internal: that machine is very likely infected too and "
                                               "spreading; examine it next."
                                             : "";
      const std::string origin_zh = internal ? " 该地址为内网地址：那台机器很可能也已感染并在扩散，应接着检查。" : "";
      if (s.success) {
        f.rule_id = kBruteForceSuccessRule;
        f.severity = model::Severity::Critical;
        f.time = s.success->time;
        f.title_en = s.service + " password guessing from " + ip + " succeeded: logon as " + s.success->user + " at " +
                     when(s.success->time);
        f.title_zh = "来自 " + ip + " 的" + service_zh(s.service) + "密码猜解成功：" + when(s.success->time) + " 以 " +
                     s.success->user + " 登录";
        f.description_en = ip + " failed " + n + " times (" + span + ", accounts: " + users +
                           ") and then logged on as " + s.success->user +
                           ". This is how the attacker got in: treat every credential of this host as known to them." +
                           status_note_en + origin_en;
        f.description_zh = ip + " 失败 " + n + " 次（" + span + "，尝试账户：" + users + "）后以 " + s.success->user +
                           " 登录成功。这就是入侵途径：应视本机所有凭据均已泄露。" + status_note_zh + origin_zh;
        f.attack = {"T1110.001", "T1078"};  // Password Guessing; Valid Accounts
        f.evidence.push_back(s.first_failure->ref);
        f.evidence.push_back(s.success->ref);
        f.observables.push_back({model::ObservableKind::Account, s.success->user, "logon after brute force"});
        f.actions.push_back({model::ActionKind::RotateCredentials, s.success->user,
                             "Reset the password of " + s.success->user +
                                 " (and every account on this host), and "
                                 "review what it did after " +
                                 when(s.success->time) + ".",
                             "重置 " + s.success->user + " 的密码（以及本机所有账户），并审查其在 " +
                                 when(s.success->time) + " 之后的操作。"});
      } else {
        f.rule_id = kBruteForceRule;
        f.severity = internal ? model::Severity::High : model::Severity::Medium;
        f.time = s.first;
        f.title_en = s.service + " password guessing from " + ip + ": " + n + " failures";
        f.title_zh = "来自 " + ip + " 的" + service_zh(s.service) + "密码猜解：失败 " + n + " 次";
        f.description_en = ip + " failed to log on " + n + " times (" + span + ", accounts: " + users +
                           "). No success from this address was logged." + status_note_en + origin_en;
        f.description_zh = ip + " 登录失败 " + n + " 次（" + span + "，尝试账户：" + users +
                           "）。未记录到该地址的成功登录。" + status_note_zh + origin_zh;
        f.attack = {"T1110.001"};
        f.evidence.push_back(s.first_failure->ref);
      }
      f.observables.push_back({model::ObservableKind::Ip, ip, "logon source"});
      f.actions.push_back(
          {model::ActionKind::BlockPort, ip,
           s.service == "SSH"
               ? "Block " + ip + " and allow SSH only from administration addresses, with keys instead of passwords."
               : "Block " + ip +
                     "; close SMB (445) and move RDP off 3389 at the perimeter; enforce strong passwords and lockout.",
           s.service == "SSH"
               ? "封禁 " + ip + "，仅允许管理地址访问 SSH，并改用密钥登录。"
               : "封禁 " + ip + "；在边界关闭 SMB（445），RDP 改用非 3389 端口；强制强密码与锁定策略。"});
      out.push_back(std::move(f));
    }
  }

 private:
  std::map<std::string, Source> sources_;  // ordered: findings come out in a stable order
};

}  // namespace

std::unique_ptr<CaseEngine> make_brute_force_engine() { return std::make_unique<BruteForceEngine>(); }

}  // namespace msw::detect::heuristics
