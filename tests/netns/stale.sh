#!/usr/bin/env bash
# stale.sh — a prefix nobody owns any more is collected, a live one never is:
#   A: `run` killed with SIGKILL mid-path: status --all says orphaned (its processes hold on);
#      then its processes killed, its namespaces left (what a suite stopped from outside
#      leaves): stale, because a run's prefix is the run's only;
#   B: `up` by a user, idle: its owner gone too, its namespaces there: up, left alone;
#   C: `up` for a holder (LAB_HOLDER=PID, as the suite's tests do): up while the holder lives,
#      stale once it is killed;
#   B's `down` gives the shared hugepages back although A's state dir says it holds them (when
#   no other lab is up); `down --all` collects A and C, and nothing of them is left;
#   D: another `run` killed with SIGKILL: `down --all` collects the orphan, its processes too.
#
#   netns ltNNNN-gen/-dut (A, D)   ltNNNN1-gen/-dut (B)   ltNNNN2-gen/-dut (C)
set -u
. "$(dirname "$0")/../lib/netns.sh"
netns_require_root
netns_require_bin loadgen/lab-gen analysis/lab-analyze kernelpath/lab-kern
export LAB_SKIP_DEPS=1 LAB_SKIP_BUILD=1 LAB_BUILD_DIR="$LAB_BUILD" LAB_CHECK_ISOLATED=0
unset LAB_HOLDER # each prefix here says who holds it
A=$LLAB_PREFIX B=${LLAB_PREFIX}1 C=${LLAB_PREFIX}2
T=$(mktemp -d /tmp/lab-stale-XXXXXX)
H=""
trap '"$LAB" down >/dev/null 2>&1; LLAB_PREFIX=$B "$LAB" down >/dev/null 2>&1; LLAB_PREFIX=$C "$LAB" down >/dev/null 2>&1; [ -z "$H" ] || kill "$H" 2>/dev/null; rm -rf "$T"' EXIT
state_of() { "$LAB" status --all 2>/dev/null | awk -v p="$1" '$1 == p {print $2}'; }
owned() { grep -lsxzF "LLAB_OWNER=$1" /proc/[0-9]*/environ | sed 's,/proc/\([0-9]*\)/environ,\1,'; }
HP0=$(cat /proc/sys/vm/nr_hugepages)
[ -f /run/llab-state/nr_hugepages.orig ] && HP0=$(cat /run/llab-state/nr_hugepages.orig)

# run_killed LOG: a `run` of prefix A, SIGKILLed (not its children) once its kernel path runs
run_killed() {
  python3 -c 'import os, sys; os.execvp(sys.argv[1], sys.argv[1:])' \
    "$LAB" run --paths kernel --no-isolate --no-trace --duration 30 --out "$T/a" >"$1" 2>&1 &
  local run=$!
  for _ in $(seq 300); do grep -q '^== kernel$' "$1" 2>/dev/null && break; sleep 0.1; done
  sleep 2
  kill -KILL "$run"; wait "$run" 2>/dev/null
  [ -n "$(owned "$A")" ] || nok "the SIGKILL left no process of $A (the test would prove nothing)"
}

run_killed "$T/a.log"
LLAB_PREFIX=$B "$LAB" up >/dev/null 2>&1 || nok "up of $B"
sleep 300 & H=$!
LAB_HOLDER=$H LLAB_PREFIX=$C "$LAB" up >/dev/null 2>&1 || nok "up of $C for holder $H"
[ "$(state_of "$A")" = orphaned ] && ok "status --all: $A orphaned" || nok "status --all: $A is '$(state_of "$A")', not orphaned"
[ "$(state_of "$C")" = up ] && ok "status --all: $C up while its holder lives" || nok "status --all: $C is '$(state_of "$C")', not up"
LAB_HOLDER=nope LLAB_PREFIX=${LLAB_PREFIX}3 "$LAB" up >"$T/bad.log" 2>&1 && nok "LAB_HOLDER=nope accepted"
grep -q "LAB_HOLDER='nope' is not a pid" "$T/bad.log" && ok "LAB_HOLDER=nope refused" || nok "LAB_HOLDER=nope: $(cat "$T/bad.log")"
LLAB_PREFIX=${LLAB_PREFIX}3 "$LAB" down >/dev/null 2>&1

