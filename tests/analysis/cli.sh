#!/bin/bash
# cli.sh — lab-analyze as a command: exit codes (0 ok, 1 runtime, 2 usage), one line on stderr
# for every failure, and a results directory analyzed end to end from the synthetic tool.
# Also checks that the written burst pcap is readable by tshark when it is installed.
set -u
B=${LAB_BUILD:?LAB_BUILD not set}
A="$B/analysis/lab-analyze"
S="$B/tests/analysis/lab-synth-run"
T=$(mktemp -d /tmp/lab-cli-XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
n=0

# expect CODE DESCRIPTION -- CMD...: exit code and, on failure, exactly one stderr line
expect() {
  local code=$1 what=$2; shift 3
  local rc=0
  "$@" >"$T/out" 2>"$T/err" || rc=$?
  n=$((n + 1))
  local lines; lines=$(grep -c . "$T/err")
  if [ "$rc" -ne "$code" ]; then
    echo "not ok $n - $what: exit $rc, expected $code ($(head -c 300 "$T/err"))"; fail=1; return
  fi
  if [ "$code" -ne 0 ] && [ "$lines" -ne 1 ]; then
    echo "not ok $n - $what: $lines stderr lines, expected 1"; cat "$T/err"; fail=1; return
  fi
  echo "ok $n - $what"
}

expect 0 "--help" -- "$A" --help
grep -q -- "--threshold-pps" "$T/out" && grep -q -- "--margin-us" "$T/out" || { echo "not ok: --help misses flags"; fail=1; }
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
  n=$((n + 1))
  if [ -s "$T/run/$f" ]; then echo "ok $n - wrote $f"; else echo "not ok $n - no $f"; fail=1; fi
done
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["paths"]["kernel"]["microbursts"]["count"] == 1' \
  "$T/run/summary.json" && echo "ok - summary.json parses, one burst" || { echo "not ok - summary.json"; fail=1; }
# the 95 % intervals: every percentile a [lo, hi] pair or null (a short run: too few blocks)
python3 -c '
import json,sys
d = json.load(open(sys.argv[1]))["paths"]["kernel"]
for k in ("rtt_ns_ci95", "rtt_actual_ns_ci95"):
    assert sorted(d[k]) == sorted(["p50", "p90", "p99", "p999", "p9999"]), d[k]
    for v in d[k].values():
        assert v is None or (len(v) == 2 and v[0] <= v[1]), v
assert d["ci95_method"]["blocks"] >= 1 and d["ci95_method"]["replicates"] >= 200
' "$T/run/summary.json" && echo "ok - summary.json has the RTT intervals" || { echo "not ok - RTT intervals"; fail=1; }
expect 0 "--pcap on the burst pcap" -- "$A" --pcap "$T/run/bursts/kernel.pcap" --json
if command -v tshark >/dev/null; then
  c=$(tshark -r "$T/run/bursts/kernel.pcap" 2>/dev/null | wc -l)
  j=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["paths"]["kernel"]["microbursts"]["pcap_packets"])' "$T/run/summary.json")
  n=$((n + 1))
  if [ "$c" -eq "$j" ] && [ "$c" -gt 0 ]; then echo "ok $n - tshark reads $c burst packets"; else echo "not ok $n - tshark $c vs $j"; fail=1; fi
fi

cp -r "$T/run" "$T/bad"
head -c 700 "$T/run/records/kernel.rec" >"$T/bad/records/kernel.rec"
expect 1 "truncated record file" -- "$A" "$T/bad"
grep -q "records/kernel.rec" "$T/err" || { echo "not ok - the error does not name the file"; fail=1; }
: >"$T/empty.pcap"
expect 1 "empty capture" -- "$A" --pcap "$T/empty.pcap"
printf 'hello, this is not a capture file' >"$T/junk.pcap"
expect 1 "junk capture" -- "$A" --pcap "$T/junk.pcap"
expect 1 "sampler on a missing source" -- "$A" --sample-softnet "$T/sn.txt" --source "$T/nope"
expect 0 "sampler for 0.2 s" -- "$A" --sample-softnet "$T/sn.txt" --interval-ms 50 --duration 0.2
n=$((n + 1))
if [ "$(grep -c '^t ' "$T/sn.txt")" -ge 2 ]; then echo "ok $n - sampler wrote snapshots"; else echo "not ok $n - sampler"; fail=1; fi
exit $fail
