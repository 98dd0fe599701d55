#!/usr/bin/env python3
"""Writes the pcap fuzzer's binary seeds (fuzz/corpus/pcap/classic.pcap, ng.pcapng and sessions.pcap), small captures
the project makes itself: an 802.1Q-tagged IPv4 TCP packet carrying an XMRig-style login and an IPv6 UDP packet behind
a hop-by-hop header, as classic pcap and as pcapng (section, interface with nanosecond resolution, enhanced packets,
one simple packet); and sessions for the stream parsers — SMB1 negotiate and DoublePulsar's Trans2 SESSION_SETUP, an
SMB2 session setup carrying NTLM AUTHENTICATE, a TDS LOGIN7 answered by error 18456, and a UDP datagram in two IP
fragments. Public captures never go into the fuzz corpus; they stay in ../shared/corpus.

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


def ipv4(src, dst, proto, l4, ident=1, frag=0x4000):
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), ident, frag, 64, proto, 0, bytes(src), bytes(dst))
    return b"\x02" * 12 + b"\x08\x00" + ip + l4


def tcp(c, s, cport, sport, messages):
    """A handshake, then each (from_client, bytes) with running sequence numbers."""
    seq = {True: 100, False: 900}
    out = []
    def seg(from_client, flags, data=b""):
        a, b, pa, pb = (c, s, cport, sport) if from_client else (s, c, sport, cport)
        l4 = struct.pack(">HHIIBBHHH", pa, pb, seq[from_client], seq[not from_client], 5 << 4, flags, 65535, 0, 0) + data
        seq[from_client] += len(data) + (1 if flags & 0x02 else 0)
        out.append(ipv4(a, b, 6, l4))
    seg(True, 0x02)
    seg(False, 0x12)
    for from_client, data in messages:
        seg(from_client, 0x18, data)
    return out


def nbss(m):
    return struct.pack(">I", len(m)) + m


def smb1(cmd, reply, mid, words=b"", data=b"", status=0):
    h = b"\xffSMB" + struct.pack("<BIBHH8sHHHHH", cmd, status, 0x98 if reply else 0x18, 0xC001, 0, b"", 0, 0, 0, 0, mid)
    return nbss(h + bytes([len(words) // 2]) + words + struct.pack("<H", len(data)) + data)


def smb2(cmd, reply, mid, body, status=0):
    h = b"\xfeSMB" + struct.pack("<HHIHHIIQIIQ16s", 64, 0, status, cmd, 1, 1 if reply else 0, 0, mid, 0, 0, 0, b"")
    return nbss(h + body)


def utf16(t):
    return t.encode("utf-16-le")


trans2_words = struct.pack("<HHHHHHIHHHHHBBH", 12, 0, 1, 0, 0, 0, 0, 0, 12, 66, 0, 78, 1, 0, 0x0E)
dom, user = utf16("CORP"), utf16("admin")
auth = b"NTLMSSP\0" + struct.pack("<I", 3)
at = 88
for field in (b"", b"", dom, user, b"", b""):
    auth += struct.pack("<HHI", len(field), len(field), at)
    at += len(field)
auth += struct.pack("<I", 1) + b"\0" * 24 + dom + user
setup = struct.pack("<HBBIIHHQ", 25, 0, 1, 0, 0, 88, len(auth), 0) + auth
login = struct.pack("<IIIIIIBBBBII", 0, 0x74000004, 4096, 7, 1, 0, 0, 0, 0, 0, 0, 0)
login += struct.pack("<HH", 94, 1) + struct.pack("<HH", 96, 2) + b"\0\0\0\0" * 7 + b"\0" * 6 + b"\0\0\0\0" * 3 + b"\0" * 4
login += utf16("h") + utf16("sa")
err_text = utf16("Login failed for user 'sa'.")
err = struct.pack("<IBBH", 18456, 1, 14, len(err_text) // 2) + err_text + b"\0\0" + struct.pack("<I", 1)
tds_err = b"\xaa" + struct.pack("<H", len(err)) + err + b"\xfd" + b"\0" * 12
sessions = tcp([10, 0, 0, 5], [10, 0, 0, 9], 49000, 445, [
    (True, smb1(0x72, False, 1, data=b"\x02NT LM 0.12\0")),
    (False, smb1(0x72, True, 1, words=struct.pack("<H", 0) + b"\0" * 32)),
    (True, smb1(0x32, False, 65, words=trans2_words, data=b"\0" * 13)),
    (False, smb1(0x32, True, 81, status=0xC0000002)),
    (True, smb2(1, False, 2, setup)),
    (False, smb2(1, True, 2, struct.pack("<HHHHB", 9, 0, 72, 0, 0), status=0xC000006D)),
])
sessions += tcp([10, 0, 0, 5], [10, 0, 0, 10], 49001, 1433, [
    (True, struct.pack(">BBHHBB", 0x10, 1, 8 + len(login), 0, 1, 0) + login),
    (False, struct.pack(">BBHHBB", 0x04, 1, 8 + len(tds_err), 0, 1, 0) + tds_err),
])
udp = struct.pack(">HHHH", 5353, 53, 8 + 24, 0) + b"\x12\x34" + b"\0" * 22
sessions += [ipv4([10, 0, 0, 5], [10, 0, 0, 53], 17, udp[:16], 7, 0x2000), ipv4([10, 0, 0, 5], [10, 0, 0, 53], 17, udp[16:], 7, 2)]
capture = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
for i, f in enumerate(sessions):
    capture += struct.pack("<IIII", 1700000000 + i, 0, len(f), len(f)) + f

os.makedirs(out, exist_ok=True)
open(os.path.join(out, "sessions.pcap"), "wb").write(capture)
open(os.path.join(out, "classic.pcap"), "wb").write(classic)
open(os.path.join(out, "ng.pcapng"), "wb").write(ng)
