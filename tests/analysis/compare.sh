#!/bin/bash
# compare.sh — lab-analyze --compare on synthetic single runs: identical runs are `same` (exit
# 0); a run whose kernel path's RTTs are 1.5x is `slower` on that path only, with an interval
# that excludes 1 (exit 3); different rates are refused (2, one line), A == B and non-runs are
# bad arguments (2), a corrupt record file is 1 (one line); neither run gains a file.
set -u
. "$(dirname "$0")/../lib/tap.sh"
B=${LAB_BUILD:?LAB_BUILD not set}
A="$B/analysis/lab-analyze"
S="$B/tests/analysis/lab-synth-run"
K="$B/tests/analysis/lab-rec-scale"
T=$(mktemp -d /tmp/lab-cmp-XXXXXX)
trap 'rm -rf "$T"' EXIT


R=$T/runs
mkdir -p "$R"
"$S" "$R/a" 300000 && "$S" "$R/b" 300000 || tap_bail "lab-synth-run failed"
cp -r "$R/a" "$R/slow"
"$K" "$R/a/records/kernel.rec" "$R/slow/records/kernel.rec" 1.5 || tap_bail "lab-rec-scale"
cp -r "$R/a" "$R/rate" && sed -i 's/"rate_pps": 100000/"rate_pps": 200000/' "$R/rate/run.json"
cp -r "$R/a" "$R/gov" && sed -i 's/"governor": "performance"/"governor": "powersave"/' "$R/gov/run.json"
cp -r "$R/a" "$R/bad" && head -c 700 "$R/a/records/kernel.rec" >"$R/bad/records/kernel.rec"
mkdir -p "$R/empty"
for d in a b slow; do snap "$R/$d" >"$T/$d.before"; done

expect 0 "--compare --help" -- "$A" --compare --help
expect 0 "same seed: exit 0" -- "$A" --compare "$R/a" "$R/b"
cp "$T/out" "$T/same.txt"
check "same seed: every verdict same" python3 -c "
import json, sys
j = json.load(open('$R/compare-a-b/compare.json'))
assert j['between_run_variation_measured'] is False
v = [r['verdict'] for p in j['paths'].values() for r in p.values()]
assert sorted(j['paths']) == ['kernel', 'xdptx'] and len(v) == 10 and set(v) == {'same'}, v
for p in j['paths'].values():
    for r in p.values():
        assert r['ci95'] is None or r['ci95'][0] <= 1 <= r['ci95'][1], r"
check "same seed: compare.html drawn" grep -q "<polyline" "$R/compare-a-b/compare.html"
check "table says between-run variation was not measured" grep -q "between-run variation was not measured" "$T/same.txt"

expect 3 "kernel x1.5: exit 3" -- "$A" --compare "$R/a" "$R/slow" --out "$T/o-slow"
cp "$T/out" "$T/slow.txt"
check "kernel x1.5: kernel slower at p50 (interval excludes 1), xdptx same" python3 -c "
import json
j = json.load(open('$T/o-slow/compare.json'))
k = j['paths']['kernel']['p50']
assert k['verdict'] == 'slower' and k['ci95'][0] > 1 and 1.45 < k['ratio'] < 1.55, k
assert abs(k['b_ns'] / k['a_ns'] - k['ratio']) < 1e-9
assert all(r['verdict'] == 'same' for r in j['paths']['xdptx'].values()), j['paths']['xdptx']"
check "kernel x1.5: table row" grep -Eq "^kernel +p50 .* slower$" "$T/slow.txt"
expect 0 "the reverse (faster): exit 0" -- "$A" --compare "$R/slow" "$R/a" --out "$T/o-fast"
check "the reverse: kernel faster at p50" python3 -c "
import json; assert json.load(open('$T/o-fast/compare.json'))['paths']['kernel']['p50']['verdict'] == 'faster'"
expect 0 "kernel x1.5 under --threshold 60: same" -- "$A" --compare "$R/a" "$R/slow" --threshold 60 --out "$T/o-thr"

expect 2 "different rate refused" -- "$A" --compare "$R/a" "$R/rate" --out "$T/o-rate"
check "the line names rate_pps" grep -q "rate_pps" "$T/err"
check "refused: nothing written" test ! -e "$T/o-rate"
expect 0 "different rate with --force" -- "$A" --compare "$R/a" "$R/rate" --force --out "$T/o-rate"
check "--force: the difference printed" grep -q "forced: run.rate_pps differs" "$T/out"
expect 0 "tuning differs: compared" -- "$A" --compare "$R/a" "$R/gov" --out "$T/o-gov"
check "tuning difference printed beside the verdicts" grep -q "tuning differs: tuning.governor: A performance, B powersave" "$T/out"

expect 2 "A == B" -- "$A" --compare "$R/a" "$R/a/../a"
expect 2 "missing directory" -- "$A" --compare "$R/a" "$R/nope"
expect 2 "not a results directory" -- "$A" --compare "$R/empty" "$R/a"
expect 2 "one directory only" -- "$A" --compare "$R/a"
expect 2 "bad threshold" -- "$A" --compare --threshold x "$R/a" "$R/b"
expect 2 "--out inside A refused" -- "$A" --compare "$R/a" "$R/b" --out "$R/a/cmp"
expect 1 "corrupt record file" -- "$A" --compare "$R/a" "$R/bad" --out "$T/o-bad"
check "the line names the file" grep -q "kernel.rec" "$T/err"

for d in a b slow; do
  snap "$R/$d" >"$T/$d.after"
  check "run $d gained no file" cmp -s "$T/$d.before" "$T/$d.after"
done
tap_done
