#!/usr/bin/env bash
# Sigma end to end: every SigmaHQ Windows rule (plus the built-in ones and their correlations) over every EVTX file
# of the public corpus, as `minesweep evtx hunt` runs it: load and compile the rules, parse every record, match,
# correlate. Prints MB/s, events/s and peak RSS, for 1 thread and all cores, and the same run with the built-in rules
# only (the cost of parsing alone) for scale.
#   bench/sigma.sh [minesweep binary, default build/release/minesweep] [rules dir] [evtx dir]
# No peer runs here: Hayabusa and Chainsaw are not Debian packages. Hayabusa's published end-to-end rate is about
# 5-22 MB/s on 4-core laptops; the issue's target is 60 MB/s on 2 cores with peak RSS under 300 MB.
set -euo pipefail
bin=${1:-build/release/minesweep}
rules=${2:-../shared/corpus/sigma/sigmahq/rules/windows}
evtx=${3:-../shared/corpus/evtx}
[[ -x "$bin" ]] || { echo "build minesweep first: scripts/build.sh release" >&2; exit 2; }
[[ -d "$rules" && -d "$evtx" ]] || { echo "corpus not present: need $rules and $evtx" >&2; exit 2; }
list=$(mktemp)
trap 'rm -f "$list" "$list".*' EXIT
find "$evtx" -name '*.evtx' -print0 | sort -z >"$list"
bytes=$(du -cb --files0-from="$list" | tail -1 | cut -f1)
files=$(tr -cd '\0' <"$list" | wc -c)
events=$(xargs -0 "$bin" evtx dump <"$list" 2>&1 >/dev/null | grep -Eo '^evtx: [0-9]+ records' | grep -Eo '[0-9]+')
rule_count=$(find "$rules" -name '*.yml' | wc -l)
echo "input: $files EVTX files, $((bytes / 1048576)) MiB, $events records; rules: $rule_count files under $rules"
run() {  # label, args...
  local label=$1
  shift
  xargs -0 /usr/bin/time -f "%e %M" -o "$list.time" "$bin" evtx hunt "$@" <"$list" >"$list.out" 2>/dev/null || true
  read -r secs kb < <(tail -1 "$list.time")
  python3 - "$label" "$secs" "$kb" "$bytes" "$events" "$(tail -n +1 "$list.out" | grep -E '^[0-9]+ matches and' || true)" <<'PY'
import sys
label, secs, kb, size, events, summary = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
secs = max(secs, 0.01)
print(f"{label:<34} {secs:6.2f} s  {size / secs / 1e6:7.1f} MB/s  {events / secs:9.0f} events/s  peak RSS {kb / 1024:6.1f} MiB  ({summary})")
PY
}
run "built-in rules, all cores" 
run "SigmaHQ windows + built-in, 1 thread" --threads 1 --sigma "$rules"
run "SigmaHQ windows + built-in, all cores" --sigma "$rules"
