// GB18030 for the MinGW build, which has no iconv: Windows' own code page 54936 does the same conversion.
#include <windows.h>

#include "core/text.h"

namespace msw {

DecodedText gb18030_to_utf8(Bytes data) {
  DecodedText out;
  out.encoding = TextEncoding::Gb18030;
  if (data.empty()) return out;
  const auto* in = reinterpret_cast<const char*>(data.data());
  const int n = static_cast<int>(std::min<size_t>(data.size(), 1u << 30));
  const int wide_len = MultiByteToWideChar(54936, 0, in, n, nullptr, 0);
  std::wstring w(static_cast<size_t>(wide_len), L'\0');
  MultiByteToWideChar(54936, 0, in, n, w.data(), wide_len);
  for (wchar_t c : w) out.replaced += c == 0xFFFD;
  const int len = WideCharToMultiByte(CP_UTF8, 0, w.data(), wide_len, nullptr, 0, nullptr, nullptr);
  out.utf8.assign(static_cast<size_t>(len), '\0');
  WideCharToMultiByte(CP_UTF8, 0, w.data(), wide_len, out.utf8.data(), len, nullptr, nullptr);
  return out;
}

}  // namespace msw
