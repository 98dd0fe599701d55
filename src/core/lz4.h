// LZ4 frame decompression (the frame format of lz4 1.x: magic 0x184D2204, blocks of literals and matches), for the
// package lists apt keeps compressed on container and cloud images. Capped output; damage stops the stream.
#pragma once

#include <string>

#include "core/byte_reader.h"
#include "core/gzip.h"
#include "core/result.h"

namespace msw {

// Errors: lz4.bad_header when the data is not an LZ4 frame.
Result<Inflated> lz4_decompress(Bytes data, size_t max_out);

}  // namespace msw
