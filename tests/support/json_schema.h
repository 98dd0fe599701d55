// A JSON Schema (2020-12) checker for the keywords minesweep's own schemas use: type, const, enum, properties,
// required, additionalProperties, items, minimum, and $ref to "#/$defs/...". An unknown keyword is an error, so a
// schema cannot silently use something this checker ignores.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace msw::test {

// Every violation as "/json/pointer: what is wrong"; empty when `doc` conforms.
std::vector<std::string> validate_json(const nlohmann::json& schema, const nlohmann::json& doc);

nlohmann::json load_report_schema();  // docs/schema/minesweep-report-2.json

}  // namespace msw::test
