// Rendering of BinXml value types as text ([MS-EVEN6] 2.2.18; libyal EVTX notes "Value types").
#include <charconv>
#include <cstdio>
#include <cstring>

#include "core/text.h"
#include "core/time.h"
#include "formats/evtx/evtx.h"

namespace msw::formats::evtx {
namespace {

template <typename T>
T load(Bytes d, size_t at = 0) {
  T v{};
  std::memcpy(&v, d.data() + at, sizeof(T));  // callers check the size; EVTX is little-endian like the host
  return v;
}

// Integers and floats alike: to_chars gives the shortest exact form.
template <typename T>
void append_int(std::string& out, T v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<size_t>(res.ptr - buf));
}

void append_hex(std::string& out, uint64_t v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, v, 16);
  out += "0x";
  out.append(buf, static_cast<size_t>(res.ptr - buf));
}

void append_utf16(std::string& out, Bytes d) {
  // Strings are stored without a terminator, but writers sometimes include one: drop trailing NULs.
  size_t n = d.size() & ~size_t{1};
  while (n >= 2 && d[n - 1] == std::byte{0} && d[n - 2] == std::byte{0}) n -= 2;
  append_utf16le_as_utf8(out, d.first(n));
}

void append_ansi(std::string& out, Bytes d) {
  size_t n = d.size();
  while (n > 0 && d[n - 1] == std::byte{0}) --n;
  const std::string_view text = as_chars(d.first(n));
  unsigned char any = 0;  // OR of every byte: ASCII text (the usual case) is copied as it is
  for (char c : text) any |= static_cast<unsigned char>(c);
  if (any < 0x80)
    out += text;
  else
    out += sanitize_utf8(d.first(n)).utf8;
}

// Fixed-width lower-case hex of the low `digits` nibbles of v.
void put_hex(char*& p, uint64_t v, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i) p[digits - 1 - i] = kHex[(v >> (4 * i)) & 0xF];
  p += digits;
}

