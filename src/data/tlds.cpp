#include "data/tlds.h"

#include <string>
#include <unordered_set>

namespace msw::data {

extern const std::string_view kTopLevelDomains;  // "\ncom\nnet\n...\n", generated

namespace {

const std::unordered_set<std::string_view>& tld_set() {
  static const auto* set = [] {
    auto* s = new std::unordered_set<std::string_view>();
    std::string_view t = kTopLevelDomains;
    for (size_t i = 0; i < t.size();) {
      size_t j = t.find('\n', i);
      if (j == std::string_view::npos) j = t.size();
      if (j > i) s->insert(t.substr(i, j - i));
      i = j + 1;
    }
    return s;
  }();
  return *set;
}

}  // namespace

// The list spells internationalised TLDs in Unicode (中国); a binary's strings carry them as punycode, which is
// accepted by its prefix.
bool known_tld(std::string_view tld) { return tld.starts_with("xn--") ? tld.size() > 4 : tld_set().count(tld) > 0; }
size_t known_tld_count() { return tld_set().size(); }

}  // namespace msw::data
