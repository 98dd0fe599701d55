// GB18030 (Chinese Windows' ANSI code page) through the C library's iconv. Kept apart from core/text.cpp so a
// build without iconv (the MinGW collector) links text.cpp with its own decoder of this one function.
#include <iconv.h>

#include <cerrno>
#include <memory>

#include "core/text.h"

namespace msw {
namespace {

struct IconvCloser {
  void operator()(void* cd) const { iconv_close(static_cast<iconv_t>(cd)); }
};

}  // namespace

DecodedText gb18030_to_utf8(Bytes data) {
  DecodedText out;
  out.encoding = TextEncoding::Gb18030;
  iconv_t raw = iconv_open("UTF-8", "GB18030");
  if (raw == reinterpret_cast<iconv_t>(-1)) {
    // No GB18030 module in this libc: keep the ASCII and mark the rest, so the caller still sees text.
    for (std::byte b : data) {
      if (static_cast<unsigned char>(b) < 0x80) {
        out.utf8 += static_cast<char>(b);
      } else {
        append_utf8(out.utf8, 0xFFFD);
        ++out.replaced;
      }
    }
    return out;
  }
  std::unique_ptr<void, IconvCloser> cd(raw);
  out.utf8.resize(data.size() * 2 + 16);  // GB18030 → UTF-8 grows at most 4:2; ASCII stays 1:1
  char* in = const_cast<char*>(reinterpret_cast<const char*>(data.data()));
  size_t in_left = data.size();
  char* dst = out.utf8.data();
  size_t dst_left = out.utf8.size();
  while (in_left > 0) {
    size_t rc = iconv(raw, &in, &in_left, &dst, &dst_left);
    if (rc != static_cast<size_t>(-1)) break;
    if (errno == E2BIG) {
      size_t used = static_cast<size_t>(dst - out.utf8.data());
      out.utf8.resize(out.utf8.size() * 2);
      dst = out.utf8.data() + used;
      dst_left = out.utf8.size() - used;
      continue;
    }
    // EILSEQ or EINVAL (truncated sequence at the end): replace one byte and continue.
    if (dst_left < 3) {
      size_t used = static_cast<size_t>(dst - out.utf8.data());
      out.utf8.resize(out.utf8.size() + 64);
      dst = out.utf8.data() + used;
      dst_left = out.utf8.size() - used;
    }
    *dst++ = '\xEF';
    *dst++ = '\xBF';
    *dst++ = '\xBD';
    dst_left -= 3;
    ++out.replaced;
    ++in;
    --in_left;
    iconv(raw, nullptr, nullptr, nullptr, nullptr);
  }
  out.utf8.resize(static_cast<size_t>(dst - out.utf8.data()));
  return out;
}

}  // namespace msw
