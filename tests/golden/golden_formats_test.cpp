// Golden tests for parsers: tests/golden/<format>/NAME.in.<ext> is parsed and normalized, and the events and
// diagnostics, one JSON object a line, must equal NAME.out.jsonl. MINESWEEP_UPDATE_GOLDEN=1 rewrites the .out files;
// reviewers read the diff.
#include <cstdlib>
#include <filesystem>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "normalize/normalize.h"
#include "support/test_support.h"

namespace msw {
namespace {
namespace fs = std::filesystem;

std::string render(const std::vector<model::Event>& events, const Diagnostics& diags) {
  std::string s;
  for (const auto& ev : events) {
    nlohmann::ordered_json j;
    j["category"] = ev.category;
    j["product"] = ev.product;
    j["offset"] = ev.offset;
    for (const auto& [f, v] : ev.fields) j[std::string(model::field_name(f))] = v;
    s += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  for (const auto& d : diags.items()) {
    nlohmann::ordered_json j = {{"diagnostic", d.code}, {"offset", d.offset}, {"detail", d.detail}};
    s += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  return s;
}

struct GoldenFormat {
  std::string_view folder;
  evidence::ArtefactKind kind;
  std::string_view platform;
};
constexpr GoldenFormat kGoldenFormats[] = {
    {"hosts", evidence::ArtefactKind::HostsFile, "windows"},
    {"resolv_conf", evidence::ArtefactKind::ResolvConf, "linux"},
};

TEST(Golden, ParsersMatchTheirRecordedOutput) {
  const bool update = std::getenv("MINESWEEP_UPDATE_GOLDEN") != nullptr;
  size_t checked = 0;
  for (const auto& g : kGoldenFormats) {
    fs::path dir = fs::path(MSW_SOURCE_DIR) / "tests/golden" / g.folder;
    for (const auto& entry : fs::directory_iterator(dir)) {
      std::string name = entry.path().filename().string();
      auto in_pos = name.find(".in.");
      if (in_pos == std::string::npos) continue;
      std::string input = test::read_file(entry.path());
      evidence::Artefact a;
      a.kind = g.kind;
      a.platform = g.platform;
      a.source.display_path = name;
      Diagnostics diags;
      std::vector<model::Event> events;
      auto out = normalize::parse_artefact(a, as_bytes(input), diags, [&](std::vector<model::Event>&& batch) {
        for (auto& e : batch) events.push_back(std::move(e));
      });
      ASSERT_TRUE(out) << name;
      std::string got = render(events, diags);
      fs::path golden = dir / (name.substr(0, in_pos) + ".out.jsonl");
      if (update) {
        test::write_file(golden, got);
      } else {
        ASSERT_TRUE(fs::exists(golden)) << golden << " missing: run with MINESWEEP_UPDATE_GOLDEN=1";
        EXPECT_EQ(got, test::read_file(golden)) << "golden mismatch for " << name;
      }
      ++checked;
    }
  }
  EXPECT_GE(checked, 3u);
}

// evidence/artefact_kinds.def is the one list of kinds: each has one name that reads back to it, and every kind but
// "file" has a parser (parse_artefact answers false only for a kind without one).
TEST(ArtefactKinds, EveryKindHasOneNameAndAParser) {
  const auto kinds = evidence::all_artefact_kinds();
  ASSERT_GE(kinds.size(), 30u);
  std::set<std::string_view> names;
  for (size_t i = 0; i < kinds.size(); ++i) {
    const auto k = kinds[i];
    EXPECT_EQ(static_cast<size_t>(k), i) << "declaration order";
    const std::string_view name = evidence::to_string(k);
    EXPECT_TRUE(names.insert(name).second) << name << " named twice";
    EXPECT_EQ(evidence::artefact_kind_from_string(name), k) << name;
    evidence::Artefact a;
    a.kind = k;
    Diagnostics diags;
    auto parsed = normalize::parse_artefact(a, as_bytes(std::string_view("x\n")), diags, [](auto&&) {});
    EXPECT_EQ(!parsed || *parsed, k != evidence::ArtefactKind::File) << name;
  }
  EXPECT_EQ(evidence::to_string(evidence::ArtefactKind::EventLog), "evtx");  // names are stored: never renamed
  EXPECT_EQ(evidence::to_string(evidence::ArtefactKind::HostsFile), "hosts");
  EXPECT_FALSE(evidence::artefact_kind_from_string("no_such_kind"));
}

}  // namespace
}  // namespace msw
