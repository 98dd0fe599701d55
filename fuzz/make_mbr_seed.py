#!/usr/bin/env python3
"""Writes the sniff fuzzer's boot-sector and LZ4 seeds (fuzz/corpus/sniff/mbr_windows, lz4_frame): an MBR the project makes itself with
the Windows loader's messages in its boot code, one active NTFS partition at sector 2048, and data in the gap.

    fuzz/make_mbr_seed.py [OUT_DIR, default fuzz/corpus/sniff]
"""
import os
import struct
import sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "sniff")
d = bytearray(512 * 6)
d[0x60:0x60 + 23] = b"Invalid partition table"
d[0x80:0x80 + 30] = b"Error loading operating system"
d[0xA0:0xA0 + 24] = b"Missing operating system"
struct.pack_into("<I", d, 440, 0x1234ABCD)
d[446] = 0x80
d[446 + 4] = 0x07
struct.pack_into("<II", d, 446 + 8, 2048, 409600)
d[510] = 0x55
d[511] = 0xAA
d[512 * 2:512 * 2 + 16] = bytes(range(16))
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "mbr_windows"), "wb") as fh:
    fh.write(bytes(d))

# And an LZ4 frame (apt's compressed package lists): literals, an overlapping match, a stored block, the end mark.
frame = b"\x04\x22\x4D\x18\x60\x40\x82"
for body, raw in ((b"\x50hello", False), (b"\x1f!\x02\x00\x05\x00", False), (b"RAW", True)):
    frame += (len(body) | (0x80000000 if raw else 0)).to_bytes(4, "little") + body
frame += b"\0\0\0\0"
with open(os.path.join(out, "lz4_frame"), "wb") as fh:
    fh.write(frame)
