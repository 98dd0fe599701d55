#!/usr/bin/env python3
"""Writes the WMI repository fuzzer's seed (fuzz/corpus/wmi/objects.data): an OBJECTS.DATA the project makes itself,
one 8 KiB page with object descriptors and a filter, a command-line consumer, an ActiveScript consumer left out of
the descriptors (as a deleted record would be) and their binding, in the layout tests/support/wmi_writer writes.

    fuzz/make_wmi_seeds.py [OUT_DIR, default fuzz/corpus/wmi]
"""
import hashlib
import os
import struct
import sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "wmi")
PAGE = 8192


def record(cls, strings):
    heap = bytearray(struct.pack("<I", 4) + b"\x01\x02\x00\x00")
    slots = [0]
    for s in strings:
        slots.append(len(heap))
        heap += b"\0" + s.encode() + b"\0"
    block = struct.pack("<I", 0) + b"\0" + b"\x55" * ((len(slots) + 3) // 4)
    block += b"".join(struct.pack("<I", x) for x in slots) + struct.pack("<I", 4) + b"\x01"
    block += struct.pack("<I", 0x80000000 | len(heap)) + heap
    digest = hashlib.sha256(cls.upper().encode("utf-16-le")).hexdigest().upper().encode("utf-16-le")
    return digest + struct.pack("<QQI", 132223104000000000, 132223104000000000, len(block) + 4) + block


records = [
    (record("__EventFilter", ["root\\cimv2", "f1", "SELECT * FROM __InstanceModificationEvent WITHIN 60", "WQL"]), True),
    (record("CommandLineEventConsumer", ["c1", "cmd /c C:\\Windows\\debug\\x.exe"]), True),
    (record("__FilterToConsumerBinding", ['CommandLineEventConsumer.Name="c1"', '__EventFilter.Name="f1"']), True),
    (record("ActiveScriptEventConsumer", ["s1", "JScript", "new ActiveXObject('WScript.Shell').Run('calc')"]), False),
]
page = bytearray(PAGE)
at, desc = 17 * 16, 0
for i, (rec, listed) in enumerate(records):
    page[at:at + len(rec)] = rec
    if listed:
        struct.pack_into("<IIII", page, desc * 16, i + 1, at, len(rec), 0)
        desc += 1
    at += len(rec)
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "objects.data"), "wb") as fh:
    fh.write(bytes(page))
