#include "model/field.h"

#include <array>
#include <cstdint>
#include <cstring>
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
  // The first and last eight bytes and the length, mixed: names differ early or late, and a byte-at-a-time hash
  // was a twentieth of building a Security log's events. (Collisions only cost a probe: names are compared.)
  static size_t hash(std::string_view s) {
    uint64_t a = 0, b = 0;
    if (s.size() >= 8) {
      std::memcpy(&a, s.data(), 8);
      std::memcpy(&b, s.data() + s.size() - 8, 8);
    } else if (!s.empty()) {
      std::memcpy(&a, s.data(), s.size());
    }
    uint64_t h = (a ^ (s.size() * 0x9E3779B97F4A7C15ull)) * 0xBF58476D1CE4E5B9ull;
    h = (h ^ (h >> 31) ^ b) * 0x94D049BB133111EBull;
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
