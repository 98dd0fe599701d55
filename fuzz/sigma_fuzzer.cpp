#include <cstddef>
#include <cstdint>

#include "detect/sigma/correlation.h"
#include "detect/sigma/sigma.h"

// Sigma rule text (rule packs are shared and can be hostile): loading and compiling, one evaluation of every rule
// that loaded against a few events (directly and through the index), and the correlations over them.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace sigma = msw::detect::sigma;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  msw::Diagnostics diags;
  auto rules = sigma::load_rules(text, "fuzz.yml", diags);
  std::vector<msw::model::Event> events(3);
  for (size_t i = 0; i < events.size(); ++i) {
    auto& ev = events[i];
    ev.product = "windows";
    ev.service = i == 0 ? "microsoft-windows-sysmon/operational" : "security";
    ev.time = msw::Timestamp{static_cast<int64_t>(i) * 1'000'000'000};
    ev.set(msw::model::Field::EventID, i == 0 ? "1" : i == 1 ? "4625" : "4624");
    ev.set(msw::model::Field::CommandLine, "powershell -enc SQBFAFgA http://x/a stratum+tcp://p:3333");
    ev.set(msw::model::Field::DestinationIp, "10.1.2.3");
    ev.set(msw::model::Field::IpAddress, "10.9.8.7");
    ev.set(msw::model::Field::TargetUserName, "administrator");
  }
  std::vector<const sigma::Rule*> all;
  for (const auto& r : rules) all.push_back(&r);
  const sigma::RuleIndex index(all);
  std::vector<const sigma::Rule*> matched;
  for (const auto& ev : events) {
    for (const auto& r : rules) (void)sigma::rule_matches(r, ev);
    index.match(ev, matched);
  }
  if (auto engine = sigma::make_correlation_engine(rules, diags)) {
    msw::detect::ArtefactView view{"fuzz.evtx", "", "evtx", "windows", "", events};
    for (const auto& ev : events) engine->observe(view, ev);
    std::vector<msw::model::Finding> out;
    engine->finish(out);
  }
  return 0;
}
