#!/usr/bin/env bash
# asfound.sh — every run leaves the machine exactly as it found it. A snapshot of everything the
# lab may change (every IRQ's affinity and the default, governors, the cpuset/cgroup layout and
# each task's cpuset, nr_hugepages, the sysctls, /dev/cpu_dma_latency, mounts) is taken before,
# and compared after each of:
#   A. `isolate 1` twice (the second changes nothing), `run --quick` (leaves the user's isolation
#      as it found it), `unisolate`, `down`;
#   B. `run --quick --watch` interrupted by SIGINT mid-path (lab-watch writes its files and ends);
#   C. `run --quick --watch` killed with SIGKILL mid-path, its DUT namespace deleted under it, then
#      `down` (which must find the run's processes without the namespace);
#   D. `run --topology forward` interrupted by SIGINT while kfwd forwards;
#   E. `run --topology forward` killed with SIGKILL during xsk, then `down`.
# One IRQ is first given an affinity of its own (cpu 1 alone) so that a restore to "all cores"
# would not pass by chance; the trap puts it back.
#
#   netns ltNNNN-gen [gen0] <--veth--> [dut0] ltNNNN-dut     (made and removed by setup/lab run)
set -u
. "$(dirname "$0")/../lib/netns.sh"
netns_require_root
[ "$(nproc)" -ge 2 ] || tap_skip_all "isolation needs 2 or more cores"
netns_require_bin loadgen/lab-gen analysis/lab-analyze
export LAB_SKIP_DEPS=1 LAB_SKIP_BUILD=1 LAB_BUILD_DIR="$LAB_BUILD"
T=$(mktemp -d /tmp/lab-asfound-XXXXXX)
ISO_CPU=$(( $(nproc) - 1 ))

# an IRQ of our own setting, put back on exit
IRQ="" IRQ_ORIG=""
for f in /proc/irq/[0-9]*/smp_affinity_list; do
  o=$(cat "$f")
  if echo "$ISO_CPU" >"$f" 2>/dev/null; then IRQ=$f IRQ_ORIG=$o; break; fi
done
finish() {
  "$LAB" unisolate >/dev/null 2>&1
  "$LAB" down >/dev/null 2>&1
  [ -z "$IRQ" ] || echo "$IRQ_ORIG" >"$IRQ" 2>/dev/null
  rm -rf "$T"
}
trap finish EXIT

