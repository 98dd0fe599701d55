#include "correlate/logons.h"

#include <algorithm>
#include <cstdlib>

#include "core/text.h"

namespace msw::correlate {

void LogonSummary::observe(const model::Event& e) {
  bool success = false;
  std::string type, failure, account, domain, host;
  if (e.product == "windows") {
    const std::string id = e.value(model::Field::EventID);
    const std::string provider = e.value(model::Field::Provider_Name);
    if (e.service == "security" && (id == "4624" || id == "4625")) {
      success = id == "4624";
      type = e.value(model::Field::LogonType);
      if (!success) {
        failure = e.value(model::Field::SubStatus);
        if (failure.empty() || failure == "0x0") failure = e.value(model::Field::Status);
      }
      domain = e.value(model::Field::TargetDomainName);
      if (domain == "-") domain.clear();
      account = e.value(model::Field::TargetUserName);
    } else if (provider.starts_with("MSSQL") && (id == "18453" || id == "18454" || id == "18456")) {
      success = id != "18456";
      type = "mssql";
      account = e.value(model::Field::TargetUserName);
      if (!success) {
        const std::string* msg = e.get(std::string_view("Data_1"));
        const size_t at = msg ? msg->find("Reason: ") : std::string::npos;
        failure =
            at == std::string::npos ? "18456" : msg->substr(at + 8, std::min<size_t>(msg->find(".", at) - at - 8, 120));
      }
    } else {
      return;
    }
    host = e.value(model::Field::Computer);
  } else if (e.product == "linux" && e.service == "auth") {
    const std::string kind = e.value(model::Field::EventType);
    if (e.value(model::Field::Image) != "sshd" || (kind != "success" && kind != "failure" && kind != "invalid_user"))
      return;
    success = kind == "success";
    if (!success) failure = kind;
    type = "ssh";
    account = e.value(model::Field::TargetUserName);
    host = e.value(model::Field::Hostname);
  } else {
    return;
  }
  std::string source = e.value(model::Field::IpAddress);
  if (source.empty()) source = "-";
  // One row per account, whether a record names it DOMAIN\user or user (a 4625 for a mistyped name often has no
  // domain) and in whatever case: the bare name finds the row, the domain is added to it when a record gives one.
  const std::string rest = '\x1f' + source + '\x1f' + type + '\x1f' + host;
  const std::string bare_key = to_lower_ascii(account) + rest;
  const std::string full_key =
      domain.empty() || account.empty() ? bare_key : to_lower_ascii(domain + "\\" + account) + rest;
  auto it = index_.find(full_key);
  if (it == index_.end()) {
    const auto bare = bare_rows_.find(bare_key);
    if (bare != bare_rows_.end() && (domain.empty() || rows_[bare->second].account.find('\\') == std::string::npos)) {
      if (!domain.empty() && !account.empty())
        rows_[bare->second].account = domain + "\\" + rows_[bare->second].account;
      it = index_.emplace(full_key, bare->second).first;
    } else if (rows_.size() >= kMaxLogonRows) {
      ++dropped_;
      return;
    } else {
      it = index_.emplace(full_key, rows_.size()).first;
      bare_rows_.emplace(bare_key, rows_.size());
      const std::string shown = domain.empty() || account.empty() ? account : domain + "\\" + account;
      rows_.push_back({shown, source, type, host, 0, 0, std::nullopt, std::nullopt, {}});
    }
  }
  model::LogonRow& r = rows_[it->second];
  // sshd's "message repeated N times" lines stand for N attempts.
  uint64_t n = 1;
  if (const std::string* c = e.get(std::string_view("Count")))
    if (const auto parsed = std::strtoull(c->c_str(), nullptr, 10); parsed > 1 && parsed < 1'000'000) n = parsed;
  if (success)
    r.successes += n;
  else
    r.failures += n;
  if (e.time) {
    if (!r.first || *e.time < *r.first) r.first = e.time;
    if (!r.last || *e.time >= *r.last) {
      r.last = e.time;
      if (!success) r.last_failure = failure;
    }
  }
  if (!success && r.last_failure.empty()) r.last_failure = failure;
}

std::vector<model::LogonRow> LogonSummary::rows() const {
  std::vector<model::LogonRow> out = rows_;
  std::sort(out.begin(), out.end(), [](const model::LogonRow& a, const model::LogonRow& b) {
    if (a.failures != b.failures) return a.failures > b.failures;
    if (a.account != b.account) return a.account < b.account;
    if (a.source != b.source) return a.source < b.source;
    return a.logon_type < b.logon_type;
  });
  return out;
}

}  // namespace msw::correlate
