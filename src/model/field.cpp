#include "model/field.h"

#include <algorithm>
#include <array>

namespace msw::model {
namespace {

constexpr FieldInfo kFields[] = {
#define MSW_FIELD(id, name, meaning) {Field::id, name, meaning},
#include "model/fields.def"
#undef MSW_FIELD
};

// Names sorted once for binary search; lookups happen per rule field, not per event.
const auto& sorted_names() {
  static const auto sorted = [] {
    std::array<FieldInfo, std::size(kFields)> a{};
    std::copy(std::begin(kFields), std::end(kFields), a.begin());
    std::sort(a.begin(), a.end(), [](const FieldInfo& x, const FieldInfo& y) { return x.name < y.name; });
    return a;
  }();
  return sorted;
}

}  // namespace

std::span<const FieldInfo> all_fields() { return kFields; }

std::string_view field_name(Field f) {
  auto i = static_cast<size_t>(f);
  return i < std::size(kFields) ? kFields[i].name : std::string_view{};
}

std::optional<Field> field_from_name(std::string_view name) {
  const auto& s = sorted_names();
  auto it = std::lower_bound(s.begin(), s.end(), name, [](const FieldInfo& f, std::string_view n) { return f.name < n; });
  if (it != s.end() && it->name == name) return it->field;
  return std::nullopt;
}

}  // namespace msw::model
