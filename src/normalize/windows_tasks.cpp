#include "normalize/windows_tasks.h"

#include "formats/task_job/task_job.h"
#include "core/text.h"
#include "formats/task_xml/task_xml.h"

namespace msw::normalize {

namespace {

// A legacy .job: named after its file (At1.job → \At1), as the Task Scheduler shows it.
Result<void> job_events(Bytes file, std::string_view path, std::vector<model::Event>& out) {
  auto job = formats::task_job::parse(file);
  if (!job) return job.error();
  const size_t slash = path.find_last_of("/\\");
  std::string name = "\\" + std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
  if (name.size() > 4 && iequals_ascii(std::string_view(name).substr(name.size() - 4), ".job")) name.resize(name.size() - 4);
  model::Event e;
  e.category = "scheduled_task";
  e.product = "windows";
  e.artefact = path;
  e.time = job->last_run;
  e.set(model::Field::TaskName, name);
  e.set("TaskSource", "job");
  e.set(model::Field::Image, job->application);
  e.set(model::Field::CommandLine, job->parameters.empty() ? job->application : job->application + " " + job->parameters);
  if (!job->working_directory.empty()) e.set("TaskWorkingDirectory", job->working_directory);
  if (!job->author.empty()) e.set("TaskAuthor", job->author);
  if (!job->comment.empty()) e.set("TaskComment", job->comment.substr(0, 1024));
  e.set("TaskHidden", job->hidden() ? "true" : "false");
  e.set("TaskEnabled", job->disabled() ? "false" : "true");
  e.set("TaskUuid", job->uuid);
  if (job->last_run) e.set("TaskLastRun", to_iso8601(*job->last_run, 0));
  if (const std::string t = formats::task_job::describe_triggers(*job); !t.empty()) e.set("TaskTriggers", t);
  out.push_back(std::move(e));
  return {};
}

}  // namespace

Result<void> scheduled_task_events(Bytes file, std::string_view path, std::vector<model::Event>& out) {
  if (formats::task_job::looks_like_job(file)) return job_events(file, path, out);
  auto task = formats::task_xml::parse(file, path);
  if (!task) return task.error();
  // The name is the file's path below Tasks (what schtasks shows), or the URI the XML claims.
  std::string name = task->uri;
  if (const size_t at = [&] {
        for (auto marker : {"/Tasks/", "\\Tasks\\", "/tasks/", "\\tasks\\"})
          if (const size_t p = path.rfind(marker); p != std::string_view::npos) return p + 6;
        return std::string_view::npos;
      }();
      at != std::string_view::npos) {
    name = "\\" + std::string(path.substr(at + 1));
    for (char& c : name)
      if (c == '/') c = '\\';
  }
  auto base = [&] {
    model::Event e;
    e.category = "scheduled_task";
    e.product = "windows";
    e.artefact = path;
    if (!task->date.empty())
      if (auto t = parse_iso8601(task->date)) e.time = *t;
    e.set(model::Field::TaskName, name);
    if (!task->user_id.empty()) e.set(model::Field::User, task->user_id);
    if (!task->author.empty()) e.set("TaskAuthor", task->author);
    if (task->uri != name && !task->uri.empty()) e.set("TaskUri", task->uri);
    e.set("TaskHidden", task->hidden ? "true" : "false");
    e.set("TaskEnabled", task->enabled ? "true" : "false");
    if (!task->run_level.empty()) e.set("TaskRunLevel", task->run_level);
    if (const std::string t = formats::task_xml::describe_triggers(*task); !t.empty()) e.set("TaskTriggers", t);
    return e;
  };
  for (const auto& x : task->exec) {
    model::Event e = base();
    e.set(model::Field::Image, x.command);
    e.set(model::Field::CommandLine, x.arguments.empty() ? x.command : x.command + " " + x.arguments);
    if (!x.working_directory.empty()) e.set("TaskWorkingDirectory", x.working_directory);
    out.push_back(std::move(e));
  }
  for (const auto& c : task->com) {
    model::Event e = base();
    e.set("TaskComClassId", c.class_id);
    if (!c.data.empty()) e.set("TaskComData", c.data);
    out.push_back(std::move(e));
  }
  if (task->exec.empty() && task->com.empty()) out.push_back(base());
  return {};
}

void startup_item_events(Bytes file, std::string_view path, std::vector<model::Event>& out) {
  const size_t slash = path.find_last_of("/\\");
  const std::string name(slash == std::string_view::npos ? path : path.substr(slash + 1));
  if (iequals_ascii(name, "desktop.ini")) return;  // the folder's own view settings
  model::Event e;
  e.category = "startup_item";
  e.product = "windows";
  e.artefact = path;
  e.set(model::Field::TargetFilename, std::string(path));
  e.set(model::Field::Image, name);
  const std::string lower = to_lower_ascii(name);
  for (auto ext : {".bat", ".cmd", ".vbs", ".vbe", ".js", ".jse", ".wsf", ".hta", ".ps1"})
    if (lower.ends_with(ext)) {
      const DecodedText text = decode_text(file.first(std::min<size_t>(file.size(), 64 * 1024)));
      std::string command;
      for_each_line(text.utf8, [&](std::string_view line, uint64_t) {
        line = trim(line);
        if (line.empty() || command.size() > 2048 || iequals_ascii(line, "@echo off")) return;
        command += (command.empty() ? "" : " & ") + std::string(line);
      });
      if (!command.empty()) e.set(model::Field::CommandLine, command.substr(0, 2048));
      break;
    }
  out.push_back(std::move(e));
}

}  // namespace msw::normalize
