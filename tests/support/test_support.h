// Helpers shared by tests: temporary folders that clean up, file writing, and running the minesweep binary.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace msw::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(std::string_view rel) const { return path_ / rel; }

 private:
  std::filesystem::path path_;
};

// Writes `bytes` to `path`, creating parent folders.
void write_file(const std::filesystem::path& path, std::string_view bytes);
std::string read_file(const std::filesystem::path& path);

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// Runs a program with arguments (no shell), in `cwd`, capturing stdout and stderr.
// `s` with every `from` replaced by `to` (paths of temporary folders in golden transcripts).
std::string replace_all(std::string s, const std::string& from, const std::string& to);

RunResult run(const std::vector<std::string>& argv, const std::filesystem::path& cwd = {});

// RFC 4180 records separated by CRLF (quoted fields may hold commas, quotes and line breaks).
std::vector<std::vector<std::string>> parse_csv(const std::string& text);

}  // namespace msw::test
