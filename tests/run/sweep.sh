#!/usr/bin/env bash
# sweep.sh — `setup/lab sweep --validate` at a small scale, against ground truth the test injects
# and measures itself (never timings: only rates and counts):
#   the kernel path behind a known bottleneck: an iptables `limit` rule in the DUT namespace
#   passes about 5000 UDP packets/s to the reflector and drops the rest (xt_limit counts in
#   jiffies, so the real rate differs a little from 5000: the test measures it first, with its
#   own lab-kern and one overloaded lab-gen run, as received / duration);
#   1. the sweep's kernel PDR lies within [0.85, 1.06] x that capacity (xt_limit's jiffy-sized
#      buckets lose a little below it when lab-gen's sends bunch; its burst of 200 lets a 1 s
#      trial pass a little above), NDR <= PDR;
#   2. every packet the rule dropped is one the sweep counted as lost before the reflector:
#      the sum over the kernel trials and points of (sent - reflector's received - its own drop
#      points) equals the rule's DROP counter;
#   3. xdptx (no bottleneck up to the generator's limit): the generator's limit measured (a
#      generator-limit trial above it marked short), xdptx's PDR reported generator-bound at
#      that limit, never as the path's throughput;
#   4. --validate: at PDR the loss is within --pdr-loss, at 1.25 x PDR above it or the generator
#      short (exit 0); sweep.json's schema; the latency points' p50/p99 equal a brute-force
#      nearest-rank computation over the kept record file (RTT from the intended send);
#   4b. the run check (a second sweep, behind the same rule, at 78 B: run's smallest frame):
#      each check run's loss and sent
#      counted again from its record file, kept or not recomputed, one step down (x0.8) after a
#      failing PDR, the rate a run keeps at most 1.06 x the capacity;
#   5. Ctrl-C mid-sweep: exit 130, sweep.json written with the finished trials and marked
#      interrupted, no process of the sweep left, the DUT core's isolation put back.
set -u
. "$(dirname "$0")/../lib/netns.sh"
netns_require_root
netns_require_bin loadgen/lab-gen analysis/lab-analyze kernelpath/lab-kern xdp/lab-xsk
export LAB_BUILD_DIR="$LAB_BUILD" LAB_SKIP_DEPS=1 LAB_SKIP_BUILD=1 LAB_QUIET=1
OUT=$(mktemp -d /tmp/lab-sweep.XXXXXX)
trap '"$LAB" down >/dev/null 2>&1; [ -n "${LAB_TEST_KEEP:-}" ] && echo "kept $OUT" || rm -rf "$OUT"' EXIT
ipt=$(command -v iptables-legacy || command -v iptables) ||
  tap_bail "iptables is missing (setup/lab test installs it)"

"$LAB" up >"$OUT/up.log" 2>&1 || { cat "$OUT/up.log"; tap_bail "setup/lab up failed"; }
ip netns exec "$NS_DUT" "$ipt" -A INPUT -p udp --dport "$LAB_PORT_DUT" -m limit --limit 5000/sec --limit-burst 200 -j ACCEPT &&
  ip netns exec "$NS_DUT" "$ipt" -A INPUT -p udp --dport "$LAB_PORT_DUT" -j DROP ||
  tap_bail "the limit rule could not be added"

# the bottleneck's real capacity, measured by the test: its own reflector, 3 s at 10 kpps
ip netns exec "$NS_DUT" "$LAB_BUILD/kernelpath/lab-kern" --iface "$LAB_DUT_IF" --duration 30 \
  --ready-file "$OUT/k.ready" >"$OUT/k.log" 2>&1 &
kp=$!
for _ in $(seq 100); do [ -s "$OUT/k.ready" ] && break; sleep 0.1; done
ip netns exec "$NS_GEN" timeout 30 "$LAB_BUILD/loadgen/lab-gen" --iface "$LAB_GEN_IF" --rate 10000 --duration 3 \
  --size 64 --quiet --stats-json "$OUT/cap.json" >/dev/null 2>&1
