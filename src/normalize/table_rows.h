// The collectors' JSON Lines tables (tables/*.jsonl in a bundle) read row by row: one JSON object per line. A bundle
// is evidence, so a line is measured before it is parsed (nlohmann's tree recurses) and a bad line is one
// diagnostic per table, not a stop.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/byte_reader.h"
#include "core/diagnostics.h"
#include "core/text.h"

namespace msw::normalize {

// Our rows nest two levels (an account's group list); anything deeper is not a row of ours.
inline constexpr int kMaxTableRowDepth = 8;

// Calls fn(row, byte_offset_of_the_line) for every line that is a JSON object.
template <typename Fn>
void for_each_table_row(Bytes bytes, std::string_view display_path, Diagnostics& diags, Fn&& fn) {
  const std::string_view all = as_chars(bytes);
  size_t bad = 0;
  for (size_t pos = 0; pos < all.size();) {
    const size_t eol = all.find('\n', pos);
    const std::string_view line = all.substr(pos, (eol == std::string_view::npos ? all.size() : eol) - pos);
    const size_t at = pos;
    pos = eol == std::string_view::npos ? all.size() : eol + 1;
    if (trim(line).empty()) continue;
    const nlohmann::json j =
        json_nesting_within(line, kMaxTableRowDepth) ? nlohmann::json::parse(line, nullptr, false) : nlohmann::json();
    if (j.is_discarded() || !j.is_object()) {
      if (bad++ == 0)
        diags.add("table.bad_line", DiagSeverity::Warning, std::string(display_path), at, "not a JSON object");
      continue;
    }
    fn(j, at);
  }
}

// A row's field as text: strings as they are, numbers and booleans written out, anything else "".
inline std::string table_field(const nlohmann::json& row, const char* key) {
  auto it = row.find(key);
  if (it == row.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  if (it->is_number_float()) return std::to_string(it->get<double>());
  if (it->is_boolean()) return it->get<bool>() ? "true" : "false";
  return {};
}

}  // namespace msw::normalize
