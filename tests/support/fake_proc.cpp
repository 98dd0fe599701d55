#include "support/fake_proc.h"

#include "support/test_support.h"

namespace msw::test {
namespace fs = std::filesystem;


// A fake /proc with one miner: comm kdevtmpfsi, deleted executable in /tmp, stratum URL and wallet on the command
// line, and an established connection to 127.0.0.1:3333 owned through a socket fd.
void make_fake_proc(const fs::path& root) {
  write_file(root / "etc/passwd", "root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n");
  write_file(root / "proc/stat", "cpu  1 2 3 4\nbtime 1700000000\n");
  fs::path p = root / "proc/4242";
  // Field 14/15 utime/stime, 20 threads, 22 starttime (ticks), 24 rss (pages). comm has a space and a parenthesis.
  write_file(p / "stat",
                   "4242 (kdev tmp) fsi) R 1 4242 4242 0 -1 4194560 0 0 0 0 9000 100 0 0 20 0 3 0 12345 0 2048 "
                   "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n");
  write_file(p / "status", "Name:\tkdevtmpfsi\nUmask:\t0022\nState:\tR\nUid:\t33\t33\t33\t33\n");
  std::string cmd = "/tmp/kdevtmpfsi";
  cmd += '\0';
  cmd += "-o";
  cmd += '\0';
  cmd += "stratum+tcp://127.0.0.1:3333";
  cmd += '\0';
  cmd += "-u";
  cmd += '\0';
  cmd += std::string(kFakeMinerWallet);
  cmd += '\0';
  write_file(p / "cmdline", cmd);
  fs::create_symlink("/tmp/kdevtmpfsi (deleted)", p / "exe");
  fs::create_symlink("/tmp", p / "cwd");
  fs::create_directories(p / "fd");
  fs::create_symlink("socket:[777]", p / "fd/3");
  fs::create_symlink("/dev/null", p / "fd/0");
  write_file(root / "proc/1/stat", "1 (init) S 0 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 1 0 100 0 0\n");
  write_file(root / "proc/1/cmdline", std::string("/sbin/init\0", 11));
  write_file(root / "proc/net/tcp",
                   "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
                   "   0: 0100007F:9C40 0100007F:0D05 01 00000000:00000000 00:00000000 00000000    33        0 777 1\n"
                   "   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 500 1\n");
  write_file(root / "proc/net/tcp6",
                   "  sl  local_address                         remote_address                        st\n"
                   "   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A "
                   "00000000:00000000 00:00000000 00000000     0        0 501 1\n");
}


}  // namespace msw::test
