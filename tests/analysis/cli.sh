#!/bin/bash
# cli.sh — lab-analyze as a command: exit codes (0 ok, 1 runtime, 2 usage), one line on stderr
# for every failure, and a results directory analyzed end to end from the synthetic tool.
# Also checks that the written burst pcap is readable by tshark when it is installed, and that
# the commands (run, pcap, watch, compare, sample-softnet) write what the older forms do, byte
# for byte.
set -u
. "$(dirname "$0")/../lib/tap.sh"
B=${LAB_BUILD:?LAB_BUILD not set}
A="$B/analysis/lab-analyze"
S="$B/tests/analysis/lab-synth-run"
FX="$(cd "$(dirname "$0")" && pwd)/fixtures"
T=$(mktemp -d /tmp/lab-cli-XXXXXX)
trap 'rm -rf "$T"' EXIT

# expect CODE DESCRIPTION -- CMD...: exit code and, on failure, exactly one stderr line

expect 0 "--help" -- "$A" --help
grep -q -- "--threshold-pps" "$T/out" && grep -q -- "--margin-us" "$T/out" || nok "--help misses flags"
expect 2 "unknown flag" -- "$A" --bogus
expect 2 "no directory" -- "$A"
expect 2 "two directories" -- "$A" "$T" "$T"
expect 2 "bad window" -- "$A" --window-us abc "$T"
expect 2 "--json without --pcap" -- "$A" --json "$T"
expect 2 "--margin-us without --write" -- "$A" --pcap /dev/null --margin-us 5
expect 2 "--interval-ms without the sampler" -- "$A" --interval-ms 5 "$T"
expect 1 "missing directory" -- "$A" "$T/nope"
expect 1 "directory with no results" -- "$A" "$T"

"$S" "$T/run" 20000
expect 0 "synthetic run" -- "$A" "$T/run"
for f in summary.json summary.md report.html softnet.csv bursts/kernel.pcap bursts/xdptx.pcap; do
  if [ -s "$T/run/$f" ]; then ok "wrote $f"; else nok "no $f"; fi
done
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["paths"]["kernel"]["microbursts"]["count"] == 1' \
  "$T/run/summary.json" && ok "summary.json parses, one burst" || nok "summary.json"
# the 95 % intervals: every percentile a [lo, hi] pair or null (a short run: too few blocks)
python3 -c '
import json,sys
d = json.load(open(sys.argv[1]))["paths"]["kernel"]
for k in ("rtt_ns_ci95", "rtt_actual_ns_ci95"):
    assert sorted(d[k]) == sorted(["p50", "p90", "p99", "p999", "p9999"]), d[k]
    for v in d[k].values():
        assert v is None or (len(v) == 2 and v[0] <= v[1]), v
assert d["ci95_method"]["blocks"] >= 1 and d["ci95_method"]["replicates"] >= 200
' "$T/run/summary.json" && ok "summary.json has the RTT intervals" || nok "RTT intervals"
expect 0 "--pcap on the burst pcap" -- "$A" --pcap "$T/run/bursts/kernel.pcap" --json
if command -v tshark >/dev/null; then
  c=$(tshark -r "$T/run/bursts/kernel.pcap" 2>/dev/null | wc -l)
  j=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["paths"]["kernel"]["microbursts"]["pcap_packets"])' "$T/run/summary.json")
  if [ "$c" -eq "$j" ] && [ "$c" -gt 0 ]; then ok "tshark reads $c burst packets"; else nok "tshark $c vs $j"; fi
fi

cp -r "$T/run" "$T/bad"
head -c 700 "$T/run/records/kernel.rec" >"$T/bad/records/kernel.rec"
expect 1 "truncated record file" -- "$A" "$T/bad"
grep -q "records/kernel.rec" "$T/err" || nok "the error does not name the file"
: >"$T/empty.pcap"
expect 1 "empty capture" -- "$A" --pcap "$T/empty.pcap"
printf 'hello, this is not a capture file' >"$T/junk.pcap"
expect 1 "junk capture" -- "$A" --pcap "$T/junk.pcap"
expect 1 "sampler on a missing source" -- "$A" --sample-softnet "$T/sn.txt" --source "$T/nope"
expect 0 "sampler for 0.2 s" -- "$A" --sample-softnet "$T/sn.txt" --interval-ms 50 --duration 0.2
if [ "$(grep -c '^t ' "$T/sn.txt")" -ge 2 ]; then ok "sampler wrote snapshots"; else nok "sampler"; fi

