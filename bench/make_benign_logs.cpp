// Writes the benign Windows event logs of tests/support/benign_windows_logs into a folder, for bench/detection.sh.
//   make_benign_logs DIR
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "support/benign_windows_logs.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_benign_logs DIR\n");
    return 2;
  }
  const std::filesystem::path dir(argv[1]);
  std::filesystem::create_directories(dir);
  for (const auto& log : msw::test::benign_windows_logs()) {
    std::ofstream out(dir / log.name, std::ios::binary);
    const std::string bytes = msw::test::write_evtx(log.events).bytes;
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    std::printf("%s\t%s\n", log.name.c_str(), log.what.c_str());
  }
  return 0;
}
