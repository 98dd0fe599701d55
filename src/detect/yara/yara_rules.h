// YARA with libyara: rule files as users already write them (LOKI / THOR / signature-base style), compiled once and
// cached, then run over bytes in memory. A rule file that does not compile is reported with libyara's error and
// skipped; the others still load. The LOKI/THOR external variables (`filename filepath extension filetype owner`)
// are defined, so their rules compile and can use them.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/byte_reader.h"
#include "core/result.h"

namespace msw::detect::yara {

inline constexpr size_t kMaxRuleFiles = 20'000;
inline constexpr uint64_t kMaxRuleFileBytes = 8 << 20;
inline constexpr int kScanTimeoutSeconds = 60;
inline constexpr size_t kMaxStringsPerMatch = 8;  // offsets shown per rule

struct FailedFile {
  std::string path;
  std::string error;  // libyara's first error, with its line
};

struct LoadReport {
  size_t files = 0;     // rule files found
  size_t compiled = 0;  // of them, compiled
  size_t rules = 0;     // rules in the result
  bool builtin = false;
  bool from_cache = false;
  std::string cache_path;
  std::vector<FailedFile> failed;
};

// What the external variables say of the file being scanned.
struct FileContext {
  std::string filename, filepath, extension, filetype, owner;
};

struct Match {
  std::string rule;
  std::string rule_namespace;  // the rule file (relative to the folder given), or "builtin/<file>"
  std::vector<std::string> tags;
  std::vector<std::pair<std::string, std::string>> meta;  // description, author, reference, ...
  std::vector<std::pair<std::string, uint64_t>> strings;  // identifier and offset of the first hits
};

class Rules {
 public:
  // Compiles the project's rules (data/rules/yara) when `builtin`, and every *.yar / *.yara file under each of
  // `paths` (a file or a folder, recursively). With a `cache_dir`, the compiled set is saved there under a key made
  // of libyara's version and every rule file's path and content, and loaded from there next time. Errors:
  // yara.no_rules (nothing compiled), yara.unreadable (a path that does not exist).
  static Result<Rules> load(const std::vector<std::string>& paths, bool builtin, const std::string& cache_dir,
                            LoadReport& report);

  Rules(Rules&&) noexcept;
  Rules& operator=(Rules&&) noexcept;
  ~Rules();

  // The rules that match `data`. Errors: yara.scan (libyara's code, e.g. a timeout).
  Result<std::vector<Match>> scan(Bytes data, const FileContext& file) const;

 private:
  struct Impl;
  explicit Rules(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The cache folder minesweep uses when the user gives none: $XDG_CACHE_HOME/minesweep or ~/.cache/minesweep ("" when
// neither is set).
std::string default_cache_dir();

}  // namespace msw::detect::yara
