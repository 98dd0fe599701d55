#include <cstddef>
#include <cstdint>

#include "detect/sigma/sigma.h"

// Sigma rule text (rule packs are shared and can be hostile): loading and compiling, then one evaluation of every
// rule that loaded against a small event.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  msw::Diagnostics diags;
  auto rules = msw::detect::sigma::load_rules(text, "fuzz.yml", diags);
  msw::model::Event ev;
  ev.product = "windows";
  ev.service = "microsoft-windows-sysmon/operational";
  ev.set(msw::model::Field::EventID, "1");
  ev.set(msw::model::Field::CommandLine, "powershell -enc SQBFAFgA http://x/a stratum+tcp://p:3333");
  ev.set(msw::model::Field::DestinationIp, "10.1.2.3");
  for (const auto& r : rules) (void)msw::detect::sigma::rule_matches(r, ev);
  return 0;
}
