#include <cstddef>
#include <cstdint>

#include "intel/import.h"
#include "intel/matcher.h"

// Feed import in every format (the first byte picks the file name, and so the format) and the matcher built from
// what was imported, scanning the same bytes as free text.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static constexpr const char* kNames[] = {"feed.csv", "bundle.json", "event.json", "hash-iocs.txt",
                                           "filename-iocs.txt", "c2.txt", "mutexes.txt", "samples.sha256"};
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  msw::intel::ImportResult r;
  msw::intel::import_text(kNames[data[0] % 8], text, "fuzz", r);
  msw::intel::Matcher m(std::move(r.indicators));
  std::vector<msw::intel::Match> out;
  m.scan_text(text, out);
  (void)m.lookup(text.substr(0, 256));
  return 0;
}
