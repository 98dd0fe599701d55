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

char32_t invisible_at(std::string_view s, size_t i, size_t& len) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0xC2 || c > 0xEF) return 0;
  len = utf8_sequence_length(s, i);
  if (len == 0) return 0;
  char32_t cp = c & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  const bool hidden = (cp >= 0x80 && cp < 0xA0) || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
                      (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
  return hidden ? cp : 0;
}

namespace {

// A control byte (not tab, CR or LF) or an invisible character at s[i], written visibly into `out` (its backslash
// doubled for Markdown, where a single one escapes what follows); returns the bytes consumed, 0 when s[i] is neither.
size_t append_visible_escape(std::string_view s, size_t i, std::string& out, bool markdown = false) {
  const auto c = static_cast<unsigned char>(s[i]);
  char buf[16];
  const char* backslash = markdown ? "\\\\" : "\\";
  if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
    std::snprintf(buf, sizeof buf, "%sx%02x", backslash, c);
    out += buf;
    return 1;
  }
  size_t len = 0;
  if (const char32_t cp = invisible_at(s, i, len)) {
    std::snprintf(buf, sizeof buf, "%su{%04x}", backslash, static_cast<unsigned>(cp));
    out += buf;
    return len;
  }
  return 0;
}

// HTML and XML differ only in what they can carry: XML 1.0 has no way to write most C0 controls at all.
std::string escape_markup(std::string_view s, bool xml) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    auto u = static_cast<unsigned char>(c);
    if (xml && u < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      out += "\xEF\xBF\xBD";
      continue;
    }
    if (!xml && c != '\0')
      if (const size_t used = append_visible_escape(s, i, out)) {
        i += used - 1;
        continue;
      }
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += xml ? "&apos;" : "&#39;";
        break;
      case '\0':
        out += "&#xFFFD;";
        break;
      default:
        out += c;
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
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (const size_t used = append_visible_escape(s, i, body)) {
      i += used - 1;
      continue;
    }
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
}  // namespace

char* write_json_escaped(char* dst, std::string_view s) {
  const char* p = s.data();
  const char* const end = p + s.size();
  while (p < end) {
#if defined(__SSE2__)
    // Sixteen bytes at a time, stored whole (dst has room): a byte is special when it is below 0x20, non-ASCII
    // (negative as signed), '"' or '\\'; the bytes before the first special one are kept.
    const __m128i space = _mm_set1_epi8(0x20), quotes = _mm_set1_epi8('"'), backslashes = _mm_set1_epi8('\\');
    auto special = [&](__m128i v) {
      return _mm_movemask_epi8(_mm_or_si128(_mm_cmplt_epi8(v, space),
                                            _mm_or_si128(_mm_cmpeq_epi8(v, quotes), _mm_cmpeq_epi8(v, backslashes))));
    };
    for (;;) {
      const auto left = static_cast<size_t>(end - p);
      if (left >= 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), v);
        if (const int mask = special(v); mask != 0) {
          const int plain = std::countr_zero(static_cast<unsigned>(mask));
          p += plain;
          dst += plain;
          break;
        }
        p += 16;
        dst += 16;
        continue;
      }
      // A tail shorter than sixteen bytes (most fields are).
      if (char* done = detail::copy_short_plain_json(dst, std::string_view(p, left))) return done;
      while (p < end && kJsonPlain[static_cast<unsigned char>(*p)]) *dst++ = *p++;
      if (p == end) return dst;
      break;
    }
#else
    while (p < end && kJsonPlain[static_cast<unsigned char>(*p)]) *dst++ = *p++;
    if (p == end) break;
#endif
    const auto c = static_cast<unsigned char>(*p);
    const char* escape = nullptr;
    switch (c) {
      case '"':
        escape = "\\\"";
        break;
      case '\\':
        escape = "\\\\";
        break;
      case '\n':
        escape = "\\n";
        break;
      case '\r':
        escape = "\\r";
        break;
      case '\t':
        escape = "\\t";
        break;
      default:
        break;
    }
    if (escape) {
      *dst++ = escape[0];
      *dst++ = escape[1];
      ++p;
      continue;
    }
    if (c < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      std::memcpy(dst, "\\u00", 4);
      dst[4] = kHex[c >> 4];
      dst[5] = kHex[c & 0xF];
      dst += 6;
      ++p;
      continue;
    }
    // Copy a valid UTF-8 sequence through (an invisible one as its \uNNNN escape); replace anything malformed.
    size_t hidden_len = 0;
    if (const char32_t cp = invisible_at(s, static_cast<size_t>(p - s.data()), hidden_len)) {
      static constexpr char kHex[] = "0123456789abcdef";
      std::memcpy(dst, "\\u", 2);
      for (int k = 0; k < 4; ++k) dst[2 + k] = kHex[(cp >> (12 - 4 * k)) & 0xF];
      dst += 6;
      p += hidden_len;
      continue;
    }
    const size_t len = utf8_sequence_length(s, static_cast<size_t>(p - s.data()));
    if (len != 0) {
      std::memcpy(dst, p, len);
      dst += len;
      p += len;
    } else {
      std::memcpy(dst, "\xEF\xBF\xBD", 3);
      dst += 3;
      ++p;
    }
  }
  return dst;
}

void append_json_escaped(std::string& out, std::string_view s) {
  // Through a stack buffer, a piece at a time; a piece never ends inside a UTF-8 sequence, so each is validated
  // as a whole.
  constexpr size_t kPiece = 512;
  char buf[json_escaped_bound(kPiece)];
  while (!s.empty()) {
    size_t n = std::min(s.size(), kPiece);
    if (n < s.size()) {
      // A sequence that crosses n starts at most three bytes before it: cut at its lead byte. When the three bytes
      // before s[n] are continuation bytes too, no valid sequence crosses n.
      auto continuation = [&](size_t i) { return (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80; };
      size_t back = n;
      while (back > n - 3 && continuation(back)) --back;
      if (!continuation(back)) n = back;
    }
    out.append(buf, static_cast<size_t>(write_json_escaped(buf, s.substr(0, n)) - buf));
    s.remove_prefix(n);
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
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (const size_t used = append_visible_escape(s, i, out, /*markdown=*/true)) {
      i += used - 1;
      continue;
    }
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
      case '|':
      case '#':
      case '!':
        out += '\\';
        out += c;
        break;
      case '\n':
        out += ' ';
        break;
      case '\r':
        break;
      default:
        out += c;
    }
  }
  return out;
}

void escape_invisible_in_json(std::string& text) {
  // Invisible characters all start with a byte from C2 to EF: most texts have none and are left as they are.
  size_t i = 0;
  for (; i < text.size(); ++i) {
    size_t len = 0;
    if (invisible_at(text, i, len)) break;
  }
  if (i == text.size()) return;
  std::string out(text, 0, i);
  char buf[16];
  for (; i < text.size(); ++i) {
    size_t len = 0;
    if (const char32_t cp = invisible_at(text, i, len)) {
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
      out += buf;
      i += len - 1;
    } else {
      out += text[i];
    }
  }
  text = std::move(out);
}

}  // namespace msw
