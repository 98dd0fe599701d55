// UTF-8 ↔ UTF-16 for the Win32 calls of the MinGW build: minesweep keeps every string in UTF-8, Windows' W APIs
// take and give UTF-16.
#pragma once

#include <windows.h>

#include <cwchar>
#include <string>
#include <string_view>

namespace msw::collect::windows {

inline std::wstring wide(std::string_view s) {
  if (s.empty()) return {};
  const int n = MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), nullptr, 0);
  std::wstring w(static_cast<size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), w.data(), n);
  return w;
}

inline std::string utf8(const wchar_t* w, size_t len) {
  if (len == 0) return {};
  const int n = WideCharToMultiByte(CP_UTF8, 0, w, static_cast<int>(len), nullptr, 0, nullptr, nullptr);
  std::string s(static_cast<size_t>(n), '\0');
  WideCharToMultiByte(CP_UTF8, 0, w, static_cast<int>(len), s.data(), n, nullptr, nullptr);
  return s;
}
inline std::string utf8(const std::wstring& w) { return utf8(w.data(), w.size()); }
inline std::string utf8(const wchar_t* w) { return w ? utf8(w, std::wcslen(w)) : std::string(); }

}  // namespace msw::collect::windows
