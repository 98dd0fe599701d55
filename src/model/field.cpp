#include "model/field.h"

#include <array>
#include <cstdint>
#include <optional>

namespace msw::model {
namespace {

constexpr FieldInfo kFields[] = {
#define MSW_FIELD(id, name, meaning) {Field::id, name, meaning},
#include "model/fields.def"
#undef MSW_FIELD
};

// Names in an open-addressing table: every EventData name of every record is looked up while events are built
// (a binary search over the names was a tenth of parsing a Security log).
struct NameTable {
  static constexpr size_t kSlots = 1024;  // a power of two, over twice the number of fields
  std::array<int16_t, kSlots> slot{};     // index into kFields + 1; 0 = empty
  static size_t hash(std::string_view s) {
    uint64_t h = 1469598103934665603ull;  // FNV-1a
    for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    return static_cast<size_t>(h ^ (h >> 29));
  }
  NameTable() {
    static_assert(std::size(kFields) * 2 < kSlots);
    for (size_t i = 0; i < std::size(kFields); ++i) {
      size_t at = hash(kFields[i].name) & (kSlots - 1);
      while (slot[at]) at = (at + 1) & (kSlots - 1);
      slot[at] = static_cast<int16_t>(i + 1);
    }
  }
  std::optional<Field> find(std::string_view name) const {
    for (size_t at = hash(name) & (kSlots - 1); slot[at]; at = (at + 1) & (kSlots - 1))
      if (kFields[static_cast<size_t>(slot[at] - 1)].name == name)
        return kFields[static_cast<size_t>(slot[at] - 1)].field;
    return std::nullopt;
  }
};

const NameTable& names() {
  static const NameTable table;
  return table;
}

}  // namespace

std::span<const FieldInfo> all_fields() { return kFields; }

std::string_view field_name(Field f) {
  auto i = static_cast<size_t>(f);
  return i < std::size(kFields) ? kFields[i].name : std::string_view{};
}

std::optional<Field> field_from_name(std::string_view name) { return names().find(name); }

}  // namespace msw::model
