#include <cstddef>
#include <cstdint>

#include "formats/archive/archive.h"

// Archives and self-extractors as `sample` reads them: libarchive over the bytes (every format, and as a single
// compressed stream), the zip/RAR comment walkers, the WinRAR SFX script parser and the signature search. Limits are
// small so a fuzzer's bombs stay cheap. Seeds are from fuzz/make_archive_seeds.py.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const msw::Bytes bytes(reinterpret_cast<const std::byte*>(data), size);
  msw::formats::archive::Limits limits;
  limits.max_members = 64;
  limits.max_member_bytes = 1 << 20;
  limits.max_total_bytes = 4 << 20;
  (void)msw::formats::archive::read(bytes, limits, false);
  (void)msw::formats::archive::read(bytes, limits, true);
  std::string note;
  const std::string comment = msw::formats::archive::comment(bytes, &note);
  (void)msw::formats::archive::parse_sfx_script(comment);
  (void)msw::formats::archive::parse_sfx_script(msw::as_chars(bytes));
  for (const auto& e : msw::formats::archive::find_embedded(bytes, 0, 8))
    (void)msw::formats::archive::comment(bytes.subspan(static_cast<size_t>(e.offset)));
  return 0;
}