kill "$kp"; wait "$kp" 2>/dev/null
CAP=$(python3 -c 'import json,sys; d = json.load(open(sys.argv[1])); print(round(d["received"] * d["achieved_pps"] / d["sent"]))' "$OUT/cap.json") ||
  tap_bail "the capacity run failed"
echo "the limit rule's capacity, measured: $CAP pps"
ip netns exec "$NS_DUT" "$ipt" -Z INPUT

# 1-4: the sweep
rc=0
"$LAB" sweep --quick --paths kernel,xdptx --validate --resolution 3 --curve-points 2 \
  --min-rate 1000 --keep-records --no-run-check --out "$OUT/sw" >"$OUT/sweep.log" 2>&1 || rc=$?
grep -E "^sweep: (validate|[a-z]+ 64B: )" "$OUT/sweep.log"
[ $rc -eq 0 ] || { tail -n 20 "$OUT/sweep.log"; nok "sweep --validate exit $rc, expected 0"; }
D=$(readlink -f "$OUT/sw/latest")
[ -s "$D/sweep.json" ] && [ -s "$D/sweep.md" ] && grep -q "<svg" "$D/report.html" ||
  tap_bail "no sweep.json, sweep.md or report.html plots in $D"
DROPPED=$(ip netns exec "$NS_DUT" "$ipt" -L INPUT -v -x -n | awk '$3 == "DROP" {print $1}')
echo "the rule dropped $DROPPED packets during the sweep"

check_lines "sweep.json" python3 - "$D" "$CAP" "$DROPPED" <<'PY'
import json, math, os, struct, sys
sys.path.insert(0, os.path.join(os.environ["LAB_ROOT"], "setup"))
from labctl import constants as lc
d, cap, dropped = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
j = json.load(open(os.path.join(d, "sweep.json")))
fails = 0
def check(cond, what):
    global fails
    print(("ok: " if cond else "not ok: ") + what)
    fails += not cond

k = j["paths"]["kernel"]["64"]
for key in ("ndr_pps", "pdr_pps", "generator_bound", "trials", "points"):
    check(key in k, f"paths.kernel.64.{key} present")
for t in k["trials"]:
    for key in ("offered_pps", "achieved_pps", "loss_ratio", "drops", "generator_bound"):
        if key not in t:
            check(False, f"a trial lacks {key}: {t}")
            break
# above: the rule's burst of 200 lets a 1 s validation trial pass up to (cap + 200) / 0.995 = 1.04 cap
check(0.85 * cap <= k["pdr_pps"] <= 1.06 * cap, f"kernel PDR {k['pdr_pps']} within [0.85, 1.06] x {cap:.0f}")
check(k["ndr_pps"] <= k["pdr_pps"], f"kernel NDR {k['ndr_pps']} <= PDR")
check(not k["generator_bound"], "kernel not generator-bound")
# every packet the rule dropped was counted lost before the reflector
before = 0
for t in k["trials"] + k["points"] + [v["trial"] for v in k.get("validation", {}).values()]:
    if "dut" in t:
        # the reflector's own drop points, and the drops on the way in before netfilter, each
        # once: gen0.tx_dropped (veth_xmit's drop, the peer's backlog or ring full). A backlog drop
        # also raises dut0.rx_dropped and softnet.dropped (measured here: 7734 drops raised all
        # three by 7734), and softnet.dropped is the host's, either direction (CI: a drop on the
        # way back made the sum one short)
        own = sum(v for n, v in t["drops"].items() if "." not in n or n == lc.LAB_GEN_IF + ".tx_dropped")
        before += t["sent"] - t["dut"]["received"] - own
check(before == dropped, f"lost before the reflector, summed over the trials: {before} == the rule's DROP counter {dropped}")
above = [t for t in k["trials"] if t["offered_pps"] > 1.05 * cap and t.get("lost")]
check(above and all("never reached the reflector" in t["loss_at"] for t in above),
      f"{len(above)} trials above the capacity say the loss came before the reflector")
