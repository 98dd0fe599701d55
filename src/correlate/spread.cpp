#include "correlate/spread.h"

#include <algorithm>
#include <map>
#include <set>

namespace msw::correlate {
namespace {

constexpr size_t kMaxHosts = 4096;

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// "WIN-A.corp.local" and "win-a" are the same machine: compare the first label, case-insensitively.
std::string short_name(std::string_view s) { return upper(s.substr(0, s.find('.'))); }

std::string when(const std::optional<Timestamp>& t) { return t ? to_iso8601(*t, 0) : std::string("?"); }

}  // namespace

void HostDirectory::observe(const model::Event& e) {
  if (e.category != "host_identity") return;
  const std::string name = e.value(model::Field::Computer);
  if (name.empty()) return;
  auto it =
      std::find_if(hosts_.begin(), hosts_.end(), [&](const Host& h) { return short_name(h.name) == short_name(name); });
  if (it == hosts_.end()) {
    if (hosts_.size() >= kMaxHosts) return;
    hosts_.push_back({name, {}});
    it = hosts_.end() - 1;
  }
  const std::string list = e.value("IpAddresses");
  for (size_t start = 0; start < list.size();) {
    size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    std::string a = list.substr(start, end - start);
    if (!a.empty() && it->addresses.size() < 64 &&
        std::find(it->addresses.begin(), it->addresses.end(), a) == it->addresses.end())
      it->addresses.push_back(std::move(a));
    start = end + 1;
  }
}

std::vector<std::string> HostDirectory::names() const {
  std::vector<std::string> out;
  for (const auto& h : hosts_) out.push_back(h.name);
  std::sort(out.begin(), out.end());
  return out;
}

std::string HostDirectory::owner_of(std::string_view address) const {
  for (const auto& h : hosts_)
    for (const auto& a : h.addresses)
      if (a == address) return h.name;
  return {};
}

std::string HostDirectory::host_named(std::string_view name) const {
  if (name.empty()) return {};
  const std::string s = short_name(name);
  for (const auto& h : hosts_)
    if (short_name(h.name) == s) return h.name;
  return {};
}

std::vector<Movement> find_movements(const HostDirectory& hosts, std::span<const model::LogonRow> logons) {
  std::vector<Movement> out;
  if (hosts.size() < 2) return out;
  for (const auto& row : logons) {
    const std::string to = hosts.host_named(row.host);
    const std::string from = hosts.owner_of(row.source);
    if (to.empty() || from.empty() || to == from) continue;
    if (row.successes == 0 && row.failures < kAttemptFailures) continue;
    out.push_back(
        {from, to, row.source, row.account, row.logon_type, row.successes, row.failures, row.first, row.last});
  }
  std::sort(out.begin(), out.end(), [](const Movement& a, const Movement& b) {
    return std::tie(a.first, a.from, a.to, a.account) < std::tie(b.first, b.from, b.to, b.account);
  });
  return out;
}

std::vector<model::Finding> spread_findings(std::span<const Movement> movements) {
  std::vector<model::Finding> out;
  std::set<std::string> movers, reached;
  std::map<std::string, std::optional<Timestamp>> first_move;
  for (const auto& m : movements) {
    const bool worked = m.successes > 0;
    model::Finding f;
    f.rule_id = std::string(kLateralMovementRule);
    f.engine = "correlate";
    f.severity = worked ? model::Severity::High : model::Severity::Medium;
    f.time = m.last;
    f.attack = {"T1021", "T1110"};
    const std::string counts_en =
        std::to_string(m.failures) + " failures, " + std::to_string(m.successes) + " successes";
    const std::string counts_zh = std::to_string(m.failures) + " 次失败，" + std::to_string(m.successes) + " 次成功";
    if (worked) {
      f.title_en = m.from + " logged on to " + m.to + " as " + m.account;
      f.title_zh = m.from + " 以 " + m.account + " 登录了 " + m.to + "（横向移动）";
    } else {
      f.title_en = m.from + " tried to log on to " + m.to + " as " + m.account;
      f.title_zh = m.from + " 尝试以 " + m.account + " 登录 " + m.to + "（横向移动未遂）";
    }
    f.description_en = "The internal host " + m.from + " (" + m.address + ") " +
                       (worked ? "logged on" : "tried to log on") + " to " + m.to + " as " + m.account +
                       " (logon type " + m.logon_type + "; " + counts_en + "; first " + when(m.first) + ", last " +
                       when(m.last) + "). Both hosts are in this case: " + m.from + " reached " + m.to +
                       " from inside the network.";
    f.description_zh = "内网主机 " + m.from + "（" + m.address + "）" + (worked ? "以 " : "尝试以 ") + m.account +
                       " 登录 " + m.to + "（登录类型 " + m.logon_type + "；" + counts_zh + "；首次 " + when(m.first) +
                       "，最后 " + when(m.last) + "）。两台主机均在本案中：" + m.from + " 从内网横向移动到 " + m.to +
                       "。";
    f.observables = {{model::ObservableKind::Ip, m.address, "logon source " + m.from},
                     {model::ObservableKind::Account, m.account, "logon to " + m.to}};
    out.push_back(std::move(f));
    if (!worked) continue;
    movers.insert(m.from);
    reached.insert(m.to);
    auto& t = first_move[m.from];
    if (m.first && (!t || *m.first < *t)) t = m.first;
  }
  // Patient zero: moved to others, reached by none; the earliest mover when several qualify.
  std::optional<std::string> zero;
  std::optional<Timestamp> zero_time;
  for (const auto& h : movers) {
    if (reached.count(h)) continue;
    const auto& t = first_move[h];
    if (!zero || (t && (!zero_time || *t < *zero_time))) zero = h, zero_time = t;
  }
  if (!zero) return out;
  std::string victims;
  for (const auto& m : movements)
    if (m.from == *zero && m.successes > 0 && victims.find(m.to) == std::string::npos)
      victims += (victims.empty() ? "" : ", ") + m.to;
  model::Finding f;
  f.rule_id = std::string(kPatientZeroRule);
  f.engine = "correlate";
  f.severity = model::Severity::High;
  f.time = zero_time;
  f.title_en = "Patient zero of this case: " + *zero;
  f.title_zh = "本案零号主机：" + *zero;
  f.description_en =
      *zero + " logged on to " + victims +
      " and no other host of this case logged on to it: examine it "
      "first, and look at its own findings for how the worm got into it (a logon from outside the case, an "
      "exposed service).";
  f.description_zh = *zero + " 登录了 " + victims +
                     "，而本案中没有其他主机登录过它：应首先排查该主机，并从其自身的发现中"
                     "确认蠕虫最初如何进入（来自本案之外的登录、暴露的服务）。";
  f.attack = {"T1021"};
  out.push_back(std::move(f));
  return out;
}

}  // namespace msw::correlate
