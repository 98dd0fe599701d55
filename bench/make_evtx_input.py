#!/usr/bin/env python3
"""Builds a large EVTX file for the parser benchmarks by repeating the chunks of a real log.

    bench/make_evtx_input.py SOURCE.evtx OUT.evtx [MiB, default 100]

The file header is rewritten with the new chunk count, last chunk number and its CRC32, so every tool reads every
chunk (record ids repeat, which no parser minds). Chunks that are not "ElfChnk" are left out.
"""
import struct
import sys
import zlib

src, out = sys.argv[1], sys.argv[2]
mib = int(sys.argv[3]) if len(sys.argv) > 3 else 100
data = open(src, "rb").read()
header = bytearray(data[:4096])
chunks = [data[o:o + 65536] for o in range(4096, len(data) - 65535, 65536) if data[o:o + 8] == b"ElfChnk\0"]
if not chunks:
    sys.exit(f"{src}: no chunks")
count = max(1, (mib << 20) // 65536)
if count > 0xFFFF:
    sys.exit("at most 65535 chunks (4 GiB)")
struct.pack_into("<Q", header, 16, count - 1)    # last chunk number
struct.pack_into("<H", header, 42, count)        # chunk count
struct.pack_into("<I", header, 120, struct.unpack_from("<I", header, 120)[0] & ~1)  # flags: not dirty
struct.pack_into("<I", header, 124, zlib.crc32(bytes(header[:120])) & 0xFFFFFFFF)
with open(out, "wb") as f:
    f.write(header)
    for i in range(count):
        f.write(chunks[i % len(chunks)])
print(f"{out}: {count} chunks ({count * 65536 >> 20} MiB) from {len(chunks)} chunks of {src}")
