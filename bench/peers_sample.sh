#!/usr/bin/env bash
# Sample analysis against YARA alone: `minesweep sample --recursive` (format, hashes with ssdeep, PE/packers/
# signature, scripts, strings and indicators, archive/SFX/PyInstaller unpacking, intel, and YARA) against `yara -r`
# with the same rules on the same files, in one run. Prints MB/s and the ratio (target: minesweep costs no more than
# 1.5x YARA alone).
#   bench/peers_sample.sh [build dir, default build/dev] [rules folder, default ../shared/corpus/yara]
#                         [input folder, default ../shared/corpus]
# Both tools get the built-in rules (data/rules/yara) and every rule file of the folder that compiles (minesweep
# reports the others; yara would refuse to start with them). yara compiles its rules on every run; minesweep loads
# them from its cache, which the first, untimed run fills — as a responder's second scan would.
set -euo pipefail
build=${1:-build/dev}
rules=${2:-../shared/corpus/yara}
input=${3:-../shared/corpus}
bin=$build/minesweep
[[ -x "$bin" ]] || { echo "build minesweep first: scripts/build.sh release (or test)" >&2; exit 2; }
command -v yara >/dev/null || { echo "yara is missing: apt-get install yara (scripts/setup.sh --dev)" >&2; exit 2; }
[[ -d "$rules" && -d "$input" ]] || { echo "rules or input folder missing: $rules $input" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The rule files that compile, as minesweep found them (one untimed run also fills minesweep's cache).
{ "$bin" sample --json --yara "$rules" --yara-cache "$work/cache" /bin/true 2>/dev/null || true; } |
  python3 -c 'import json, sys; [print(f["path"]) for f in json.load(sys.stdin)["yara_rules"]["failed"]]' |
  sort > "$work/failed.txt"
find "$rules" -type f \( -name '*.yar' -o -name '*.yara' \) | sort > "$work/all.txt"
comm -23 "$work/all.txt" "$work/failed.txt" > "$work/good.txt"
args=()
i=0
for f in data/rules/yara/*.yar; do i=$((i + 1)); args+=("builtin$i:$f"); done
while read -r f; do i=$((i + 1)); args+=("n$i:$f"); done < "$work/good.txt"

bytes=$(find "$input" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
files=$(find "$input" -type f | wc -l)
find "$input" -type f -exec cat {} + > /dev/null  # page cache warm for both
now() { date +%s.%N; }
t0=$(now)
yara -w -r -p 2 -d filename= -d filepath= -d extension= -d filetype= -d owner= "${args[@]}" "$input" \
  > "$work/yara.txt" 2> "$work/yara.err" || true
t1=$(now)
"$bin" sample --recursive --json --threads 2 --yara "$rules" --yara-cache "$work/cache" "$input" \
  > "$work/minesweep.jsonl" 2> "$work/minesweep.err" || true
t2=$(now)
yara_matches=$(wc -l < "$work/yara.txt")
ms_files=$(wc -l < "$work/minesweep.jsonl")
ms_matches=$(python3 -c 'import json, sys
n = 0
def walk(j):
    global n
    n += len(j.get("yara", []))
    for c in j.get("children", []): walk(c)
for line in open(sys.argv[1]): walk(json.loads(line))
print(n)' "$work/minesweep.jsonl")
awk -v b="$bytes" -v f="$files" -v y="$(echo "$t1 - $t0" | bc)" -v m="$(echo "$t2 - $t1" | bc)" \
    -v good="$(wc -l < "$work/good.txt")" -v bad="$(wc -l < "$work/failed.txt")" -v ym="$yara_matches" \
    -v mf="$ms_files" -v mm="$ms_matches" 'BEGIN {
  mb = b / 1048576
  printf "input                          %d files, %.1f MiB; rules: built-in + %d files (%d did not compile)\n", f, mb, good, bad
  printf "yara -r -p 2                   %7.2f s  %7.2f MB/s  (%d rule matches)\n", y, mb / y, ym
  printf "minesweep sample --recursive   %7.2f s  %7.2f MB/s  (%d files, %d rule matches incl. unpacked children)\n", m, mb / m, mf, mm
  printf "ratio (minesweep / yara)       %.2fx the time of YARA alone (target: at most 1.5x)\n", m / y }'
