#!/usr/bin/env bash
# dut.sh — the orchestrator's DUT-side start and stop (labctl dut-start / dut-stop,
# setup/labctl/dut.py) with stand-in processes whose behaviour the test sets (ground truth: when
# each writes its ready file, its exit status, whether it outlives its supervisor):
#  - dut-start returns only once the ready file is non-empty (not before the stand-in wrote it);
#  - a process that exits before it is ready: exit 1, one line naming its status and its last
#    log line, nothing left running; one never ready: the same after --start-s;
#  - --ready-text: ready when the log matches the regular expression;
#  - dut-stop gives the process's exit status (its own, and 143 when SIGTERM ends it);
#  - the supervisor sleeps (no timer) while the process runs, and runs in --netns's namespace
#    (so that `setup/lab down`, which kills a namespace's processes, finds it);
#  - kill -9 of the supervisor takes the process with it; dut-stop then says so, one line.
set -uo pipefail
LAB_ROOT=${LAB_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$LAB_ROOT/tests/lib/tap.sh"
. "$LAB_ROOT/setup/labctl.sh"
T=$(mktemp -d /tmp/lab-dut-XXXXXX)
NS=labdut-test-$$
cleanup() {
  [ ! -f "$T/p.pid" ] || kill -KILL "$(cat "$T/p.pid")" 2>/dev/null
  ip netns del "$NS" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
alive() { kill -0 "$1" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
is() { [ "$2" = "$3" ] && ok "$1" || nok "$1: got '$3', expected '$2'"; } # DESC WANT GOT
start() { labctl dut-start --log "$T/p.log" --pid-file "$T/p.pid" "$@" 2>"$T/err"; }

# ---- ready only once the ready file is written (the stand-in waits 0.4 s first)
t0=$(date +%s%N)
start --ready-file "$T/r" -- sh -c 'echo starting; sleep 0.4; echo 1 >"$0"; exec sleep 60' "$T/r"
rc=$?; ms=$(( ($(date +%s%N) - t0) / 1000000 ))
sup=$(cat "$T/p.pid" 2>/dev/null) child=$(cat "$T/p.pid.child" 2>/dev/null)
is "dut-start: ready" 0 $rc
[ -s "$T/r" ] && [ "$ms" -ge 400 ] && ok "returned after the ready file was written (${ms} ms)" ||
  nok "returned after ${ms} ms, ready file: $(cat "$T/r" 2>/dev/null)"
alive "$sup" && alive "$child" && ok "supervisor $sup and process $child run" || nok "supervisor $sup / process $child not running"
[ "$(awk '{print $4}' "/proc/$child/stat")" = "$sup" ] && ok "the process is the supervisor's child" || nok "parent of $child: $(awk '{print $4}' "/proc/$child/stat")"
grep -q do_sigtimedwait "/proc/$sup/wchan" 2>/dev/null || [ "$(cat "/proc/$sup/wchan" 2>/dev/null)" = do_sigtimedwait.isra.0 ] &&
  ok "the supervisor sleeps in sigtimedwait (no timer)" || nok "the supervisor waits in $(cat "/proc/$sup/wchan" 2>/dev/null)"
grep -q starting "$T/p.log" && ok "its output goes to --log" || nok "log: $(cat "$T/p.log")"
labctl dut-stop --pid-file "$T/p.pid"; is "dut-stop: SIGTERM ended it" 143 $?
alive "$sup" || alive "$child" && nok "still running after dut-stop: $sup $child" || ok "nothing left running after dut-stop"
rm -f "$T/p.pid"

# ---- its own exit status, through dut-stop (it traps TERM and exits 7)
start --ready-file "$T/r" -- sh -c 'trap "exit 7" TERM; echo 1 >"$0"; while :; do sleep 0.05; done' "$T/r"
is "a TERM-trapping process: ready" 0 $?
labctl dut-stop --pid-file "$T/p.pid"; is "dut-stop gives its own exit status" 7 $?
rm -f "$T/p.pid"

# ---- it exits before it is ready
: >"$T/p.log"
start --ready-file "$T/r2" -- sh -c 'echo "cannot open the port" >&2; exit 3'
is "exits early: dut-start fails" 1 $?
is "one line, its status and last log line" "labctl dut-start: did not start: exited 3: cannot open the port" "$(cat "$T/err")"
sup=$(cat "$T/p.pid" 2>/dev/null)
alive "$sup" && nok "the supervisor of a failed start still runs" || ok "nothing left of a failed start"

# ---- never ready: gone after --start-s
t0=$(date +%s%N)
start --ready-file "$T/never" --start-s 1 -- sh -c 'echo waiting for godot; exec sleep 61'
rc=$?; ms=$(( ($(date +%s%N) - t0) / 1000000 ))
is "never ready: dut-start fails" 1 $rc
is "its reason" "labctl dut-start: did not start: not ready after 1 s: waiting for godot" "$(cat "$T/err")"
[ "$ms" -lt 5000 ] && ok "gave up after ${ms} ms" || nok "took ${ms} ms to give up on a 1 s start"
pgrep -fx "sleep 61" >/dev/null && nok "the process that never got ready still runs" || ok "and it is stopped"

# ---- --ready-text: a regular expression over its log
start --ready-text 'ports=[0-9]+' -- sh -c 'echo booting; sleep 0.2; echo "packet forwarding - ports=1"; exec sleep 60'
is "--ready-text matched" 0 $?
grep -q "ports=1" "$T/p.log" && ok "ready when the log matched" || nok "ready before the text: $(cat "$T/p.log")"
labctl dut-stop --pid-file "$T/p.pid" >/dev/null; rm -f "$T/p.pid"

# ---- --netns: the supervisor and the process in that namespace; kill -9 takes both
if ip netns add "$NS" 2>/dev/null; then
  start --netns "$NS" --ready-file "$T/r3" -- sh -c 'ip -o link show lo >"$0.links"; echo 1 >"$0"; exec sleep 60' "$T/r3"
  is "--netns: ready" 0 $?
  sup=$(cat "$T/p.pid") child=$(cat "$T/p.pid.child")
  pids=$(ip netns pids "$NS" | sort -n | tr '\n' ' ')
  is "ip netns pids lists the supervisor and the process" "$(printf '%s\n' "$sup" "$child" | sort -n | tr '\n' ' ')" "$pids"
  [ "$(wc -l <"$T/r3.links")" = 1 ] && ok "the process sees the namespace's links (lo only)" || nok "links: $(cat "$T/r3.links")"
  kill -KILL "$sup"
  for _ in $(seq 50); do alive "$child" || break; sleep 0.05; done
  alive "$child" && nok "kill -9 of the supervisor left the process $child" || ok "kill -9 of the supervisor took the process with it"
  labctl dut-stop --pid-file "$T/p.pid"; is "dut-stop after a kill -9: fails" 1 $?
  is "and says why" "labctl dut-stop: the supervisor left no exit status" "$(labctl dut-stop --pid-file "$T/p.pid" 2>&1)"
  rm -f "$T/p.pid"
  start --netns "$NS-absent" --ready-file "$T/r4" -- true
  is "a namespace that is not there: fails" 1 $?
  is "one line" "labctl dut-start: did not start: no network namespace '$NS-absent' (is the lab up?)" "$(cat "$T/err")"
else
  tap_skip 8 "cannot make a network namespace here"
fi

# ---- usage errors: one line, exit 2
labctl dut-start --log "$T/x" --pid-file "$T/x.pid" 2>"$T/err"; is "no command: usage error" 2 $?
[ "$(wc -l <"$T/err")" = 1 ] && ok "one line: $(cat "$T/err")" || nok "usage: $(cat "$T/err")"
labctl dut-start --log "$T/x" --pid-file "$T/x.pid" -- true 2>"$T/err"; is "no readiness: usage error" 2 $?
tap_done
