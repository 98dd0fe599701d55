// Little-endian integers and UTF-16LE text for the test writers (hives, Prefetch, WMI repository, .job files):
// the byte helpers each writer would otherwise repeat.
#pragma once

#include <cstdint>
#include <string>

namespace msw::test::bytes {

inline void put16(std::string& s, size_t at, uint16_t v) {
  s[at] = static_cast<char>(v & 0xFF);
  s[at + 1] = static_cast<char>(v >> 8);
}
inline void put32(std::string& s, size_t at, uint32_t v) {
  put16(s, at, static_cast<uint16_t>(v));
  put16(s, at + 2, static_cast<uint16_t>(v >> 16));
}
inline void put64(std::string& s, size_t at, uint64_t v) {
  put32(s, at, static_cast<uint32_t>(v));
  put32(s, at + 4, static_cast<uint32_t>(v >> 32));
}
inline std::string le16(uint16_t v) {
  std::string s(2, '\0');
  put16(s, 0, v);
  return s;
}
inline std::string le32(uint32_t v) {
  std::string s(4, '\0');
  put32(s, 0, v);
  return s;
}
// UTF-8 (one- to three-byte sequences) to UTF-16LE, without a terminator.
inline std::string utf16(const std::string& utf8) {
  std::string s;
  for (size_t i = 0; i < utf8.size();) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    uint32_t cp = c;
    size_t n = 1;
    if (c >= 0xE0 && i + 2 < utf8.size()) {
      cp = (c & 0x0Fu) << 12 | (static_cast<unsigned char>(utf8[i + 1]) & 0x3Fu) << 6 |
           (static_cast<unsigned char>(utf8[i + 2]) & 0x3Fu);
      n = 3;
    } else if (c >= 0xC0 && i + 1 < utf8.size()) {
      cp = (c & 0x1Fu) << 6 | (static_cast<unsigned char>(utf8[i + 1]) & 0x3Fu);
      n = 2;
    }
    s += static_cast<char>(cp & 0xFF);
    s += static_cast<char>(cp >> 8);
    i += n;
  }
  return s;
}

// A text file as Windows' editors and the Tasks folder store it: UTF-16LE after a byte-order mark.
inline std::string utf16_file(const std::string& utf8) { return "\xff\xfe" + utf16(utf8); }

}  // namespace msw::test::bytes
