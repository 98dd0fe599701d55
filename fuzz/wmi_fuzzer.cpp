#include <cstddef>
#include <cstdint>

#include "formats/wmi/wmi_repository.h"

// An OBJECTS.DATA from a triage collection: page descriptors, class-digest search and string carving.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  msw::Diagnostics diags;
  (void)msw::formats::wmi::read_subscriptions(msw::Bytes(reinterpret_cast<const std::byte*>(data), size), "fuzz.data", diags);
  return 0;
}
