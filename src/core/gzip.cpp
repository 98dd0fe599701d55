#include "core/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <limits>

namespace msw {
namespace {

// Inflates the input `zs` holds, handing each decompressed piece to `sink`, up to `max_out` bytes in all (counted in
// `produced`; then `flags.truncated`). Returns zlib's last code: Z_STREAM_END at the end of a stream, Z_BUF_ERROR
// when it needs more input than there is, or an error.
int inflate_into(z_stream& zs, const InflateSink& sink, size_t max_out, size_t& produced, Inflated& flags) {
  char buf[1 << 16];
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    const size_t got = sizeof buf - zs.avail_out;
    const size_t room = max_out - produced;
    if (got) sink(std::string_view(buf, std::min(got, room)));
    produced += std::min(got, room);
    if (got > room) {
      flags.truncated = true;
      break;
    }
  }
  return rc;
}

}  // namespace

Result<Inflated> gunzip_each(Bytes data, size_t max_out, const InflateSink& sink) {
  if (data.size() < 18 || data[0] != std::byte{0x1f} || data[1] != std::byte{0x8b})
    return Error::make("gzip.bad_header", "not gzip data");
  Inflated out;
  size_t produced = 0;
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) return Error::make("gzip.init", "zlib could not start");
  size_t in_pos = 0;
  bool ended = false;  // the last member reached its end
  while (in_pos < data.size()) {
    const size_t chunk = std::min<size_t>(data.size() - in_pos, std::numeric_limits<uInt>::max());
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(data.data() + in_pos));
    zs.avail_in = static_cast<uInt>(chunk);
    const int rc = inflate_into(zs, sink, max_out, produced, out);
    if (out.truncated) {
      inflateEnd(&zs);
      return out;
    }
    const size_t consumed = chunk - zs.avail_in;
    in_pos += consumed;
    if (rc == Z_STREAM_END) {
      ended = true;
      // Another member may follow (logrotate does not write them, but cat a.gz b.gz does); skip zero padding.
      while (in_pos < data.size() && data[in_pos] == std::byte{0}) ++in_pos;
      if (in_pos + 18 > data.size() || data[in_pos] != std::byte{0x1f}) break;
      inflateReset(&zs);
      ended = false;
      continue;
    }
    if (rc != Z_OK || consumed == 0) {
      out.damaged = true;
      break;
    }
  }
  inflateEnd(&zs);
  if (!ended) out.damaged = true;
  return out;
}

Result<Inflated> gunzip(Bytes data, size_t max_out) {
  std::string bytes;
  auto r = gunzip_each(data, max_out, [&](std::string_view piece) { bytes.append(piece); });
  if (!r) return r.error();
  r->bytes = std::move(bytes);
  return r;
}

Result<Inflated> zlib_inflate(Bytes data, size_t max_out) {
  if (data.size() < 2 || (static_cast<unsigned>(data[0]) & 0x0F) != 8 ||
      ((static_cast<unsigned>(data[0]) << 8) | static_cast<unsigned>(data[1])) % 31 != 0)
    return Error::make("zlib.bad_header", "not a zlib stream");
  Inflated out;
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) return Error::make("zlib.init", "zlib could not start");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(data.data()));
  zs.avail_in = static_cast<uInt>(std::min<size_t>(data.size(), std::numeric_limits<uInt>::max()));
  size_t produced = 0;
  const int rc = inflate_into(
      zs, [&](std::string_view piece) { out.bytes.append(piece); }, max_out, produced, out);
  if (rc != Z_STREAM_END && !out.truncated) out.damaged = true;
  inflateEnd(&zs);
  return out;
}

}  // namespace msw
