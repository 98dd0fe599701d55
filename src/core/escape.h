// Escaping for every place evidence strings leave minesweep. Strings from evidence are attacker-controlled: a hosts
// file comment can hold <script>, a task name can start with "=HYPERLINK(", a process name can hold terminal escape
// sequences or a right-to-left override that disguises "exe.txt" as "txt.exe".
#pragma once

#include <string>
#include <string_view>

namespace msw {

// For HTML text and double- or single-quoted attribute values.
std::string escape_html(std::string_view s);
// One CSV field (RFC 4180 quoting). Cells that a spreadsheet would evaluate (leading = + - @ tab CR) are
// prefixed with a single quote, as OWASP recommends for CSV injection.
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
// For Markdown text: backslash-escapes the characters that start markup, and HTML-escapes < > & (Markdown
// renderers pass raw HTML through).
std::string escape_markdown(std::string_view s);

}  // namespace msw
