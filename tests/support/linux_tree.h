// An offline Linux root as a responder copies it off a server a Kinsing-style worm took over: SSH password
// guessing that ended in a logon, a cron downloader, a preloaded library, a rival-killing script, a miner
// configuration, DNS forced to public resolvers and a planted SSH key. With `hostile`, attacker text aimed at
// report readers is planted too: HTML/script injection, a javascript: URL and a spreadsheet formula.
#pragma once

#include <filesystem>
#include <string_view>

namespace msw::test {

// Strings planted by write_linux_tree(..., true), for tests that check they stay inert in every output.
inline constexpr std::string_view kHostileHtml = "<img src=x onerror=alert(1)>";
inline constexpr std::string_view kHostileScriptEnd = "</script><script>alert(2)</script>";
inline constexpr std::string_view kHostileJsUrl = "javascript:alert(3)";
inline constexpr std::string_view kHostileFormula = "=cmd|' /C calc'!A0";

void write_linux_tree(const std::filesystem::path& root, bool hostile);

}  // namespace msw::test