// Fixed-width decimal.
void put_dec(char*& p, uint64_t v, int digits) {
  for (int i = digits - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  p += digits;
}

// {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}, lower case as Event Viewer writes it. Hand-formatted: one per record.
void append_guid(std::string& out, Bytes d) {
  char buf[38];
  char* p = buf;
  *p++ = '{';
  put_hex(p, load<uint32_t>(d), 8);
  *p++ = '-';
  put_hex(p, load<uint16_t>(d, 4), 4);
  *p++ = '-';
  put_hex(p, load<uint16_t>(d, 6), 4);
  *p++ = '-';
  for (size_t i = 8; i < 16; ++i) {
    if (i == 10) *p++ = '-';
    put_hex(p, static_cast<uint8_t>(d[i]), 2);
  }
  *p++ = '}';
  out.append(buf, static_cast<size_t>(p - buf));
}

bool append_sid(std::string& out, Bytes d) {
  // Revision (1), sub-authority count (1), identifier authority (6, big-endian), sub-authorities (4 each, LE).
  if (d.size() < 8) return false;
  auto count = static_cast<size_t>(d[1]);
  if (d.size() < 8 + 4 * count) return false;
  uint64_t authority = 0;
  for (size_t i = 2; i < 8; ++i) authority = (authority << 8) | static_cast<uint8_t>(d[i]);
  out += "S-";
  append_int(out, static_cast<unsigned>(d[0]));
  out += '-';
  append_int(out, authority);
  for (size_t i = 0; i < count; ++i) {
    out += '-';
    append_int(out, load<uint32_t>(d, 8 + 4 * i));
  }
  return true;
}

// FILETIME as Event Viewer writes it, 7 fraction digits, over its whole range (1601 to 30828): zero is a common
// "never" value and must read 1601-01-01, which is outside what Timestamp (int64 nanoseconds) holds.
void append_filetime(std::string& out, uint64_t ticks) {
  constexpr uint64_t kTicksPerDay = 864'000'000'000ull;
  constexpr int64_t kDays1601To1970 = 134'774;
  int64_t y;
  unsigned m, day;
  civil_from_days(static_cast<int64_t>(ticks / kTicksPerDay) - kDays1601To1970, y, m, day);
  uint64_t rem = ticks % kTicksPerDay;
  char buf[40];
  char* p = buf;
  put_dec(p, static_cast<uint64_t>(y), y >= 10000 ? 5 : 4);
  *p++ = '-';
  put_dec(p, m, 2);
  *p++ = '-';
  put_dec(p, day, 2);
  *p++ = 'T';
  put_dec(p, rem / 36'000'000'000ull, 2);
  *p++ = ':';
  put_dec(p, rem / 600'000'000 % 60, 2);
  *p++ = ':';
  put_dec(p, rem / 10'000'000 % 60, 2);
  *p++ = '.';
  put_dec(p, rem % 10'000'000, 7);
  *p++ = 'Z';
  out.append(buf, static_cast<size_t>(p - buf));
}

void append_binary(std::string& out, Bytes d) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (std::byte b : d) {
    out += kHex[static_cast<unsigned>(b) >> 4];
    out += kHex[static_cast<unsigned>(b) & 0xF];
  }
}

// Renders one element of a scalar type; `d` has exactly the element's size (checked by the caller).
bool render_scalar(uint8_t type, Bytes d, std::string& out) {
  switch (type) {
    case 0x03: append_int(out, load<int8_t>(d)); return true;
    case 0x04: append_int(out, load<uint8_t>(d)); return true;
    case 0x05: append_int(out, load<int16_t>(d)); return true;
    case 0x06: append_int(out, load<uint16_t>(d)); return true;
    case 0x07: append_int(out, load<int32_t>(d)); return true;
    case 0x08: append_int(out, load<uint32_t>(d)); return true;
    case 0x09: append_int(out, load<int64_t>(d)); return true;
    case 0x0a: append_int(out, load<uint64_t>(d)); return true;
    case 0x0b: append_int(out, load<float>(d)); return true;
    case 0x0c: append_int(out, load<double>(d)); return true;
    case 0x0d: out += load<uint32_t>(d) != 0 ? "true" : "false"; return true;
    case 0x0f: append_guid(out, d); return true;
    case 0x10: append_hex(out, d.size() == 8 ? load<uint64_t>(d) : load<uint32_t>(d)); return true;
    case 0x11: append_filetime(out, load<uint64_t>(d)); return true;
    case 0x12: {
      SystemTime st{load<uint16_t>(d, 0), load<uint16_t>(d, 2),  load<uint16_t>(d, 4),  load<uint16_t>(d, 6),
                    load<uint16_t>(d, 8), load<uint16_t>(d, 10), load<uint16_t>(d, 12), load<uint16_t>(d, 14)};
      auto t = from_systemtime(st);
      if (t) append_iso8601(out, *t, 3);
      else append_binary(out, d);
      return true;
    }
    case 0x14: append_hex(out, load<uint32_t>(d)); return true;
    case 0x15: append_hex(out, load<uint64_t>(d)); return true;
    default: return false;
  }
}

size_t scalar_size(uint8_t type, size_t available) {
  switch (type) {
    case 0x03: case 0x04: return 1;
    case 0x05: case 0x06: return 2;
    case 0x07: case 0x08: case 0x0b: case 0x0d: case 0x14: return 4;
    case 0x09: case 0x0a: case 0x0c: case 0x11: case 0x15: return 8;
    case 0x0f: case 0x12: return 16;
    case 0x10: return available == 4 ? 4 : 8;  // size_t is 32 or 64 bits: the value size decides
    default: return 0;
  }
}

// render_value for the types it knows; false (nothing written) for the others and for values of the wrong size.
bool render_known_value(uint8_t type, Bytes d, std::string& out) {
  switch (type) {
    case 0x00: return true;  // NULL: empty
    case 0x01: append_utf16(out, d); return true;
    case 0x02: append_ansi(out, d); return true;
    case 0x0e: append_binary(out, d); return true;
    case 0x13: if (!append_sid(out, d)) append_binary(out, d); return true;
    case 0x20: case 0x23: append_binary(out, d); return true;  // EvtHandle, EvtXml: opaque, shown as hex
    case 0x81: case 0x82: {
      // Arrays of strings: each element ends with a NUL; rendered comma-separated.
      const size_t unit = type == 0x81 ? 2 : 1;
      size_t start = 0;
      bool first = true;
      for (size_t i = 0; i + unit <= d.size(); i += unit) {
        bool nul = d[i] == std::byte{0} && (unit == 1 || d[i + 1] == std::byte{0});
        if (!nul) continue;
        if (!first) out += ", ";
        first = false;
        if (unit == 2) append_utf16(out, d.subspan(start, i - start));
        else append_ansi(out, d.subspan(start, i - start));
        start = i + unit;
      }
      if (start < d.size()) {
        if (!first) out += ", ";
        if (unit == 2) append_utf16(out, d.subspan(start));
        else append_ansi(out, d.subspan(start));
      }
      return true;
    }
    default: break;
  }
  if (type & 0x80) {
    const uint8_t elem = type & 0x7F;
    size_t size = scalar_size(elem, 0);
    if (elem == 0x10) size = d.size() % 8 == 0 ? 8 : 4;
    if (size == 0 || d.size() % size != 0) return false;
    for (size_t i = 0; i < d.size(); i += size) {
      if (i) out += ", ";
      render_scalar(elem, d.subspan(i, size), out);
    }
    return true;
  }
  size_t size = scalar_size(type, d.size());
  if (size == 0) return false;
  if (d.size() < size) return false;
  return render_scalar(type, d.first(size), out);
}

}  // namespace

bool render_value(uint8_t type, Bytes d, std::string& out) {
  if (render_known_value(type, d, out)) return true;
  append_binary(out, d);
  return false;
}

}  // namespace msw::formats::evtx
