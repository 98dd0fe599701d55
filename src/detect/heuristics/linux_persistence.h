// Heuristics on Linux persistence: cron entries that download and run code (the Kinsing/TeamTNT/8220 pattern
// `curl ... | sh`), cron entries that run programs from temporary or hidden folders, and any /etc/ld.so.preload
// library (a preload is how mining rootkits such as libprocesshider hide the miner from ps and top). The same tests
// run on start-up scripts (rc.local, init.d, profile and shell rc files, cron.daily), systemd Exec lines and shell
// histories, with competitor killing and PROMPT_COMMAND; and sudoers rules that give root without a password.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.h"
#include "detect/engine.h"

namespace msw::detect::heuristics {

inline constexpr std::string_view kCronDownloadRule = "heuristic.cron_download_exec";
inline constexpr std::string_view kCronTempRule = "heuristic.cron_runs_from_temp";
inline constexpr std::string_view kPreloadRule = "heuristic.ld_so_preload";
inline constexpr std::string_view kAutostartDownloadRule = "heuristic.autostart_download_exec";
inline constexpr std::string_view kAutostartTempRule = "heuristic.autostart_runs_from_temp";
inline constexpr std::string_view kHistoryDownloadRule = "heuristic.history_download_exec";
inline constexpr std::string_view kCompetitorKillRule = "heuristic.competitor_killing";
inline constexpr std::string_view kPromptCommandRule = "heuristic.prompt_command";
inline constexpr std::string_view kSudoersRule = "heuristic.sudoers_nopasswd";

// True for a shell command that fetches something and hands it to an interpreter.
bool downloads_and_executes(std::string_view command);
// True for a command that runs something under /tmp, /var/tmp, /dev/shm or a hidden folder.
bool runs_from_temp_or_hidden(std::string_view command);

// The URLs a command fetches (http, https, ftp, tftp), first eight, in order.
std::vector<std::string> download_urls(std::string_view command);
// True for a command that kills rival miners (by name, by CPU use, or by pool port), as the worms' scripts do.
bool kills_competitors(std::string_view command);

std::unique_ptr<Engine> make_linux_persistence_engine();

}  // namespace msw::detect::heuristics
