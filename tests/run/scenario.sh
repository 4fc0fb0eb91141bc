#!/usr/bin/env bash
# scenario.sh — `run --scenario`: an unknown name is a usage error (exit 2) before anything
# starts; `run --quick --paths xdptx --scenario cpu,softirq,irq` measures the path idle and under
# each load, and a sampler of its own (/proc, every 50 ms) sees each load where it should be while
# its window is open: the cpu hog (stress-ng) running on the DUT core, NET_RX softirqs on the DUT
# core at several times the rate of the cpu window, local timer interrupts on the DUT core at
# several times the rate of the cpu window; no process of the scenario alive 1 s after its window
# closed, none after the run, no scenario namespace; summary.json has scenarios.<name> with the
# window and paths.xdptx with the keys of the baseline, unaccounted 0; SIGINT during a scenario
# leaves nothing.
#
#   netns ltNNNN-gen  lab-gen --------> ltNNNN-dut  lab-xsk --mode xdptx (DUT core)
#                                        + stress-ng / iperf3 (in ltNNNN-scn) on the DUT core
set -u
. "$(dirname "$0")/../lib/netns.sh"
netns_require_root
[ "$(nproc)" -ge 2 ] || tap_skip_all "needs 2 or more cores"
netns_require_bin loadgen/lab-gen analysis/lab-analyze xdp/lab-xsk
for t in stress-ng iperf3; do command -v $t >/dev/null || tap_skip_all "no $t (setup/lab deps installs it)"; done
export LAB_SKIP_DEPS=1 LAB_SKIP_BUILD=1 LAB_BUILD_DIR="$LAB_BUILD"
T=$(mktemp -d /tmp/lab-scn-test.XXXXXX)
trap '"$LAB" down >/dev/null 2>&1; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
DUT_CPU=$(( $(nproc) - 1 ))

# 1. an unknown scenario: exit 2, nothing made
"$LAB" run --quick --paths xdptx --scenario cpu,bogus --out "$T/bad" >"$T/bad.log" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "unknown scenario 'bogus'" "$T/bad.log" && ok "unknown scenario: exit 2 ($(head -n1 "$T/bad.log"))" ||
  nok "unknown scenario: exit $rc: $(cat "$T/bad.log")"
[ ! -e "$T/bad" ] && ! ip netns list | grep -q "^$LLAB_PREFIX-" && ok "unknown scenario: nothing was started" ||
  nok "unknown scenario: something was made"

# 2. a sampler beside a run with three scenarios
cat >"$T/sampler.py" <<'PY'
import json, os, sys, time
cpu, out = int(sys.argv[1]), open(sys.argv[2], "w")
def col(path, key):
    for line in open(path):
        f = line.split()
        if f and f[0].rstrip(":") == key:
            return int(f[1 + cpu])
    return 0
while not os.path.exists(sys.argv[3]):
    procs = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if b"LLAB_SCENARIO=" not in open(f"/proc/{pid}/environ", "rb").read():
                continue
            st = open(f"/proc/{pid}/stat").read()
            comm = st[st.index("(") + 1:st.rindex(")")]
            procs.append([comm, int(st[st.rindex(")") + 2:].split()[36])])
        except (OSError, ValueError, IndexError):
            pass
    vm = dict(l.split() for l in open("/proc/vmstat"))
    out.write(json.dumps({"t": time.clock_gettime_ns(time.CLOCK_MONOTONIC),
                          "net_rx": col("/proc/softirqs", "NET_RX"),
                          "loc": col("/proc/interrupts", "LOC"), "procs": procs,
                          "pgfault": int(vm["pgfault"]), "dirtied": int(vm["nr_dirtied"])}) + "\n")
    out.flush()
    time.sleep(0.05)
PY
python3 "$T/sampler.py" "$DUT_CPU" "$T/samples.jsonl" "$T/stop" &
SPID=$!
"$LAB" run --quick --duration 5 --paths xdptx --scenario cpu,softirq,memory,disk,irq,burst --scn-memory-pct 5 \
  --scn-disk-mb 128 --no-trace --out "$T/res" >"$T/run.log" 2>&1; rc=$?
