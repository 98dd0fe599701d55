// minesweep.exe: the Windows collector. `minesweep.exe triage` collects the host into a bundle that `minesweep
// scan` (on any machine) analyses; analysis itself stays in the Linux build, whose libraries MinGW lacks.
#include <windows.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "collect/windows/live_host.h"
#include "collect/windows/wide_text.h"
#include "collect/windows/windows_collector.h"
#include "core/time.h"
#include "core/version.h"
#include "evidence/bundle_zip.h"

namespace {

using namespace msw;
using collect::windows::utf8;

void usage(FILE* to) {
  std::fputs(
      "minesweep.exe — collect a Windows host for minesweep (read-only)\n\n"
      "usage:\n"
      "  minesweep.exe triage [--out DIR] [--zip] [--sample-ms N] [--no-executables]\n"
      "      processes, connections, services, accounts, adapters/DNS, registry hives (or their autostart keys),\n"
      "      event logs, scheduled tasks, Prefetch, Amcache, the WMI repository, hosts, the boot sectors, and the\n"
      "      executables of processes and services outside Windows' folders. Run from an elevated prompt for all\n"
      "      of it; without administrator rights less is collected and the manifest says what.\n"
      "      --zip also packs the bundle into DIR.zip. Then, on any machine: minesweep scan DIR\n"
      "  minesweep.exe version\n",
      to);
}

std::string default_out(const std::string& host) {
  SYSTEMTIME t;
  GetSystemTime(&t);
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "%04u%02u%02uT%02u%02u%02uZ", t.wYear, t.wMonth, t.wDay, t.wHour, t.wMinute,
                t.wSecond);
  return "minesweep-" + (host.empty() ? std::string("host") : host) + "-" + stamp;
}

int triage(const std::vector<std::string>& args) {
  collect::windows::CollectOptions opts;
  bool zip = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--out" && i + 1 < args.size()) {
      opts.out_dir = args[++i];
    } else if (a == "--sample-ms" && i + 1 < args.size()) {
      opts.cpu_sample_ms = std::max(0, std::min(10000, std::atoi(args[++i].c_str())));
    } else if (a == "--zip") {
      zip = true;
    } else if (a == "--no-executables") {
      opts.copy_executables = false;
    } else {
      std::fprintf(stderr, "minesweep: unknown option %s for triage\n\n", a.c_str());
      usage(stderr);
      return 2;
    }
  }
  collect::windows::LiveHost host;
  if (opts.out_dir.empty()) opts.out_dir = default_out(host.facts().hostname);
  opts.tool_version = std::string(kVersion);
  opts.collected_at = to_iso8601(now_utc());
  opts.on_step = [](std::string_view step) {
    std::fprintf(stderr, "  collecting %.*s\n", static_cast<int>(step.size()), step.data());
  };
  const ULONGLONG started = GetTickCount64();
  auto m = collect::windows::collect_bundle(host, opts);
  if (!m) {
    std::fprintf(stderr, "minesweep: %s\n", m.error().message.c_str());
    return 1;
  }
  std::map<std::string, size_t> kinds;
  uint64_t bytes = 0;
  for (const auto& a : m->artefacts) {
    ++kinds[a.kind];
    bytes += a.size;
  }
  std::printf("collected %zu artefacts (%.1f MiB) from %s (%s %s) in %.1f s into %s\n", m->artefacts.size(),
              static_cast<double>(bytes) / (1 << 20), m->hostname.c_str(), m->os.c_str(), m->kernel.c_str(),
              static_cast<double>(GetTickCount64() - started) / 1000.0, opts.out_dir.c_str());
  for (const auto& [kind, n] : kinds) std::printf("  %-18s %zu\n", kind.c_str(), n);
  if (!m->failures.empty()) {
    std::printf("not collected (%zu, reasons in manifest.json):\n", m->failures.size());
    size_t shown = 0;
    for (const auto& f : m->failures)
      if (shown++ < 12) std::printf("  %s: %s\n", f.source.c_str(), f.reason.c_str());
  }
  if (zip) {
    const std::string zip_path = opts.out_dir + ".zip";
    if (auto z = evidence::write_bundle_zip(opts.out_dir, zip_path); !z) {
      std::fprintf(stderr, "minesweep: %s (the bundle folder is complete)\n", z.error().message.c_str());
      return 1;
    }
    std::printf("zipped: %s\n", zip_path.c_str());
  }
  std::printf("next: minesweep scan %s\n", opts.out_dir.c_str());
  return 0;
}

}  // namespace

int wmain(int argc, wchar_t** argv) {
  SetConsoleOutputCP(CP_UTF8);
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.push_back(utf8(argv[i]));
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    usage(args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "version" || args[0] == "--version") {
    std::printf("minesweep %s (Windows collector)\n", std::string(kVersion).c_str());
    return 0;
  }
  if (args[0] == "triage" || args[0] == "collect") return triage({args.begin() + 1, args.end()});
  std::fprintf(stderr,
               "minesweep: unknown command %s (minesweep.exe collects only; analyse the bundle with the Linux "
               "build's `minesweep scan`)\n\n",
               args[0].c_str());
  usage(stderr);
  return 2;
}
