#include "core/text.h"

#include <cerrno>
#include <charconv>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <memory>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace msw {

std::string_view to_string(TextEncoding e) {
  switch (e) {
    case TextEncoding::Utf8:
      return "utf-8";
    case TextEncoding::Utf8Bom:
      return "utf-8-bom";
    case TextEncoding::Utf16Le:
      return "utf-16le";
    case TextEncoding::Utf16Be:
      return "utf-16be";
    case TextEncoding::Gb18030:
      return "gb18030";
    case TextEncoding::Latin1:
      return "latin-1";
  }
  return "unknown";
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

namespace {

DecodedText utf16_to_utf8(Bytes data, bool little_endian, TextEncoding enc) {
  DecodedText out;
  out.encoding = enc;
  out.utf8.reserve(data.size());
  auto unit = [&](size_t i) -> char16_t {
    auto a = static_cast<unsigned>(data[i]), b = static_cast<unsigned>(data[i + 1]);
    return static_cast<char16_t>(little_endian ? (a | (b << 8)) : ((a << 8) | b));
  };
  const size_t n = data.size() / 2;
  for (size_t k = 0; k < n; ++k) {
    char16_t u = unit(2 * k);
    if (u >= 0xD800 && u <= 0xDBFF) {
      if (k + 1 < n) {
        char16_t lo = unit(2 * (k + 1));
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
          append_utf8(out.utf8, 0x10000 + ((char32_t(u) - 0xD800) << 10) + (char32_t(lo) - 0xDC00));
          ++k;
          continue;
        }
      }
      append_utf8(out.utf8, 0xFFFD);
      ++out.replaced;
    } else if (u >= 0xDC00 && u <= 0xDFFF) {
      append_utf8(out.utf8, 0xFFFD);
      ++out.replaced;
    } else {
      append_utf8(out.utf8, u);
    }
  }
  if (data.size() % 2 != 0) {
    append_utf8(out.utf8, 0xFFFD);
    ++out.replaced;
  }
  return out;
}

}  // namespace

size_t utf8_sequence_length(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned c = b(i);
  if (c < 0x80) return 1;
  size_t len;
  char32_t cp;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (len > s.size() - i) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}

namespace {

// Windows text without a BOM that is UTF-16 shows NULs in every other byte for ASCII content.
bool looks_like_utf16le(Bytes data) {
  size_t n = std::min<size_t>(data.size() & ~size_t{1}, 512);
  if (n < 4) return false;
  size_t odd_nuls = 0, even_nuls = 0;
  for (size_t i = 0; i < n; i += 2) {
    even_nuls += data[i] == std::byte{0};
    odd_nuls += data[i + 1] == std::byte{0};
  }
  return odd_nuls * 10 >= (n / 2) * 6 && even_nuls * 10 < (n / 2);
}

}  // namespace

DecodedText utf16le_to_utf8(Bytes data) { return utf16_to_utf8(data, true, TextEncoding::Utf16Le); }

size_t append_utf16le_as_utf8(std::string& out, Bytes data) {
  const size_t n = data.size() / 2;
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  // Event logs are overwhelmingly ASCII: narrow the leading run of ASCII code units straight into `out` without
  // decoding (eight units at a time with SSE2, four with a 64-bit word), then decode whatever follows.
  const size_t old_size = out.size();
  out.resize(old_size + n);
  char* dst = out.data() + old_size;
  size_t k = 0;
#if defined(__SSE2__)
  const __m128i high = _mm_set1_epi16(static_cast<short>(0xFF80)), zero = _mm_setzero_si128();
  while (k + 8 <= n) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 2 * k));
    if (_mm_movemask_epi8(_mm_cmpeq_epi16(_mm_and_si128(v, high), zero)) != 0xFFFF) break;
    _mm_storel_epi64(reinterpret_cast<__m128i*>(dst + k), _mm_packus_epi16(v, v));
    k += 8;
  }
#endif
  while (k + 4 <= n) {
    uint64_t v;
    std::memcpy(&v, p + 2 * k, 8);
    if (v & 0xFF80FF80FF80FF80ull) break;
    for (size_t i = 0; i < 4; ++i) dst[k + i] = static_cast<char>(p[2 * (k + i)]);
    k += 4;
  }
  while (k < n && p[2 * k + 1] == 0 && p[2 * k] < 0x80) {
    dst[k] = static_cast<char>(p[2 * k]);
    ++k;
  }
  out.resize(old_size + k);
  if (k == n && data.size() % 2 == 0) return 0;
  DecodedText rest = utf16_to_utf8(data.subspan(2 * k), true, TextEncoding::Utf16Le);
  out += rest.utf8;
  return rest.replaced;
}
DecodedText utf16be_to_utf8(Bytes data) { return utf16_to_utf8(data, false, TextEncoding::Utf16Be); }

