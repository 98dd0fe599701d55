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

template <typename E, typename FromString>
void expect_names_round_trip(E last, FromString from_string) {
  for (int i = 0; i <= static_cast<int>(last); ++i) {
    auto value = static_cast<E>(i);
    EXPECT_NE(to_string(value), "unknown") << i;
    EXPECT_EQ(from_string(to_string(value)), value) << i;
  }
}

TEST(Names, EnumNamesRoundTrip) {
  expect_names_round_trip(Severity::Critical, severity_from_string);
  expect_names_round_trip(ObservableKind::Email, observable_kind_from_string);
  expect_names_round_trip(ActionKind::Rescan, action_kind_from_string);
  expect_names_round_trip(EntityKind::Url, entity_kind_from_string);
  expect_names_round_trip(EdgeKind::Contains, edge_kind_from_string);
  EXPECT_FALSE(severity_from_string("bogus"));
}

}  // namespace
}  // namespace msw::model

#include "model/attack.h"

namespace msw::model {
namespace {

TEST(Attack, TechniquesNameTheirTactics) {
  auto names = [](std::string_view t) {
    std::vector<std::string> out;
    for (auto x : attack_tactics(t)) out.emplace_back(x);
    return out;
  };
  EXPECT_EQ(names("T1543.003"), (std::vector<std::string>{"persistence", "privilege-escalation"}));
  EXPECT_EQ(names("T1110"), std::vector<std::string>{"credential-access"});
  EXPECT_EQ(names("T1070.001"), std::vector<std::string>{"defense-evasion"});
  EXPECT_TRUE(names("T9999").empty());
}

}  // namespace
}  // namespace msw::model
