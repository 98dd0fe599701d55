#include <cstddef>
#include <cstdint>

#include "formats/wmi/wmi_repository.h"
#include "normalize/windows_wmi.h"

// An OBJECTS.DATA from a triage collection (page descriptors, class-digest search and string carving), and the same
// bytes as the Windows collector's tables/wmi_subscriptions.jsonl (a bundle is evidence too).
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const msw::Bytes bytes(reinterpret_cast<const std::byte*>(data), size);
  msw::Diagnostics diags;
  (void)msw::formats::wmi::read_subscriptions(bytes, "fuzz.data", diags);
  std::vector<msw::model::Event> out;
  msw::normalize::wmi_table_events(bytes, "wmi_subscriptions.jsonl", diags, out);
  return 0;
}