# ---- the commands: each one's --help, its refusals, and the same files as the older form ----
# check DESCRIPTION quiet CMD...: a condition (tap.sh), its output discarded
# the clock figures from a file, not measured: two analyses of one run give the same bytes
printf '{"time": "2026-01-01T00:00:00Z", "instrument": {"error_budget_ns": {"clock_read": {"p50": 20, "p99": 25}}}}\n' >"$T/calibration.json"
export LAB_CALIBRATION="$T/calibration.json"

expect 0 "--help lists the commands" -- "$A" --help
for c in run pcap watch compare sample-softnet; do
  check "--help: $c" quiet grep -q "^  $c " "$T/out"
done
check "--help: the older forms" quiet grep -q -- "--sample-softnet FILE" "$T/out"
for c in "run --tail-min-cover" "pcap --margin-us" "watch WATCH_DIR" "compare --force" "sample-softnet --interval-ms"; do
  expect 0 "${c%% *} --help" -- "$A" ${c%% *} --help
  check "${c%% *} --help: usage and ${c#* }" quiet grep -q -- "${c#* }" "$T/out"
  check "${c%% *} --help: its usage line" quiet grep -q "^usage: lab-analyze ${c%% *} " "$T/out"
done
expect 0 "--version after a command" -- "$A" run --version
expect 2 "run without a directory" -- "$A" run
expect 2 "run with two directories" -- "$A" run "$T/run" "$T/run"
expect 2 "run --json (a flag of pcap)" -- "$A" run --json "$T/run"
expect 2 "run --bogus" -- "$A" run --bogus "$T/run"
expect 2 "run --window-us without its value" -- "$A" run "$T/run" --window-us
expect 2 "run --window-us abc" -- "$A" run --window-us abc "$T/run"
check "the range in the line" quiet grep -q "is not a number from 1 to 60000000" "$T/err"
expect 1 "run on a missing directory" -- "$A" run "$T/nope"
expect 2 "pcap --no-pcap (a flag of run)" -- "$A" pcap "$T/run/bursts/kernel.pcap" --no-pcap
expect 2 "pcap --margin-us without --write" -- "$A" pcap "$T/run/bursts/kernel.pcap" --margin-us 5
expect 2 "pcap without a file" -- "$A" pcap
expect 1 "pcap of junk" -- "$A" pcap "$T/junk.pcap"
expect 2 "sample-softnet --json" -- "$A" sample-softnet "$T/sn2.txt" --json
expect 2 "compare with one run" -- "$A" compare "$T/run"
expect 2 "compare A A" -- "$A" compare "$T/run" "$T/run"
cp -r "$FX/watch-basic" "$T/w"
expect 2 "watch --window-us (no analysis flags)" -- "$A" watch "$T/w" --window-us 5
expect 2 "watch of a results directory" -- "$A" watch "$T/run"
expect 2 "run of a lab-watch directory" -- "$A" run "$T/w"
# a directory named like a command: the command, with a line that says so (./run: the directory)
mkdir -p "$T/cwd/run"
expect 2 "a directory named run: the command" -- env -C "$T/cwd" "$A" run
check "the line says ./run" quiet grep -q "give ./run" "$T/err"

