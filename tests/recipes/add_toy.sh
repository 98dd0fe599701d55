#!/usr/bin/env bash
# HACKING.md's "How to add…" recipes, followed as written on a copy of the tree: a format (the toy log in
# tests/recipes/toy/), an artefact kind that lives at var/log/toy.log, and an engine that flags a root login. The copy
# is built and the new pieces run end to end: the golden test records and then checks the parser's events, the
# recipe test and the fuzz replay of the new target pass, and `minesweep scan` of a folder with a toy log finds the
# engine's finding in the case. A step the recipe forgets to mention fails here, not in a contributor's first patch.
#   tests/recipes/add_toy.sh [WORKDIR]      (CI runs it; needs the developer packages: scripts/setup.sh --dev)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
toy="$repo/tests/recipes/toy"
work=${1:-$(mktemp -d "${TMPDIR:-/tmp}/msw-recipe.XXXXXX")}
tree="$work/tree"
rm -rf "$tree"
mkdir -p "$tree"
# The tracked files as they are now (a clean clone in CI; uncommitted edits too when run by hand).
(cd "$repo" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - 2>/dev/null) | tar -xf - -C "$tree"
cd "$tree"

fail() {
  echo "recipe test: $*" >&2
  exit 1
}
# insert FILE ANCHOR TEXT [after|before]: TEXT goes beside the one line holding ANCHOR (a recipe names the place).
insert() {
  local file=$1 anchor=$2 text=$3 where=${4:-after}
  [[ $(grep -cF -- "$anchor" "$file") == 1 ]] || fail "$file: expected one line with '$anchor' (has the recipe's anchor moved?)"
  ANCHOR=$anchor TEXT=$text WHERE=$where python3 - "$file" <<'EOF'
import os, sys
path = sys.argv[1]
lines = open(path, encoding="utf-8").read().split("\n")
i = next(n for n, l in enumerate(lines) if os.environ["ANCHOR"] in l)
at = i + 1 if os.environ["WHERE"] == "after" else i
lines[at:at] = os.environ["TEXT"].split("\n")
open(path, "w", encoding="utf-8").write("\n".join(lines))
EOF
}
# append_to_list FILE ANCHOR WORD: WORD added at the end of the one line holding ANCHOR, before a closing ')'.
append_to_list() {
  local file=$1 anchor=$2 word=$3
  [[ $(grep -cF -- "$anchor" "$file") == 1 ]] || fail "$file: expected one line with '$anchor'"
  ANCHOR=$anchor WORD=$word python3 - "$file" <<'EOF'
import os, sys
path = sys.argv[1]
lines = open(path, encoding="utf-8").read().split("\n")
i = next(n for n, l in enumerate(lines) if os.environ["ANCHOR"] in l)
l = lines[i]
lines[i] = l[:-1] + " " + os.environ["WORD"] + ")" if l.endswith(")") else l + " " + os.environ["WORD"]
open(path, "w", encoding="utf-8").write("\n".join(lines))
EOF
}

echo "== A format: src/formats/toylog/, its source list, its magic, a fuzz target with seeds, golden inputs"
cp -r "$toy/src/formats/toylog" src/formats/
append_to_list src/CMakeLists.txt "formats/archive/archive.cpp" "formats/toylog/toylog.cpp"
insert src/formats/registry.h "  Text," "  Toylog," before
insert src/formats/registry.cpp '    case FileFormat::Text: return "text";' '    case FileFormat::Toylog: return "toylog";' before
insert src/formats/registry.cpp "    {FileFormat::Text, is_text," \
  '    {FileFormat::Toylog, [](Bytes b) { return has_prefix(b, "TOYLOG 1\n"); }, "\"TOYLOG 1\" and a line feed"},' before
sed -i '/#include "formats\/mbr\/mbr.h"/i #include "formats/toylog/toylog.h"' src/formats/registry.cpp
cp "$toy/fuzz/toylog_fuzzer.cpp" fuzz/
mkdir -p fuzz/corpus/toylog
cp "$toy/tests/golden/toylog/logins.in.log" fuzz/corpus/toylog/logins
sed -i -E 's/^(set\(MSW_FUZZ_TARGETS [a-z_ ]+)\)/\1 toylog)/' fuzz/CMakeLists.txt
grep -q "MSW_FUZZ_TARGETS.* toylog)" fuzz/CMakeLists.txt || fail "fuzz/CMakeLists.txt: MSW_FUZZ_TARGETS not found"
mkdir -p tests/golden/toylog
cp "$toy/tests/golden/toylog/logins.in.log" tests/golden/toylog/
insert tests/golden/golden_formats_test.cpp '    {"resolv_conf", evidence::ArtefactKind::ResolvConf, "linux"},' \
  '    {"toylog", evidence::ArtefactKind::ToyLog, "linux"},'

