#!/usr/bin/env bash
# The jobs users run against the parser's own speed, on dense Security logs of growing size: time and peak RSS of
# `evtx dump`, `evtx hunt` (built-in rules, and with every SigmaHQ Windows rule when the corpus is present), `scan`
# (and the case's size), `evtx logons`, with libevtx's evtxexport for scale; ratios to `evtx dump`.
#   bench/engine.sh [minesweep] [MiB...]        (default: build/release/minesweep 200 1024; 4095 for the 4 GiB run:
#                                                an EVTX file holds at most 65,535 chunks)
# Inputs: a password-guessing log (bench/make_guessing_log: 3,561 failures from one address then a success, as in the
# WannaMine write-up) and, when the corpus is present, its parser-samples/security.evtx — each repeated to size by
# bench/make_evtx_input.py. Needs a developer build for make_guessing_log (build/dev, scripts/build.sh test).
set -euo pipefail
bin=${1:-build/release/minesweep}
shift || true
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(200 1024)
maker=${MAKE_GUESSING_LOG:-build/dev/bench/make_guessing_log}
rules=../shared/corpus/sigma/sigmahq/rules/windows
security=../shared/corpus/evtx/parser-samples/security.evtx
[[ -x "$bin" ]] || { echo "build minesweep first: scripts/build.sh release" >&2; exit 2; }
[[ -x "$maker" ]] || { echo "build the bench drivers first: scripts/build.sh test (or set MAKE_GUESSING_LOG)" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "missing /usr/bin/time: apt-get install time" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/engine.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$maker" "$work/guessing.evtx" >/dev/null
sources=(guessing)
[[ -f $security ]] && { cp "$security" "$work/security.evtx"; sources+=(security); }

# run LABEL COMMAND...: wall seconds and peak RSS (MiB) into $work/LABEL, output discarded.
run() {
  local label=$1
  shift
  /usr/bin/time -f "%e %M" -o "$work/$label.t" "$@" >/dev/null 2>&1 || true
  # The last line: /usr/bin/time puts "Command exited with non-zero status" first when a hunt finds something.
  tail -1 "$work/$label.t" | awk '{ printf "%.2f %.0f\n", $1, $2 / 1024 }' > "$work/$label"
}

printf '%-9s %6s  %-28s %9s %8s %9s\n' log MiB job seconds "x dump" "peak MiB"
for src in "${sources[@]}"; do
  for mib in "${sizes[@]}"; do
    input="$work/$src-$mib.evtx"
    python3 bench/make_evtx_input.py "$work/$src.evtx" "$input" "$mib" >/dev/null
    run dump "$bin" evtx dump --quiet "$input"
    run hunt "$bin" evtx hunt --quiet "$input"
    jobs=(dump hunt)
    if [[ -d $rules ]]; then
      run hunt_sigmahq "$bin" evtx hunt --quiet --sigma "$rules" "$input"
      jobs+=(hunt_sigmahq)
    fi
    rm -f "$work/case.sqlite"
    run scan "$bin" scan --quiet --case "$work/case.sqlite" "$input"
    run logons "$bin" evtx logons --quiet "$input"
    jobs+=(scan logons)
    if command -v evtxexport >/dev/null; then
      run evtxexport evtxexport "$input"
      jobs+=(evtxexport)
    fi
    read -r base _ < "$work/dump"
    for job in "${jobs[@]}"; do
      read -r secs rss < "$work/$job"
      case $job in
        hunt) label="evtx hunt (built-in rules)" ;;
        hunt_sigmahq) label="evtx hunt (+ SigmaHQ Windows)" ;;
        *) label=$job ;;
      esac
      awk -v s="$src" -v m="$mib" -v l="$label" -v t="$secs" -v b="$base" -v r="$rss" \
        'BEGIN { printf "%-9s %6d  %-28s %9.2f %8.1f %9d\n", s, m, l, t, (b > 0 ? t / b : 0), r }'
    done
    printf '%-9s %6d  %-28s %9s %8s %9d\n' "$src" "$mib" "case size (MiB)" - - \
      $(( $(stat -c %s "$work/case.sqlite" 2>/dev/null || echo 0) / 1048576 ))
    rm -f "$input" "$work/case.sqlite"
  done
done
