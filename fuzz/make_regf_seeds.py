#!/usr/bin/env python3
"""Writes the regf fuzzer's seed (fuzz/corpus/regf/software.hve): a small hive the project makes itself — a base
block with its checksum, one hive bin, a root key with an lh list, a Run key with REG_SZ, inline REG_DWORD,
REG_MULTI_SZ and a 20,000-byte REG_BINARY in big data (db), and a key behind an ri list of li lists. Public hives
never go into the fuzz corpus; they stay in ../shared/corpus.

    fuzz/make_regf_seeds.py [OUT_DIR, default fuzz/corpus/regf]
"""
import os
import struct
import sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "regf")
bins = bytearray(32)  # the hbin header, filled in at the end


def cell(data):
    global bins
    at = len(bins)
    size = (4 + len(data) + 7) & ~7
    bins += struct.pack("<i", -size) + data + b"\0" * (size - 4 - len(data))
    return at


def value(name, kind, data):
    name = name.encode()
    if len(data) <= 4:
        size, off = len(data) | 0x80000000, int.from_bytes(data.ljust(4, b"\0"), "little")
    elif len(data) > 16344:
        segs = [cell(data[i:i + 16344]) for i in range(0, len(data), 16344)]
        lst = cell(b"".join(struct.pack("<I", s) for s in segs))
        size, off = len(data), cell(b"db" + struct.pack("<HI", len(segs), lst))
    else:
        size, off = len(data), cell(data)
    return cell(b"vk" + struct.pack("<HIIIHH", len(name), size, off, kind, 1, 0) + name)


def key(name, parent, values=(), children=(), kind=b"lh", root=False):
    name = name.encode()
    vlist = cell(b"".join(struct.pack("<I", v) for v in values)) if values else 0xFFFFFFFF
    if not children:
        slist = 0xFFFFFFFF
    elif kind == b"ri":
        a = cell(b"li" + struct.pack("<H", 1) + struct.pack("<I", children[0]))
        b = cell(b"li" + struct.pack("<H", len(children) - 1) + b"".join(struct.pack("<I", c) for c in children[1:]))
        slist = cell(b"ri" + struct.pack("<HII", 2, a, b))
    else:
        slist = cell(kind + struct.pack("<H", len(children)) + b"".join(struct.pack("<II", c, 0) for c in children))
    nk = bytearray(76)
    nk[0:2] = b"nk"
    struct.pack_into("<HQ", nk, 2, (4 if root else 0) | 0x20, 132223104000000000)
    struct.pack_into("<IIIIIIIIII", nk, 16, parent, len(children), 0, slist, 0xFFFFFFFF, len(values), vlist,
                     0xFFFFFFFF, 0xFFFFFFFF, 0)
    struct.pack_into("<H", nk, 72, len(name))
    nk = bytes(nk) + name
    return cell(nk)


def utf16z(s):
    return s.encode("utf-16-le") + b"\0\0"


run = key("Run", 0, [value("Updater", 1, utf16z("C:\\Windows\\debug\\x.exe")), value("Mode", 4, struct.pack("<I", 1)),
                     value("Paths", 7, utf16z("a") + utf16z("b") + b"\0\0"), value("Blob", 3, b"\x5a" * 20000)])
leaf = key("Leaf", 0)
classes = key("Classes", 0, children=[leaf, key("Other", 0)], kind=b"ri")
root = key("ROOT", 0xFFFFFFFF, children=[run, classes], root=True)
size = (len(bins) + 4095) & ~4095
free = size - len(bins)
bins += struct.pack("<i", free) + b"\0" * (free - 4) if free >= 8 else b"\0" * free
bins[0:32] = b"hbin" + struct.pack("<III", 0, size, 0) + b"\0" * 16
base = bytearray(4096)
base[0:4] = b"regf"
struct.pack_into("<IIQIIIIII", base, 4, 7, 7, 132223104000000000, 1, 5, 0, 1, root, size)
struct.pack_into("<I", base, 44, 1)
name = "\\??\\C:\\Windows\\System32\\config\\SOFTWARE".encode("utf-16-le")[:64]
base[48:48 + len(name)] = name
checksum = 0
for i in range(0, 508, 4):
    checksum ^= struct.unpack_from("<I", base, i)[0]
checksum = 0xFFFFFFFE if checksum == 0xFFFFFFFF else (1 if checksum == 0 else checksum)
struct.pack_into("<I", base, 508, checksum)
os.makedirs(out, exist_ok=True)
open(os.path.join(out, "software.hve"), "wb").write(bytes(base) + bytes(bins))
