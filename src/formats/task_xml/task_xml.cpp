#include "formats/task_xml/task_xml.h"

#include <pugixml.hpp>

#include "core/text.h"

namespace msw::formats::task_xml {
namespace {

// An element's name without its namespace prefix.
std::string_view local_name(const pugi::xml_node& n) {
  std::string_view s = n.name();
  if (const size_t colon = s.find(':'); colon != std::string_view::npos) s.remove_prefix(colon + 1);
  return s;
}

// The first child with this local name, whatever prefix the writer used.
pugi::xml_node child(const pugi::xml_node& parent, std::string_view name) {
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling())
    if (local_name(c) == name) return c;
  return {};
}

std::string text_of(const pugi::xml_node& parent, std::string_view name) { return child(parent, name).text().as_string(); }


}  // namespace

Result<Task> parse(Bytes file, std::string_view evidence) {
  if (file.size() > kMaxTaskBytes)
    return Error::make("task.too_large", std::string(evidence) + " is larger than a task definition can be (" +
                                             std::to_string(file.size()) + " bytes)");
  const std::string xml = decode_text(file).utf8;
  pugi::xml_document doc;
  const auto r = doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!r) return Error::make("task.not_xml", std::string(evidence) + ": not well-formed XML (" + r.description() + ")");
  pugi::xml_node task;
  for (pugi::xml_node c = doc.first_child(); c; c = c.next_sibling())
    if (local_name(c) == "Task") task = c;
  if (!task) return Error::make("task.not_task", std::string(evidence) + ": no <Task> element");
  Task t;
  const auto reg = child(task, "RegistrationInfo");
  t.uri = text_of(reg, "URI");
  t.author = text_of(reg, "Author");
  t.description = text_of(reg, "Description");
  t.date = text_of(reg, "Date");
  if (const auto principals = child(task, "Principals"))
    if (const auto p = child(principals, "Principal")) {
      t.user_id = text_of(p, "UserId");
      if (t.user_id.empty()) t.user_id = text_of(p, "GroupId");
      t.logon_type = text_of(p, "LogonType");
      t.run_level = text_of(p, "RunLevel");
    }
  const auto settings = child(task, "Settings");
  t.hidden = text_of(settings, "Hidden") == "true";
  t.enabled = text_of(settings, "Enabled") != "false";
  for (pugi::xml_node trig = child(task, "Triggers").first_child(); trig && t.triggers.size() < kMaxTaskItems;
       trig = trig.next_sibling()) {
    if (trig.type() != pugi::node_element) continue;
    Trigger g;
    g.kind = std::string(local_name(trig));
    if (g.kind.ends_with("Trigger")) g.kind.resize(g.kind.size() - 7);
    g.start = text_of(trig, "StartBoundary");
    g.interval = text_of(child(trig, "Repetition"), "Interval");
    if (g.interval.empty())
      if (const auto day = child(trig, "ScheduleByDay")) g.interval = "every " + text_of(day, "DaysInterval") + " day(s)";
    g.enabled = text_of(trig, "Enabled") != "false";
    t.triggers.push_back(std::move(g));
  }
  for (pugi::xml_node a = child(task, "Actions").first_child(); a; a = a.next_sibling()) {
    if (t.exec.size() + t.com.size() >= kMaxTaskItems) break;
    if (local_name(a) == "Exec") t.exec.push_back({text_of(a, "Command"), text_of(a, "Arguments"), text_of(a, "WorkingDirectory")});
    else if (local_name(a) == "ComHandler") t.com.push_back({text_of(a, "ClassId"), text_of(a, "Data")});
  }
  return t;
}

std::string describe_triggers(const Task& t) {
  std::string out;
  for (const auto& g : t.triggers) {
    std::string one = g.kind;
    if (!g.start.empty()) one += " " + g.start;
    if (!g.interval.empty()) one += (g.interval.starts_with("every") ? " " : " every ") + g.interval;
    if (!g.enabled) one += " (disabled)";
    out += (out.empty() ? "" : "; ") + one;
  }
  return out;
}

}  // namespace msw::formats::task_xml
