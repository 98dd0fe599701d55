#include "detect/heuristics/windows_accounts.h"

#include <charconv>
#include <map>

#include "core/text.h"
#include "detect/heuristics/finding.h"

namespace msw::detect::heuristics {
namespace {

constexpr int64_t kMinute = 60'000'000'000;
constexpr int64_t kPairWindow = 24 * 60 * kMinute;  // creation to Administrators
constexpr int64_t kSetupWindow = 60 * kMinute;      // first account after the log starts: Windows Setup's

struct AccountEvent {
  std::string computer, sid, name;  // the account created or added
  std::string subject_sid, subject_name, subject_domain;
  Timestamp time;
  model::EvidenceRef ref;
};

// The last sub-authority of a SID: 1000 is the first account a machine ever creates, below 1000 the built-in ones.
int64_t rid_of(std::string_view sid) {
  const size_t dash = sid.rfind('-');
  if (dash == std::string_view::npos) return -1;
  int64_t rid = -1;
  std::from_chars(sid.data() + dash + 1, sid.data() + sid.size(), rid);
  return rid;
}

bool system_subject(const AccountEvent& e) { return e.subject_sid == "S-1-5-18" || e.subject_name.ends_with('$'); }

class WindowsAccountEngine final : public CaseEngine {
 public:
  std::string_view name() const override { return "windows-accounts"; }

  void observe(const ArtefactView& a, const model::Event& e) override {
    if (e.product != "windows" || !e.time) return;
    if (e.service == "microsoft-windows-sysmon/operational") return sam_registry(a, e);
    if (e.service != "security") return;
    // The earliest record per computer; records of one log name the same computer, so the last one is remembered
    // as written and the map is touched only when it changes.
    const std::string* name = e.get(model::Field::Computer);
    const std::string_view raw = name ? std::string_view(*name) : std::string_view();
    if (!last_start_ || raw != last_computer_) {
      last_computer_.assign(raw);
      const std::string computer = to_lower_ascii(raw);
      auto it = log_start_.find(computer);
      if (it == log_start_.end()) {
        if (log_start_.size() >= kMaxAccountEvents) return;
        it = log_start_.emplace(computer, *e.time).first;
      }
      last_start_ = &it->second;
    }
    if (*e.time < *last_start_) *last_start_ = *e.time;
    const std::string* id = e.get(model::Field::EventID);
    if (!id || (*id != "4720" && *id != "4732")) return;
    const bool created = *id == "4720";
    if (!created && e.value("TargetSid") != "S-1-5-32-544") return;
    auto& list = created ? created_ : added_;
    if (list.size() >= kMaxAccountEvents) return;
    AccountEvent x;
    x.computer = to_lower_ascii(raw);
    x.sid = e.value(created ? "TargetSid" : "MemberSid");
    x.name = created ? e.value(model::Field::TargetUserName) : e.value("MemberName");
    x.subject_sid = e.value("SubjectUserSid");
    x.subject_name = e.value(model::Field::SubjectUserName);
    x.subject_domain = e.value(model::Field::SubjectDomainName);
    x.time = *e.time;
    x.ref = {std::string(a.path),
             std::string(a.sha256),
             e.offset,
             0,
             0,
             "EventID " + *id + " record " + e.value(model::Field::EventRecordID) + ": " +
                 (created ? "account " + x.name + " (" + x.sid + ") created" : x.sid + " added to Administrators") +
                 " by " + x.subject_domain + "\\" + x.subject_name};
    list.push_back(std::move(x));
  }

