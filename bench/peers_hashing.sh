#!/usr/bin/env bash
# Evidence hashing, minesweep against the tools responders use (coreutils md5sum, sha1sum, sha256sum run one
# after another, as a manual triage does). Prints the wall-clock times and the ratio.
#   bench/peers_hashing.sh [build/release/minesweep] [size in MiB, default 512]
set -euo pipefail
bin=${1:-build/release/minesweep}
mib=${2:-512}
[[ -x "$bin" ]] || { echo "build minesweep first (scripts/build.sh release)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/evidence"
head -c $((mib << 20)) /dev/urandom > "$work/evidence/blob.bin"
cat "$work/evidence/blob.bin" > /dev/null  # warm the page cache for both sides

now() { date +%s.%N; }
t0=$(now)
md5sum "$work/evidence/blob.bin" >/dev/null
sha1sum "$work/evidence/blob.bin" >/dev/null
sha256sum "$work/evidence/blob.bin" >/dev/null
t1=$(now)
"$bin" scan --quiet --case "$work/case.sqlite" "$work/evidence" >/dev/null || true
t2=$(now)
awk -v p="$(echo "$t1 - $t0" | bc)" -v m="$(echo "$t2 - $t1" | bc)" -v mib="$mib" 'BEGIN {
  printf "input              %d MiB\n", mib
  printf "coreutils md5+sha1+sha256   %.2f s\n", p
  printf "minesweep scan (all three)  %.2f s\n", m
  printf "ratio (peers / minesweep)   %.2fx\n", p / m }'
