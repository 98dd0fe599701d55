#!/usr/bin/env python3
"""Writes the pcap fuzzer's binary seeds (fuzz/corpus/pcap/classic.pcap and ng.pcapng): two small captures the
project makes itself — an 802.1Q-tagged IPv4 TCP packet carrying an XMRig-style login and an IPv6 UDP packet behind a
hop-by-hop header, as classic pcap and as pcapng (section, interface with nanosecond resolution, enhanced packets,
one simple packet). Public captures never go into the fuzz corpus; they stay in ../shared/corpus.

    fuzz/make_pcap_seeds.py [OUT_DIR, default fuzz/corpus/pcap]
"""
import os
import struct
import sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "pcap")


def eth_ipv4_tcp(payload, dport=3333):
    l4 = struct.pack(">HHIIBBHHH", 50000, dport, 1, 0, 5 << 4, 0x18, 65535, 0, 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0x4000, 64, 6, 0, bytes([10, 0, 0, 5]), bytes([192, 0, 2, 7]))
    return b"\x02" * 12 + b"\x81\x00\x00\x64\x08\x00" + ip + l4


def eth_ipv6_udp(payload):
    l4 = struct.pack(">HHHH", 5353, 53, 8 + len(payload), 0) + payload
    src = b"\x20\x01\x0d\xb8" + b"\0" * 11 + b"\1"
    dst = b"\x20\x01\x0d\xb8" + b"\0" * 11 + b"\2"
    ip = struct.pack(">IHBB16s16s", 0x60000000, 8 + len(l4), 0, 64, src, dst)
    return b"\x02" * 12 + b"\x86\xdd" + ip + bytes([17, 0, 0, 0, 0, 0, 0, 0]) + l4


def block(kind, body):
    body += b"\0" * ((4 - len(body) % 4) % 4)
    n = 12 + len(body)
    return struct.pack("<II", kind, n) + body + struct.pack("<I", n)


frames = [eth_ipv4_tcp(b'{"id":1,"method":"login","params":{"login":"4A","agent":"XMRig/6"}}\n'), eth_ipv6_udp(b"\x12\x34")]
classic = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
for i, f in enumerate(frames):
    classic += struct.pack("<IIII", 1700000000 + i, 0, len(f), len(f)) + f
ng = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
ng += block(1, struct.pack("<HHI", 1, 0, 0) + struct.pack("<HHB3x", 9, 1, 9) + b"\0\0\0\0")
for i, f in enumerate(frames):
    ng += block(6, struct.pack("<IIIII", 0, 0, i, len(f), len(f)) + f)
ng += block(3, struct.pack("<I", len(frames[0])) + frames[0])
os.makedirs(out, exist_ok=True)
open(os.path.join(out, "classic.pcap"), "wb").write(classic)
open(os.path.join(out, "ng.pcapng"), "wb").write(ng)