# xdptx: the generator's limit
g = j["generator"]["64"]
x = j["paths"]["xdptx"]["64"]
check(g["measured"] and g["limit_pps"] > 0, f"generator limit measured: {g['limit_pps']}")
check(any(t["generator_bound"] and t["offered_pps"] > g["limit_pps"] for t in g["trials"]),
      "a generator-limit trial above the limit is marked short")
check(not any(t["generator_bound"] for t in g["trials"] if t["offered_pps"] <= g["limit_pps"] and not t.get("failed")
              and t["offered_pps"] == g["limit_pps"]), "the limit's own trial is not short")
if g["limit_pps"] < j["sweep"]["max_rate_pps"]:
    # at the limit, or below it where lab-gen fell short during xdptx's own search (its limit
    # moves a little from trial to trial)
    check(x["generator_bound"] and x["pdr_pps"] <= g["limit_pps"],
          f"xdptx PDR {x['pdr_pps']} reported generator-bound, at most the limit {g['limit_pps']}")
# --validate
for p, r in (("kernel", k), ("xdptx", x)):
    v = r.get("validation", {})
    check(v.get("at_pdr", {}).get("ok") and v.get("above_pdr", {}).get("ok"), f"{p}: both validation trials hold")
    a = v.get("above_pdr", {}).get("trial", {})
    check(a.get("offered_pps") == int(r["pdr_pps"] * 1.25), f"{p}: the second at 1.25 x PDR")
