#include <cstddef>
#include <cstdint>

#include "data/tlds.h"
#include "formats/strings/strings.h"

// Any file's bytes as `sample` reads them: printable runs in ASCII and UTF-16LE, then the indicators in them (URLs,
// domains, addresses, wallets with their checksums, base64 decoded one level deep).
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto x = msw::formats::strings::extract(msw::Bytes(reinterpret_cast<const std::byte*>(data), size), 4);
  (void)msw::formats::strings::find_iocs(x.strings, msw::data::known_tld);
  return 0;
}