touch "$T/stop"; wait $SPID
[ $rc = 0 ] || nok "run --scenario exited $rc: $(tail -n 3 "$T/run.log")"
python3 - "$T/res/latest/summary.json" "$T/samples.jsonl" "$DUT_CPU" <<'PY' && ok "scenarios seen where they belong" || nok "scenario checks (above)"
import json, sys
s = json.load(open(sys.argv[1])); cpu = int(sys.argv[3])
rows = [json.loads(l) for l in open(sys.argv[2])]
bad = []
base = s["paths"]["xdptx"]
sc = s.get("scenarios", {})
if sorted(sc) != ["burst", "cpu", "disk", "irq", "memory", "softirq"]:
    bad.append(f"scenarios in summary.json: {sorted(sc)}")
def rate(key, w):
    r = [x for x in rows if w[0] <= x["t"] <= w[1]]
    if len(r) < 2:
        return None
    return (r[-1][key] - r[0][key]) / ((r[-1]["t"] - r[0]["t"]) / 1e9)
for name, v in sc.items():
    p = v.get("paths", {}).get("xdptx", {})
    missing = sorted(set(base) - set(p))
    if missing:
        bad.append(f"{name}: paths.xdptx lacks {missing}")
    if p.get("unaccounted") != 0 or p.get("sent") != base.get("sent"):
        bad.append(f"{name}: sent {p.get('sent')} unaccounted {p.get('unaccounted')}")
    w = v.get("window_ns", [])
    if len(w) != 2 or not w[0] < w[1] or not v.get("command"):
        bad.append(f"{name}: window {w} command {v.get('command')!r}")
        continue
    print(f"# {name}: window {(w[1] - w[0]) / 1e9:.2f} s, {v['command']}")
    inside = [x for x in rows if w[0] + 3e8 <= x["t"] <= w[1] - 1e8]
    # from 1 s after the window closed to the next scenario's start (its processes are its own)
    nxt = min([o["window_ns"][0] for o in sc.values() if len(o.get("window_ns", [])) == 2
               and o["window_ns"][0] > w[1]] or [float("inf")])
    late = [x for x in rows if w[1] + 1e9 < x["t"] < nxt - 2e8 and x["procs"]]
    if late:
        bad.append(f"{name}: processes alive 1 s after the window closed: {late[0]['procs']}")
    v["_in"] = inside
cw = sc.get("cpu", {}).get("window_ns")
if cw:
    hog = [p for x in sc["cpu"]["_in"] for p in x["procs"] if p[0].startswith("stress-ng")]
    on = [p for p in hog if p[1] == cpu]
    print(f"# cpu: {len(hog)} samples of stress-ng processes in the window, {len(on)} on cpu {cpu}")
    if not hog or len(on) < 0.9 * len(hog):
        bad.append(f"cpu: stress-ng on the DUT core in {len(on)} of {len(hog)} samples")
    r_cpu_rx, r_cpu_loc = rate("net_rx", cw), rate("loc", cw)
    for name, key, what in (("softirq", "net_rx", "NET_RX softirqs"), ("irq", "loc", "local timer interrupts"),
                            ("memory", "pgfault", "page faults (all cores)"),
                            ("disk", "dirtied", "pages dirtied (all cores)")):
        w = sc.get(name, {}).get("window_ns")
        r, r0 = rate(key, w) if w else None, rate(key, cw)
        print(f"# {name}: {what} on cpu {cpu}: {r and round(r)}/s in its window, {r0 and round(r0)}/s in the cpu window")
        if r is None or r0 is None or r < 3 * max(r0, 100):
            bad.append(f"{name}: {what} {r}/s, not well above the cpu window's {r0}/s")
# burst: the competing flow reached the DUT port (xdptx's program passed it to the kernel: not
# lab traffic), in the burst run and not in the baseline
import os
def passed(d):
    try:
        c = json.load(open(os.path.join(d, "counters", "xdptx.json")))
    except (OSError, ValueError):
        return None
    return c.get("bpf", {}).get("passed", c.get("xdp_passed"))
