#include <gtest/gtest.h>

#include <set>

#include "core/text.h"
#include "model/entity.h"
#include "model/event.h"
#include "model/finding.h"

namespace msw::model {
namespace {

TEST(Fields, NamesRoundTripAndAreUnique) {
  std::set<std::string> lower;
  for (const auto& f : all_fields()) {
    EXPECT_EQ(field_from_name(f.name), f.field) << f.name;
    EXPECT_EQ(field_name(f.field), f.name);
    EXPECT_FALSE(f.meaning.empty()) << f.name;
    // casedb makes one column per field and SQLite column names are case-insensitive.
    EXPECT_TRUE(lower.insert(to_lower_ascii(f.name)).second) << f.name << " collides case-insensitively";
  }
  // The events table's own columns must not collide with any field either.
  for (std::string_view own : {"id", "artefact_id", "time_ns", "logsource_category", "logsource_product",
                               "logsource_service", "source_path", "source_offset", "extra_json"})
    EXPECT_EQ(lower.count(std::string(own)), 0u) << own;
  EXPECT_FALSE(field_from_name("image"));  // Sigma field names are case-sensitive
  EXPECT_FALSE(field_from_name("NoSuchField"));
}

TEST(Event, SetAndGetKnownAndExtraFields) {
  Event e;
  e.set(Field::Image, "C:\\Windows\\Temp\\lsma12.exe");
  e.set("TargetUserName", "administrator");  // routed to the listed field
  e.set("SomeRareEventDataName", "x");       // kept as extra
  e.set(Field::Image, "replaced");
  EXPECT_EQ(*e.get(Field::Image), "replaced");
  EXPECT_EQ(*e.get(Field::TargetUserName), "administrator");
  EXPECT_EQ(*e.get("SomeRareEventDataName"), "x");
  EXPECT_EQ(e.get(Field::CommandLine), nullptr);
  EXPECT_EQ(e.fields.size(), 2u);
  EXPECT_EQ(e.extra.size(), 1u);
}

TEST(Names, EnumNamesRoundTrip) {
  for (int i = 0; i <= static_cast<int>(Severity::Critical); ++i) {
    auto s = static_cast<Severity>(i);
    EXPECT_EQ(severity_from_string(to_string(s)), s);
  }
  for (int i = 0; i <= static_cast<int>(ObservableKind::Email); ++i) {
    auto k = static_cast<ObservableKind>(i);
    EXPECT_EQ(observable_kind_from_string(to_string(k)), k);
  }
  for (int i = 0; i <= static_cast<int>(ActionKind::Rescan); ++i) {
    auto k = static_cast<ActionKind>(i);
    EXPECT_EQ(action_kind_from_string(to_string(k)), k);
  }
  for (int i = 0; i <= static_cast<int>(EntityKind::Url); ++i) {
    auto k = static_cast<EntityKind>(i);
    EXPECT_EQ(entity_kind_from_string(to_string(k)), k);
  }
  for (int i = 0; i <= static_cast<int>(EdgeKind::Contains); ++i) {
    auto k = static_cast<EdgeKind>(i);
    EXPECT_EQ(edge_kind_from_string(to_string(k)), k);
  }
  EXPECT_FALSE(severity_from_string("bogus"));
}

}  // namespace
}  // namespace msw::model