# same_files DESCRIPTION A B: every file below A and B, the same bytes
same_files() {
  if diff -r "$2" "$3" >"$T/diff" 2>&1; then ok "$1: the same files, the same bytes"
  else nok "$1: $(head -c 300 "$T/diff")"; fi
}
"$S" "$T/r2" 20000 >/dev/null 2>&1
expect 0 "RESULTS_DIR (the older form)" -- "$A" --window-us 200 "$T/r2"
cp -r "$T/r2" "$T/r2.old"
expect 0 "run RESULTS_DIR" -- "$A" run "$T/r2" --window-us 200
same_files "run DIR = DIR" "$T/r2.old" "$T/r2"
expect 0 "RESULTS_DIR --no-pcap --tail-min-cover 0.7" -- "$A" --no-pcap --tail-min-cover 0.7 "$T/r2"
cp -r "$T/r2" "$T/r2.old2"
expect 0 "run --no-pcap --tail-min-cover 0.7" -- "$A" run --no-pcap --tail-min-cover 0.7 "$T/r2"
same_files "run --no-pcap = --no-pcap DIR" "$T/r2.old2" "$T/r2"

K="$T/run/bursts/kernel.pcap"
for f in "--json" "--window-us 300" "--threshold-bps 1e6 --json"; do
  expect 0 "--pcap FILE $f" -- "$A" --pcap "$K" $f
  cp "$T/out" "$T/pcap.old"
  expect 0 "pcap FILE $f" -- "$A" pcap "$K" $f
  check "pcap FILE $f: the same output" quiet cmp "$T/pcap.old" "$T/out"
done
expect 0 "--pcap FILE --write" -- "$A" --pcap "$K" --write "$T/w-old.pcap" --margin-us 10 --json
sed 's/w-old.pcap/w-new.pcap/' "$T/out" >"$T/pcap.old"
expect 0 "pcap FILE --write" -- "$A" pcap "$K" --write "$T/w-new.pcap" --margin-us 10 --json
check "pcap --write: the same packets" quiet cmp "$T/w-old.pcap" "$T/w-new.pcap"
check "pcap --write: the same output" quiet cmp "$T/pcap.old" "$T/out"

expect 0 "WATCH_DIR (the older form)" -- "$A" "$T/w"
cp "$T/out" "$T/watch.old" && cp -r "$T/w" "$T/w.old"
expect 0 "watch WATCH_DIR" -- "$A" watch "$T/w"
check "watch: the same line" quiet cmp "$T/watch.old" "$T/out"
same_files "watch DIR = DIR" "$T/w.old" "$T/w"

"$S" "$T/r3" 20000 >/dev/null 2>&1
expect 0 "--compare A B" -- "$A" --compare "$T/run" "$T/r3" --out "$T/cmp" --threshold 1
cp "$T/out" "$T/cmp.out" && mv "$T/cmp" "$T/cmp.old"
expect 0 "compare A B" -- "$A" compare "$T/run" "$T/r3" --out "$T/cmp" --threshold 1
check "compare: the same table" quiet cmp "$T/cmp.out" "$T/out"
same_files "compare A B = --compare A B" "$T/cmp.old" "$T/cmp"
cp -r "$T/run" "$T/rate" && sed -i 's/"rate_pps": 100000/"rate_pps": 200000/' "$T/rate/run.json"
expect 2 "--compare of runs that differ" -- "$A" --compare "$T/run" "$T/rate" --out "$T/cmp2"
cp "$T/err" "$T/cmp.err"
expect 2 "compare of runs that differ" -- "$A" compare "$T/run" "$T/rate" --out "$T/cmp2"
check "compare: the same refusal" quiet cmp "$T/cmp.err" "$T/err"

SRC="$FX/softnet_stat-6.1.txt"
expect 0 "--sample-softnet FILE" -- "$A" --sample-softnet "$T/sn-old.txt" --source "$SRC" --interval-ms 0 --duration 0.05
expect 0 "sample-softnet FILE" -- "$A" sample-softnet "$T/sn-new.txt" --source "$SRC" --interval-ms 0 --duration 0.05
check "sample-softnet: the same snapshots (times aside)" quiet \
  cmp <(grep -v '^t ' "$T/sn-old.txt") <(grep -v '^t ' "$T/sn-new.txt")
check "sample-softnet: two snapshots" quiet test "$(grep -c '^t ' "$T/sn-new.txt")" -eq 2
tap_done
