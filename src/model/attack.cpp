#include "model/attack.h"

#include <algorithm>
#include <array>
#include <iterator>

namespace msw::model {
namespace {

struct Entry {
  std::string_view technique;  // base technique id
  std::array<std::string_view, 4> tactics;
};

// Sorted by technique id.
constexpr Entry kTechniques[] = {
    {"T1014", {"defense-evasion"}},
    {"T1021", {"lateral-movement"}},
    {"T1027", {"defense-evasion"}},
    {"T1037", {"persistence", "privilege-escalation"}},
    {"T1046", {"discovery"}},
    {"T1047", {"execution"}},
    {"T1053", {"execution", "persistence", "privilege-escalation"}},
    {"T1059", {"execution"}},
    {"T1069", {"discovery"}},
    {"T1070", {"defense-evasion"}},
    {"T1078", {"defense-evasion", "persistence", "privilege-escalation", "initial-access"}},
    {"T1087", {"discovery"}},
    {"T1090", {"command-and-control"}},
    {"T1098", {"persistence", "privilege-escalation"}},
    {"T1105", {"command-and-control"}},
    {"T1110", {"credential-access"}},
    {"T1112", {"defense-evasion"}},
    {"T1136", {"persistence"}},
    {"T1190", {"initial-access"}},
    {"T1197", {"defense-evasion", "persistence"}},
    {"T1204", {"execution"}},
    {"T1210", {"lateral-movement"}},
    {"T1218", {"defense-evasion"}},
    {"T1222", {"defense-evasion"}},
    {"T1489", {"impact"}},
    {"T1496", {"impact"}},
    {"T1542", {"defense-evasion", "persistence"}},
    {"T1543", {"persistence", "privilege-escalation"}},
    {"T1546", {"privilege-escalation", "persistence"}},
    {"T1547", {"persistence", "privilege-escalation"}},
    {"T1548", {"privilege-escalation", "defense-evasion"}},
    {"T1562", {"defense-evasion"}},
    {"T1564", {"defense-evasion"}},
    {"T1565", {"impact"}},
    {"T1569", {"execution"}},
    {"T1570", {"lateral-movement"}},
    {"T1571", {"command-and-control"}},
    {"T1574", {"persistence", "privilege-escalation", "defense-evasion"}},
    {"T1620", {"defense-evasion"}},
};
static_assert(std::is_sorted(std::begin(kTechniques), std::end(kTechniques),
                             [](const Entry& a, const Entry& b) { return a.technique < b.technique; }));

}  // namespace

std::span<const std::string_view> attack_tactics(std::string_view technique) {
  const std::string_view base = technique.substr(0, technique.find('.'));
  const auto it = std::lower_bound(std::begin(kTechniques), std::end(kTechniques), base,
                                   [](const Entry& e, std::string_view t) { return e.technique < t; });
  if (it == std::end(kTechniques) || it->technique != base) return {};
  size_t n = 0;
  while (n < it->tactics.size() && !it->tactics[n].empty()) ++n;
  return {it->tactics.data(), n};
}

}  // namespace msw::model
