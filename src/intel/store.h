// The intel store: one SQLite file of indicators the team imported (feeds, vendor lists, what earlier cases found),
// by default $XDG_DATA_HOME/minesweep/intel.sqlite (~/.local/share/minesweep/intel.sqlite), or --intel PATH.
// (type, value, source) is unique, so importing the same feed twice changes nothing.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "intel/indicator.h"

namespace msw::intel {

std::string default_store_path();

struct StoreStats {
  uint64_t total = 0;
  std::vector<std::pair<std::string, uint64_t>> by_type, by_family, by_source;
};

class Store {
 public:
  // Creates the file (and its folder) when `create`; otherwise errors intel.no_store when it does not exist.
  static Result<Store> open(const std::string& path, bool create);
  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  ~Store();

  // Inserts or refreshes (same type, value and source): returns how many rows were new.
  Result<uint64_t> upsert(std::span<const Indicator> indicators);
  // Every indicator, for the matcher. Expired indicators (expiry before today) are left out.
  Result<std::vector<Indicator>> all(const std::string& today_iso) const;
  Result<StoreStats> stats() const;
  const std::string& path() const;

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// What a run matches against: the indicators of the store at `path`, or — when `path` is empty — of the user's
// default store if there is one (none otherwise). Expired indicators are left out. Errors as Store::open.
Result<std::vector<Indicator>> run_indicators(const std::string& path);

}  // namespace msw::intel
