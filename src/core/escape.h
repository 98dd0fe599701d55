// Escaping for every place evidence strings leave minesweep. Strings from evidence are attacker-controlled: a hosts
// file comment can hold <script>, a task name can start with "=HYPERLINK(", a process name can hold terminal escape
// sequences or a right-to-left override that disguises "exe.txt" as "txt.exe".
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace msw {

// Characters that change how the text around them is shown without showing themselves: C1 controls, zero-width
// marks, bidirectional embeddings, overrides and isolates, the byte-order mark. At s[i]: the code point and, in
// `len`, its UTF-8 length; 0 when s[i] starts anything else. Every escaper below turns these into something visible
// (or, for JSON and shell literals, into an escape that keeps the exact value).
char32_t invisible_at(std::string_view s, size_t i, size_t& len);

// For HTML text and double- or single-quoted attribute values. Control characters (but tab and line breaks) and
// invisible characters are written as visible \xNN and \u{NNNN}.
std::string escape_html(std::string_view s);
// One CSV field (RFC 4180 quoting). Cells that a spreadsheet would evaluate (leading = + - @ tab CR) are
// prefixed with a single quote, as OWASP recommends for CSV injection. Control and invisible characters are written
// as visible \xNN and \u{NNNN}, so `cat`ing the file cannot drive the terminal.
std::string escape_csv(std::string_view s);
// For a terminal: C0/C1 controls, DEL, invalid UTF-8 and bidirectional overrides become visible \xNN / \u{NNNN}.
std::string escape_terminal(std::string_view s);
// For XML 1.0 text and attributes: as escape_html, and characters XML 1.0 cannot carry at all (C0 controls other
// than tab, LF and CR) become U+FFFD, so the document stays well-formed. JSON output keeps them exactly.
std::string escape_xml(std::string_view s);
// The inside of a JSON string (RFC 8259): quotes, backslashes and control characters escaped; invalid UTF-8
// bytes become U+FFFD so the output always parses.
std::string escape_json(std::string_view s);
void append_json_escaped(std::string& out, std::string_view s);
// The same escaping written at dst, which must have room for json_escaped_bound(s.size()) bytes; returns the end.
// For writers that build a line in their own buffer (evtx dump writes millions of short fields).
constexpr size_t json_escaped_bound(size_t n) { return 6 * n + 16; }
char* write_json_escaped(char* dst, std::string_view s);

namespace detail {
// Copies s to dst as two overlapping words when it is 4 to 16 bytes long and none of its bytes needs escaping;
// returns the end, or nullptr when it is not such a string. A word passes when none of its bytes is below 0x20,
// non-ASCII, '"' or '\\': (x - ones) & high marks lanes below 0x20 (or zero after the xor), and a borrow only
// starts at such a lane, so no word holding one passes.
inline char* copy_short_plain_json(char* dst, std::string_view s) {
  auto plain = [](uint64_t v) {
    constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
    const uint64_t quote = v ^ (kOnes * '"'), backslash = v ^ (kOnes * '\\');
    return (((v - kOnes * 0x20) | (quote - kOnes) | (backslash - kOnes) | v) & kHigh) == 0;
  };
  const size_t n = s.size();
  if (n >= 8 && n <= 16) {
    uint64_t first, last;
    std::memcpy(&first, s.data(), 8);
    std::memcpy(&last, s.data() + n - 8, 8);
    if (!plain(first) || !plain(last)) return nullptr;
    std::memcpy(dst, &first, 8);
    std::memcpy(dst + n - 8, &last, 8);
    return dst + n;
  }
  if (n >= 4 && n < 8) {
    uint32_t first, last;
    std::memcpy(&first, s.data(), 4);
    std::memcpy(&last, s.data() + n - 4, 4);
    if (!plain(first | static_cast<uint64_t>(last) << 32)) return nullptr;
    std::memcpy(dst, &first, 4);
    std::memcpy(dst + n - 4, &last, 4);
    return dst + n;
  }
  return nullptr;
}
}  // namespace detail

// write_json_escaped with its most common case (a short field with nothing to escape) inlined at the call site.
inline char* write_json_escaped_inline(char* dst, std::string_view s) {
  if (char* end = detail::copy_short_plain_json(dst, s)) return end;
  return write_json_escaped(dst, s);
}
// For Markdown text: backslash-escapes the characters that start markup, and HTML-escapes < > & (Markdown
// renderers pass raw HTML through); line breaks become spaces, control and invisible characters visible escapes.
std::string escape_markdown(std::string_view s);

// JSON text from a serialiser (already valid JSON) with the invisible characters inside its strings written as
// \uNNNN escapes: the same value for a parser, nothing hidden for a person reading it in a terminal.
void escape_invisible_in_json(std::string& json_text);
// nlohmann::json (or any type with the same dump()) as text for output: invalid UTF-8 replaced, invisible
// characters escaped. A template so core does not depend on the JSON library.
template <typename Json>
std::string json_for_output(const Json& j, int indent = -1) {
  std::string text = j.dump(indent, ' ', false, Json::error_handler_t::replace);
  escape_invisible_in_json(text);
  return text;
}

}  // namespace msw
