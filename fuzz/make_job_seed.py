#!/usr/bin/env python3
"""Writes a legacy Task Scheduler 1.0 job (MS-TSCH 2.4) into the task fuzzer's corpus (fuzz/corpus/task_xml/at1.job):
the fixed section, application, parameters, working directory, author, comment, empty user and reserved data, and
one daily trigger. Project-made; public .job files stay in ../shared/corpus.

    fuzz/make_job_seed.py [OUT_DIR, default fuzz/corpus/task_xml]
"""
import os
import struct
import sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "task_xml")


def text(s):
    return struct.pack("<H", len(s) + 1) + (s + "\0").encode("utf-16-le")


variable = struct.pack("<H", 0) + text("C:\\Windows\\debug\\lsmose.exe") + text("-o pool.example:3333") + text("") + \
    text("SYSTEM") + text("") + struct.pack("<HH", 0, 0)
trigger = struct.pack("<HHHHHHHHHHIIIIHHHHHH", 48, 0, 2019, 3, 4, 0, 0, 0, 3, 0, 1440, 30, 0, 1, 1, 0, 0, 0, 0, 0)
variable += struct.pack("<H", 1) + trigger
trigger_offset = 0x44 + len(variable) - 2 - len(trigger)
fixed = struct.pack("<HH16sHHHHHHIIIII", 0x0601, 1, bytes(range(16)), 0x46, trigger_offset, 3, 5, 10, 60, 0x20,
                    259200000, 0, 0x41301, 0x200)
fixed += struct.pack("<8H", 2019, 3, 1, 4, 3, 30, 0, 0)
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "at1.job"), "wb") as fh:
    fh.write(fixed + variable)
