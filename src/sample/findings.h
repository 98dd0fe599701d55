// What `scan` and `triage` conclude from a file's sample analysis: YARA matches, packers and protectors, a script
// that changes the host, a self-extractor that silently starts a program, and known hashes inside containers — each a
// model::Finding citing the file (and the member inside it) so the storyline and the plan can use it.
#pragma once

#include <string>
#include <vector>

#include "model/finding.h"
#include "sample/analyse.h"

namespace msw::sample {

// `path` and `sha256` name the analysed file as the case knows it.
std::vector<model::Finding> findings_from(const Analysis& analysis, const std::string& path, const std::string& sha256);

}  // namespace msw::sample
