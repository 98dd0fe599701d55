#include "normalize/evtx.h"

#include "core/text.h"
#include "formats/task_xml/task_xml.h"

namespace msw::normalize {

void evtx_record_event(const formats::evtx::Record& rec, std::string_view display_path, model::Event& ev) {
  ev.category.clear();
  ev.service.clear();
  ev.product = "windows";
  ev.artefact = display_path;
  ev.offset = rec.file_offset;
  ev.time = rec.written;
  ev.fields.reserve(32);  // a Security record has about twenty: one allocation instead of six
  visit_evtx_fields(*rec.tree, [&](std::string_view name, std::string_view value) {
    ev.set(name, std::string(value));
    if (name == "TimeCreated") {
      if (auto ts = parse_iso8601(value)) ev.time = *ts;
    } else if (name == "Channel" && ev.service.empty()) {
      // The log the record is in comes first (System/Channel). A later Channel is the record's own data — the log
      // that 104 says was cleared — and is what Sigma rules mean by Channel there; the log source stays this one.
      ev.service = to_lower_ascii(value);
    }
  });
  mssql_login_fields(ev);
  task_content_fields(ev);
}

// Security 4698 (task created) and 4702 (task updated) carry the whole task definition as XML text in TaskContent.
// Its namespace URL and every other word of the XML are no signal: what the task runs is. The exec actions become
// TaskCommandLine (command and arguments, one action a line), COM handlers TaskComClassId, and the flags and
// triggers the same fields the Tasks folder gives.
void task_content_fields(model::Event& ev) {
  const std::string* id = ev.get(model::Field::EventID);
  if (!id || (*id != "4698" && *id != "4702")) return;
  const std::string* xml = ev.get(std::string_view("TaskContent"));
  if (!xml || xml->empty()) return;
  auto task = formats::task_xml::parse(as_bytes(std::string_view(*xml)), "TaskContent");
  if (!task) return;
  std::string commands;
  for (const auto& x : task->exec) {
    if (!commands.empty()) commands += '\n';
    commands += x.arguments.empty() ? x.command : x.command + " " + x.arguments;
  }
  if (!commands.empty()) ev.set("TaskCommandLine", std::move(commands));
  if (!task->com.empty()) ev.set("TaskComClassId", task->com.front().class_id);
  ev.set("TaskHidden", task->hidden ? "true" : "false");
  if (!task->user_id.empty()) ev.set("TaskUserId", task->user_id);
  if (!task->run_level.empty()) ev.set("TaskRunLevel", task->run_level);
  if (const std::string t = formats::task_xml::describe_triggers(*task); !t.empty()) ev.set("TaskTriggers", t);
}

// SQL Server's login events (18453/18454 succeeded, 18456 failed) carry the account and client only inside their
// message strings ("sa", " Reason: ...", " [CLIENT: 10.0.2.17]", often rendered as one comma-joined value). They
// get the Sigma names the Security log uses, so one rule language groups logons by source for both.
void mssql_login_fields(model::Event& ev) {
  const std::string* provider = ev.get(model::Field::Provider_Name);
  const std::string* id = ev.get(model::Field::EventID);
  if (!provider || !id || !provider->starts_with("MSSQL") || (*id != "18456" && *id != "18453" && *id != "18454"))
    return;
  const std::string* first = ev.get(std::string_view("Data_1"));
  if (!first) return;
  if (!ev.get(model::Field::TargetUserName)) {
    std::string_view user = *first;
    user = user.substr(0, std::min(user.find(", "), size_t{256}));
    if (!user.empty()) ev.set(model::Field::TargetUserName, std::string(user));
  }
  for (const char* name : {"Data_1", "Data_2", "Data_3", "Data_4"}) {
    const std::string* v = ev.get(std::string_view(name));
    if (!v) continue;
    const size_t at = v->find("[CLIENT: ");
    if (at == std::string::npos) continue;
    const size_t start = at + 9, end = v->find(']', start);
    if (end != std::string::npos && end - start <= 64) ev.set(model::Field::IpAddress, v->substr(start, end - start));
    break;
  }
}

}  // namespace msw::normalize
