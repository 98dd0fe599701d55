// Diagnostics: what a parser or collector could not read, or found odd, recorded as evidence.
//
// A bad checksum can mean tampering and a truncated file can mean an attacker cleaned up, so anomalies are stored
// with the case and shown in the report ("what we could not read") rather than logged and forgotten. Codes are
// stable, dotted and lower-case: `<area>.<what>` such as `evtx.chunk_crc_mismatch` or `evidence.symlink_escape`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace msw {

enum class DiagSeverity : uint8_t { Info, Warning, Error };

std::string_view to_string(DiagSeverity s);

struct Diagnostic {
  std::string code;
  DiagSeverity severity = DiagSeverity::Warning;
  std::string evidence;  // path of the evidence or artefact it is about
  uint64_t offset = 0;   // byte offset in the evidence (text artefacts: of the line, in the decoded text)
  std::string detail;
};

// A plain collection; each unit of work fills its own and the pipeline merges them, so no locking is needed.
class Diagnostics {
 public:
  void add(std::string code, DiagSeverity severity, std::string evidence, uint64_t offset, std::string detail);
  void add_error(const Error& error, std::string evidence, DiagSeverity severity = DiagSeverity::Error);
  void append(Diagnostics&& other);

  const std::vector<Diagnostic>& items() const { return items_; }
  std::vector<Diagnostic>& items() { return items_; }
  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }

 private:
  std::vector<Diagnostic> items_;
};

}  // namespace msw
