#!/bin/bash
# repeat.sh — runs of `setup/lab run --repeat N` in lab-analyze and --compare, on synthetic
# repetitions with known between-run spread: the kernel and xdptx RTTs of repetitions 1-3 are the
# synthetic run's x1.0, x1.2 and x0.9. Expected values come from the record files themselves
# (brute-force nearest rank in Python), not from lab-analyze:
#   - the top summary's figure is the median of the repetitions' exact percentiles, its interval
#     holds that median and spans the repetitions' spread (far wider than one repetition's own);
#   - the same repetitions in another order compare `same` everywhere (exit 0), and say that
#     between-run variation was measured;
#   - every repetition x1.5 on the kernel path: kernel `slower`, interval above 1, xdptx `same`
#     (exit 3);
#   - every repetition x1.08: `same` over repetitions (the shift is inside the runs' spread),
#     while one repetition against its own x1.08 copy says `slower` (within-run only);
#   - fewer repetitions than run.json planned are said (an empty last one left out); a corrupt repetition is exit 1 in one
#     line naming the file; compare never writes into either run.
set -u
. "$(dirname "$0")/../lib/tap.sh"
B=${LAB_BUILD:?LAB_BUILD not set}
A="$B/analysis/lab-analyze"
S="$B/tests/analysis/lab-synth-run"
K="$B/tests/analysis/lab-rec-scale"
T=$(mktemp -d /tmp/lab-rep-XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT


# scaled SRC DST FACTOR: a copy of run SRC with both paths' RTTs x FACTOR
scaled() {
  cp -r "$1" "$2" || return 1
  for p in kernel xdptx; do "$K" "$1/records/$p.rec" "$2/records/$p.rec" "$3" || return 1; done
}
# repeated DIR PLANNED F1 F2 ...: a repeated run of the base run scaled by each factor
repeated() {
  local d=$1 planned=$2 i=1; shift 2
  mkdir -p "$d"
  for f in "$@"; do scaled "$T/base" "$d/rep$i" "$f" || return 1; i=$((i + 1)); done
  python3 - "$T/base/run.json" "$d/run.json" "$planned" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); j["run"]["repeat"] = int(sys.argv[3])
json.dump(j, open(sys.argv[2], "w"))
PY
}

"$S" "$T/base" 200000 || tap_bail "lab-synth-run failed"
R=$T/runs
mkdir -p "$R"
repeated "$R/a3" 3 1.0 1.2 0.9 && repeated "$R/b3" 3 0.9 1.0 1.2 && repeated "$R/slow3" 3 1.5 1.8 1.35 &&
  repeated "$R/shift3" 3 1.08 1.296 0.972 && repeated "$R/part" 4 1.0 1.2 0.9 &&
  scaled "$T/base" "$R/one" 1.0 && scaled "$T/base" "$R/one108" 1.08 &&
  repeated "$R/bad3" 3 1.0 1.2 0.9 || tap_bail "could not build the repetitions"
head -c 700 "$R/a3/rep2/records/kernel.rec" >"$R/bad3/rep2/records/kernel.rec"
mkdir -p "$R/part/rep4/records" "$R/part/rep4/logs" # stopped as repetition 4 began: nothing in it

