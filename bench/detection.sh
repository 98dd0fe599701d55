#!/usr/bin/env bash
# Detection measured both ways, on public evidence nobody here wrote and on logs of ordinary work:
#   attack side: every EVTX under ../shared/corpus/evtx/attack-samples through `evtx hunt` with SigmaHQ's Windows
#     rules (plus the built-in rules and record heuristics) and through `scan` (built-in content only, one scan per
#     file). Per tactic folder: files, files with any finding, and files with a finding whose ATT&CK tag matches the
#     folder's tactic or a technique the file name gives (T1186). ATT&CK v18 split Defense Evasion into Stealth and
#     Defense Impairment; SigmaHQ tags with the new names, so the folder matches all three. Scan findings carry
#     technique ids only: their tactics come from the table below (ATT&CK's own assignment).
#   benign side: the parser-samples logs (edge cases of format, no attacks), plaso's System log and the generated
#     scenarios of tests/support/benign_windows_logs (make_benign_logs): per log, findings by severity from `scan`
#     (the verdict a responder reads) and matches by level from `hunt` with SigmaHQ, for comparison.
#
#   bench/detection.sh [build dir, default build/dev] [SigmaHQ Windows rules] [attack samples]
# Needs the developer build (make_benign_logs) and python3. Prints tables; exits 0.
set -euo pipefail
build=${1:-build/dev}
rules=${2:-../shared/corpus/sigma/sigmahq/rules/windows}
attacks=${3:-../shared/corpus/evtx/attack-samples}
bin=$build/minesweep
gen=$build/bench/make_benign_logs
[[ -x "$bin" && -x "$gen" ]] || { echo "build first: scripts/build.sh test (needs $bin and $gen)" >&2; exit 2; }
[[ -d "$rules" && -d "$attacks" ]] || { echo "corpus not present: need $rules and $attacks" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# scan_each OUT FILE...: one scan per file (case engines see one host's log, as a responder scans one collection),
# the report's findings as JSON Lines tagged with the file.
scan_each() {
  local out=$1
  shift
  : >"$out"
  local i=0
  for f in "$@"; do
    i=$((i + 1))
    "$bin" scan --quiet --case "$work/case$i.sqlite" "$f" >/dev/null 2>&1 || true
    "$bin" report "$work/case$i.sqlite" --format json 2>/dev/null |
      python3 -c 'import json,sys; f=sys.argv[1]; [print(json.dumps({"file": f, **x})) for x in json.load(sys.stdin)["findings"]]' "$f" >>"$out"
    rm -f "$work/case$i.sqlite"*
  done
}

mapfile -d '' attack_files < <(find "$attacks" -name '*.evtx' -type f -print0 | sort -z)
"$gen" "$work/benign" >/dev/null
mapfile -d '' benign_files < <(find ../shared/corpus/evtx/parser-samples ../shared/corpus/windows/plaso/evtx "$work/benign" \
  -name '*.evtx' -type f -print0 2>/dev/null | sort -z)
printf '%s\0' "${attack_files[@]}" >"$work/attack.list"
printf '%s\0' "${benign_files[@]}" >"$work/benign.list"

start=$(date +%s.%N)
"$bin" evtx hunt --json --quiet --sigma "$rules" "${attack_files[@]}" >"$work/attack.hunt" 2>/dev/null || true
"$bin" evtx hunt --json --quiet --sigma "$rules" "${benign_files[@]}" >"$work/benign.hunt" 2>/dev/null || true
hunt_secs=$(echo "$(date +%s.%N) - $start" | bc)
start=$(date +%s.%N)
scan_each "$work/attack.scan" "${attack_files[@]}"
scan_each "$work/benign.scan" "${benign_files[@]}"
scan_secs=$(echo "$(date +%s.%N) - $start" | bc)
echo "minesweep $("$bin" --version 2>/dev/null | head -1); $(find "$rules" -name '*.yml' | wc -l) SigmaHQ rules; hunt ${hunt_secs}s, scans ${scan_secs}s"

python3 - "$attacks" "$work" <<'PY'
import collections, json, os, re, sys

attacks, work = sys.argv[1].rstrip("/") + "/", sys.argv[2]
read_list = lambda name: [p for p in open(os.path.join(work, name), "rb").read().decode().split("\0") if p]
attack_files, benign_files = read_list("attack.list"), read_list("benign.list")

def load(name):
    hits = collections.defaultdict(list)
    for line in open(os.path.join(work, name)):
        j = json.loads(line)
        if j.get("correlation"):
            for e in j.get("evidence", []):
                if e.get("file"):
                    hits[e["file"]].append({"tags": [], "level": j.get("level", ""), "title": j["title"]})
            continue
        hits[j["file"]].append(j)
    return hits

# ATT&CK's tactics of the techniques minesweep's own rules and heuristics report (scan findings carry ids only).
TACTICS = {
    "t1110": ["credential-access"], "t1078": ["defense-evasion", "persistence", "privilege-escalation", "initial-access"],
    "t1543": ["persistence", "privilege-escalation"], "t1053": ["execution", "persistence", "privilege-escalation"],
    "t1546": ["persistence", "privilege-escalation"], "t1547": ["persistence", "privilege-escalation"],
    "t1136": ["persistence"], "t1098": ["persistence", "privilege-escalation"], "t1070": ["defense-evasion"],
    "t1562": ["defense-evasion"], "t1496": ["impact"], "t1087": ["discovery"], "t1204": ["execution"],
    "t1564": ["defense-evasion"], "t1210": ["lateral-movement"], "t1565": ["impact"], "t1021": ["lateral-movement"],
    "t1569": ["execution"], "t1047": ["execution"], "t1059": ["execution"], "t1105": ["command-and-control"],
    "t1071": ["command-and-control"], "t1190": ["initial-access"], "t1133": ["persistence", "initial-access"],
}
FOLDER = {"defense-evasion": ["defense-evasion", "stealth", "defense-impairment"]}

def tactic_of(path):
    rel = path[len(attacks):] if path.startswith(attacks) else os.path.basename(path)
    return rel.split("/")[0] if "/" in rel else "(top level)"

def matches(path, hits, scan):
    want = FOLDER.get(tactic_of(path).lower().replace(" ", "-"), [tactic_of(path).lower().replace(" ", "-")])
    named = [t.lower() for t in re.findall(r"[Tt]\d{4}(?:\.\d{3})?", os.path.basename(path))]
    for h in hits:
        tags = [t.lower().replace("_", "-") for t in h.get("tags", [])]
        if scan:
            tags = ["attack." + a.lower() for a in h.get("attack", [])]
            tags += ["attack." + tac for a in h.get("attack", []) for tac in TACTICS.get(a.lower().split(".")[0], [])]
        if any("attack." + w in tags for w in want):
            return True
        if any(tag.startswith("attack." + n) for n in named for tag in tags):
            return True
    return False

hunt, scan = load("attack.hunt"), load("attack.scan")
rows = collections.OrderedDict()
for f in attack_files:
    r = rows.setdefault(tactic_of(f), [0] * 7)
    h, s = hunt.get(f, []), scan.get(f, [])
    r[0] += 1
    r[1] += bool(h)
    r[2] += matches(f, h, False)
    r[3] += bool(s)
    r[4] += matches(f, s, True)
    r[5] += bool(h or s)
    r[6] += matches(f, h, False) or matches(f, s, True)
print("\nattack samples: files with any finding / with a finding tagged with the folder's tactic or the file's technique")
print(f"{'tactic':<24}{'files':>6}  {'hunt any':>9}{'hunt tag':>9}  {'scan any':>9}{'scan tag':>9}  {'both any':>9}{'both tag':>9}")
total = [0] * 7
for tactic, r in sorted(rows.items()):
    print(f"{tactic:<24}{r[0]:>6}  {r[1]:>9}{r[2]:>9}  {r[3]:>9}{r[4]:>9}  {r[5]:>9}{r[6]:>9}")
    total = [a + b for a, b in zip(total, r)]
pct = lambda n: f"{100 * n / max(total[0], 1):.1f}%"
print(f"{'total':<24}{total[0]:>6}  {total[1]:>9}{total[2]:>9}  {total[3]:>9}{total[4]:>9}  {total[5]:>9}{total[6]:>9}")
print(f"{'':<24}{'':>6}  {pct(total[1]):>9}{pct(total[2]):>9}  {pct(total[3]):>9}{pct(total[4]):>9}  {pct(total[5]):>9}{pct(total[6]):>9}")

bhunt, bscan = load("benign.hunt"), load("benign.scan")
levels = ["critical", "high", "medium", "low", "informational"]
print("\nbenign logs: scan findings by severity (the verdict) | hunt with SigmaHQ, matches by level")
print(f"{'log':<70}{'scan c/h/m/l/i':>16}  {'hunt c/h/m/l/i':>22}")
quiet = True
for f in benign_files:
    s = collections.Counter(x["severity"] for x in bscan.get(f, []))
    h = collections.Counter(x.get("level", "") for x in bhunt.get(f, []))
    quiet = quiet and s["critical"] == 0 and s["high"] == 0
    name = f.split("/")[-1] if "/benign/" in f else f.replace("../shared/corpus/", "")
    print(f"{name[-69:]:<70}{'/'.join(str(s[l]) for l in levels):>16}  {'/'.join(str(h[l]) for l in levels):>22}")
print(f"\nbenign logs without a high or critical scan finding: {'all' if quiet else 'NOT all'} of {len(benign_files)}")
PY
