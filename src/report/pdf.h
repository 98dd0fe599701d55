// `report --pdf`: the HTML report printed to PDF by headless Chromium (Debian's chromium package), run as a program
// with arguments (no shell) on a private copy of the page, with a throw-away profile and no network features.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace msw::report {

// The browser to print with: $MINESWEEP_CHROMIUM when set, else the first of chromium, chromium-browser,
// google-chrome found in /usr/bin. Empty when there is none.
std::string find_chromium();

// Errors: report.no_browser (none installed), report.pdf (the browser failed or wrote no PDF).
Result<void> print_pdf(std::string_view html, const std::string& pdf_path);

}  // namespace msw::report
