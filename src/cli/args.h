// Command-line parsing for subcommands: `--flag value`, `--flag=value`, boolean `--flag`, positionals, and `--` to
// end flags. Unknown flags are usage errors, so a typo never silently changes what runs.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace msw::cli {

struct FlagSpec {
  std::string_view name;  // "--case"
  bool takes_value;
  std::string_view help;
};

class Args {
 public:
  // Errors: cli.usage with the offending argument.
  static Result<Args> parse(std::span<const std::string> argv, std::span<const FlagSpec> specs);

  std::optional<std::string> value(std::string_view flag) const;
  bool has(std::string_view flag) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string, std::less<>> values_;
  std::vector<std::string> positional_;
};

}  // namespace msw::cli
