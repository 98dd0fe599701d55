#!/usr/bin/env python3
"""Builds a large classic pcap for the traffic benchmarks by repeating public captures with shifted addresses.

    bench/make_pcap_input.py OUT.pcap MiB CAPTURE...

Only Ethernet captures in the classic pcap format are used (pcapng and other link types are skipped). Each
repetition adds its number to the second octet of every IPv4 address (checksums are not fixed: no tool under test
verifies them) and moves time forward, so flows stay distinct and the flow tables see real growth.
"""
import struct
import sys

out_path, mib, inputs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
packets = []
for path in inputs:
    data = open(path, "rb").read()
    if len(data) < 24:
        continue
    magic = struct.unpack("<I", data[:4])[0]
    if magic not in (0xA1B2C3D4, 0xA1B23C4D) or struct.unpack("<I", data[20:24])[0] & 0x0FFFFFFF != 1:
        continue
    pos = 24
    while pos + 16 <= len(data):
        sec, frac, caplen, length = struct.unpack("<IIII", data[pos:pos + 16])
        frame = data[pos + 16:pos + 16 + caplen]
        pos += 16 + caplen
        if len(frame) == caplen and caplen >= 34 and frame[12:14] == b"\x08\x00":
            packets.append((frame, length))
if not packets:
    sys.exit("no Ethernet IPv4 packets in the inputs")
target = mib << 20
with open(out_path, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
    written, rep, t = 24, 0, 1_700_000_000
    while written < target:
        for frame, length in packets:
            b = bytearray(frame)
            b[27] = (b[27] + rep) & 0xFF  # source 2nd octet
            b[31] = (b[31] + rep) & 0xFF  # destination 2nd octet
            f.write(struct.pack("<IIII", t + rep, 0, len(b), length))
            f.write(b)
            written += 16 + len(b)
            if written >= target:
                break
        rep += 1
print(f"{out_path}: {written >> 20} MiB, {len(packets)} packets per repetition, {rep} repetitions")
