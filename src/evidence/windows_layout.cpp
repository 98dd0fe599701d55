#include "evidence/windows_layout.h"

#include "core/text.h"

namespace msw::evidence {
namespace {

// How each expected artefact is recognised in a relative path (lower case, '/'-separated): by its file name where
// collectors flatten folders, else by the folder it must be in.
struct Rule {
  ExpectedArtefact what;
  bool (*present)(std::string_view lower_path, std::string_view lower_name);
};
constexpr Rule kExpected[] = {
    {{"SYSTEM hive", "Windows/System32/config/SYSTEM", "services, DNS servers, RDP and SMBv1 settings"},
     [](std::string_view, std::string_view n) { return n == "system"; }},
    {{"SOFTWARE hive", "Windows/System32/config/SOFTWARE", "Run keys, OS build, installed updates (MS17-010), task cache"},
     [](std::string_view, std::string_view n) { return n == "software"; }},
    {{"SAM hive", "Windows/System32/config/SAM", "local accounts and Administrators"},
     [](std::string_view, std::string_view n) { return n == "sam"; }},
    {{"Security event log", "Windows/System32/winevt/Logs/Security.evtx", "logons and password guessing (4624/4625)"},
     [](std::string_view, std::string_view n) { return n == "security.evtx"; }},
    {{"System event log", "Windows/System32/winevt/Logs/System.evtx", "service installs (7045)"},
     [](std::string_view, std::string_view n) { return n == "system.evtx"; }},
    {{"Scheduled tasks", "Windows/System32/Tasks/", "task definitions (MyKings' Mysa*)"},
     [](std::string_view p, std::string_view) { return p.find("system32/tasks/") != std::string_view::npos; }},
    {{"WMI repository", "Windows/System32/wbem/Repository/OBJECTS.DATA", "WMI subscriptions (fuckyoumm)"},
     [](std::string_view, std::string_view n) { return n == "objects.data"; }},
    {{"Prefetch", "Windows/Prefetch/*.pf", "which programs ran, and when"},
     [](std::string_view, std::string_view n) { return n.ends_with(".pf"); }},
    {{"Amcache", "Windows/AppCompat/Programs/Amcache.hve", "SHA-1s of executed programs"},
     [](std::string_view, std::string_view n) { return n == "amcache.hve"; }},
    {{"hosts file", "Windows/System32/drivers/etc/hosts", "name-resolution takeover"},
     [](std::string_view p, std::string_view n) { return n == "hosts" && p.find("etc/") != std::string_view::npos; }},
};

}  // namespace

std::vector<ExpectedArtefact> missing_windows_artefacts(std::span<const Candidate> files, size_t evidence_index) {
  bool windows = false;
  bool found[std::size(kExpected)] = {};
  for (const auto& c : files) {
    if (c.evidence_index != evidence_index || c.relative_path.empty()) continue;
    const std::string lower = to_lower_ascii(c.relative_path);
    windows = windows || lower.find("windows/system32/") != std::string::npos;
    const size_t slash = lower.rfind('/');
    const std::string_view name = slash == std::string::npos ? std::string_view(lower) : std::string_view(lower).substr(slash + 1);
    for (size_t i = 0; i < std::size(kExpected); ++i) found[i] = found[i] || kExpected[i].present(lower, name);
  }
  std::vector<ExpectedArtefact> missing;
  if (!windows) return missing;
  for (size_t i = 0; i < std::size(kExpected); ++i)
    if (!found[i]) missing.push_back(kExpected[i].what);
  return missing;
}

}  // namespace msw::evidence
