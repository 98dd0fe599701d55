#include "core/escape.h"

#include <array>
#include <bit>
#include <cstdio>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/text.h"

namespace msw {

namespace {
// HTML and XML differ only in what they can carry: XML 1.0 has no way to write most C0 controls at all.
std::string escape_markup(std::string_view s, bool xml) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (xml && u < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      out += "\xEF\xBF\xBD";
      continue;
    }
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += xml ? "&apos;" : "&#39;"; break;
      case '\0': out += "&#xFFFD;"; break;
      default: out += c;
    }
  }
  return out;
}
}  // namespace

std::string escape_html(std::string_view s) { return escape_markup(s, false); }
std::string escape_xml(std::string_view s) { return escape_markup(s, true); }

std::string escape_csv(std::string_view s) {
  std::string body;
  body.reserve(s.size() + 2);
  if (!s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r'))
    body += '\'';
  bool needs_quotes = !body.empty();
  for (char c : s) {
    if (c == '"') {
      body += "\"\"";
      needs_quotes = true;
    } else {
      if (c == ',' || c == '\n' || c == '\r' || c == ';') needs_quotes = true;
      body += c;
    }
  }
  return needs_quotes ? "\"" + body + "\"" : body;
}

std::string escape_terminal(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  char buf[16];
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F) {
      if (c == '\t') {
        out += "\\t";
      } else if (c == '\n') {
        out += "\\n";
      } else {
        std::snprintf(buf, sizeof buf, "\\x%02x", c);
        out += buf;
      }
      ++i;
      continue;
    }
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    // Decode one UTF-8 sequence; anything malformed is shown byte by byte.
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    bool ok = len != 0 && len <= s.size() - i;
    char32_t cp = ok ? (c & (0x7F >> len)) : 0;
    for (size_t k = 1; ok && k < len; ++k) {
      auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (!ok) {
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
      ++i;
      continue;
    }
    bool hidden = (cp >= 0x80 && cp < 0xA0) || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
                  (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
    if (hidden) {
      std::snprintf(buf, sizeof buf, "\\u{%04x}", static_cast<unsigned>(cp));
      out += buf;
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  return out;
}

namespace {
// Bytes JSON takes as they are: printable ASCII but '"' and '\\'. Everything else takes the slow path.
constexpr auto kJsonPlain = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) t[static_cast<size_t>(c)] = c != '"' && c != '\\';
  return t;
}();

// Length of the run at the start of s that JSON takes as it is: printable ASCII other than '"' and '\\'.
size_t json_plain_run(std::string_view s) {
  size_t j = 0;
#if defined(__SSE2__)
  // Sixteen bytes at a time: a byte is special when it is below 0x20, non-ASCII (negative as signed), '"' or '\\'.
  const __m128i space = _mm_set1_epi8(0x20), quotes = _mm_set1_epi8('"'), backslashes = _mm_set1_epi8('\\');
  while (j + 16 <= s.size()) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + j));
    const __m128i special = _mm_or_si128(_mm_cmplt_epi8(v, space),
                                         _mm_or_si128(_mm_cmpeq_epi8(v, quotes), _mm_cmpeq_epi8(v, backslashes)));
    if (const int mask = _mm_movemask_epi8(special); mask != 0)
      return j + static_cast<size_t>(std::countr_zero(static_cast<unsigned>(mask)));
    j += 16;
  }
#endif
  // Eight bytes at a time: a word passes when none of its bytes is a control character, non-ASCII, '"' or '\\'.
  while (j + 8 <= s.size()) {
    uint64_t v;
    std::memcpy(&v, s.data() + j, 8);
    constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
    const uint64_t quote = v ^ (kOnes * '"'), backslash = v ^ (kOnes * '\\');
    const uint64_t special = ((v - kOnes * 0x20) | (quote - kOnes) | (backslash - kOnes) | v) & kHigh;
    // (x - ones) & high marks bytes that were below 0x20 (or zero after the xor) — exact for ASCII bytes; `| v`
    // marks non-ASCII ones, which the byte loop below handles anyway.
    if (special != 0) break;
    j += 8;
  }
  while (j < s.size() && kJsonPlain[static_cast<unsigned char>(s[j])]) ++j;
  return j;
}

}  // namespace

void append_json_escaped(std::string& out, std::string_view s) {
  char buf[8];
  for (size_t i = 0; i < s.size();) {
    // Copy the run of characters that need no escaping in one append.
    const size_t j = i + json_plain_run(s.substr(i));
    if (j > i) {
      out.append(s.data() + i, j - i);
      i = j;
      if (i == s.size()) break;
    }
    auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        ++i;
        continue;
      case '\\':
        out += "\\\\";
        ++i;
        continue;
      case '\n':
        out += "\\n";
        ++i;
        continue;
      case '\r':
        out += "\\r";
        ++i;
        continue;
      case '\t':
        out += "\\t";
        ++i;
        continue;
      default:
        break;
    }
    if (c < 0x20) {
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
      ++i;
      continue;
    }
    // Copy a valid UTF-8 sequence through; replace anything malformed.
    size_t len = utf8_sequence_length(s, i);
    if (len != 0) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
}

std::string escape_json(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  append_json_escaped(out, s);
  return out;
}

std::string escape_markdown(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '\\': case '`': case '*': case '_': case '[': case ']': case '|': case '#': case '!':
        out += '\\';
        out += c;
        break;
      case '\n': out += ' '; break;
      case '\r': break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace msw
