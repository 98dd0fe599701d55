#!/usr/bin/env python3
"""Writes the prefetch fuzzer's seeds (fuzz/corpus/prefetch/): Prefetch files the project makes itself — format 17
and 30 uncompressed, and format 30 in a Windows 10 "MAM\\x04" container compressed with LZXPRESS Huffman (a 9-bit
code for every symbol, literals and short matches, laid out in the order the decoder reads words and length
bytes). Public Prefetch files never go into the fuzz corpus; they stay in ../shared/corpus.

    fuzz/make_prefetch_seeds.py [OUT_DIR, default fuzz/corpus/prefetch]
"""
import os
import struct
import sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "prefetch")


def utf16z(s):
    return s.encode("utf-16-le") + b"\0\0"


def scca(version, exe, files):
    info, last_run, run_count, vol_entry = {17: (68, 36, 60, 40), 30: (224, 44, 124, 96)}[version]
    f = bytearray(84 + info)
    struct.pack_into("<I4s", f, 0, version, b"SCCA")
    name = exe.encode("utf-16-le")[:58]
    f[16:16 + len(name)] = name
    struct.pack_into("<I", f, 76, 0x1A2B3C4D)
    struct.pack_into("<I", f, 84, 84 + info)
    struct.pack_into("<Q", f, 84 + last_run, 132223104000000000)
    struct.pack_into("<I", f, 84 + run_count, 5)
    names = b"".join(utf16z(n) for n in files)
    struct.pack_into("<II", f, 84 + 16, len(f), len(names))
    f += names
    while len(f) % 8:
        f += b"\0"
    volume = "\\VOLUME{01d3096ba3a46863-2ca3d1ae}"
    vol = bytearray(vol_entry)
    struct.pack_into("<IIQI", vol, 0, vol_entry, len(volume), 131000000000000000, 0x2CA3D1AE)
    vol += utf16z(volume)
    struct.pack_into("<III", f, 84 + 24, len(f), 1, len(vol))
    f += vol
    struct.pack_into("<I", f, 12, len(f))
    return bytes(f)


def lzxpress_huffman(data):
    """Literals and matches of 3..17 bytes, every symbol a 9-bit code (a complete canonical code)."""
    table = bytes([0x99]) * 256
    tokens, pos = [], 0
    while pos < len(data):
        best = (0, 0)
        for off in range(1, min(pos, 4096) + 1):
            n = 0
            while pos + n < len(data) and n < 17 and data[pos - off + n] == data[pos + n]:
                n += 1
            if n > best[0]:
                best = (n, off)
        if best[0] >= 3:
            n, off = best
            bits = off.bit_length() - 1
            tokens.append((256 + (bits << 4) + (n - 3), bits, off - (1 << bits)))
            pos += n
        else:
            tokens.append((data[pos], 0, 0))
            pos += 1
    stream = []
    steps = []
    for sym, nbits, low in tokens:
        stream += [(sym >> i) & 1 for i in range(8, -1, -1)]
        steps.append(9)
        if sym >= 256:
            stream += [(low >> i) & 1 for i in range(nbits - 1, -1, -1)]
            steps.append(nbits)
    body, slots = bytearray(), []

    def reserve():
        slots.append(len(body))
        body.extend(b"\0\0")

    reserve()
    reserve()
    consumed = 0
    for n in steps:
        consumed += n
        if consumed > 16 * (len(slots) - 1):
            reserve()
    for w, at in enumerate(slots):
        v = 0
        for i in range(16):
            b = w * 16 + i
            v = v << 1 | (stream[b] if b < len(stream) else 0)
        struct.pack_into("<H", body, at, v)
    return table + bytes(body)


os.makedirs(out, exist_ok=True)
files = ["\\VOLUME{01d3096ba3a46863-2ca3d1ae}\\WINDOWS\\SYSTEM32\\NTDLL.DLL",
         "\\VOLUME{01d3096ba3a46863-2ca3d1ae}\\WINDOWS\\SYSTEM32\\KERNEL32.DLL",
         "\\VOLUME{01d3096ba3a46863-2ca3d1ae}\\WINDOWS\\DEBUG\\LSMA12.EXE"]
plain30 = scca(30, "LSMA12.EXE", files)
with open(os.path.join(out, "v17.pf"), "wb") as fh:
    fh.write(scca(17, "LSMA12.EXE", [f.replace("\\VOLUME{01d3096ba3a46863-2ca3d1ae}", "\\DEVICE\\HARDDISKVOLUME1") for f in files]))
with open(os.path.join(out, "v30.pf"), "wb") as fh:
    fh.write(plain30)
with open(os.path.join(out, "v30_mam.pf"), "wb") as fh:
    fh.write(b"MAM\x04" + struct.pack("<I", len(plain30)) + lzxpress_huffman(plain30))
