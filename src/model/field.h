// Event field identifiers, generated from fields.def.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace msw::model {

enum class Field : uint16_t {
#define MSW_FIELD(id, name, meaning) id,
#include "model/fields.def"
#undef MSW_FIELD
};

inline constexpr size_t kFieldCount = 0
#define MSW_FIELD(id, name, meaning) +1
#include "model/fields.def"
#undef MSW_FIELD
    ;

struct FieldInfo {
  Field field;
  std::string_view name;     // the Sigma / EVTX name
  std::string_view meaning;  // one line for people (report headers, --help)
};

std::span<const FieldInfo> all_fields();
std::string_view field_name(Field f);
// Exact (case-sensitive, as Sigma field names are) lookup.
std::optional<Field> field_from_name(std::string_view name);

}  // namespace msw::model
