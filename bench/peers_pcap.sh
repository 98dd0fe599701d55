#!/usr/bin/env bash
# Traffic analysis on one large capture, minesweep against the tools responders use, in one run:
#   minesweep pcap (flows with TCP reassembly, mining/SMB/TDS/TLS/HTTP/DNS parsing and the built-in engines; on all
#   cores and on one thread), tshark -T fields with the equivalent
#   fields (addresses, ports, frame length), ndpiReader (nDPI's flow and protocol report). Prints MB/s, packets/s,
#   peak RSS and the ratios.
#
#   bench/peers_pcap.sh [minesweep binary] [MiB, default 1024]
# The input is built from the public captures with shifted addresses (bench/make_pcap_input.py).
# Needs: tshark and libndpi-bin (apt-get install tshark libndpi-bin).
set -euo pipefail
bin=${1:-build/release/minesweep}
mib=${2:-1024}
[[ -x "$bin" ]] || { echo "build minesweep first (scripts/build.sh release)" >&2; exit 2; }
for tool in tshark ndpiReader /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install tshark libndpi-bin time" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mapfile -d '' inputs < <(find ../shared/corpus/pcap -name '*.pcap' -type f -print0 | sort -z)
python3 "$(dirname "$0")/make_pcap_input.py" "$work/big.pcap" "$mib" "${inputs[@]}"
bytes=$(stat -c %s "$work/big.pcap")
packets=$(python3 - "$work/big.pcap" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb"); d.seek(24); n = 0
while True:
    h = d.read(16)
    if len(h) < 16: break
    d.seek(struct.unpack("<IIII", h)[2], 1); n += 1
print(n)
PY
)
run() {  # name, command...: wall seconds and peak RSS (KiB) into $work/name.time
  local name=$1
  shift
  /usr/bin/time -f "%e %M" -o "$work/$name.time" "$@" >"$work/$name.out" 2>/dev/null || true
}
run minesweep "$bin" pcap --quiet "$work/big.pcap"
run minesweep-1-thread "$bin" pcap --quiet --threads 1 "$work/big.pcap"
run tshark tshark -r "$work/big.pcap" -T fields -e frame.number -e frame.len -e ip.src -e ip.dst -e tcp.srcport \
  -e tcp.dstport -e udp.srcport -e udp.dstport
run ndpi ndpiReader -q -i "$work/big.pcap"
printf '%d MiB, %d packets\n\n%-22s %9s %10s %12s %10s\n' "$((bytes >> 20))" "$packets" tool seconds MB/s packets/s "peak RSS"
for t in minesweep minesweep-1-thread tshark ndpi; do
  read -r secs rss < <(tail -1 "$work/$t.time")
  awk -v l="$t" -v s="$secs" -v b="$bytes" -v p="$packets" -v rss="$rss" \
    'BEGIN { if (s < 0.01) s = 0.01; printf "%-22s %9.2f %10.1f %12.0f %8.1f MB\n", l, s, b / s / 1e6, p / s, rss / 1024 }'
done
read -r sm _ < <(tail -1 "$work/minesweep.time"); read -r st _ < <(tail -1 "$work/tshark.time"); read -r sn _ < <(tail -1 "$work/ndpi.time")
awk -v m="$sm" -v t="$st" -v n="$sn" 'BEGIN { if (m < 0.01) m = 0.01
  printf "\nratio tshark / minesweep:     %.1fx\nratio ndpiReader / minesweep: %.1fx\n", t / m, n / m }'
echo "minesweep: $(tail -1 "$work/minesweep.out")"
