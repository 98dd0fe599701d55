#include <cstddef>
#include <cstdint>

#include "core/escape.h"
#include "core/text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  msw::Bytes bytes(reinterpret_cast<const std::byte*>(data), size);
  msw::DecodedText t = msw::decode_text(bytes);
  // Decoding always yields valid UTF-8, and every escaper accepts any string.
  if (!msw::is_valid_utf8(t.utf8)) __builtin_trap();
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  std::string html = msw::escape_html(raw);
  if (html.find('<') != std::string::npos) __builtin_trap();
  (void)msw::escape_csv(raw);
  std::string term = msw::escape_terminal(raw);
  if (term.find('\x1b') != std::string::npos) __builtin_trap();
  (void)msw::escape_markdown(raw);
  (void)msw::gb18030_to_utf8(bytes);
  (void)msw::utf16le_to_utf8(bytes);
  return 0;
}
