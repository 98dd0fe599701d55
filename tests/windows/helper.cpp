// A stand-in for a miner under Wine: listens on a loopback port, connects to it, writes "PID PORT" to the file
// named by its first argument, and keeps the connection open until killed. The Wine test then checks that
// minesweep.exe's bundle shows this process and its connection.
// clang-format off
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
// clang-format on

#include <cstdio>

int wmain(int argc, wchar_t** argv) {
  if (argc < 2) return 2;
  WSADATA wsa;
  if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0) return 1;
  SOCKET listener = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(listener, 1) != 0) return 1;
  int len = sizeof addr;
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  SOCKET client = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  if (connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return 1;
  SOCKET accepted = accept(listener, nullptr, nullptr);
  if (accepted == INVALID_SOCKET) return 1;
  FILE* f = _wfopen(argv[1], L"w");
  if (!f) return 1;
  std::fprintf(f, "%lu %u\n", GetCurrentProcessId(), ntohs(addr.sin_port));
  std::fclose(f);
  Sleep(INFINITE);
  return 0;
}
