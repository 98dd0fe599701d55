// When matched indicators name a family: the one rule the IOC engine (a host's events) and sample analysis (one
// file and its members) both apply. Droppers, pools, addresses and common file names are shared between families,
// so they add up but never decide on their own.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "intel/indicator.h"

namespace msw::intel {

// How much one matched indicator of a type says about who is behind it: a hash or a wallet is one actor (5), a URL
// 4, a domain or a task, service, WMI or mutex name 3, an address 2 (re-used, sinkholed, shared), a file name 1
// ("d.sh" is everybody's).
int attribution_weight(IndicatorType t);

// What one family's matches add up to.
class FamilyEvidence {
 public:
  // One matched indicator; the same value found again (in a script's command, its URL list and its strings) counts
  // once.
  void add(IndicatorType t, std::string_view value);
  // Evidence that needs no other: a YARA rule written for the family, a hash the family is known by.
  void add_decisive(int weight);
  void merge(const FamilyEvidence& other);
  // At least 6 from at least two kinds of indicator, not all of them network indicators; or anything decisive.
  bool attributes() const;
  int score() const { return score_; }
  size_t kinds() const { return kinds_.size(); }

 private:
  int score_ = 0;
  std::set<IndicatorType> kinds_;
  std::set<std::pair<IndicatorType, std::string>, std::less<>> seen_;
  bool network_only_ = true;
  bool decisive_ = false;
};

}  // namespace msw::intel
