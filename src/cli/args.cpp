#include "cli/args.h"

namespace msw::cli {

Result<Args> Args::parse(std::span<const std::string> argv, std::span<const FlagSpec> specs) {
  Args out;
  bool flags_done = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (flags_done || a.size() < 2 || a[0] != '-' || a == "-") {
      out.positional_.push_back(a);
      continue;
    }
    if (a == "--") {
      flags_done = true;
      continue;
    }
    std::string name = a, value;
    bool inline_value = false;
    if (auto eq = a.find('='); eq != std::string::npos && a.starts_with("--")) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
      inline_value = true;
    }
    if (name == "-h") name = "--help";
    const FlagSpec* spec = nullptr;
    for (const auto& s : specs)
      if (s.name == name) spec = &s;
    if (!spec) return Error::make("cli.usage", "unknown option " + name + " (see --help)");
    if (spec->takes_value) {
      if (!inline_value) {
        if (i + 1 >= argv.size()) return Error::make("cli.usage", name + " needs a value");
        value = argv[++i];
      }
    } else if (inline_value) {
      return Error::make("cli.usage", name + " takes no value");
    }
    out.values_[name] = value;
  }
  return out;
}

std::optional<std::string> Args::value(std::string_view flag) const {
  auto it = values_.find(flag);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

bool Args::has(std::string_view flag) const { return values_.find(flag) != values_.end(); }

}  // namespace msw::cli
