#include "sample/dropper_undo.h"

#include "core/text.h"

namespace msw::sample {
namespace {

using nlohmann::json;

std::string field(const json& c, const char* name) {
  if (!c.contains("fields") || !c["fields"].contains(name) || !c["fields"][name].is_string()) return {};
  return c["fields"][name].get<std::string>();
}

// A registry key as the plan names keys: HKLM\... or HKCU\... (reg.exe also takes the long hive names).
std::string short_hive(std::string key) {
  for (auto [longer, shorter] :
       {std::pair<std::string_view, std::string_view>{"HKEY_LOCAL_MACHINE", "HKLM"}, {"HKEY_CURRENT_USER", "HKCU"}})
    if (key.size() >= longer.size() && iequals_ascii(std::string_view(key).substr(0, longer.size()), longer))
      key = std::string(shorter) + key.substr(longer.size());
  if (key.size() >= 4 && (iequals_ascii(std::string_view(key).substr(0, 4), "HKLM") ||
                          iequals_ascii(std::string_view(key).substr(0, 4), "HKCU")))
    for (size_t i = 0; i < 4; ++i) key[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(key[i])));
  while (key.ends_with("\\")) key.pop_back();
  return key;
}

// A WMI name from a binding's reference: CommandLineEventConsumer.Name="x" → x.
std::string name_in_reference(std::string_view text, std::string_view prefix) {
  size_t at = 0;
  for (;;) {
    at = text.find(prefix, at);
    if (at == std::string_view::npos) return {};
    at += prefix.size();
    while (at < text.size() && (text[at] == '\\' || text[at] == '"' || text[at] == '\'')) ++at;
    size_t end = at;
    while (end < text.size() && text[end] != '\\' && text[end] != '"' && text[end] != '\'') ++end;
    if (end > at) return std::string(text.substr(at, end - at));
  }
}

struct Builder {
  std::vector<UndoStep> steps;
  const json* command = nullptr;

  void add(model::ActionKind kind, std::string target, std::string en, std::string zh, std::string expected = {}) {
    if (target.empty()) return;
    for (const auto& s : steps)
      if (s.action.kind == kind && s.action.target == target && s.action.expected_text == expected) return;
    UndoStep s;
    s.action = {kind, std::move(target), std::move(en), std::move(zh), std::move(expected)};
    s.line = (*command)["line"].is_number_unsigned() ? (*command)["line"].get<size_t>() : 0;
    s.text = (*command)["text"].is_string() ? (*command)["text"].get<std::string>() : "";
    steps.push_back(std::move(s));
  }
};

}  // namespace

