// A stand-in for a mining worm's miner, for the live-triage lab test. It behaves the way the real ones do where
// minesweep looks: it connects to a "pool" on 127.0.0.1, sends an XMRig-style stratum login with a wallet, deletes
// its own executable, and burns CPU. It never runs longer than 60 seconds.
//   fake_miner PORT [ignored miner-style arguments...]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  int port = std::atoi(argv[1]);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return 3;
  std::string login = R"({"id":1,"jsonrpc":"2.0","method":"login","params":{"login":")" +
                      std::string(argc > 5 ? argv[5] : "wallet") + R"(","pass":"x","agent":"XMRig/6.21.0"}})" "\n";
  if (::write(fd, login.data(), login.size()) < 0) return 4;
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    self[n] = '\0';
    ::unlink(self);
  }
  std::puts("ready");
  std::fflush(stdout);
  // The kernel ends it after 60 s (SIGALRM's default action) if the test never does: no clock is read here.
  ::alarm(60);
  volatile unsigned long x = 0;
  for (;;) x = x + 1;
}
