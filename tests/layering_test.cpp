// The layering rule of HACKING.md, enforced: every `#include "folder/..."` under src/ names the file's own folder,
// core/, or a folder its row of HACKING.md's table lists. The table is read from HACKING.md itself, so the document
// and the code cannot drift apart; a folder under src/ without a row fails too.
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace msw {
namespace {
namespace fs = std::filesystem;

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// folder → the folders it may include, from the rows "| `folder/` | what it is | `a`, `b` |".
std::map<std::string, std::set<std::string>> allowed_includes(const std::string& hacking) {
  std::map<std::string, std::set<std::string>> rows;
  const std::regex row(R"(^\| `([a-z_]+)/`[^|]*\|[^|]*\|([^|]*)\|\s*$)");
  const std::regex name("`([a-z_]+)`");
  std::istringstream lines(hacking);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (!std::regex_match(line, m, row)) continue;
    std::set<std::string>& deps = rows[m[1]];
    const std::string cell = m[2];
    for (std::sregex_iterator it(cell.begin(), cell.end(), name), end; it != end; ++it) deps.insert((*it)[1]);
  }
  return rows;
}

TEST(Layering, EveryIncludeUnderSrcFollowsHackingsTable) {
  const fs::path root(MSW_SOURCE_DIR);
  const auto rows = allowed_includes(read_text(root / "HACKING.md"));
  ASSERT_GE(rows.size(), 15u) << "HACKING.md's layering table was not found";
  const std::regex include(R"(^\s*#\s*include\s+"([a-z_]+)/)");
  std::vector<std::string> problems;
  size_t files = 0;
  for (const auto& folder : fs::directory_iterator(root / "src")) {
    if (!folder.is_directory()) continue;
    const std::string layer = folder.path().filename().string();
    const auto row = rows.find(layer);
    if (row == rows.end()) {
      problems.push_back("src/" + layer + "/ has no row in HACKING.md's layering table");
      continue;
    }
    for (const auto& entry : fs::recursive_directory_iterator(folder.path())) {
      const auto ext = entry.path().extension();
      if (!entry.is_regular_file() || (ext != ".h" && ext != ".cpp" && ext != ".def")) continue;
      ++files;
      std::istringstream lines(read_text(entry.path()));
      size_t number = 0;
      for (std::string line; std::getline(lines, line);) {
        ++number;
        std::smatch m;
        if (!std::regex_search(line, m, include)) continue;
        const std::string target = m[1];
        if (target == layer || target == "core" || row->second.count(target)) continue;
        if (!fs::is_directory(root / "src" / target)) continue;  // a library's own folder (nlohmann/, re2/)
        problems.push_back(fs::relative(entry.path(), root).string() + ":" + std::to_string(number) + " includes " +
                           target + "/, which the row of " + layer + "/ does not list");
      }
    }
  }
  EXPECT_GT(files, 100u);
  std::string all;
  for (const auto& p : problems) all += "  " + p + "\n";
  EXPECT_TRUE(problems.empty()) << problems.size() << " includes break the layering rule:\n" << all;
}

// HACKING.md's "How to add a format" has two steps people forget, and a build that forgets them still passes every
// test: a source file that no CMakeLists.txt names is never compiled, and a fuzz target that is not listed never runs
// (nor does one without seeds). Both are caught here.
TEST(Recipes, EverySourceIsBuiltAndEveryFuzzTargetListedWithSeeds) {
  const fs::path root(MSW_SOURCE_DIR);
  std::vector<std::string> problems;
  for (const auto& entry : fs::recursive_directory_iterator(root / "src")) {
    if (!entry.is_regular_file() || entry.path().extension() != ".cpp") continue;
    bool named = false;
    for (fs::path dir = entry.path().parent_path(); !named; dir = dir.parent_path()) {
      if (fs::exists(dir / "CMakeLists.txt"))
        named = read_text(dir / "CMakeLists.txt").find(fs::relative(entry.path(), dir).generic_string()) !=
                std::string::npos;
      if (dir == root / "src") break;
    }
    if (!named) problems.push_back(fs::relative(entry.path(), root).string() + " is in no CMakeLists.txt");
  }
  const std::string fuzz_cmake = read_text(root / "fuzz/CMakeLists.txt");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(fuzz_cmake, m, std::regex(R"(set\(MSW_FUZZ_TARGETS ([a-z_ ]+)\))")));
  std::set<std::string> listed;
  std::istringstream names(m[1].str());
  for (std::string n; names >> n;) listed.insert(n);
  size_t targets = 0;
  for (const auto& entry : fs::directory_iterator(root / "fuzz")) {
    const std::string file = entry.path().filename().string();
    if (!file.ends_with("_fuzzer.cpp")) continue;
    ++targets;
    const std::string name = file.substr(0, file.size() - std::string_view("_fuzzer.cpp").size());
    if (!listed.count(name)) problems.push_back("fuzz/" + file + " is not in MSW_FUZZ_TARGETS");
    const fs::path seeds = root / "fuzz/corpus" / name;
    if (!fs::is_directory(seeds) || fs::is_empty(seeds)) problems.push_back("fuzz/corpus/" + name + "/ has no seeds");
  }
  EXPECT_GE(targets, 20u);
  EXPECT_EQ(targets, listed.size()) << "MSW_FUZZ_TARGETS names a target without its _fuzzer.cpp";
  std::string all;
  for (const auto& p : problems) all += "  " + p + "\n";
  EXPECT_TRUE(problems.empty()) << all;
}

// The check itself: a table row is read with every folder it names, and an include outside it would be reported.
TEST(Layering, TheTableIsReadAsWritten) {
  const auto rows = allowed_includes(
      "| folder | is | may depend on |\n|---|---|---|\n| `cli/` | commands; no analysis | `pipeline`, `report` |\n"
      "| `core/` | basics | nothing of ours |\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows.at("cli"), (std::set<std::string>{"pipeline", "report"}));
  EXPECT_TRUE(rows.at("core").empty());
}

}  // namespace
}  // namespace msw