snap() { # FILE: one line per fact
  local f g d
  {
    for f in /proc/irq/[0-9]*/smp_affinity_list; do echo "irq ${f#/proc/irq/} $(cat "$f")"; done
    echo "default_smp_affinity $(cat /proc/irq/default_smp_affinity)"
    for g in /sys/devices/system/cpu/cpu*/cpufreq/scaling_governor; do
      [ -f "$g" ] && echo "governor $g $(cat "$g")"
    done
    for d in /sys/fs/cgroup /sys/fs/cgroup/cpuset /sys/fs/cgroup/unified; do
      [ -d "$d" ] && find "$d" -maxdepth 2 -type d 2>/dev/null | sed 's/^/cgroup dir /'
      [ -f "$d/cgroup.subtree_control" ] && echo "subtree_control $d $(cat "$d/cgroup.subtree_control")"
      [ -f "$d/cpuset.cpus" ] && echo "cpuset.cpus $d $(cat "$d/cpuset.cpus")"
    done
    for d in /proc/[0-9]*; do # task pid:starttime -> its cpuset (kept only if alive in both)
      echo "task ${d#/proc/}:$(awk '{print $22}' "$d/stat" 2>/dev/null) $(cat "$d/cpuset" 2>/dev/null)"
    done
    echo "nr_hugepages $(cat /proc/sys/vm/nr_hugepages)"
    for s in net.core.busy_read net.core.busy_poll vm.nr_hugepages kernel.sched_rt_runtime_us; do
      echo "sysctl $s $(sysctl -n "$s")"
    done
    [ -e /dev/cpu_dma_latency ] && echo "cpu_dma_latency $(od -An -tu4 -N4 /dev/cpu_dma_latency | tr -d ' ')"
    for f in /proc/[0-9]*/fd/*; do
      [ "$(readlink "$f" 2>/dev/null)" = /dev/cpu_dma_latency ] && echo "cpu_dma_latency held by ${f#/proc/}"
    done
    # other labs up (another prefix, live: a stale one's claim is void, the last live one down
    # restores them): hugepages and mounts are shared
    "$LAB" status --all 2>/dev/null | awk -v me="$LLAB_PREFIX" \
      'NR > 1 && $1 != me && $2 != "stale" && /holds the shared hugepages/ {print "other lab up " $1}'
    # mounts; other prefixes' namespaces (another test or lab on this machine) are not ours to judge
    awk -v p="/run/netns/$LLAB_PREFIX-" '$2 !~ "^/run/netns/" || index($2, p) == 1 {print "mount", $2, $3}' /proc/self/mounts
  } 2>/dev/null | sort >"$1"
}

same() { # LABEL BEFORE AFTER: every fact back (tasks: those alive in both)
  local d
  d=$(python3 - "$2" "$3" <<'PY'
import sys
def load(p):
    facts, tasks = set(), {}
    for l in open(p):
        l = l.rstrip("\n")
        if l.startswith("task "):
            k, _, v = l[5:].partition(" ")
            tasks[k] = v
        else:
            facts.add(l)
    return facts, tasks
fa, ta = load(sys.argv[1])
fb, tb = load(sys.argv[2])
# hugepages and the hugetlbfs/bpffs mounts are shared by every lab prefix up on the machine: the
# last one down restores them. When another lab was up at either snapshot, they are its to keep.
others = {l for l in fa | fb if l.startswith("other lab up ")}
if others:
    shared = lambda l: (l.startswith(("nr_hugepages ", "sysctl vm.nr_hugepages ", "other lab up "))
                        or l in ("mount /dev/hugepages hugetlbfs", "mount /sys/fs/bpf bpf"))
    fa = {l for l in fa if not shared(l)}
    fb = {l for l in fb if not shared(l)}
    print("note: another lab was up (%s): hugepages and shared mounts not compared" % ", ".join(sorted(l[13:] for l in others)), file=sys.stderr)
for l in sorted(fa - fb): print("  was:", l)
for l in sorted(fb - fa): print("  now:", l)
for k in sorted(set(ta) & set(tb)):
    if ta[k] != tb[k]: print(f"  task {k}: cpuset was {ta[k]!r}, now {tb[k]!r}")
PY
)
  if [ -z "$d" ]; then ok "$1: as found"; else nok "$1: not as found:"; echo "$d" | head -n 40; fi
}

# wait_for_path LOG PATH: the run reached "== PATH" (its reflector starting), up to 90 s
wait_for_path() {
  local i
  for i in $(seq 900); do grep -q "^== $2\$" "$1" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}
# a background run that a SIGINT reaches (a background job of a script starts with SIGINT
# ignored; a user's Ctrl-C does reach a foreground run)
start_run() { # LOG ARGS...
  local log=$1; shift
  python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])' \
    env LAB_QUIET= "$LAB" run --quick "$@" >"$log" 2>&1 &
  RUN_PID=$!
}

snap "$T/s0"

# ---- A: the user's isolation, twice, then a run, then unisolate and down
"$LAB" isolate "$ISO_CPU" >"$T/iso1.log" 2>&1 || nok "isolate $ISO_CPU failed: $(tail -n1 "$T/iso1.log")"
snap "$T/s1"
grep -q "^default_smp_affinity $(cat /proc/irq/default_smp_affinity)\$" "$T/s0" &&
  nok "isolate did not change the default IRQ affinity (the test would prove nothing)"
"$LAB" isolate "$ISO_CPU" >"$T/iso2.log" 2>&1 || nok "a second isolate $ISO_CPU failed: $(tail -n1 "$T/iso2.log")"
snap "$T/s1b"
same "a second isolate" "$T/s1" "$T/s1b"
"$LAB" isolate 0 >"$T/iso3.log" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "isolated already" "$T/iso3.log" && ok "isolate of another cpu refused (exit 2)" ||
  nok "isolate 0 while $ISO_CPU is isolated: exit $rc: $(cat "$T/iso3.log")"
LAB_QUIET= "$LAB" run --quick --out "$T/res" >"$T/runA.log" 2>&1 || nok "run after isolate failed: $(tail -n3 "$T/runA.log")"
grep -q "isolated before the run" "$T/runA.log" && ok "run says it uses the user's isolation" ||
  nok "run does not say it found the core isolated"
[ -f "$T/res/latest/summary.json" ] || nok "run after isolate: no summary.json"
snap "$T/s2"
same "run after a user's isolate (isolation kept)" "$T/s1" "$T/s2"
"$LAB" unisolate >/dev/null 2>&1 || nok "unisolate failed"
"$LAB" down >/dev/null 2>&1 || nok "down failed"
snap "$T/s3"
same "isolate x2, run, unisolate, down" "$T/s0" "$T/s3"

# ---- B: SIGINT mid-path
start_run "$T/runB.log" --watch --out "$T/resB"
if wait_for_path "$T/runB.log" xsk; then
  sleep 1.5
  kill -INT "$RUN_PID"
  for _ in $(seq 300); do kill -0 "$RUN_PID" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$RUN_PID" 2>/dev/null && { nok "run alive 30 s after SIGINT"; kill -KILL "$RUN_PID"; }
  wait "$RUN_PID" 2>/dev/null
  grep -q "isolated at run time" "$T/runB.log" || nok "run B did not isolate (the test would prove nothing)"
  r=$("$LAB" residue); [ -z "$r" ] && ok "no residue after SIGINT" || nok "residue after SIGINT: $r"
  # run --watch: lab-watch stopped with the run, its pending event and watch.json written
  wj=$(ls "$T"/resB/*/watch/watch.json 2>/dev/null | head -n1)
  [ -n "$wj" ] && grep -q '"stopped_by": "signal"' "$wj" && ok "run --watch: lab-watch wrote watch.json on the SIGINT" ||
    nok "run --watch: no watch.json stopped by the signal after SIGINT ($(ls "$T"/resB/*/watch 2>&1 | tr '\n' ' '))"
  pgrep -x lab-watch >/dev/null && nok "lab-watch alive after the run's SIGINT" || ok "no lab-watch after the run's SIGINT"
  snap "$T/s4"
  same "run interrupted by SIGINT" "$T/s0" "$T/s4"
else
  nok "run B never reached the xsk path: $(tail -n3 "$T/runB.log")"; kill -KILL "$RUN_PID" 2>/dev/null
fi
"$LAB" down >/dev/null 2>&1

# ---- C: SIGKILL mid-path, the DUT namespace deleted under it, then down
start_run "$T/runC.log" --watch --out "$T/resC"
if wait_for_path "$T/runC.log" kernel; then
  sleep 1.5
  kill -KILL "$RUN_PID"; wait "$RUN_PID" 2>/dev/null
  # what a crash leaves: the reflector, lab-gen, the softnet sampler still running
  left=$(grep -lsxzF "LLAB_OWNER=$LLAB_PREFIX" /proc/[0-9]*/environ | wc -l)
  [ "$left" -gt 0 ] && ok "SIGKILL left $left processes of the run (for down to find)" ||
    nok "SIGKILL left no process of the run (the test would prove nothing)"
  pgrep -x lab-watch >/dev/null && ok "SIGKILL left run --watch's lab-watch (for down to find)" ||
    nok "no lab-watch after the SIGKILL of run --watch (the test would prove nothing)"
  ip netns del "$NS_DUT" 2>/dev/null
  "$LAB" down >"$T/downC.log" 2>&1 || nok "down after SIGKILL failed: $(tail -n1 "$T/downC.log")"
  sleep 0.5
  left=$(grep -lsxzF "LLAB_OWNER=$LLAB_PREFIX" /proc/[0-9]*/environ | sed 's,/proc/\([0-9]*\)/environ,\1,' |
         while read -r p; do cat "/proc/$p/comm" 2>/dev/null; done | paste -sd' ')
  [ -z "$left" ] && ok "down found every process of the run" || nok "processes left after down: $left"
  r=$("$LAB" residue); [ -z "$r" ] && ok "no residue after SIGKILL + down" || nok "residue after SIGKILL + down: $r"
  snap "$T/s5"
  same "run killed by SIGKILL, then down" "$T/s0" "$T/s5"
else
  nok "run C never reached the kernel path: $(tail -n3 "$T/runC.log")"; kill -KILL "$RUN_PID" 2>/dev/null
fi

# ---- D: the forward topology, SIGINT while kfwd has the DUT namespace forwarding
start_run "$T/runD.log" --topology forward --paths kfwd,xdpfwd --out "$T/resD"
if wait_for_path "$T/runD.log" kfwd; then
  sleep 2.5
  kill -INT "$RUN_PID"
  for _ in $(seq 300); do kill -0 "$RUN_PID" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$RUN_PID" 2>/dev/null && { nok "forward run alive 30 s after SIGINT"; kill -KILL "$RUN_PID"; }
  wait "$RUN_PID" 2>/dev/null
  r=$("$LAB" residue); [ -z "$r" ] && ok "forward: no residue after SIGINT" || nok "forward: residue after SIGINT: $r"
  ip -o link | grep -q "${LLAB_PREFIX}f[gd]" && nok "forward: a host half of the second pair is left"
  snap "$T/s6"
  same "forward run interrupted by SIGINT" "$T/s0" "$T/s6"
else
  nok "run D never reached the kfwd path: $(tail -n3 "$T/runD.log")"; kill -KILL "$RUN_PID" 2>/dev/null
fi
"$LAB" down >/dev/null 2>&1

# ---- E: the forward topology, SIGKILL mid-path (xsk: XDP on dut0, AF_XDP on both ports), down
start_run "$T/runE.log" --topology forward --paths xsk --out "$T/resE"
if wait_for_path "$T/runE.log" xsk; then
  sleep 2.5
  kill -KILL "$RUN_PID"; wait "$RUN_PID" 2>/dev/null
  "$LAB" down >"$T/downE.log" 2>&1 || nok "forward: down after SIGKILL failed: $(tail -n1 "$T/downE.log")"
  r=$("$LAB" residue); [ -z "$r" ] && ok "forward: no residue after SIGKILL + down" || nok "forward: residue after SIGKILL + down: $r"
  snap "$T/s7"
  same "forward run killed by SIGKILL, then down" "$T/s0" "$T/s7"
else
  nok "run E never reached the xsk path: $(tail -n3 "$T/runE.log")"; kill -KILL "$RUN_PID" 2>/dev/null
fi

tap_done