echo "== An artefact kind: one MSW_ARTEFACT_KIND row, its location, the parser in normalize/"
insert src/evidence/artefact_kinds.def 'MSW_ARTEFACT_KIND(PacketCapture,' \
  'MSW_ARTEFACT_KIND(ToyLog, "toy_log", parse_toylog, "the toy log of tests/recipes: logins, one a line")' before
insert src/evidence/artefact_kinds.def 'MSW_ARTEFACT_LOCATION("etc/resolv.conf", ResolvConf, "linux", Text)' \
  'MSW_ARTEFACT_LOCATION("var/log/toy.log", ToyLog, "linux", Toylog)'
cp "$toy/src/normalize/toylog.h" "$toy/src/normalize/toylog.cpp" src/normalize/
append_to_list src/CMakeLists.txt "normalize/registry.cpp normalize/pcap_flows.cpp" "normalize/toylog.cpp"
insert src/normalize/registry.cpp '#include "normalize/sql_errorlog.h"' '#include "normalize/toylog.h"'

echo "== An engine: detect::Engine, a line in detect/registry.cpp"
cp "$toy/src/detect/heuristics/toy_logins.h" "$toy/src/detect/heuristics/toy_logins.cpp" src/detect/heuristics/
append_to_list src/CMakeLists.txt "detect/heuristics/linux_persistence.cpp detect/heuristics/linux_host.cpp" \
  "detect/heuristics/toy_logins.cpp"
insert src/detect/registry.cpp '#include "detect/heuristics/boot_sector.h"' '#include "detect/heuristics/toy_logins.h"'
insert src/detect/registry.cpp '  set.engines.push_back(heuristics::make_boot_sector_engine());' \
  '  set.engines.push_back(heuristics::make_toy_login_engine());'

echo "== Build the copy"
# The configuration of `scripts/build.sh test`, which gives ccache paths relative to the tree: the library objects the
# recipe's edits do not touch come back from the developer build's cache (the tests are compiled again: they carry
# the tree's path in MSW_SOURCE_DIR). In CI the stage takes about a minute and a half.
export CCACHE_BASEDIR="$tree" CCACHE_NOHASHDIR=1 CCACHE_STATSLOG="$work/ccache.log"
cmake -S . -B build/dev -G Ninja -Wno-dev -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMSW_DEVELOPER=ON >/dev/null
cmake --build build/dev -j "$(nproc)" --target minesweep msw_unit_tests toylog_replay >"$work/build.log" 2>&1 ||
  { tail -60 "$work/build.log"; fail "the copy does not build (log: $work/build.log)"; }
echo "built: $(grep -c "Building CXX" "$work/build.log") objects, $(grep -cs "cache_miss" "$work/ccache.log" || true) of them compiled (ccache: the rest)"

echo "== Run it"
MINESWEEP_UPDATE_GOLDEN=1 build/dev/tests/msw_unit_tests --gtest_filter='Golden.ParsersMatchTheirRecordedOutput' >/dev/null
golden=tests/golden/toylog/logins.out.jsonl
[[ $(grep -c '"category":"authentication"' "$golden") == 3 ]] || { cat "$golden"; fail "the golden output has not the three logins"; }
grep -q '"diagnostic":"toylog.bad_line"' "$golden" || { cat "$golden"; fail "the bad line was not reported"; }
build/dev/tests/msw_unit_tests --gtest_filter='Golden.*:Recipes.*:Layering.*:ArtefactKinds.*' --gtest_brief=1
build/dev/fuzz/toylog_replay fuzz/corpus/toylog >/dev/null

mkdir -p "$work/host/var/log"
cp tests/golden/toylog/logins.in.log "$work/host/var/log/toy.log"
rm -f "$work/case.sqlite"
status=0
build/dev/minesweep scan --quiet --case "$work/case.sqlite" "$work/host" >/dev/null || status=$?
[[ $status == 1 ]] || fail "scan of the toy host exited $status, not 1 (findings)"
build/dev/minesweep report --format json --out "$work/report.json" "$work/case.sqlite" >/dev/null
grep -q '"heuristic.toy_root_login"' "$work/report.json" || fail "scan of var/log/toy.log did not give the toy finding"
grep -q '"toy_log"' "$work/report.json" || fail "the case does not list the artefact as toy_log"
echo "recipe test: a format, an artefact kind and an engine added as HACKING.md says; built, parsed, detected"
[[ $# -ge 1 ]] || rm -rf "$work"
