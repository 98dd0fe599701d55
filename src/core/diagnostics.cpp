#include "core/diagnostics.h"

#include <iterator>

namespace msw {

std::string_view to_string(DiagSeverity s) {
  switch (s) {
    case DiagSeverity::Info: return "info";
    case DiagSeverity::Warning: return "warning";
    case DiagSeverity::Error: return "error";
  }
  return "unknown";
}

void Diagnostics::add(std::string code, DiagSeverity severity, std::string evidence, uint64_t offset,
                      std::string detail) {
  items_.push_back(Diagnostic{std::move(code), severity, std::move(evidence), offset, std::move(detail)});
}

void Diagnostics::add_error(const Error& error, std::string evidence, DiagSeverity severity) {
  items_.push_back(Diagnostic{error.code, severity, std::move(evidence), error.offset, error.message});
}

void Diagnostics::append(Diagnostics&& other) {
  items_.insert(items_.end(), std::make_move_iterator(other.items_.begin()),
                std::make_move_iterator(other.items_.end()));
  other.items_.clear();
}

}  // namespace msw
