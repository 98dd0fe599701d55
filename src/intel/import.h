// Feed import: the formats teams already have, each line or object checked and normalised, junk rejected with a
// per-line reason and the rest kept.
//   - STIX 2.1 bundles (indicator patterns for the supported types, OR-joined comparisons; SCOs such as ipv4-addr);
//   - MISP event JSON (Event.Attribute and Event.Object[].Attribute, a single event or a "response" list);
//   - CSV with header detection (value/indicator/ioc, type, family/malware, source, confidence, tags, dates);
//   - signature-base IOC texts: "hash;description" (hash-iocs), "regex;score" (filename-iocs), C2 lists;
//   - plain one-per-line lists with # or // comments (type from the value, or from the file name: mutexes.txt,
//     samples.md5, ...).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "intel/indicator.h"

namespace msw::intel {

inline constexpr uint64_t kMaxFeedBytes = 512ull << 20;
inline constexpr int kMaxFeedJsonDepth = 64;

enum class FeedFormat { Stix, Misp, Csv, SignatureBaseHash, SignatureBaseFilename, Plain, Unsupported };
std::string_view to_string(FeedFormat f);

struct Rejected {
  std::string file;
  uint64_t line = 0;  // 0 for JSON objects
  std::string value, reason;
};

struct ImportResult {
  std::vector<Indicator> indicators;
  std::vector<Rejected> rejected;
  std::vector<std::string> files;  // read
  std::vector<std::string> skipped_files;  // not feeds (README.md, licences), with the reason after ": "
};

// `family_hint`: the family named by the folder (avast/MyKings-clipboard-stealer → "mykings-clipboard-stealer").
FeedFormat detect_format(std::string_view file_name, std::string_view text);
void import_text(std::string_view file_name, std::string_view text, std::string_view family_hint, ImportResult& out);
// A file, or every file under a folder (recursively). Errors: intel.import when the path cannot be read.
Result<ImportResult> import_path(const std::string& path);

// STIX 2.1 bundle of `indicators` (one indicator object each, deterministic ids from type and value); MISP event;
// CSV (type,value,family,source,confidence,tags).
std::string export_stix(const std::vector<Indicator>& indicators, std::string_view bundle_name);
std::string export_misp(const std::vector<Indicator>& indicators, std::string_view info);
std::string export_csv(const std::vector<Indicator>& indicators);

}  // namespace msw::intel
