#!/usr/bin/env bash
# The Windows collector under Wine: size of minesweep.exe, and the wall time of `minesweep.exe triage` in a fresh
# Wine prefix against a no-op Wine program (`cmd /c exit`) run the same way, so Wine's own start-up is shown apart.
# No peer tool collects a Windows host under Linux, so the ratio printed is triage / Wine's start-up.
#
#   bench/windows_triage.sh [build/windows]      (scripts/build-windows.sh first; Debian wine64)
set -euo pipefail
dir=${1:-build/windows}
exe=$dir/minesweep.exe
wine=/usr/lib/wine/wine64
[[ -x $wine ]] || wine=$(command -v wine64 || command -v wine || true)
[[ -f $exe && -n $wine ]] || { echo "needs $exe (scripts/build-windows.sh) and Wine (apt-get install wine64)" >&2; exit 2; }
work=$(mktemp -d)
trap 'WINEPREFIX=$work/prefix wineserver -k 2>/dev/null || true; rm -rf "$work"' EXIT
export WINEPREFIX=$work/prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY
"$wine" wineboot --init >/dev/null 2>&1
wall() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc; }
noop=$(wall "$wine" cmd /c exit)
triage=$(wall "$wine" "$exe" triage --out "Z:${work//\//\\}\\bundle" --sample-ms 200)
files=$(find "$work/bundle" -type f | wc -l)
bytes=$(du -sb "$work/bundle" | cut -f1)
printf 'minesweep.exe            %10d bytes\n' "$(stat -c %s "$exe")"
printf 'Wine no-op (cmd /c exit) %10.2f s\n' "$noop"
printf 'minesweep.exe triage     %10.2f s   (%d files, %d bytes; CPU sample 200 ms)\n' "$triage" "$files" "$bytes"
printf 'ratio triage / no-op:    %10.1fx\n' "$(echo "$triage / $noop" | bc -l)"
