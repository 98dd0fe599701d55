// Writes a dense Security log of SMB password guessing for bench/engine.sh, shaped like the WannaMine write-up's:
// thousands of 4625 failures (logon type 3, NTLM, a rotating account list) from one internal address, a second apart,
// then the 4624 success. bench/make_evtx_input.py repeats its chunks to the size a benchmark needs.
//   make_guessing_log OUT.evtx [FAILURES, default 3561]
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "support/evtx_writer.h"

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: make_guessing_log OUT.evtx [FAILURES]\n");
    return 2;
  }
  const long failures = argc == 3 ? std::strtol(argv[2], nullptr, 10) : 3561;
  if (failures < 1 || failures > 1'000'000) {
    std::fprintf(stderr, "make_guessing_log: FAILURES is 1 to 1000000\n");
    return 2;
  }
  static const char* const kAccounts[] = {"administrator", "admin", "sa", "backup", "test", "user1", "guest"};
  std::vector<msw::test::EvtxEvent> events;
  for (long i = 0; i <= failures; ++i) {
    msw::test::EvtxEvent e;
    e.event_id = i < failures ? 4625 : 4624;
    e.computer = "WIN-FILE02";
    e.filetime = 132223104000000000ull + static_cast<uint64_t>(i) * 10'000'000;
    const std::string account = i < failures ? kAccounts[i % 7] : "backup";
    e.data = {{"SubjectUserSid", "S-1-0-0"},
              {"SubjectUserName", "-"},
              {"SubjectDomainName", "-"},
              {"SubjectLogonId", "0x0"},
              {"TargetUserSid", "S-1-0-0"},
              {"TargetUserName", account},
              {"TargetDomainName", "WIN-FILE02"},
              {"Status", i < failures ? "0xc000006d" : "0x0"},
              {"FailureReason", i < failures ? "%%2313" : "-"},
              {"SubStatus", i < failures ? "0xc000006a" : "0x0"},
              {"LogonType", "3"},
              {"LogonProcessName", "NtLmSsp "},
              {"AuthenticationPackageName", "NTLM"},
              {"WorkstationName", "WIN-SQL01"},
              {"TransmittedServices", "-"},
              {"LmPackageName", "-"},
              {"KeyLength", "0"},
              {"ProcessId", "0x0"},
              {"ProcessName", "-"},
              {"IpAddress", "10.0.0.23"},
              {"IpPort", std::to_string(49152 + i % 16000)}};
    events.push_back(std::move(e));
  }
  const std::string bytes = msw::test::write_evtx(events).bytes;
  std::ofstream out(argv[1], std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  std::printf("%s: %ld failures and a success, %zu bytes\n", argv[1], failures, bytes.size());
  return out ? 0 : 1;
}
