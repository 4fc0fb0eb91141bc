#!/usr/bin/env bash
# stale.sh — a prefix whose run was killed from outside is collected, a live one never is:
#   A: `run` killed with SIGKILL mid-path: status --all says orphaned (its processes hold on),
#      down --all leaves it; then its processes killed and its namespaces deleted (what a suite
#      stopped from outside leaves): stale, its state dir, lock file and hugepage claim left;
#   B: `up`, idle: its owner gone too, but its namespaces are there: up, left alone;
#   B's `down` gives the shared hugepages back although A's state dir says it holds them (when
#   no other lab is up); `down --all` collects A, and nothing of it is left.
#
#   netns ltNNNN-gen/-dut (A, deleted under it)      netns ltNNNN1-gen/-dut (B, up)
set -u
. "$(dirname "$0")/../lib/netns.sh"
netns_require_root
netns_require_bin loadgen/lab-gen analysis/lab-analyze kernelpath/lab-kern
export LAB_SKIP_DEPS=1 LAB_SKIP_BUILD=1 LAB_BUILD_DIR="$LAB_BUILD" LAB_CHECK_ISOLATED=0
A=$LLAB_PREFIX B=${LLAB_PREFIX}1
T=$(mktemp -d /tmp/lab-stale-XXXXXX)
trap '"$LAB" down >/dev/null 2>&1; LLAB_PREFIX=$B "$LAB" down >/dev/null 2>&1; rm -rf "$T"' EXIT
fails=0
nok() { echo "not ok: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
state_of() { "$LAB" status --all 2>/dev/null | awk -v p="$1" '$1 == p {print $2}'; }
owned() { grep -lsxzF "LLAB_OWNER=$1" /proc/[0-9]*/environ | sed 's,/proc/\([0-9]*\)/environ,\1,'; }
HP0=$(cat /proc/sys/vm/nr_hugepages)
[ -f /run/llab-state/nr_hugepages.orig ] && HP0=$(cat /run/llab-state/nr_hugepages.orig)

python3 -c 'import os, sys; os.execvp(sys.argv[1], sys.argv[1:])' \
  "$LAB" run --paths kernel --no-isolate --no-trace --duration 30 --out "$T/a" >"$T/a.log" 2>&1 &
RUN=$!
for _ in $(seq 300); do grep -q '^== kernel$' "$T/a.log" 2>/dev/null && break; sleep 0.1; done
sleep 2
kill -KILL "$RUN"; wait "$RUN" 2>/dev/null
[ -n "$(owned "$A")" ] || nok "the SIGKILL left no process of $A (the test would prove nothing)"
LLAB_PREFIX=$B "$LAB" up >/dev/null 2>&1 || nok "up of $B"
[ "$(state_of "$A")" = orphaned ] && ok "status --all: $A orphaned" || nok "status --all: $A is '$(state_of "$A")', not orphaned"
"$LAB" down --all >"$T/all1.log" 2>&1 || nok "down --all (1) failed: $(cat "$T/all1.log")"
ip netns list | grep -q "^$A-dut " && ok "down --all left the orphaned $A alone" || nok "down --all took the orphaned $A"

# what a suite stopped from outside leaves: no process, no namespace, the state dir
for p in $(owned "$A"); do kill -KILL "$p" 2>/dev/null; done
sleep 0.5
ip netns del "$A-gen"; ip netns del "$A-dut"
[ -d "/run/llab-state/$A" ] || nok "no state dir of $A left (the test would prove nothing)"
[ "$(state_of "$A")" = stale ] && ok "status --all: $A stale" || nok "status --all: $A is '$(state_of "$A")', not stale"
[ "$(state_of "$B")" = up ] && ok "status --all: $B up" || nok "status --all: $B is '$(state_of "$B")', not up"

# the shared hugepages: B's down gives them back, A's stale claim notwithstanding
others=$("$LAB" status --all 2>/dev/null | awk -v a="$A" -v b="$B" 'NR > 1 && $1 != a && $1 != b && ($2 == "running" || $2 == "up" || $2 == "orphaned") {print $1}' | paste -sd' ')
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
grep -q "collecting stale prefix '$A'" "$T/all2.log" && ok "down --all collected $A" || nok "down --all did not collect $A: $(cat "$T/all2.log")"
r=$("$LAB" residue); [ -z "$r" ] && ok "nothing of $A left" || nok "residue of $A after down --all: $r"
[ -e "/run/lock/llab-$A.lock" ] && nok "$A's lock file is left"
ip netns list | grep -q "^$B-dut " && ok "down --all left the live $B alone" || nok "down --all took the live $B"
LLAB_PREFIX=$B "$LAB" down >/dev/null 2>&1
r=$(LLAB_PREFIX=$B "$LAB" residue); [ -z "$r" ] || nok "residue of $B: $r"
[ $fails -eq 0 ] && echo "stale: all ok" || echo "stale: $fails failure(s)"
[ $fails -eq 0 ]
