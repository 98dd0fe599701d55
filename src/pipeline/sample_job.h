// `minesweep sample`'s work around sample/analyse: a folder analysed file by file on the pool (`sample --recursive`,
// as `yara -r` goes), and the terminal view of one file's analysis.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "sample/analyse.h"

namespace msw::pipeline {

struct SampleFolderSummary {
  size_t files = 0;         // analysed
  bool suspicious = false;  // any of them
};

// Every regular file under `folder` (links not followed), in path order, on `threads` threads (0: all): one line each
// ("! path: format, YARA rule, family" for a suspicious one), or its analysis as a JSON line with `json`. Files that
// cannot be opened or analysed are left out.
SampleFolderSummary sample_folder(const std::string& folder, const sample::Options& options, int threads, bool json,
                                  std::ostream& out);

// One file's analysis as the terminal shows it: what it is, what matters about it, then what it carries as a tree.
void print_sample(const nlohmann::json& root, const sample::Analysis& a, std::ostream& out);

}  // namespace msw::pipeline