# what a suite stopped from outside leaves: the namespaces and the state dir, no process
for p in $(owned "$A"); do kill -KILL "$p" 2>/dev/null; done
kill "$H"; wait "$H" 2>/dev/null; H=""
sleep 0.5
[ -d "/run/llab-state/$A" ] && ip netns list | grep -q "^$A-dut " ||
  nok "no state dir or namespace of $A left (the test would prove nothing)"
[ "$(state_of "$A")" = stale ] && ok "status --all: $A (a killed run's namespaces) stale" || nok "status --all: $A is '$(state_of "$A")', not stale"
[ "$(state_of "$B")" = up ] && ok "status --all: $B up" || nok "status --all: $B is '$(state_of "$B")', not up"
[ "$(state_of "$C")" = stale ] && ok "status --all: $C stale, its holder gone" || nok "status --all: $C is '$(state_of "$C")', not stale"

# the shared hugepages: B's down gives them back, A's stale claim notwithstanding
others=$("$LAB" status --all 2>/dev/null | awk -v a="$A" -v b="$B" -v c="$C" 'NR > 1 && $1 != a && $1 != b && $1 != c && ($2 == "running" || $2 == "up" || $2 == "orphaned") {print $1}' | paste -sd' ')
LLAB_PREFIX=$B "$LAB" down >/dev/null 2>&1 || nok "down of $B"
if [ -z "$others" ]; then
  hp=$(cat /proc/sys/vm/nr_hugepages)
  [ "$hp" = "$HP0" ] && ok "$B's down gave the hugepages back ($hp) beside stale $A" ||
    nok "$B's down kept $hp hugepages (were $HP0): stale $A still counted"
else
  echo "# other labs up ($others): the hugepages are theirs to keep; not checked"
fi
LLAB_PREFIX=$B "$LAB" up >/dev/null 2>&1 || nok "up of $B again"

"$LAB" down --all >"$T/all2.log" 2>&1 || nok "down --all (2) failed: $(cat "$T/all2.log")"
for q in "$A" "$C"; do
  grep -q "collecting stale prefix '$q'" "$T/all2.log" && ok "down --all collected $q" || nok "down --all did not collect $q: $(cat "$T/all2.log")"
  r=$(LLAB_PREFIX=$q "$LAB" residue); [ -z "$r" ] && ok "nothing of $q left" || nok "residue of $q after down --all: $r"
  [ -e "/run/lock/llab-$q.lock" ] && nok "$q's lock file is left"
done
ip netns list | grep -q "^$B-dut " && ok "down --all left the live $B alone" || nok "down --all took the live $B"
[ "$(state_of "$B")" = up ] || nok "$B is '$(state_of "$B")' after down --all"

# D: an orphan is collected, its processes stopped
run_killed "$T/d.log"
[ "$(state_of "$A")" = orphaned ] || nok "status --all: $A is '$(state_of "$A")', not orphaned"
"$LAB" down --all >"$T/all3.log" 2>&1 || nok "down --all (3) failed: $(cat "$T/all3.log")"
grep -q "collecting orphaned prefix '$A'" "$T/all3.log" && ok "down --all collected the orphaned $A" || nok "down --all did not collect the orphaned $A: $(cat "$T/all3.log")"
r=$("$LAB" residue); [ -z "$r" ] && ok "nothing of the orphan left" || nok "residue of the orphan after down --all: $r"
[ -z "$(owned "$A")" ] || nok "processes of $A left: $(owned "$A" | paste -sd' ')"

LLAB_PREFIX=$B "$LAB" down >/dev/null 2>&1
r=$(LLAB_PREFIX=$B "$LAB" residue); [ -z "$r" ] || nok "residue of $B: $r"
tap_done