bool is_valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t len = utf8_sequence_length(s, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

DecodedText sanitize_utf8(Bytes data) {
  std::string_view s = as_chars(data);
  DecodedText out;
  out.utf8.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t len = utf8_sequence_length(s, i);
    if (len == 0) {
      append_utf8(out.utf8, 0xFFFD);
      ++out.replaced;
      ++i;
    } else {
      out.utf8.append(s.substr(i, len));
      i += len;
    }
  }
  return out;
}

DecodedText decode_text(Bytes data) {
  auto starts = [&](std::initializer_list<unsigned char> bom) {
    if (data.size() < bom.size()) return false;
    size_t i = 0;
    for (unsigned char b : bom)
      if (static_cast<unsigned char>(data[i++]) != b) return false;
    return true;
  };
  if (starts({0xEF, 0xBB, 0xBF})) {
    DecodedText t = sanitize_utf8(data.subspan(3));
    t.encoding = TextEncoding::Utf8Bom;
    return t;
  }
  if (starts({0xFF, 0xFE})) return utf16le_to_utf8(data.subspan(2));
  if (starts({0xFE, 0xFF})) return utf16be_to_utf8(data.subspan(2));
  // NUL bytes are valid UTF-8, so BOM-less UTF-16 must be recognised before the UTF-8 check.
  if (looks_like_utf16le(data)) return utf16le_to_utf8(data);
  if (is_valid_utf8(as_chars(data))) return DecodedText{std::string(as_chars(data)), TextEncoding::Utf8, 0};
  DecodedText gb = gb18030_to_utf8(data);
  if (gb.replaced == 0) return gb;
  DecodedText latin;
  latin.encoding = TextEncoding::Latin1;
  for (std::byte b : data) append_utf8(latin.utf8, static_cast<unsigned char>(b));
  return latin;
}

std::string printf_string(const char* format, ...) {
  va_list args;
  va_start(args, format);
  va_list again;
  va_copy(again, args);
  const int n = std::vsnprintf(nullptr, 0, format, args);
  va_end(args);
  std::string s(n > 0 ? static_cast<size_t>(n) : 0, '\0');
  if (n > 0) std::vsnprintf(s.data(), s.size() + 1, format, again);
  va_end(again);
  return s;
}

std::string to_lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool iequals_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool iends_with_ascii(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && iequals_ascii(s.substr(s.size() - suffix.size()), suffix);
}

std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (i < s.size()) {
    while (i < s.size() && space(s[i])) ++i;
    size_t start = i;
    while (i < s.size() && !space(s[i])) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

std::string_view trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n' || s[b] == '\f' || s[b] == '\v')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n' || s[e - 1] == '\f' ||
                   s[e - 1] == '\v'))
    --e;
  return s.substr(b, e - b);
}

bool json_nesting_within(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return false;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

std::optional<uint64_t> parse_u64(std::string_view s) {
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

namespace {
void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size()) s.replace(p, from.size(), to);
}
}  // namespace

std::string refang_text(std::string_view in) {
  std::string s(in);
  for (auto [from, to] : std::initializer_list<std::pair<std::string_view, std::string_view>>{{"[.]", "."},
                                                                                              {"(.)", "."},
                                                                                              {"{.}", "."},
                                                                                              {"[dot]", "."},
                                                                                              {"(dot)", "."},
                                                                                              {"[:]", ":"},
                                                                                              {"[://]", "://"},
                                                                                              {"[@]", "@"},
                                                                                              {"[at]", "@"},
                                                                                              {"\\.", "."}})
    replace_all(s, from, to);
  // hxxp:// and hXXps:// wherever they stand.
  for (size_t at = 0; (at = s.find("://", at)) != std::string::npos; at += 3) {
    for (std::string_view scheme : {"hxxps", "hxxp"}) {
      if (at < scheme.size()) continue;
      if (to_lower_ascii(s.substr(at - scheme.size(), scheme.size())) == scheme) {
        s.replace(at - scheme.size(), scheme.size(), scheme.size() == 5 ? "https" : "http");
        break;
      }
    }
  }
  return s;
}

namespace {
int base64_digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}
}  // namespace

bool is_base64_char(char c) { return base64_digit(c) >= 0; }

std::optional<std::string> decode_base64(std::string_view s) {
  while (!s.empty() && s.back() == '=') s.remove_suffix(1);
  std::string out;
  out.reserve(s.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    const int v = base64_digit(c);
    if (v < 0) return std::nullopt;
    acc = acc << 6 | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

std::string hex_string(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string fixed2(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

}  // namespace msw