top = os.path.dirname(sys.argv[1])
pb, p0 = passed(os.path.join(top, "scenarios", "burst")), passed(top)
print(f"# burst: frames the DUT's XDP program passed on (not lab traffic): {pb} in the burst run, {p0} in the baseline")
if pb is None or p0 is None or pb < 1000 or pb < 100 * max(p0, 1):
    bad.append(f"burst: passed {pb} against the baseline's {p0}")
for b in bad:
    print("  " + b)
sys.exit(1 if bad else 0)
PY
grep -q "Under load: scenarios" "$T/res/latest/summary.md" && ok "summary.md has the scenario table" || nok "summary.md lacks the scenario table"
n=$(grep -c "scenario load" "$T/res/latest/scenarios/cpu/report.html" 2>/dev/null)
[ "${n:-0}" -ge 2 ] && grep -q 'href="scenarios/cpu/report.html"' "$T/res/latest/report.html" &&
  ok "the window is drawn on the scenario's time plots ($n), the run's report links it" ||
  nok "report: window bands $n, or no link from the run's report"
left=$(grep -lsxzF "LLAB_SCENARIO=$(readlink -f "$T/res/latest")" /proc/[0-9]*/environ | wc -l)
[ "$left" = 0 ] && ok "no process of the scenarios left" || nok "$left scenario processes left"
ip netns list | grep -q "^$LLAB_PREFIX-scn" && nok "the scenario namespace is left" || ok "no scenario namespace left"
r=$("$LAB" residue 2>&1); [ -z "$r" ] && ok "no residue after the run" || nok "residue: $r"

# start_loaded_run N: `run` of xdptx under the cpu scenario in the background (RPID; SIGINT
# reaches it), returned 2.5 s into the scenario's schedule, its load on
start_loaded_run() {
  python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])' \
    env LAB_QUIET= "$LAB" run --quick --duration 6 --paths xdptx --scenario cpu --no-trace --out "$T/res$1" >"$T/run$1.log" 2>&1 &
  RPID=$!
  for _ in $(seq 600); do grep -q "^== xdptx under cpu" "$T/run$1.log" 2>/dev/null && break; sleep 0.1; done
  sleep 2.5
}

# 3. SIGINT while a scenario's load is on
start_loaded_run 2
pgrep -f "stress-ng --cpu" >/dev/null && ok "SIGINT test: the hog runs before the signal" || nok "SIGINT test: no hog running (the test would prove nothing)"
kill -INT $RPID
for _ in $(seq 300); do kill -0 $RPID 2>/dev/null || break; sleep 0.1; done
kill -0 $RPID 2>/dev/null && { nok "run alive 30 s after SIGINT"; kill -KILL $RPID; }
wait $RPID 2>/dev/null
# running ones (an exited child may show as a zombie until init reaps it)
live() { ps -eo stat=,args= | awk '$1 !~ /^Z/ && $2 ~ /^(stress-ng|iperf3)/'; }
for _ in $(seq 30); do [ -z "$(live)" ] && break; sleep 0.1; done
[ -n "$(live)" ] && nok "stress-ng or iperf3 left after SIGINT: $(live | head -n 3)" || ok "SIGINT: no stress-ng or iperf3 left"
r=$("$LAB" residue 2>&1); [ -z "$r" ] && ok "SIGINT: no residue" || nok "SIGINT: residue: $r"
# 4. kill -9 of the run while a scenario's load is on, then down: down stops the load too
start_loaded_run 3
kill -KILL $RPID; wait $RPID 2>/dev/null
[ -n "$(live)" ] && ok "kill -9: the load outlives the run (for down to stop)" || nok "kill -9: no load running (the test would prove nothing)"
"$LAB" down >/dev/null 2>&1
for _ in $(seq 30); do [ -z "$(live)" ] && break; sleep 0.1; done
[ -n "$(live)" ] && nok "kill -9 + down: left $(live | head -n 3)" || ok "kill -9 + down: no stress-ng or iperf3 left"
r=$("$LAB" residue 2>&1); [ -z "$r" ] && ok "kill -9 + down: no residue" || nok "kill -9 + down: residue: $r"
tap_done