std::vector<UndoStep> dropper_undo(const json& commands) {
  Builder b;
  if (!commands.is_array()) return {};
  // WMI: the filter and consumer a script creates are one subscription; a binding names the pair.
  std::vector<std::string> filters;
  std::vector<std::pair<std::string, std::string>> consumers;  // class, name
  std::vector<std::pair<std::string, std::string>> bound;      // consumer name, filter name
  const json* first_wmi = nullptr;
  for (const auto& c : commands) {
    if (!c.is_object() || !c.contains("kind") || !c["kind"].is_string()) continue;
    b.command = &c;
    const std::string kind = c["kind"].get<std::string>();
    if (kind == "scheduled_task") {
      const std::string n = field(c, "name");
      b.add(model::ActionKind::RemoveScheduledTask, n, "Delete the scheduled task " + n + " the dropper created.",
            "删除投放脚本创建的计划任务 " + n + "。");
    } else if (kind == "registry_run" || kind == "registry_ifeo") {
      const std::string key = short_hive(field(c, "key")), value = field(c, "value");
      if (value.empty()) continue;
      const std::string target = key + "\\" + value;
      b.add(model::ActionKind::RemoveAutorun, target, "Delete the value " + target + " the dropper added.",
            "删除投放脚本添加的注册表值 " + target + "。");
    } else if (kind == "service") {
      const std::string text = c.value("text", "");
      if (to_lower_ascii(text).find(" create ") == std::string::npos) continue;  // sc config: the old value is unknown
      const std::string n = field(c, "name");
      b.add(model::ActionKind::RemoveService, n, "Stop, disable and delete the service " + n + " the dropper created.",
            "停止、禁用并删除投放脚本创建的服务 " + n + "。");
    } else if (kind == "wmi_subscription") {
      if (!first_wmi) first_wmi = &c;
      const std::string cls = field(c, "class"), n = field(c, "name"), text = c.value("text", "");
      if (cls == "__EventFilter" && !n.empty())
        filters.push_back(n);
      else if ((cls == "CommandLineEventConsumer" || cls == "ActiveScriptEventConsumer") && !n.empty())
        consumers.emplace_back(cls, n);
      else if (cls == "__FilterToConsumerBinding") {
        std::string consumer = name_in_reference(text, "EventConsumer.Name=");
        std::string filter = name_in_reference(text, "__EventFilter.Name=");
        if (!consumer.empty() || !filter.empty()) bound.emplace_back(consumer, filter);
      }
    } else if (kind == "account_add") {
      const std::string n = field(c, "name");
      b.add(model::ActionKind::RotateCredentials, n, "", "");  // the plan words credential steps (respond/credentials)
    } else if (kind == "hide_file") {
      const std::string p = field(c, "path");
      b.add(model::ActionKind::QuarantineFile, p, "Move " + p + " (hidden by the dropper) into quarantine.",
            "将投放脚本隐藏的 " + p + " 移入隔离区。");
    } else if (kind == "download") {
      const std::string p = field(c, "destination");
      b.add(model::ActionKind::QuarantineFile, p, "Move " + p + " (downloaded by the dropper) into quarantine.",
            "将投放脚本下载的 " + p + " 移入隔离区。");
    } else if (kind == "file_write") {
      const std::string p = field(c, "path");
      b.add(model::ActionKind::QuarantineFile, p, "Move " + p + " (written by the dropper) into quarantine.",
            "将投放脚本写入的 " + p + " 移入隔离区。");
    } else if (kind == "hosts_write") {
      const std::string entry(trim(field(c, "entry")));
      std::string file = field(c, "file");
      if (file.empty()) file = "C:\\Windows\\System32\\drivers\\etc\\hosts";  // the batch form names drivers\etc\hosts
      b.add(model::ActionKind::RestoreHostsFile, file,
            "Remove the line \"" + entry + "\" the dropper added to " + file + ".",
            "删除投放脚本在 " + file + " 中添加的“" + entry + "”一行。", entry);
    } else if (kind == "cron_write") {
      const std::string entry(trim(field(c, "entry")));
      const std::string file = field(c, "file");
      // `| crontab -` installs into the running user's crontab; droppers run as root (Debian and Red Hat paths).
      for (const std::string& f :
           file.empty() ? std::vector<std::string>{"/var/spool/cron/crontabs/root", "/var/spool/cron/root"}
                        : std::vector<std::string>{file})
        b.add(model::ActionKind::RemoveCronEntry, f,
              "Comment out the cron line the dropper added to " + f + ": " + entry,
              "注释掉投放脚本在 " + f + " 中添加的 cron 行：" + entry, entry);
    } else if (kind == "startup_write" || kind == "ssh_key_write" || kind == "preload_write") {
      const std::string entry(trim(field(c, "entry")));
      const std::string file = field(c, "file");
      b.add(model::ActionKind::RemoveAutorun, file, "Comment out the line the dropper added to " + file + ": " + entry,
            "注释掉投放脚本在 " + file + " 中添加的行：" + entry, entry);
    } else if (kind == "systemd_enable") {
      const std::string unit = field(c, "unit");
      b.add(model::ActionKind::RemoveService, unit,
            "Stop and disable the systemd unit " + unit + " the dropper enabled.",
            "停止并禁用投放脚本启用的 systemd 服务 " + unit + "。");
    }
  }
  if (first_wmi) {
    b.command = first_wmi;
    auto subscription = [&](const std::string& cls, const std::string& consumer, const std::string& filter) {
      std::string target;
      if (!consumer.empty()) target = cls + ".Name=\"" + consumer + "\"";
      if (!filter.empty()) target += (target.empty() ? "" : " ") + std::string("__EventFilter.Name=\"") + filter + "\"";
      const std::string what =
          consumer.empty() ? "filter " + filter : consumer + (filter.empty() ? "" : " / " + filter);
      b.add(model::ActionKind::RemoveWmiSubscription, target,
            "Remove the WMI subscription " + what + " the dropper created, with its bindings.",
            "删除投放脚本创建的 WMI 订阅 " + what + " 及其绑定。");
    };
    std::vector<std::string> used_filters;
    for (const auto& [cls, name] : consumers) {
      std::string filter;
      for (const auto& [c, f] : bound)
        if (c == name) filter = f;
      if (filter.empty() && filters.size() == 1) filter = filters[0];
      used_filters.push_back(filter);
      subscription(cls, name, filter);
    }
    for (const auto& f : filters)
      if (std::find(used_filters.begin(), used_filters.end(), f) == used_filters.end()) subscription("", "", f);
  }
  return std::move(b.steps);
}

}  // namespace msw::sample
