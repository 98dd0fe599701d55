#!/usr/bin/env python3
"""Field-by-field comparison of `minesweep evtx dump --format xml` with python-evtx (Debian python3-evtx).

For every file both tools can read, each record is flattened to {element path or path@attribute: value} and the
two are compared after normalising what differs only in notation: GUID letter case, hex zero-padding
(0x00000000000003e7 vs 0x3e7), timestamp notation ("2017-12-26 13:10:29.136879" vs "2017-12-26T13:10:29.1368792Z"),
and empty attributes python-evtx prints for NULL values (Qualifiers=""). Also: size_t values (python-evtx decimal, Event Viewer hex), binary data (python-evtx base64, Event Viewer hex), string
arrays (python-evtx <string> children, minesweep ", "-joined). Prints per-file mismatches and a summary.

    bench/compare_python_evtx.py build/release/minesweep ../shared/corpus/evtx [more folders or files]
"""
import base64
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

NS = re.compile(r"\{[^}]*\}")
HEX = re.compile(r"^0x[0-9a-fA-F]+$")
TIME = re.compile(r"^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.(\d+))?Z?$")
GUID = re.compile(r"^\{[0-9a-fA-F-]{36}\}$")


def norm(value, key=""):
    # python-evtx drops characters XML cannot carry; minesweep marks them with U+FFFD.
    v = (value or "").replace("\ufffd", "").strip()
    if key.endswith("/Binary"):
        return v
    if v in ("True", "False"):  # Event Viewer writes booleans in lower case
        return v.lower()
    if HEX.match(v):
        return int(v, 16)  # size_t: python-evtx decimal, Event Viewer hex; both are the same number
    if re.fullmatch(r"\d{1,19}", v):
        return int(v)
    if v.startswith("<string>"):  # python-evtx wraps string-array elements; minesweep joins them with ", "
        return ", ".join(re.findall(r"<string>(.*?)</string>", v, re.S))
    m = TIME.match(v)
    if m:
        # python-evtx converts FILETIME through floats and can be 1 microsecond off: keep microseconds as a number
        # and let same() allow that.
        frac = (m.group(3) or "")[:6].ljust(6, "0")
        return ("time", "%sT%s" % (m.group(1), m.group(2)), int(frac))
    if GUID.match(v):
        return v.lower()
    return v


def same(a, b):
    if a.keys() != b.keys():
        return False
    for k, va in a.items():
        vb = b[k]
        if isinstance(va, tuple) and isinstance(vb, tuple):
            if va[1] != vb[1] or abs(va[2] - vb[2]) > 5:
                return False
        elif isinstance(va, str) and isinstance(vb, str) and k.endswith("/Binary"):
            # python-evtx writes binary as base64, Event Viewer (and minesweep) as upper-case hex.
            try:
                if base64.b64decode(va).hex().upper() != vb:
                    return False
            except ValueError:
                return False
        elif va != vb:
            return False
    return True


def flatten(event):
    out = {}

    def walk(el, path):
        tag = NS.sub("", el.tag)
        name = el.get("Name")
        here = "%s/%s" % (path, tag) + ("[%s]" % name if tag == "Data" and name else "")
        for k, v in el.attrib.items():
            k = NS.sub("", k)
            if k == "xmlns" or (tag == "Data" and k == "Name") or v == "":
                continue
            out["%s@%s" % (here, k)] = norm(v, here)
        text = norm(el.text, here)
        if text:
            out[here] = text
        for child in el:
            walk(child, here)

    walk(event, "")
    return out


def records(xml_text):
    xml_text = re.sub(r"<\?xml[^>]*\?>", "", xml_text)
    root = ET.fromstring("<Events>" + xml_text.replace("<Events>", "").replace("</Events>", "") + "</Events>")
    return [flatten(e) for e in root]


def main():
    binary, inputs = sys.argv[1], sys.argv[2:]
    files = []
    for i in inputs:
        if os.path.isdir(i):
            for d, _, names in os.walk(i):
                files += [os.path.join(d, n) for n in names if n.endswith(".evtx")]
        else:
            files.append(i)
    totals = {"files": 0, "compared_files": 0, "records": 0, "equal": 0, "python_failed": 0, "unparseable_xml": 0}
    for f in sorted(files):
        totals["files"] += 1
        py = subprocess.run(["evtx_dump.py", f], capture_output=True, text=True, errors="replace")
        if py.returncode != 0 or "Traceback" in py.stderr:
            totals["python_failed"] += 1
            continue
        ours = subprocess.run([binary, "evtx", "dump", "--quiet", "--format", "xml", f], capture_output=True,
                              text=True, errors="replace")
        try:
            a = records(py.stdout)
            side = "minesweep"
            b = records(ours.stdout)
        except ET.ParseError as e:
            totals["unparseable_xml"] += 1
            print("%s: XML not parseable (%s)" % (f, e))
            continue
        totals["compared_files"] += 1
        diffs = 0
        for ra, rb in zip(a, b):
            totals["records"] += 1
            if same(ra, rb):
                totals["equal"] += 1
            else:
                diffs += 1
                if diffs <= 2:
                    keys = sorted(set(ra) | set(rb))
                    bad = [(k, ra.get(k), rb.get(k)) for k in keys if ra.get(k) != rb.get(k)][:4]
                    print("%s: %s" % (f, bad))
        if len(a) != len(b):
            print("%s: record count python-evtx %d, minesweep %d" % (f, len(a), len(b)))
    print(totals)


if __name__ == "__main__":
    main()
