#include "support/benign_windows_logs.h"

#include <utility>

namespace msw::test {
namespace {

constexpr uint64_t kSecond = 10'000'000;
constexpr uint64_t kDay = 86'400 * kSecond;
constexpr uint64_t kStart = 134168832000000000ull;  // 2026-03-02T00:00:00Z as FILETIME

using Data = std::vector<std::pair<std::string, std::string>>;

EvtxEvent ev(uint16_t id, std::string channel, std::string provider, uint64_t at, Data data,
             std::string computer = "FS01.corp.example") {
  EvtxEvent e;
  e.event_id = id;
  e.channel = std::move(channel);
  e.provider = std::move(provider);
  e.filetime = kStart + at;
  e.computer = std::move(computer);
  e.data = std::move(data);
  return e;
}

EvtxEvent security(uint16_t id, uint64_t at, Data data) {
  return ev(id, "Security", "Microsoft-Windows-Security-Auditing", at, std::move(data));
}
EvtxEvent scm(uint16_t id, uint64_t at, Data data) {
  return ev(id, "System", "Service Control Manager", at, std::move(data));
}
EvtxEvent sysmon(uint16_t id, uint64_t at, Data data) {
  return ev(id, "Microsoft-Windows-Sysmon/Operational", "Microsoft-Windows-Sysmon", at, std::move(data),
            "WS12.corp.example");
}

Data logon(const std::string& user, const std::string& type, const std::string& ip, const std::string& workstation) {
  return {{"SubjectUserSid", "S-1-0-0"},
          {"TargetUserName", user},
          {"TargetDomainName", "CORP"},
          {"LogonType", type},
          {"LogonProcessName", "NtLmSsp"},
          {"AuthenticationPackageName", "NTLM"},
          {"WorkstationName", workstation},
          {"IpAddress", ip},
          {"IpPort", "50123"}};
}
Data failure(const std::string& user, const std::string& ip, const std::string& workstation,
             const std::string& sub = "0xc000006a") {
  Data d = logon(user, "3", ip, workstation);
  d.push_back({"Status", "0xc000006d"});
  d.push_back({"SubStatus", sub});
  return d;
}

std::string task_xml(const std::string& author, const std::string& command, const std::string& arguments) {
  return "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n"
         "<Task version=\"1.2\" xmlns=\"http://schemas.microsoft.com/windows/2004/02/mit/task\">\n"
         "  <RegistrationInfo><Author>" +
         author +
         "</Author></RegistrationInfo>\n"
         "  <Triggers><CalendarTrigger><StartBoundary>2026-03-02T02:00:00</StartBoundary><ScheduleByDay><DaysInterval>1"
         "</DaysInterval></ScheduleByDay></CalendarTrigger></Triggers>\n"
         "  <Principals><Principal "
         "id=\"Author\"><UserId>S-1-5-18</UserId><RunLevel>HighestAvailable</RunLevel></Principal>"
         "</Principals>\n"
         "  <Settings><Hidden>false</Hidden></Settings>\n"
         "  <Actions Context=\"Author\"><Exec><Command>" +
         command + "</Command>" + (arguments.empty() ? "" : "<Arguments>" + arguments + "</Arguments>") +
         "</Exec></Actions>\n</Task>";
}

BenignLog clean_installation() {
  BenignLog log{"clean-installation-security.evtx", "a fresh Windows installation: Setup's accounts, first logons", {}};
  auto& e = log.events;
  const std::string sid = "S-1-5-21-3463664321-2923530833-3546627382-";
  e.push_back(security(4608, 0, {}));
  e.push_back(security(4826, 1 * kSecond, {{"SubjectUserSid", "S-1-5-18"}, {"LoadOptions", "-"}}));
  // Setup: the built-in accounts, then the first user (RID 1000), made an administrator by the machine account.
  for (auto [name, rid] : std::vector<std::pair<std::string, std::string>>{
           {"DefaultAccount", "503"}, {"WDAGUtilityAccount", "504"}, {"admin", "1000"}}) {
    const uint64_t at = (rid == "1000" ? 240 : 60) * kSecond;
    Data subject = {{"SubjectUserSid", "S-1-5-18"},
                    {"SubjectUserName", "WIN-QALA5Q3KJ43$"},
                    {"SubjectDomainName", "WORKGROUP"},
                    {"SubjectLogonId", "0x3e7"}};
    Data created = subject;
    created.insert(created.begin(),
                   {{"TargetUserName", name}, {"TargetDomainName", "WIN-QALA5Q3KJ43"}, {"TargetSid", sid + rid}});
    e.push_back(security(4720, at, created));
    e.push_back(security(4722, at + kSecond, created));
    Data users = subject;
    users.insert(users.begin(), {{"MemberName", "-"},
                                 {"MemberSid", sid + rid},
                                 {"TargetUserName", "Users"},
                                 {"TargetDomainName", "Builtin"},
                                 {"TargetSid", "S-1-5-32-545"}});
    e.push_back(security(4732, at + 2 * kSecond, users));
    if (rid == "1000") {
      Data admins = users;
      for (auto& [k, v] : admins) {
        if (k == "TargetUserName") v = "Administrators";
        if (k == "TargetSid") v = "S-1-5-32-544";
      }
      e.push_back(security(4732, at + 3 * kSecond, admins));
    }
  }
  // The first logons: the system, services, the new user at the console.
  e.push_back(security(4624, 300 * kSecond, logon("SYSTEM", "5", "-", "-")));
  e.push_back(security(4672, 300 * kSecond,
                       {{"SubjectUserName", "SYSTEM"}, {"PrivilegeList", "SeAssignPrimaryTokenPrivilege"}}));
  e.push_back(security(4624, 420 * kSecond, logon("admin", "2", "127.0.0.1", "WIN-QALA5Q3KJ43")));
  e.push_back(security(4624, 425 * kSecond, logon("admin", "7", "127.0.0.1", "WIN-QALA5Q3KJ43")));
  e.push_back(security(4738, 500 * kSecond, {{"TargetUserName", "admin"}, {"SubjectUserName", "admin"}}));
  return log;
}

BenignLog tasks() {
  BenignLog log{"routine-tasks-security.evtx", "Google Update, Microsoft's own and a nightly backup task", {}};
  auto& e = log.events;
  Data subject = {{"SubjectUserSid", "S-1-5-18"},
                  {"SubjectUserName", "FS01$"},
                  {"SubjectDomainName", "CORP"},
                  {"SubjectLogonId", "0x3e7"}};
  auto task = [&](uint16_t id, uint64_t at, const std::string& name, const std::string& xml) {
    Data d = subject;
    d.push_back({"TaskName", name});
    d.push_back({id == 4698 ? "TaskContent" : "TaskContentNew", xml});
    return security(id, at, d);
  };
  const std::string google = "C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe";
  e.push_back(task(4698, 10 * kSecond, "\\GoogleUpdateTaskMachineCore", task_xml("Google", google, "/c")));
  e.push_back(task(4698, 11 * kSecond, "\\GoogleUpdateTaskMachineUA",
                   task_xml("Google", google, "/ua /installsource scheduler")));
  e.push_back(task(4698, 20 * kSecond, "\\Nightly backup", task_xml("CORP\\ops", "D:\\scripts\\backup.bat", "")));
  e.push_back(task(4698, 30 * kSecond, "\\Microsoft\\Windows\\UpdateOrchestrator\\Schedule Scan",
                   task_xml("Microsoft", "%systemroot%\\system32\\usoclient.exe", "StartScan")));
  e.push_back(task(4698, 31 * kSecond, "\\Microsoft\\Windows\\Defrag\\ScheduledDefrag",
                   task_xml("Microsoft", "%windir%\\system32\\defrag.exe", "-c -h -o -$")));
  e.push_back(task(4698, 32 * kSecond, "\\Adobe Acrobat Update Task",
                   task_xml("Adobe", "C:\\Program Files (x86)\\Common Files\\Adobe\\ARM\\1.0\\AdobeARM.exe", "")));
  e.push_back(
      task(4702, kDay, "\\GoogleUpdateTaskMachineUA", task_xml("Google", google, "/ua /installsource scheduler")));
  e.push_back(task(4698, 2 * kDay, "\\OneDrive Standalone Update Task-S-1-5-21-1-2-3-1104",
                   task_xml("Microsoft", "%localappdata%\\Microsoft\\OneDrive\\OneDriveStandaloneUpdater.exe", "")));
  return log;
}

BenignLog services() {
  BenignLog log{"vendor-services-system.evtx",
                "Defender's definition-update drivers, vendor services, service starts and stops, reboots",
                {}};
  auto& e = log.events;
  auto install = [&](uint64_t at, const std::string& name, const std::string& image, const std::string& type,
                     const std::string& account) {
    e.push_back(scm(7045, at,
                    {{"ServiceName", name},
                     {"ImagePath", image},
                     {"ServiceType", type},
                     {"StartType", "demand start"},
                     {"AccountName", account}}));
  };
  const char* guids[] = {"{974FB328-EA38-4C43-B298-8157FD612F07}", "{49D22B3F-5621-4251-AE03-50DF01A5959B}",
                         "{6C02B921-F14D-4230-939B-AE1109FCDFD3}"};
  const char* drivers[] = {"MpKslfbbd78dc", "MpKsla846182a", "MpKslad6d536c"};
  for (int i = 0; i < 3; ++i)
    install(i * kDay + 3600 * kSecond, drivers[i],
            std::string("C:\\ProgramData\\Microsoft\\Windows Defender\\Definition Updates\\") + guids[i] + "\\" +
                drivers[i] + ".sys",
            "kernel mode driver", "");
  install(100 * kSecond, "Google Update Service (gupdate)",
          "\"C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe\" /svc", "user mode service", "LocalSystem");
  install(110 * kSecond, "VMware Tools", "\"C:\\Program Files\\VMware\\VMware Tools\\vmtoolsd.exe\"",
          "user mode service", "LocalSystem");
  install(120 * kSecond, "Mozilla Maintenance Service",
          "\"C:\\Program Files (x86)\\Mozilla Maintenance Service\\maintenanceservice.exe\"", "user mode service",
          "LocalSystem");
  install(130 * kSecond, "SQL Server (MSSQLSERVER)",
          "\"C:\\Program Files\\Microsoft SQL Server\\MSSQL15.MSSQLSERVER\\MSSQL\\Binn\\sqlservr.exe\" -sMSSQLSERVER",
          "user mode service", "NT Service\\MSSQLSERVER");
  install(140 * kSecond, "UMDF Reflector service", "\\SystemRoot\\System32\\drivers\\WUDFRd.sys", "kernel mode driver",
          "");
  install(150 * kSecond, "Windows Presentation Foundation Font Cache 3.0.0.0",
          "%systemroot%\\Microsoft.Net\\Framework64\\v3.0\\WPF\\PresentationFontCache.exe", "user mode service",
          "NT Authority\\LocalService");
  // Service state changes, a start-type change, and two reboots where Windows 7 logs the Event Log service stopping.
  const std::string eventlog_stopped = "6500760065006E0074006C006F0067002F0031000000";  // "eventlog/1"
  const std::string eventlog_running = "6500760065006E0074006C006F0067002F0034000000";  // "eventlog/4"
  for (int reboot = 0; reboot < 2; ++reboot) {
    const uint64_t t = (reboot + 1) * kDay + 7200 * kSecond;
    e.push_back(
        ev(1074, "System", "USER32", t, {{"param1", "C:\\Windows\\system32\\winlogon.exe"}, {"param5", "restart"}}));
    e.push_back(scm(7036, t + 20 * kSecond,
                    {{"param1", "Windows Update"},
                     {"param2", "stopped"},
                     {"Binary", "770075006100750073006500720076002F0031000000"}}));
    e.push_back(scm(7036, t + 30 * kSecond,
                    {{"param1", "Windows Event Log"}, {"param2", "stopped"}, {"Binary", eventlog_stopped}}));
    e.push_back(ev(13, "System", "Microsoft-Windows-Kernel-General", t + 31 * kSecond, {{"StopTime", "x"}}));
    e.push_back(ev(12, "System", "Microsoft-Windows-Kernel-General", t + 90 * kSecond, {{"StartTime", "x"}}));
    e.push_back(ev(6005, "System", "EventLog", t + 95 * kSecond, {}));
    e.push_back(scm(7036, t + 96 * kSecond,
                    {{"param1", "Windows Event Log"}, {"param2", "running"}, {"Binary", eventlog_running}}));
  }
  e.push_back(scm(7040, 3 * kDay,
                  {{"param1", "Background Intelligent Transfer Service"},
                   {"param2", "auto start"},
                   {"param3", "demand start"},
                   {"param4", "BITS"}}));
  return log;
}

BenignLog typos() {
  BenignLog log{"office-typos-security.evtx", "people mistyping their passwords, then typing them right", {}};
  auto& e = log.events;
  const std::vector<std::pair<std::string, std::string>> people = {
      {"alice", "10.20.0.31"}, {"bob", "10.20.0.32"}, {"carol", "10.20.0.33"}, {"dave", "10.20.0.34"}};
  for (int day = 0; day < 5; ++day)
    for (size_t p = 0; p < people.size(); ++p) {
      const uint64_t t = day * kDay + (8 * 3600 + p * 600) * kSecond;
      const auto& [user, ip] = people[p];
      const int mistakes = 1 + static_cast<int>((day + p) % 3);
      for (int m = 0; m < mistakes; ++m)
        e.push_back(security(4625, t + m * 5 * kSecond, failure(user, ip, "WS" + std::to_string(30 + p))));
      e.push_back(security(4624, t + 30 * kSecond, logon(user, "3", ip, "WS" + std::to_string(30 + p))));
      // The domain controller's view of the same mistakes.
      e.push_back(
          security(4771, t + kSecond, {{"TargetUserName", user}, {"IpAddress", "::ffff:" + ip}, {"Status", "0x18"}}));
      e.push_back(security(4768, t + 31 * kSecond,
                           {{"TargetUserName", user}, {"IpAddress", "::ffff:" + ip}, {"Status", "0x0"}}));
      e.push_back(security(
          4776, t + 2 * kSecond,
          {{"TargetUserName", user}, {"Workstation", "WS" + std::to_string(30 + p)}, {"Status", "0xc000006a"}}));
    }
  // The print server behind one address: several people's mistakes in a day, never a burst.
  for (int i = 0; i < 12; ++i)
    e.push_back(
        security(4625, 6 * kDay + i * 2400 * kSecond, failure("user" + std::to_string(i % 6), "10.20.5.5", "PRINT01")));
  e.push_back(security(4624, 6 * kDay + 30000 * kSecond, logon("user1", "3", "10.20.5.5", "PRINT01")));
  // A runas for an admin account: explicit credentials, once.
  e.push_back(security(4648, 7 * kDay,
                       {{"SubjectUserName", "alice"},
                        {"SubjectDomainName", "CORP"},
                        {"TargetUserName", "adm_alice"},
                        {"TargetServerName", "localhost"},
                        {"ProcessName", "C:\\Windows\\System32\\runas.exe"}}));
  return log;
}

BenignLog expired_password() {
  BenignLog log{"expired-password-changed-security.evtx", "a user whose password expired changes it and logs on", {}};
  auto& e = log.events;
  for (int i = 0; i < 3; ++i)
    e.push_back(security(4625, i * 20 * kSecond, failure("jdoe", "10.20.0.41", "WS41", "0xc0000071")));
  e.push_back(security(4723, 90 * kSecond,
                       {{"TargetUserName", "jdoe"},
                        {"TargetDomainName", "CORP"},
                        {"SubjectUserName", "jdoe"},
                        {"SubjectDomainName", "CORP"}}));
  e.push_back(security(4738, 91 * kSecond, {{"TargetUserName", "jdoe"}, {"SubjectUserName", "jdoe"}}));
  e.push_back(security(4624, 120 * kSecond, logon("jdoe", "3", "10.20.0.41", "WS41")));
  e.push_back(security(4624, 121 * kSecond, logon("jdoe", "3", "10.20.0.41", "WS41")));
  return log;
}

BenignLog sysmon_day() {
  BenignLog log{"sysmon-browser-update-day.evtx", "a Sysmon day of browsing and Windows Update", {}};
  auto& e = log.events;
  uint64_t t = 8 * 3600 * kSecond;
  auto proc = [&](const std::string& image, const std::string& command, const std::string& parent,
                  const std::string& user = "CORP\\alice") {
    t += 40 * kSecond;
    e.push_back(sysmon(1, t,
                       {{"RuleName", "-"},
                        {"UtcTime", "2026-03-02 08:00:00.000"},
                        {"ProcessGuid", "{1}"},
                        {"ProcessId", "4242"},
                        {"Image", image},
                        {"FileVersion", "1.0"},
                        {"Description", ""},
                        {"Product", ""},
                        {"Company", ""},
                        {"OriginalFileName", ""},
                        {"CommandLine", command},
                        {"CurrentDirectory", "C:\\Windows\\system32\\"},
                        {"User", user},
                        {"IntegrityLevel", "Medium"},
                        {"Hashes", "SHA256=0000000000000000000000000000000000000000000000000000000000000000"},
                        {"ParentImage", parent},
                        {"ParentCommandLine", parent}}));
  };
  const std::string chrome = "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe";
  proc("C:\\Windows\\explorer.exe", "C:\\Windows\\Explorer.EXE", "C:\\Windows\\System32\\userinit.exe");
  proc(chrome, "\"" + chrome + "\"", "C:\\Windows\\explorer.exe");
  proc(chrome,
       "\"" + chrome +
           "\" --type=renderer --lang=en-US --renderer-client-id=7 --mojo-platform-channel-handle=2812 /prefetch:1",
       chrome);
  proc("C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe",
       "\"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe\" --no-startup-window",
       "C:\\Windows\\explorer.exe");
  proc("C:\\Users\\alice\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe",
       "\"C:\\Users\\alice\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe\" /background",
       "C:\\Windows\\explorer.exe");
  proc("C:\\Windows\\System32\\svchost.exe", "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s wuauserv",
       "C:\\Windows\\System32\\services.exe", "NT AUTHORITY\\SYSTEM");
  proc("C:\\Windows\\System32\\wuauclt.exe", "\"C:\\Windows\\system32\\wuauclt.exe\" /RunHandlerComServer",
       "C:\\Windows\\System32\\svchost.exe", "NT AUTHORITY\\SYSTEM");
  proc("C:\\Windows\\servicing\\TrustedInstaller.exe", "C:\\Windows\\servicing\\TrustedInstaller.exe",
       "C:\\Windows\\System32\\services.exe", "NT AUTHORITY\\SYSTEM");
  proc(
      "C:\\Windows\\WinSxS\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.19041.3025_none\\TiWorker.exe",
      "C:\\Windows\\winsxs\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.19041.3025_none\\TiWorker.exe "
      "-Embedding",
      "C:\\Windows\\System32\\svchost.exe", "NT AUTHORITY\\SYSTEM");
  proc("C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.2302.7-0\\MpCmdRun.exe",
       "\"C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.2302.7-0\\MpCmdRun.exe\" SignatureUpdate "
       "-ScheduleJob",
       "C:\\Windows\\System32\\svchost.exe", "NT AUTHORITY\\SYSTEM");
  proc("C:\\Windows\\System32\\taskhostw.exe", "taskhostw.exe", "C:\\Windows\\System32\\svchost.exe");
  proc("C:\\Windows\\System32\\backgroundTaskHost.exe",
       "\"C:\\Windows\\system32\\backgroundTaskHost.exe\" -ServerName:App.AppXmtcan0h2tfbfy7k9kn8hbxb6dmzz1zh0.mca",
       "C:\\Windows\\System32\\svchost.exe");
  for (const auto& host : {"www.google.com", "update.googleapis.com", "ctldl.windowsupdate.com", "login.live.com"}) {
    t += 5 * kSecond;
    e.push_back(sysmon(22, t,
                       {{"RuleName", "-"},
                        {"ProcessId", "4242"},
                        {"QueryName", host},
                        {"QueryStatus", "0"},
                        {"QueryResults", "::ffff:142.250.74.100;"},
                        {"Image", chrome}}));
    e.push_back(sysmon(3, t + kSecond,
                       {{"RuleName", "-"},
                        {"Image", chrome},
                        {"User", "CORP\\alice"},
                        {"Protocol", "tcp"},
                        {"Initiated", "true"},
                        {"SourceIp", "10.20.0.31"},
                        {"SourcePort", "51234"},
                        {"DestinationIp", "142.250.74.100"},
                        {"DestinationHostname", host},
                        {"DestinationPort", "443"},
                        {"DestinationPortName", "https"}}));
  }
  e.push_back(sysmon(
      11, t + 60 * kSecond,
      {{"RuleName", "-"}, {"Image", chrome}, {"TargetFilename", "C:\\Users\\alice\\Downloads\\quarterly-report.pdf"}}));
  e.push_back(
      sysmon(13, t + 70 * kSecond,
             {{"RuleName", "-"},
              {"EventType", "SetValue"},
              {"Image", "C:\\Users\\alice\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe"},
              {"TargetObject", "HKU\\S-1-5-21-1-2-3-1104\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\OneDrive"},
              {"Details", "\"C:\\Users\\alice\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe\" /background"}}));
  return log;
}

BenignLog bits_updates() {
  BenignLog log{"bits-updates.evtx", "Windows Update, Edge, Chrome and Firefox updating through BITS", {}};
  auto& e = log.events;
  uint64_t t = 9 * 3600 * kSecond;
  for (const auto& [job, url] : std::vector<std::pair<std::string, std::string>>{
           {"Windows Update",
            "http://download.windowsupdate.com/c/msdownload/update/software/secu/2026/02/"
            "windows10.0-kb5034441-x64_f2b8e71a.cab"},
           {"MicrosoftEdgeUpdate",
            "http://msedge.b.tlu.dl.delivery.mp.microsoft.com/filestreamingservice/files/"
            "8c3b2a91/MicrosoftEdge_X64_122.0.2365.66.exe"},
           {"GoogleUpdate",
            "http://edgedl.me.gvt1.com/edgedl/release2/chrome/acx4x/122.0.6261.95_chrome_installer.exe"},
           {"Firefox Maintenance", "https://download.mozilla.org/?product=firefox-latest&os=win64"}}) {
    t += 600 * kSecond;
    e.push_back(ev(3, "Microsoft-Windows-Bits-Client/Operational", "Microsoft-Windows-Bits-Client", t,
                   {{"jobTitle", job}, {"jobId", "{1}"}, {"jobOwner", "NT AUTHORITY\\SYSTEM"}}, "WS12.corp.example"));
    e.push_back(ev(59, "Microsoft-Windows-Bits-Client/Operational", "Microsoft-Windows-Bits-Client", t + kSecond,
                   {{"transferId", "{2}"}, {"name", job}, {"Id", "{1}"}, {"url", url}, {"peer", ""}},
                   "WS12.corp.example"));
    e.push_back(ev(60, "Microsoft-Windows-Bits-Client/Operational", "Microsoft-Windows-Bits-Client", t + 30 * kSecond,
                   {{"transferId", "{2}"}, {"name", job}, {"Id", "{1}"}, {"url", url}, {"hr", "0"}},
                   "WS12.corp.example"));
  }
  return log;
}

}  // namespace

std::vector<BenignLog> benign_windows_logs() {
  return {clean_installation(), tasks(), services(), typos(), expired_password(), sysmon_day(), bits_updates()};
}

}  // namespace msw::test
