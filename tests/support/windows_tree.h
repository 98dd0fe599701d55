// Writes whole Windows triage trees for end-to-end tests, laid out as KAPE leaves them (C/Windows/...): the SYSTEM,
// SOFTWARE and SAM hives, Amcache.hve, task XML files (UTF-16), the WMI repository, Prefetch (Windows 10
// compressed), the hosts file and a Security log — each built by the project's own writers.
//   - MyKings: Mysa/Mysa1/ok tasks, the fuckyoumm3/fuckyoumm4 WMI subscription, a Run key to js.mykings.top:280
//     (only in SOFTWARE.LOG1: the hive was copied dirty),
//     DNS forced to 223.5.5.5/8.8.8.8, a hosts file that blocks security vendors, an Amcache SHA-1 of a known
//     component, Prefetch of lsmose.exe in C:\Windows\debug, a hidden admin$ account, no MS17-010, SQL Server in
//     mixed mode, and a bootkit's MBR in disk/boot-sectors.bin (as a collector copies the boot disk's first MiB);
//   - WannaMine: a three-word service with a same-named ServiceDll, Prefetch of dllhostex.exe, SMBv1 on, RDP on 3389,
//     the firewall off,
//     no MS17-010, and 4625 failures from one address then a 4624 success;
//   - Clean: the same artefacts as a patched, hardened server has them.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace msw::test {

enum class WindowsScenario { MyKings, WannaMine, Clean };

// Who the host is: its name (SYSTEM's ComputerName, every event log record's Computer) and its address (an
// interface's DhcpIPAddress). The WannaMine host's password guesser is `guesser`.
struct WindowsHost {
  std::string name = "WIN-SERVER";
  std::string address = "10.0.0.10";
  std::string guesser = "10.0.0.23";
};

// Writes the tree below `root` and returns the paths (relative to root) of the artefacts planted on purpose, which
// the scan must cite as evidence.
std::vector<std::string> write_windows_tree(const std::filesystem::path& root, WindowsScenario scenario,
                                            const WindowsHost& host = {});

}  // namespace msw::test
