// Text decoding for evidence: everything becomes UTF-8 inside minesweep.
// Windows stores UTF-16LE; Chinese Windows scripts, batch files and logs are often GBK (read as GB18030, its
// superset). Invalid sequences become U+FFFD and are counted, never dropped silently, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/byte_reader.h"

namespace msw {

enum class TextEncoding { Utf8, Utf8Bom, Utf16Le, Utf16Be, Gb18030, Latin1 };
std::string_view to_string(TextEncoding e);

struct DecodedText {
  std::string utf8;
  TextEncoding encoding = TextEncoding::Utf8;
  size_t replaced = 0;  // invalid sequences replaced with U+FFFD
};

// UTF-16 (unpaired surrogates become U+FFFD); an odd trailing byte is replaced too.
DecodedText utf16le_to_utf8(Bytes data);
DecodedText utf16be_to_utf8(Bytes data);
// Appends UTF-16LE as UTF-8 to `out`; returns the number of replaced code units. ASCII takes a fast path.
size_t append_utf16le_as_utf8(std::string& out, Bytes data);
// GBK / GB2312 / GB18030 through glibc iconv.
DecodedText gb18030_to_utf8(Bytes data);
// Strict UTF-8 validation (no overlongs, no surrogates, max U+10FFFF).
bool is_valid_utf8(std::string_view s);
// Length of the valid (strict) UTF-8 sequence starting at s[i], or 0 when it is invalid.
size_t utf8_sequence_length(std::string_view s, size_t i);
// Replaces invalid UTF-8 sequences with U+FFFD.
DecodedText sanitize_utf8(Bytes data);

// Picks the encoding from a BOM, then UTF-8 validity, then a NUL pattern that shows UTF-16 without a BOM, then
// GB18030 when it decodes cleanly, and Latin-1 as the last resort (it cannot fail).
DecodedText decode_text(Bytes data);

// Standard base64 (RFC 4648 alphabet; trailing '=' optional). nullopt when a character is outside the alphabet.
bool is_base64_char(char c);  // A-Z a-z 0-9 + / (not the '=' padding)
std::optional<std::string> decode_base64(std::string_view s);

// Numbers as analysts read them in reports: "0x1f400", "7.93".
std::string hex_string(uint64_t v);
std::string fixed2(double v);

// Appends the UTF-8 encoding of a code point (invalid ones become U+FFFD).
void append_utf8(std::string& out, char32_t cp);

std::string to_lower_ascii(std::string_view s);
// printf's formatting into a string (tables whose columns are printf widths).
[[gnu::format(printf, 1, 2)]] std::string printf_string(const char* format, ...);
bool iequals_ascii(std::string_view a, std::string_view b);
bool iends_with_ascii(std::string_view s, std::string_view suffix);
std::string_view trim(std::string_view s);
// A whole unsigned decimal number ("42"); nullopt for anything else (empty, signs, spaces, overflow).
std::optional<uint64_t> parse_u64(std::string_view s);
// Words separated by spaces, tabs or carriage returns (views into `s`).
std::vector<std::string_view> split_words(std::string_view s);

// Calls fn(line, line_number) for every line of `text` (numbers from 1; a "\r\n" ending loses its '\r'; no
// trimming, blank lines included) — the one line splitter for line-oriented files.
template <typename Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  uint64_t number = 0;
  for (size_t pos = 0; pos < text.size();) {
    const size_t eol = text.find('\n', pos);
    std::string_view line = text.substr(pos, (eol == std::string_view::npos ? text.size() : eol) - pos);
    pos = eol == std::string_view::npos ? text.size() : eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    fn(line, ++number);
  }
}

// True when JSON text nests objects and arrays at most `max_depth` deep (checked on the raw text, strings skipped):
// tree parsers recurse, so attacker-made JSON is measured before it is parsed.
bool json_nesting_within(std::string_view text, int max_depth);

// Undoes defanging anywhere in a text, as reports and droppers write it: hxxp(s):// → http(s)://, [.] (.) {.} [dot]
// (dot) \. → ., [:] → :, [://] → ://, [@] [at] → @.
std::string refang_text(std::string_view s);

}  // namespace msw
