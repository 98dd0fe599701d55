// CRC-32 (ISO-HDLC, zlib's and EVTX's polynomial 0x04C11DB7, reflected), the same value zlib's crc32() gives.
// EVTX checks one per chunk header and one over every chunk's records, so it is on the parsing hot path: on x86-64
// CPUs with carry-less multiply the bytes are folded 64 at a time (Intel's "Fast CRC Computation for Generic
// Polynomials Using PCLMULQDQ"); elsewhere, and for the tail, zlib computes it.
#pragma once

#include <cstdint>

#include "core/byte_reader.h"

namespace msw {

// CRC of `data` continuing from `seed` (the CRC of the bytes before it; 0 to start), as zlib's crc32(seed, ...).
uint32_t crc32(Bytes data, uint32_t seed = 0);

}  // namespace msw