check(j.get("validation_failed") == [], "validation_failed empty")
# latency points: the fractions of PDR, and p50/p99 against a brute force over the records
labels = {p["label"] for p in k["points"]}
check({"10 % of PDR", "50 % of PDR", "90 % of PDR", "100 % of PDR"} <= labels, f"kernel points at 10/50/90/100 % of PDR ({sorted(labels)})")
n_checked = 0
for p in k["points"] + x["points"]:
    path = "kernel" if p in k["points"] else "xdptx"
    rec = os.path.join(d, "points", path, "64", str(p["offered_pps"]), "records", f"{path}.rec")
    if not os.path.exists(rec) or not p.get("rtt_ns"):
        check(False, f"{path} point {p['offered_pps']}: records and rtt_ns")
        continue
    b = open(rec, "rb").read()
    rtt = sorted(r[4] - r[0] for r in struct.iter_unpack("<QQQQQIHH", b[512:512 + (len(b) - 512) // 48 * 48]) if r[4])
    nr = lambda q: rtt[max(0, math.ceil(q * len(rtt)) - 1)]
    want = {"p50": nr(0.5), "p99": nr(0.99), "max": rtt[-1]}
    got = {q: p["rtt_ns"][q] for q in want}
    n_checked += want == got
    if want != got:
        check(False, f"{path} point {p['offered_pps']}: rtt {got} != brute force {want}")
check(n_checked == len(k["points"]) + len(x["points"]), f"{n_checked} points' p50/p99/max equal the brute force")
sys.exit(1 if fails else 0)
PY

# 4b: the run check behind the same rule: the PDR through plain `setup/lab run`s (the run's own
# settings), each run's loss counted again from its record file (a record never answered: rx 0)
rc=0
"$LAB" sweep --quick --paths kernel --sizes 78 --run-check-steps 1 --curve-points 0 --min-rate 1000 \
  --out "$OUT/rc" >"$OUT/rc.log" 2>&1 || rc=$?
grep -E "^sweep: (run check|kernel [0-9]+B: )" "$OUT/rc.log"
[ $rc -eq 0 ] || { tail -n 20 "$OUT/rc.log"; nok "sweep with the run check: exit $rc, expected 0"; }
python3 - "$(readlink -f "$OUT/rc/latest")" "$CAP" <<'PY' || nok "run check (above)"
import json, os, struct, sys
d, cap = sys.argv[1], float(sys.argv[2])
j = json.load(open(os.path.join(d, "sweep.json")))
k = j["paths"]["kernel"]["78"]
rc = k["run_check"]
runs, pdr = rc["runs"], k["pdr_pps"]
assert runs and runs[0]["offered_pps"] == pdr, ("the first check run is at the PDR", runs, pdr)
for t in runs:
    b = open(os.path.join(d, t["dir"], "records", "kernel.rec"), "rb").read()
    recs = list(struct.iter_unpack("<QQQQQIHH", b[512:512 + (len(b) - 512) // 48 * 48]))
    lost = sum(1 for r in recs if not r[4])
    assert len(recs) == t["sent"] and lost == t["lost"], ("records vs the check", len(recs), lost, t)
    ok = t["exit"] == 0 and lost <= 0.005 * len(recs) and t["achieved_pps"] >= t["offered_pps"] * 0.999
    assert ok == t["ok"], ("kept or not, recomputed", ok, t)
    print(f"ok: check run at {t['offered_pps']} pps: {lost} of {len(recs)} lost (records), kept={ok}")
if runs[0]["ok"]:
    assert len(runs) == 1 and rc["run_pdr_pps"] == pdr and rc["agrees"], rc
else:
    assert len(runs) == 2 and runs[1]["offered_pps"] == int(pdr * 0.8), ("one step down, x0.8", runs)
    assert rc["run_pdr_pps"] == (runs[1]["offered_pps"] if runs[1]["ok"] else None) and not rc["agrees"], rc
assert rc["run_pdr_pps"] is None or rc["run_pdr_pps"] <= 1.06 * cap, ("a run kept more than the rule passes", rc, cap)
md = open(os.path.join(d, "sweep.md")).read()
assert "PDR for run" in md, "the table's PDR for run column"
print(f"ok: run check: PDR {pdr}, a run keeps {rc['run_pdr_pps']} (capacity {cap:.0f})")
PY

# 5: Ctrl-C mid-sweep: SIGINT to the sweep's process group, as a terminal sends it (job control
# on: the background job is its own group and does not ignore SIGINT)
ip netns exec "$NS_DUT" "$ipt" -F INPUT
aff0=$(cat /proc/irq/default_smp_affinity)
set -m
"$LAB" sweep --quick --paths kernel --out "$OUT/int" >"$OUT/int.log" 2>&1 &
sp=$!
set +m
for _ in $(seq 600); do
  [ "$(grep -c '^sweep: .* done, ' "$OUT/int.log")" -ge 3 ] && break
  kill -0 "$sp" 2>/dev/null || break
  sleep 0.1
done
kill -INT -- "-$sp"
rc=0
for _ in $(seq 400); do kill -0 "$sp" 2>/dev/null || break; sleep 0.1; done
kill -0 "$sp" 2>/dev/null && { kill -KILL "$sp"; nok "the interrupted sweep did not end within 40 s"; }
wait "$sp" || rc=$?
[ $rc -eq 130 ] && ok "interrupted sweep: exit 130" || { tail -n 5 "$OUT/int.log"; nok "interrupted sweep: exit $rc, expected 130"; }
I=$(ls -d "$OUT"/int/2* 2>/dev/null | head -n 1)
python3 -c '
import json, sys
j = json.load(open(sys.argv[1] + "/sweep.json"))
n = len(j["generator"]["64"]["trials"]) + sum(len(r.get("trials", [])) for p in j["paths"].values() for r in p.values() if isinstance(r, dict))
assert j["sweep"]["interrupted"] is True, "not marked interrupted"
assert n >= 3, f"only {n} trials kept"
print(f"ok: the interrupted sweep kept {n} finished trials")' "$I" || nok "interrupted sweep.json"
left=$(grep -lsxzF "LLAB_SWEEP=$I" /proc/[0-9]*/environ 2>/dev/null | wc -l)
[ "$left" = 0 ] && ok "no process of the interrupted sweep left" || nok "$left processes of the interrupted sweep left"
[ "$(cat /proc/irq/default_smp_affinity)" = "$aff0" ] && [ ! -e "/sys/fs/cgroup/$LLAB_PREFIX-dut" ] &&
  ok "isolation put back (default IRQ affinity $aff0, no cpuset left)" || nok "isolation not put back"

tap_done
