#!/usr/bin/env bash
# Live triage of this host: `minesweep triage` against `lynis audit system --quick` (Debian's lynis, the audit tool
# responders run on Linux servers), in one run, with N extra processes started first so the process table has the
# size the issue's target names (1,000). Prints wall time, peak RSS and the ratios. Run as root for a full picture;
# both tools see the same host either way.
#   bench/peers_triage.sh [build/release/minesweep] [extra processes, default 1000]
set -euo pipefail
bin=${1:-build/release/minesweep}
extra=${2:-1000}
[[ -x "$bin" ]] || { echo "build minesweep first (scripts/build.sh release)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "needs GNU time (Debian package 'time')" >&2; exit 2; }
work=$(mktemp -d)
pids=()
cleanup() { ((${#pids[@]})) && kill "${pids[@]}" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
for ((i = 0; i < extra; i++)); do
  sleep 600 &
  pids+=($!)
done
procs=$(ls -d /proc/[0-9]* | wc -l)

measure() {  # label, command...: prints "seconds peak_kib"
  local label=$1
  shift
  /usr/bin/time -f "%e %M" -o "$work/$label.time" "$@" >"$work/$label.out" 2>"$work/$label.err" || true
  cat "$work/$label.time" | tail -1
}
read -r ms_s ms_kib < <(measure minesweep "$bin" triage --quiet --out "$work/triage")
echo "processes on the host   $procs"
printf "minesweep triage        %6.2f s   %7.1f MB peak RSS   (%s findings)\n" "$ms_s" "$(echo "$ms_kib / 1024" | bc -l)" \
  "$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[\"verdict\"][\"findings\"])" "$work/triage/report.json" 2>/dev/null || echo ?)"
if command -v lynis >/dev/null || [[ -x /usr/sbin/lynis ]]; then
  lynis_bin=$(command -v lynis || echo /usr/sbin/lynis)
  read -r ly_s ly_kib < <(measure lynis "$lynis_bin" audit system --quick --no-colors --logfile "$work/lynis.log" \
    --report-file "$work/lynis.dat")
  printf "lynis audit --quick     %6.2f s   %7.1f MB peak RSS\n" "$ly_s" "$(echo "$ly_kib / 1024" | bc -l)"
  awk -v a="$ly_s" -v b="$ms_s" -v c="$ly_kib" -v d="$ms_kib" 'BEGIN {
    printf "ratio (lynis / minesweep)   time %.1fx, memory %.1fx\n", a / b, c / d }'
else
  echo "lynis not installed (apt-get install lynis): no peer figures"
fi
awk -v s="$ms_s" -v k="$ms_kib" 'BEGIN {
  printf "targets: < 15 s (%s), < 200 MB (%s)\n", (s < 15 ? "met" : "NOT met"), (k < 204800 ? "met" : "NOT met") }'
