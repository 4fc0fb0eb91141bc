#!/usr/bin/env bash
# locks.sh — one prefix, two verbs at once: while a run measures, a second run with --no-wait
# is refused at once (exit 1, "in use"), a `down` waits (saying so) instead of tearing the run
# down, and the first run ends whole (every packet back, exit 0); then the waiting down goes.
# `status --all` lists the prefix, running while the run holds it and up after an `up`.
#
#   netns ltNNNN-gen [gen0] <--veth--> [dut0] ltNNNN-dut     (first run: kernel path, 6 s)
set -u
. "$(dirname "$0")/../lib/netns.sh"
netns_require_root
netns_require_bin loadgen/lab-gen analysis/lab-analyze kernelpath/lab-kern
export LAB_SKIP_DEPS=1 LAB_SKIP_BUILD=1 LAB_BUILD_DIR="$LAB_BUILD" LAB_CHECK_ISOLATED=0
T=$(mktemp -d /tmp/lab-locks-XXXXXX)
trap '"$LAB" down >/dev/null 2>&1; rm -rf "$T"' EXIT

"$LAB" run --paths kernel --no-isolate --no-trace --duration 6 --out "$T/first" >"$T/first.log" 2>&1 &
FIRST=$!
for _ in $(seq 300); do grep -q '^== kernel$' "$T/first.log" 2>/dev/null && break; sleep 0.1; done
grep -q '^== kernel$' "$T/first.log" || nok "the first run never reached its path: $(tail -n 3 "$T/first.log")"
sleep 1

st=$("$LAB" status --all 2>&1)
echo "$st" | grep -Eq "^$LLAB_PREFIX +running " && ok "status --all: $LLAB_PREFIX running" ||
  nok "status --all does not show $LLAB_PREFIX running: $st"

t0=$(date +%s)
"$LAB" run --no-wait --paths kernel --no-isolate --no-trace --duration 1 --out "$T/second" >"$T/second.log" 2>&1; rc=$?
if [ $rc -eq 1 ] && grep -q "in use" "$T/second.log" && [ $(( $(date +%s) - t0 )) -lt 5 ]; then
  ok "a second run with --no-wait refused: $(grep "in use" "$T/second.log")"
else
  nok "a second run with --no-wait: exit $rc after $(( $(date +%s) - t0 )) s: $(tail -n 2 "$T/second.log")"
fi
[ ! -e "$T/second" ] || [ -z "$(ls -A "$T/second")" ] || nok "the refused run made results: $(ls "$T/second")"

"$LAB" down >"$T/down.log" 2>&1 &
DOWN=$!
sleep 1.5
kill -0 "$DOWN" 2>/dev/null && grep -q "waiting" "$T/down.log" && ok "down waits, saying so: $(head -n 1 "$T/down.log")" ||
  nok "down did not wait for the run: $(cat "$T/down.log")"
ns_alive=0; ip netns list | grep -q "^$NS_DUT " && ns_alive=1
[ $ns_alive = 1 ] && ok "the run's lab is still up while down waits" || nok "down took the lab away under the run"

wait "$FIRST"; rc=$?
[ $rc -eq 0 ] && ok "the first run exited 0" || nok "the first run exited $rc: $(tail -n 3 "$T/first.log")"
s="$T/first/latest/summary.json"
python3 - "$s" <<'PY' && ok "the first run: every packet back" || nok "the first run was disturbed"
import json, sys
try:
    p = json.load(open(sys.argv[1]))["paths"]["kernel"]
except Exception as e:
    print("  no kernel path in summary.json:", e); sys.exit(1)
if p.get("sent", 0) < 1000 or p.get("received") != p.get("sent"):
    print("  sent %s received %s" % (p.get("sent"), p.get("received"))); sys.exit(1)
PY
for _ in $(seq 150); do kill -0 "$DOWN" 2>/dev/null || break; sleep 0.1; done
kill -0 "$DOWN" 2>/dev/null && { nok "down still waiting 15 s after the run ended"; kill "$DOWN"; }
wait "$DOWN"; rc=$?
[ $rc -eq 0 ] && ok "the waiting down went after the run" || nok "the waiting down exited $rc: $(cat "$T/down.log")"

"$LAB" up >/dev/null 2>&1 || nok "up"
st=$("$LAB" status --all 2>&1)
echo "$st" | grep -Eq "^$LLAB_PREFIX +up .*netns $NS_DUT" && ok "status --all: $LLAB_PREFIX up" ||
  nok "status --all does not show $LLAB_PREFIX up: $st"
"$LAB" down >/dev/null 2>&1 || nok "down"
r=$("$LAB" residue); [ -z "$r" ] && ok "no residue" || nok "residue: $r"
[ -e "/run/lock/llab-$LLAB_PREFIX.lock" ] && nok "the lock file is left"
tap_done