  void finish(std::vector<model::Finding>& out) override {
    for (const auto& c : created_) {
      if (setup_account(c)) continue;
      for (const auto& g : added_) {
        // Sysmon's view names no SID: a change of the Administrators alias pairs with the latest account created
        // before it on that host.
        const bool same = g.sid.empty() ? c.sid.empty() && latest_created_before(g) == &c : g.sid == c.sid;
        if (g.computer != c.computer || !same || g.time < c.time || g.time.unix_ns - c.time.unix_ns > kPairWindow)
          continue;
        model::Finding f = heuristic_finding(kAccountCreatedAdminRule, model::Severity::High, c.time);
        f.attack = {"T1136.001", "T1098"};
        const std::string who = c.subject_name.empty() ? "an unknown account"
                                : c.subject_domain.empty() || c.subject_domain == "-"
                                    ? c.subject_name
                                    : c.subject_domain + "\\" + c.subject_name;
        const std::string host = c.computer.empty() ? "" : " on " + c.computer;
        const std::string sid = c.sid.empty() ? "" : " (" + c.sid + ")";
        f.title_en = "Local account " + c.name + " created by " + who + " and added to Administrators" + host;
        f.title_zh = "本地账户 " + c.name + " 由 " + who + " 创建并加入管理员组" +
                     (c.computer.empty() ? "" : "（" + c.computer + "）");
        f.description_en = "The account " + c.name + sid + " was created at " + to_iso8601(c.time, 0) + " by " + who +
                           " and added to the local Administrators group at " + to_iso8601(g.time, 0) +
                           ". Worms add administrator accounts (MyKings' admin$) as a way back in that survives the "
                           "removal of their files and tasks. Unless an administrator made it on purpose, disable the "
                           "account, look for its logons, and find out how " +
                           who + " came to run this.";
        f.description_zh =
            "账户 " + c.name + "（" + c.sid + "）于 " + to_iso8601(c.time, 0) + " 由 " + who + " 创建，并于 " +
            to_iso8601(g.time, 0) +
            " 加入本地管理员组。蠕虫会添加管理员账户（如 MyKings 的 admin$）作为清理文件和任务后仍可重新进入的后门。"
            "除非是管理员有意创建，请禁用该账户、排查其登录记录，并查明 " +
            who + " 为何执行了此操作。";
        f.evidence.push_back(c.ref);
        f.evidence.push_back(g.ref);
        f.observables.push_back({model::ObservableKind::Account, c.name, "account created and made administrator"});
        out.push_back(std::move(f));
        break;
      }
    }
  }

 private:
  // Sysmon 12/13 of lsass writing the SAM: a user created (CreateKey ...\Users\Names\<name>), the Administrators
  // alias's member list rewritten (SetValue ...\Builtin\Aliases\00000220\C). The names, not the SIDs, are known.
  void sam_registry(const ArtefactView& a, const model::Event& e) {
    const std::string id = e.value(model::Field::EventID), target = e.value(model::Field::TargetObject);
    const std::string lower = to_lower_ascii(target);
    constexpr std::string_view kNames = "\\sam\\domains\\account\\users\\names\\";
    const size_t names = lower.find(kNames);
    const bool created = id == "12" && e.value(model::Field::EventType) == "CreateKey" && names != std::string::npos &&
                         lower.find('\\', names + kNames.size()) == std::string::npos;
    const bool admins = id == "13" && lower.ends_with("\\sam\\domains\\builtin\\aliases\\00000220\\c");
    if (!created && !admins) return;
    auto& list = created ? created_ : added_;
    if (list.size() >= kMaxAccountEvents) return;
    AccountEvent x;
    x.computer = to_lower_ascii(e.value(model::Field::Computer));
    x.name = created ? target.substr(names + kNames.size()) : "";
    // Sysmon sees lsass write the SAM, not who asked it to.
    x.time = *e.time;
    x.ref = {std::string(a.path),
             std::string(a.sha256),
             e.offset,
             0,
             0,
             "Sysmon " + id + " record " + e.value(model::Field::EventRecordID) + ": " +
                 e.value(model::Field::EventType) + " " + target + " by " + e.value(model::Field::Image)};
    list.push_back(std::move(x));
  }

  const AccountEvent* latest_created_before(const AccountEvent& g) const {
    const AccountEvent* best = nullptr;
    for (const auto& c : created_)
      if (c.sid.empty() && c.computer == g.computer && c.time <= g.time && (!best || best->time < c.time)) best = &c;
    return best;
  }

  // Windows Setup: the built-in accounts, and the first user (RID 1000) made by SYSTEM in the log's first hour.
  bool setup_account(const AccountEvent& c) const {
    if (!system_subject(c)) return false;
    const int64_t rid = rid_of(c.sid);
    if (rid >= 0 && rid < 1000) return true;
    if (rid != 1000) return false;
    const auto it = log_start_.find(c.computer);
    return it != log_start_.end() && c.time.unix_ns - it->second.unix_ns <= kSetupWindow;
  }

  std::map<std::string, Timestamp> log_start_;  // earliest Security record per computer
  std::string last_computer_;                   // the Computer of the record before, as written
  Timestamp* last_start_ = nullptr;             // its entry in log_start_ (map entries stay put)
  std::vector<AccountEvent> created_, added_;
};

}  // namespace

std::unique_ptr<CaseEngine> make_windows_account_engine() { return std::make_unique<WindowsAccountEngine>(); }

}  // namespace msw::detect::heuristics
