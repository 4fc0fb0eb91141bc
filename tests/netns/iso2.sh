#!/usr/bin/env bash
# iso2.sh — the host's isolation is one prefix's at a time: A isolates, B's isolate is refused
# (exit 2, naming A) and changes nothing; B's unisolate and down leave A's isolation as it is;
# after A's unisolate every IRQ affinity, the default affinity, the governors and the
# busy-poll sysctls are as found. Also B isolates after A gave it back (the record is free).
# One IRQ gets an affinity of its own first (cpu 0 alone), so "all cores" cannot pass by chance.
set -u
. "$(dirname "$0")/../lib/netns.sh"
netns_require_root
[ "$(nproc)" -ge 2 ] || tap_skip_all "isolation needs 2 or more cores"
A=$LLAB_PREFIX B=${LLAB_PREFIX}1 CPU=$(( $(nproc --all) - 1 ))
# another lab isolating the machine now (its record, or one of an older lab's code): "as found"
# would be its isolated state, and its undo would race ours
if [ -e /run/llab-iso ] || ls -d /run/llab-state/*/iso >/dev/null 2>&1; then
  tap_skip_all "another lab isolates this machine now ($(ls -d /run/llab-iso /run/llab-state/*/iso 2>/dev/null | paste -sd' '))"
fi
T=$(mktemp -d /tmp/lab-iso2-XXXXXX)
IRQ="" IRQ_ORIG=""
for f in /proc/irq/[0-9]*/smp_affinity_list; do
  o=$(cat "$f"); if echo 0 >"$f" 2>/dev/null; then IRQ=$f IRQ_ORIG=$o; break; fi
done
finish() {
  LLAB_PREFIX=$B "$LAB" unisolate >/dev/null 2>&1; "$LAB" unisolate >/dev/null 2>&1
  LLAB_PREFIX=$B "$LAB" down >/dev/null 2>&1; "$LAB" down >/dev/null 2>&1
  [ -z "$IRQ" ] || echo "$IRQ_ORIG" >"$IRQ" 2>/dev/null
  rm -rf "$T"
}
trap finish EXIT
snap() {
  {
    for f in /proc/irq/[0-9]*/smp_affinity_list; do echo "irq $f $(cat "$f")"; done
    echo "default $(cat /proc/irq/default_smp_affinity)"
    for g in /sys/devices/system/cpu/cpu*/cpufreq/scaling_governor; do [ -f "$g" ] && echo "gov $g $(cat "$g")"; done
    sysctl net.core.busy_read net.core.busy_poll
    ls -d /sys/fs/cgroup/cpuset/"$A"-* /sys/fs/cgroup/"$A"-* /sys/fs/cgroup/cpuset/"$B"-* /sys/fs/cgroup/"$B"-* 2>/dev/null
  } 2>/dev/null | sort >"$1"
}
same() { if diff "$2" "$3" >"$T/d"; then ok "$1"; else nok "$1: $(head -n 8 "$T/d" | tr '\n' ' ')"; fi; }

snap "$T/s0"
"$LAB" isolate "$CPU" >"$T/a.log" 2>&1 || nok "isolate by $A failed: $(tail -n 1 "$T/a.log")"
snap "$T/s1"
cmp -s "$T/s0" "$T/s1" && nok "isolate changed nothing (the test would prove nothing)"
LLAB_PREFIX=$B "$LAB" isolate "$CPU" >"$T/b.log" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "isolated by prefix '$A'" "$T/b.log" && ok "a second prefix's isolate refused: $(tail -n 1 "$T/b.log")" ||
  nok "isolate by $B while $A isolates: exit $rc: $(tail -n 2 "$T/b.log")"
snap "$T/s2"; same "the refused isolate changed nothing" "$T/s1" "$T/s2"
LLAB_PREFIX=$B "$LAB" unisolate >/dev/null 2>&1
LLAB_PREFIX=$B "$LAB" down >/dev/null 2>&1
snap "$T/s3"; same "$B's unisolate and down left $A's isolation" "$T/s1" "$T/s3"
"$LAB" unisolate >/dev/null 2>&1 || nok "unisolate by $A"
snap "$T/s4"; same "after $A's unisolate: every IRQ, the default, governors, sysctls as found" "$T/s0" "$T/s4"
LLAB_PREFIX=$B "$LAB" isolate "$CPU" >"$T/b2.log" 2>&1 || nok "isolate by $B after $A gave it back: $(tail -n 1 "$T/b2.log")"
LLAB_PREFIX=$B "$LAB" down >/dev/null 2>&1 || nok "down of $B"
snap "$T/s5"; same "$B's isolate then down: as found" "$T/s0" "$T/s5"
[ -e /run/llab-iso ] && nok "the isolation record is left"
[ -e /run/lock/llab-iso.lock ] && nok "the isolation lock file is left"
tap_done
