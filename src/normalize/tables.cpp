// Bundle tables (processes.jsonl, connections.jsonl, accounts.jsonl) → Sigma process_creation and
// network_connection events and SAM-shaped local_account events, so Sigma rules and the built-in heuristics read
// live-host state (Linux or Windows collector) the way they read logs and hives.
#include <set>

#include <nlohmann/json.hpp>

#include "normalize/normalize.h"
#include "normalize/table_rows.h"

namespace msw::normalize {
namespace {

using nlohmann::json;

std::string str(const json& j, const char* k) { return table_field(j, k); }

// Tables come from the Linux collector unless the bundle says its host ran Windows.
std::string_view product_of(const Source& src) { return src.platform.empty() ? "linux" : src.platform; }

// An event for one table row, before its fields.
model::Event row_event(std::string_view category, std::string_view product, const Source& src, size_t at) {
  model::Event ev;
  ev.category = category;
  ev.product = product;
  ev.artefact = src.display_path;
  ev.offset = at;
  return ev;
}

template <typename Fn>
void for_each_row(Bytes bytes, const Source& src, Diagnostics& diags, Fn&& fn) {
  for_each_table_row(bytes, src.display_path, diags, fn);
}

}  // namespace

void process_table_events(Bytes bytes, const Source& src, Diagnostics& diags, std::vector<model::Event>& out) {
  for_each_row(bytes, src, diags, [&](const json& j, size_t at) {
    model::Event ev = row_event("process_creation", product_of(src), src, at);
    std::string exe = str(j, "exe");
    const bool deleted = exe.ends_with(" (deleted)");
    if (deleted) exe.resize(exe.size() - 10);
    ev.set(model::Field::Image, exe);
    ev.set(model::Field::CommandLine, str(j, "cmdline"));
    ev.set(model::Field::ProcessId, str(j, "pid"));
    ev.set(model::Field::ParentProcessId, str(j, "ppid"));
    ev.set(model::Field::ParentImage, str(j, "parent_exe"));
    ev.set(model::Field::ParentCommandLine, str(j, "parent_cmdline"));
    ev.set(model::Field::User, str(j, "user"));
    ev.set(model::Field::CurrentDirectory, str(j, "cwd"));
    if (auto h = str(j, "exe_sha256"); !h.empty()) ev.set(model::Field::Hashes, "SHA256=" + h);
    ev.set("ProcessName", str(j, "name"));
    ev.set("CpuPercent", str(j, "cpu_percent"));
    ev.set("ExeDeleted", deleted || str(j, "exe_deleted") == "true" ? "true" : "false");
    if (auto p = str(j, "ld_preload"); !p.empty()) ev.set("LdPreload", p);
    if (auto h = str(j, "hidden_from"); !h.empty()) ev.set("HiddenFrom", h);
    if (auto t = str(j, "exe_type"); !t.empty()) ev.set("ImageType", t);
    if (auto it = j.find("start_unix"); it != j.end() && it->is_number_integer() && it->get<int64_t>() > 0)
      ev.time = from_unix_seconds(it->get<int64_t>());
    out.push_back(std::move(ev));
  });
}

void connection_table_events(Bytes bytes, const Source& src, Diagnostics& diags, std::vector<model::Event>& out) {
  // A connection whose local port is also listening was accepted (inbound); any other was initiated here.
  std::set<std::pair<std::string, std::string>> listening;
  for_each_row(bytes, src, diags, [&](const json& j, size_t) {
    if (str(j, "state") == "LISTEN") listening.emplace(str(j, "protocol"), str(j, "local_port"));
  });
  Diagnostics quiet;  // the first pass already reported bad lines
  for_each_row(bytes, src, quiet, [&](const json& j, size_t at) {
    model::Event ev = row_event("network_connection", product_of(src), src, at);
    const std::string proto = str(j, "protocol"), state = str(j, "state");
    ev.set(model::Field::Protocol, proto.starts_with("udp") ? "udp" : "tcp");
    ev.set(model::Field::SourceIp, str(j, "local_ip"));
    ev.set(model::Field::SourcePort, str(j, "local_port"));
    ev.set(model::Field::DestinationIp, str(j, "remote_ip"));
    ev.set(model::Field::DestinationPort, str(j, "remote_port"));
    ev.set(model::Field::State, state);
    ev.set(model::Field::ProcessId, str(j, "pid"));
    std::string exe = str(j, "exe");
    if (exe.ends_with(" (deleted)")) exe.resize(exe.size() - 10);
    ev.set(model::Field::Image, exe);
    if (state != "LISTEN")
      ev.set(model::Field::Initiated, listening.count({proto, str(j, "local_port")}) ? "false" : "true");
    out.push_back(std::move(ev));
  });
}

}  // namespace msw::normalize

namespace msw::normalize {

void keyed_table_events(Bytes bytes, const Source& src, std::string_view category, std::string_view time_key,
                        Diagnostics& diags, std::vector<model::Event>& out) {
  for_each_row(bytes, src, diags, [&](const json& j, size_t at) {
    model::Event ev = row_event(category, product_of(src), src, at);
    size_t keys = 0;
    for (auto it = j.begin(); it != j.end() && keys < 64; ++it, ++keys) {
      std::string v = str(j, it.key().c_str());
      if (v.size() > 8192) v.resize(8192);
      ev.set(std::string_view(it.key()).substr(0, 64), std::move(v));
    }
    if (auto it = j.find(time_key); !time_key.empty() && it != j.end() && it->is_number_integer() &&
                                    it->get<int64_t>() > 0 && it->get<int64_t>() < 9'000'000'000)
      ev.time = from_unix_seconds(it->get<int64_t>());
    out.push_back(std::move(ev));
  });
}

}  // namespace msw::normalize

namespace msw::normalize {

void windows_account_events(Bytes bytes, const Source& src, Diagnostics& diags, std::vector<model::Event>& out) {
  for_each_row(bytes, src, diags, [&](const json& j, size_t at) {
    model::Event ev = row_event("local_account", "windows", src, at);
    ev.set(model::Field::TargetUserName, str(j, "name"));
    if (auto rid = str(j, "rid"); !rid.empty() && rid != "0") ev.set("Rid", rid);
    ev.set("AccountDisabled", str(j, "disabled") == "true" ? "true" : "false");
    ev.set("AdminGroup", str(j, "admin") == "true" ? "true" : "false");
    ev.set("FailedLogonCount", str(j, "bad_password_count"));
    if (auto it = j.find("last_logon_unix");
        it != j.end() && it->is_number_integer() && it->get<int64_t>() > 0 && it->get<int64_t>() < 9'000'000'000)
      ev.set("LastLogon", to_iso8601(from_unix_seconds(it->get<int64_t>()), 0));
    out.push_back(std::move(ev));
  });
}

}  // namespace msw::normalize
