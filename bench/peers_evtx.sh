#!/usr/bin/env bash
# EVTX parsing, minesweep against the tools responders use, on the same files in one run:
#   minesweep evtx dump (1 and 2 threads), libevtx's evtxexport (Debian libevtx-utils), python-evtx's evtx_dump.py
#   (Debian python3-evtx). Prints MB/s, records/s, peak RSS and the ratios.
#
#   bench/peers_evtx.sh [minesweep binary] [folder or files...]   (default: ../shared/corpus/evtx)
# Set PEERS_SKIP_PYTHON=1 to leave python-evtx out (it is ~100x slower).
set -euo pipefail
bin=${1:-build/release/minesweep}
shift || true
inputs=("$@")
[[ ${#inputs[@]} -gt 0 ]] || inputs=(../shared/corpus/evtx)
[[ -x "$bin" ]] || { echo "build minesweep first (scripts/build.sh release)" >&2; exit 2; }
for tool in evtxexport /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install libevtx-utils time python3-evtx" >&2; exit 2; }
done

mapfile -d '' files < <(find "${inputs[@]}" -name '*.evtx' -type f -print0 | sort -z)
[[ ${#files[@]} -gt 0 ]] || { echo "no .evtx files under ${inputs[*]}" >&2; exit 2; }
bytes=$(cat "${files[@]}" | wc -c)
mb=$(echo "scale=3; $bytes / 1048576" | bc)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# run NAME COMMAND...: wall seconds and peak RSS (KiB), output discarded. The wall time is read from bash's
# microsecond clock (minesweep's corpus run is a few of /usr/bin/time's 10 ms steps) and is the best of
# BENCH_REPEAT runs (default 5) for minesweep, of BENCH_PEER_REPEAT (default 3) for evtxexport, of one for
# python-evtx (minutes per run).
run() {
  local name=$1 repeat=1 best="" start end secs rss
  shift
  [[ $name == ms* ]] && repeat=${BENCH_REPEAT:-5}
  [[ $name == libevtx ]] && repeat=${BENCH_PEER_REPEAT:-3}
  for ((i = 0; i < repeat; i++)); do
    start=$EPOCHREALTIME
    "$@" >/dev/null 2>&1 || true
    end=$EPOCHREALTIME
    secs=$(echo "$end - $start" | bc)
    if [[ -z $best ]] || (($(echo "$secs < $best" | bc))); then best=$secs; fi
  done
  /usr/bin/time -f "%M" -o "$work/$name.rss" "$@" >/dev/null 2>/dev/null || true
  rss=$(tail -1 "$work/$name.rss")
  echo "$best $rss" > "$work/$name.time"
}

records=$("$bin" evtx dump --quiet --threads 1 "${files[@]}" | wc -l)
run ms1 "$bin" evtx dump --quiet --threads 1 "${files[@]}"
run ms2 "$bin" evtx dump --quiet --threads 2 "${files[@]}"
run libevtx bash -c 'for f in "$@"; do evtxexport "$f"; done' _ "${files[@]}"
[[ "${PEERS_SKIP_PYTHON:-0}" == 1 ]] || run python bash -c 'for f in "$@"; do evtx_dump.py "$f"; done' _ "${files[@]}"

printf '%d files, %s MB, %d records (minesweep count)\n\n' "${#files[@]}" "$mb" "$records"
printf '%-28s %9s %10s %12s %10s\n' tool seconds MB/s records/s "peak RSS"
for t in ms1 ms2 libevtx python; do
  [[ -f "$work/$t.time" ]] || continue
  read -r secs rss < "$work/$t.time"
  case $t in ms1) label="minesweep (1 thread)";; ms2) label="minesweep (2 threads)";;
             libevtx) label="evtxexport (libevtx)";; python) label="evtx_dump.py (python-evtx)";; esac
  awk -v l="$label" -v s="$secs" -v mb="$mb" -v r="$records" -v rss="$rss" \
    'BEGIN { if (s < 0.001) s = 0.001; printf "%-28s %9.3f %10.1f %12.0f %8.1f MB\n", l, s, mb / s, r / s, rss / 1024 }'
done
echo
read -r s1 _ < "$work/ms1.time"; read -r s2 _ < "$work/ms2.time"; read -r sl _ < "$work/libevtx.time"
awk -v a="$s1" -v b="$s2" -v l="$sl" 'BEGIN {
  if (a < 0.001) a = 0.001; if (b < 0.001) b = 0.001
  printf "ratio evtxexport / minesweep(1 thread):   %.1fx\n", l / a
  printf "ratio minesweep 1 thread / 2 threads:     %.2fx\n", a / b }'
if [[ -f "$work/python.time" ]]; then
  read -r sp _ < "$work/python.time"
  awk -v a="$s1" -v p="$sp" 'BEGIN { if (a < 0.001) a = 0.001; printf "ratio python-evtx / minesweep(1 thread):  %.1fx\n", p / a }'
fi
