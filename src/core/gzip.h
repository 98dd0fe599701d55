// gzip decompression (RFC 1952, concatenated members too) for rotated logs, with a cap on the output: a few KiB of
// attacker-made gzip can claim gigabytes.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/byte_reader.h"
#include "core/result.h"

namespace msw {

struct Inflated {
  std::string bytes;
  bool truncated = false;  // output reached max_out; what is there is valid
  bool damaged = false;    // the stream ended early or is corrupt; what is there is what decoded before the damage
};

// Errors: gzip.bad_header when the data does not even start as gzip.
Result<Inflated> gunzip(Bytes data, size_t max_out);

// The same, streamed: each decompressed piece (at most 64 KiB) goes to `sink` as it is produced, so memory stays
// one window whatever the data claims; the result's `bytes` stay empty.
using InflateSink = std::function<void(std::string_view)>;
Result<Inflated> gunzip_each(Bytes data, size_t max_out, const InflateSink& sink);

// One zlib stream (RFC 1950: PyInstaller archives, PDF and PNG streams). Errors: zlib.bad_header.
Result<Inflated> zlib_inflate(Bytes data, size_t max_out);

}  // namespace msw
