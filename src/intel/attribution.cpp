#include "intel/attribution.h"

namespace msw::intel {

int attribution_weight(IndicatorType t) {
  using T = IndicatorType;
  switch (t) {
    case T::Md5:
    case T::Sha1:
    case T::Sha256:
    case T::Wallet:
      return 5;
    case T::Url:
      return 4;
    case T::Domain:
    case T::TaskName:
    case T::ServiceName:
    case T::WmiName:
    case T::Mutex:
      return 3;
    case T::Ip:
    case T::Cidr:
      return 2;
    default:
      return 1;
  }
}

void FamilyEvidence::add(IndicatorType t, std::string_view value) {
  using T = IndicatorType;
  if (!seen_.emplace(t, std::string(value)).second) return;
  score_ += attribution_weight(t);
  kinds_.insert(t);
  if (t != T::Ip && t != T::Cidr && t != T::Domain && t != T::Url) network_only_ = false;
  if (t == T::Md5 || t == T::Sha1 || t == T::Sha256 || t == T::Wallet) decisive_ = true;
}

void FamilyEvidence::add_decisive(int weight) {
  score_ += weight;
  decisive_ = true;
  network_only_ = false;
}

void FamilyEvidence::merge(const FamilyEvidence& other) {
  for (const auto& s : other.seen_)
    if (seen_.count(s)) score_ -= attribution_weight(s.first);  // counted on both sides: once
  seen_.insert(other.seen_.begin(), other.seen_.end());
  score_ += other.score_;
  kinds_.insert(other.kinds_.begin(), other.kinds_.end());
  network_only_ = network_only_ && other.network_only_;
  decisive_ = decisive_ || other.decisive_;
}

bool FamilyEvidence::attributes() const {
  if (decisive_) return true;
  return !network_only_ && score_ >= 6 && kinds_.size() >= 2;
}

}  // namespace msw::intel
