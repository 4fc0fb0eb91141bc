#!/usr/bin/env bash
# calibrate.sh — `setup/lab calibrate` in a lab of its own: calibration.json has every stamping
# point with p50 <= p99, all above 0 where they must be, the clock read under 1 µs; the copy goes
# where LAB_CALIBRATION says; nothing is left after it (the lab was not up before). Then bad
# options: each one line on stderr, exit 2, and nothing made (no namespace, no process, no file).
set -u
. "$(dirname "$0")/../lib/netns.sh"
netns_require_root
netns_require_bin loadgen/lab-gen analysis/lab-analyze analysis/lab-calib xdp/lab-xsk
export LAB_BUILD_DIR="$LAB_BUILD" LAB_SKIP_DEPS=1 LAB_SKIP_BUILD=1
T=$(mktemp -d /tmp/lab-calib-test.XXXXXX)
trap '"$LAB" down >/dev/null 2>&1; rm -rf "$T"' EXIT
owned() { grep -lsz "^LLAB_OWNER=$LLAB_PREFIX\$" /proc/[0-9]*/environ 2>/dev/null | wc -l; }

export LAB_CALIBRATION="$T/known/calibration.json"
if "$LAB" calibrate --duration 2 --out "$T/c" >"$T/log" 2>&1; then ok "calibrate --duration 2"
else cat "$T/log"; tap_bail "calibrate failed"; fi
cmp -s "$T/c/calibration.json" "$LAB_CALIBRATION" && ok "copied to LAB_CALIBRATION" || nok "no copy at $LAB_CALIBRATION"
python3 - "$T/c/calibration.json" <<'PY' && ok "calibration.json: keys and sanity" || nok "calibration.json check"
import json, sys
d = json.load(open(sys.argv[1]))
eb = d.get("instrument", {}).get("error_budget_ns", {})
bad = []
for k in ("clock_read", "gen_tx_to_wire", "xdp_stamp_pair", "rx_ring_to_stamp", "xdp_vs_user"):
    v = eb.get(k)
    if not isinstance(v, dict) or not all(isinstance(v.get(q), int) for q in ("p50", "p99")):
        bad.append(f"{k}: missing"); continue
    # xdp_vs_user is a difference of two distributions, percentile by percentile (xsk's less the
    # floor's): it may be at or below 0, and its p50 above its p99 (CI: 817 and 626 ns)
    if k == "xdp_vs_user": continue
    if v["p50"] > v["p99"]: bad.append(f"{k}: p50 {v['p50']} > p99 {v['p99']}")
    if v["p50"] <= 0: bad.append(f"{k}: p50 {v['p50']} <= 0")
c = eb.get("clock_read", {})
if not 0 < c.get("p99", 0) < 1000: bad.append(f"clock_read p99 {c.get('p99')} not in (0, 1000) ns")
# the resolution is the larger of the user-space and the BPF clock reads' p99 (a BPF read that
# is slower for a moment sets it: CI, a calibration under load)
res = max(c.get("p99", 0), eb.get("bpf_clock_read", {}).get("p99", 0))
if d.get("instrument", {}).get("resolution_ns") != res:
    bad.append(f"resolution_ns {d.get('instrument', {}).get('resolution_ns')} is not the larger clock read p99 {res}")
for cpu, v in d.get("clock", {}).get("per_cpu", {}).items():
    if not 0 < v["p50"] <= v["p99"] <= v["max"]: bad.append(f"cpu {cpu}: {v}")
if not d.get("clock", {}).get("per_cpu"): bad.append("no per_cpu clock figures")
if not d.get("time"): bad.append("no time")
for b in bad: print("  " + b)
sys.exit(1 if bad else 0)
PY
s="$T/c/run/latest/summary.json"
python3 -c "import json,sys; i=json.load(open(sys.argv[1]))['instrument']; sys.exit(0 if 'gen_tx_to_wire' in i['error_budget_ns'] and 'this run' in i['source']['floor'] else 1)" "$s" &&
  ok "the run's own summary.json carries its budget" || nok "no instrument in $s"
grep -q "^Instrument error budget" "$T/c/run/latest/summary.md" && ok "summary.md has the budget line" || nok "no budget line in summary.md"
ip netns list | grep -q "^$LLAB_PREFIX-" && nok "a namespace is left after calibrate" || ok "no namespace left"
[ "$(owned)" = 0 ] && ok "no process left" || nok "processes left: $(owned)"
r=$("$LAB" residue 2>&1); [ -z "$r" ] && ok "no residue" || nok "residue: $r"

# refusals: one line, exit 2, nothing made
for args in "--bogus" "--rate 0" "--rate" "--duration 0" "--cpus 999" "--cpus 0,x" "--cpus 0-4096" \
            "--out /proc/lab-calib" "--out /etc/hostname/sub"; do
  rm -rf "$T/known"
  # shellcheck disable=SC2086 # the words of args are the options
  "$LAB" calibrate $args >"$T/out" 2>"$T/err"; rc=$?
  lines=$(wc -l <"$T/err")
  if [ "$rc" = 2 ] && [ "$lines" = 1 ] && [ ! -s "$T/out" ]; then ok "refused '$args': $(cat "$T/err")"
  else nok "'$args': exit $rc, $lines stderr lines: $(tr '\n' ' ' <"$T/err")"; fi
  ip netns list | grep -q "^$LLAB_PREFIX-" && nok "'$args' made a namespace"
  [ "$(owned)" = 0 ] || nok "'$args' left a process"
  [ ! -e "$T/known" ] || nok "'$args' wrote a calibration"
done
r=$("$LAB" residue 2>&1); [ -z "$r" ] && ok "no residue after the refusals" || nok "residue: $r"
tap_done
