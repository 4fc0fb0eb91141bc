#!/usr/bin/env bash
# run_quick.sh — `setup/lab run --quick` end to end, as a user runs it, in a lab of its own:
# every built path runs, every packet is accounted for, summary.json has every docs/spec.md key,
# each path's clock offset estimated from its own stamps holds the truth (0: one host) within its bound,
# the burst pcaps open in tshark, report.html holds its plots; then a run interrupted with
# SIGINT stops quickly and leaves no residue.
#
#   netns ltNNNN-gen [gen0] <--veth--> [dut0] ltNNNN-dut
#   lab-gen (xsk backend) -> kernel | xsk | dpdk | xdptx reflector -> back to lab-gen
set -u
. "$(dirname "$0")/../lib/netns.sh"
netns_require_root
netns_require_bin loadgen/lab-gen analysis/lab-analyze
export LAB_BUILD_DIR="$LAB_BUILD" LAB_SKIP_DEPS=1 LAB_SKIP_BUILD=1
OUT=$(mktemp -d /tmp/lab-run-test.XXXXXX)
trap '"$LAB" down >/dev/null 2>&1; rm -rf "$OUT"' EXIT

# isolation moves every task of the machine: the test leaves it to the user's runs
"$LAB" run --quick --no-isolate --out "$OUT" >"$OUT/run.log" 2>&1 || { cat "$OUT/run.log"; tap_bail "run --quick failed"; }
R="$OUT/latest"
[ -d "$R" ] || tap_bail "no $OUT/latest"
for f in summary.json summary.md report.html softnet.csv run.json; do
  [ -s "$R/$f" ] || nok "missing $f"
done

# which paths should have run: those whose binary was built
expect=""
[ -x "$LAB_BUILD/kernelpath/lab-kern" ] && expect="$expect kernel"
[ -x "$LAB_BUILD/xdp/lab-xsk" ] && expect="$expect xsk xdptx"
[ -x "$LAB_BUILD/dataplane/lab-dpdk" ] && expect="$expect dpdk"

python3 - "$R/summary.json" $expect <<'PY' || nok "summary.json check"
import json, sys
s = json.load(open(sys.argv[1]))
want = sys.argv[2:]
bad = []
for k in ("rate_pps", "pattern", "frame_size", "duration_s", "seed", "kernel", "cpus", "tuning"):
    if k not in s.get("run", {}): bad.append("run." + k)
pct = ("min", "p50", "p90", "p99", "p999", "p9999", "max")
for p in want:
    q = s.get("paths", {}).get(p)
    if q is None or "skipped" in q:
        bad.append(f"{p}: did not run ({q and q.get('skipped')})"); continue
    for k in ("sent", "received", "lost", "reordered", "duplicated", "offered_pps", "achieved_pps",
              "rtt_ns", "rtt_actual_ns", "oneway_ns", "microbursts", "drops", "unaccounted"):
        if k not in q: bad.append(f"{p}.{k}")
    for k in ("rtt_ns", "rtt_actual_ns"):
        for c in pct:
            if not isinstance(q.get(k, {}).get(c), (int, float)): bad.append(f"{p}.{k}.{c}")
    for leg in ("to_dut", "in_dut", "from_dut"):
        for c in ("p50", "p99", "max"):
            if not isinstance(q.get("oneway_ns", {}).get(leg, {}).get(c), (int, float)):
                bad.append(f"{p}.oneway_ns.{leg}.{c}")
    if q.get("sent", 0) <= 0: bad.append(f"{p}: sent nothing")
    if q.get("unaccounted") != 0: bad.append(f"{p}: unaccounted {q.get('unaccounted')}")
    if q.get("sent") != q.get("received", 0) + q.get("lost", -1): bad.append(f"{p}: sent != received + lost")
    if not isinstance(q.get("microbursts", {}).get("count"), int): bad.append(f"{p}.microbursts.count")
    # one host, one clock: the offset its own stamps give must hold the truth, 0, within its bound
    c = q.get("clock") or {}
    e = c.get("stamps")
    if c.get("source") != "one host" or c.get("offset_ns") != 0: bad.append(f"{p}.clock: {c}")
    elif e is None: bad.append(f"{p}.clock.stamps: no estimate from a stamped run")
    elif abs(e["offset_ns"]) > e["offset_error_ns"] or e["offset_error_ns"] > 20000:
        bad.append(f"{p}.clock.stamps: offset {e['offset_ns']} ns, error bound {e['offset_error_ns']} ns: 0 not within it, or the bound over 20 us")
    else: print(f"# {p}: clock offset from its stamps {e['offset_ns']} +- {e['offset_error_ns']} ns (truth 0), drift {e['drift_ppm']:.3f} ppm")
for b in bad: print("  " + b)
sys.exit(1 if bad else 0)
PY

for p in $expect; do
  f="$R/bursts/$p.pcap"
  [ -f "$f" ] || { nok "no bursts/$p.pcap"; continue; }
  if command -v tshark >/dev/null; then
    tshark -r "$f" -c 1 >/dev/null 2>&1 || [ "$(stat -c %s "$f")" -eq 24 ] || nok "tshark cannot read bursts/$p.pcap"
  fi
done
n_svg=$(grep -o '<svg' "$R/report.html" | wc -l)
[ "$n_svg" -ge 3 ] || nok "report.html has $n_svg plots"
grep -q '<script' "$R/report.html" && nok "report.html is not script-free"
r=$("$LAB" residue); [ -z "$r" ] || nok "residue after run: $r"

# SIGINT mid-run: stops within a few seconds, leaves nothing
# (a background job of a script starts with SIGINT ignored, as POSIX says; a user's Ctrl-C does
# not: give it back its default before exec, as a terminal would have it)
python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])' \
  "$LAB" run --quick --no-isolate --duration 20 --out "$OUT/int" >"$OUT/int.log" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q "sending" "$OUT/int.log" 2>/dev/null && break; sleep 0.2; done
sleep 1
t0=$(date +%s%N)
kill -INT $pid
for _ in $(seq 150); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then nok "run still alive 15 s after SIGINT"; kill -KILL $pid; fi
wait $pid; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "SIGINT: run exited $rc after $ms ms"
[ $rc -ne 0 ] || nok "an interrupted run exited 0"
r=$("$LAB" residue); [ -z "$r" ] || nok "residue after SIGINT: $r"
pgrep -f "lab-(gen|xsk|dpdk|kern|analyze) .*$OUT" >/dev/null && nok "processes left after SIGINT"

tap_done