expect 0 "lab-analyze of a repeated run" -- "$A" "$R/a3"
check "each repetition analyzed" test -s "$R/a3/rep1/summary.json" -a -s "$R/a3/rep3/summary.json" -a -s "$R/a3/rep2/report.html"
check "top summary: median of the repetitions' exact percentiles, interval over repetitions" python3 - "$R/a3" <<'PY'
import json, struct, sys
d = sys.argv[1]
def exact(path, rep):  # nearest rank over every received record, RTT from the intended send
    b = open(f"{d}/rep{rep}/records/{path}.rec", "rb").read()
    hl, rl = struct.unpack_from("<II", b, 12)
    v = sorted(r[4] - r[0] for r in (struct.unpack_from("<QQQQQIHH", b, o) for o in range(hl, len(b) - rl + 1, rl))
               if r[6] & 2 and r[4] >= r[0])
    return {k: v[max(1, -(-len(v) * ppm // 1000000)) - 1] for k, ppm in
            (("p50", 500000), ("p90", 900000), ("p99", 990000), ("p999", 999000))}
s = json.load(open(f"{d}/summary.json"))
assert s["repeat"] == 3 and s["ci95_method"]["between_run_variation_measured"] is True, s["repeat"]
for path in ("kernel", "xdptx"):
    p = s["paths"][path]
    assert p["repetitions"] == 3 and len(p["per_repetition"]) == 3, p["repetitions"]
    for k in ("p50", "p90", "p99", "p999"):
        reps = sorted(exact(path, r)[k] for r in (1, 2, 3))
        assert p["rtt_ns"][k] == reps[1], (path, k, p["rtt_ns"][k], reps)
        lo, hi = p["rtt_ns_ci95"][k]
        assert lo <= reps[1] <= hi, (path, k, lo, reps, hi)
    lo, hi = p["rtt_ns_ci95"]["p50"]
    one = json.load(open(f"{d}/rep1/summary.json"))["paths"][path]["rtt_ns_ci95"]["p50"]
    # the repetitions differ by x0.9-x1.2: the interval over them is far wider than one run's own
    assert hi / lo > 1.15 and hi / lo - 1 > 5 * (one[1] / one[0] - 1), (path, lo, hi, one)
PY
check "top summary.md: 3 repetitions, median [lo–hi]" grep -q "side by side, 3 repetitions" "$R/a3/summary.md"
check "top summary: the first repetition's error budget (json and md)" python3 -c "
import json
top, one = (json.load(open(f)) for f in ('$R/a3/summary.json', '$R/a3/rep1/summary.json'))
assert top['instrument']['error_budget_ns'] == one['instrument']['error_budget_ns'], (top.get('instrument'), one.get('instrument'))
assert 'clock_read' in top['instrument']['error_budget_ns'], top['instrument']"
check "top summary.md: the budget line" grep -q "From the first repetition: .*clock read" "$R/a3/summary.md"

snap "$R/a3" >"$T/a3.before"; snap "$R/b3" >"$T/b3.before"
expect 0 "the same repetitions in another order: exit 0" -- "$A" --compare "$R/a3" "$R/b3" --out "$T/o-same"
check "every verdict same, between-run variation measured" python3 -c "
import json
j = json.load(open('$T/o-same/compare.json'))
assert j['between_run_variation_measured'] is True and j['a_repetitions'] == 3 == j['b_repetitions']
v = [r['verdict'] for p in j['paths'].values() for r in p.values()]
assert len(v) == 10 and set(v) == {'same'}, v
assert all(r['ratio'] == 1 for p in j['paths'].values() for r in p.values()), j['paths']"
check "the table says the medians are over repetitions" grep -q "medians over repetitions" "$T/out"
check "compare.html: one CDF per repetition and side" test "$(grep -c '<polyline' "$T/o-same/compare.html")" -eq 12

expect 3 "kernel and xdptx x1.5 in every repetition: exit 3" -- "$A" --compare "$R/a3" "$R/slow3" --out "$T/o-slow"
check "slower at p50 and p99, interval above 1" python3 -c "
import json
j = json.load(open('$T/o-slow/compare.json'))
for p in ('kernel', 'xdptx'):
    for k in ('p50', 'p99'):
        r = j['paths'][p][k]
        assert r['verdict'] == 'slower' and r['ci95'][0] > 1 and abs(r['ratio'] - 1.5) < 0.02, (p, k, r)"

expect 0 "x1.08 in every repetition: inside the runs' spread, exit 0" -- "$A" --compare "$R/a3" "$R/shift3" --out "$T/o-shift"
check "x1.08 over repetitions: same, interval holds 1" python3 -c "
import json
r = json.load(open('$T/o-shift/compare.json'))['paths']['kernel']['p50']
assert r['verdict'] == 'same' and r['ci95'][0] < 1 < r['ci95'][1] and abs(r['ratio'] - 1.08) < 0.01, r"
expect 3 "x1.08, one run against one: slower (within-run only)" -- "$A" --compare "$R/one" "$R/one108" --out "$T/o-one"
check "single runs: between-run variation not measured" python3 -c "
import json; j = json.load(open('$T/o-one/compare.json'))
assert j['between_run_variation_measured'] is False and j['paths']['kernel']['p50']['verdict'] == 'slower', j"
expect 0 "a repeated run against a single run" -- "$A" --compare "$R/one" "$R/a3" --out "$T/o-mixed"
check "mixed: says one side is a single run" grep -q "one side is a single run" "$T/out"

for d in a3 b3; do snap "$R/$d" >"$T/$d.after"; check "run $d gained no file" cmp -s "$T/$d.before" "$T/$d.after"; done

expect 0 "3 of 4 planned repetitions" -- "$A" "$R/part"
check "the shortfall is said" python3 -c "
import json; s = json.load(open('$R/part/summary.json')); assert s['repeat'] == 3 and s['repeat_planned'] == 4, s"
check "summary.md says it" grep -q "Only 3 of the 4 repetitions" "$R/part/summary.md"
expect 1 "a corrupt repetition" -- "$A" "$R/bad3"
check "the line names the file" grep -q "rep2/records/kernel.rec" "$T/err"
expect 1 "compare with a corrupt repetition" -- "$A" --compare "$R/a3" "$R/bad3" --out "$T/o-bad"
tap_done
