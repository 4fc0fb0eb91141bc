#!/usr/bin/env bash
# basic.sh — the simulated second host (tests/twohost/sim.sh) and `--dut-host` as far as it
# reaches (status, check, up, down; run and sweep refuse it, one line):
#  - sim.sh up --clock-offset-ns N (N random, several seconds): its sshd answers with the
#    throwaway key, its links are there, and a CLOCK_MONOTONIC read there lies N ns after one
#    here (bracketed by reads here before and after the ssh call: ground truth N is injected);
#  - status --dut-host: the DUT host checked (root, Debian), this commit's tree shipped and built
#    there, its status printed; the connection closed after (no ssh master left);
#  - DEST unreachable, DEST refusing the key, --ssh-opt without --dut-host, up --dut-host: exit
#    2, one line, nothing changed here (namespaces, the lab's state, /var/tmp/lab-dut);
#  - up --dut-host: a ping crosses from the generator's namespace here to the DUT's there; status
#    (DEST recorded at up) shows both; with the management link cut, down takes this side down
#    and says the other is still up (exit 1); down --dut-host then leaves the DUT host as found
#    and both ports where they were;
#  - sim.sh down: no namespace, link, key or sshd left; down twice is fine.
set -u
. "$(dirname "$0")/../lib/netns.sh"
netns_require_root
[ -x /usr/sbin/sshd ] || tap_skip_all "openssh-server is not installed (setup/lab test installs it)"
export LAB_SKIP_DEPS=1
SIM="$LAB_ROOT/tests/twohost/sim.sh" NAME=lt$$ T=$(mktemp -d /tmp/lab-twohost-XXXXXX)
had_base=0; [ -d /var/tmp/lab-dut ] && had_base=1
ls -1 /var/tmp/lab-dut 2>/dev/null | sort >"$T/dut-before"
cleanup() {
  "$SIM" down --name "$NAME" >/dev/null 2>&1
  # the trees this test shipped (the sim's "remote" disk is this one)
  comm -13 "$T/dut-before" <(ls -1 /var/tmp/lab-dut 2>/dev/null | sort) | while read -r d; do
    [ -n "$d" ] && rm -rf "/var/tmp/lab-dut/$d"
  done
  [ $had_base = 1 ] || rmdir /var/tmp/lab-dut 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
here_snap() { { ip netns list | awk '{print $1}' | sort; ls -1 /run/llab-state 2>/dev/null; ls -1 /var/tmp/lab-dut 2>/dev/null; } | tr '\n' ' '; }

# ---- up, with a clock that really differs
N=$(( (RANDOM % 5000 + 2000) * 1000000 + RANDOM ))
"$SIM" up --clock-offset-ns "$N" --name "$NAME" >"$T/env" 2>"$T/up.err" || tap_bail "sim.sh up failed: $(cat "$T/up.err")"
while IFS='=' read -r k v; do printf -v "$k" '%s' "$(eval "printf '%s' $v")"; done <"$T/env"
[ -n "${DUT_HOST:-}" ] && [ -n "${SSH_OPT:-}" ] && [ -n "${GEN_IF:-}" ] && [ -n "${DUT_IF:-}" ] &&
  ok "sim.sh up printed DUT_HOST=$DUT_HOST GEN_IF=$GEN_IF DUT_IF=$DUT_IF" || nok "sim.sh up printed: $(cat "$T/env")"
[ "${CLOCK_OFFSET_NS:-}" = "$N" ] && ok "CLOCK_OFFSET_NS is the one asked for ($N)" || nok "CLOCK_OFFSET_NS=${CLOCK_OFFSET_NS:-} (asked $N)"
# shellcheck disable=SC2086
ssh_sim() { ssh $SSH_OPT -o BatchMode=yes "$DUT_HOST" "$@"; }
ip link show "$GEN_IF" >/dev/null 2>&1 && ok "the generator's port $GEN_IF is here" || nok "no $GEN_IF here"
ssh_sim ip -o link show "$DUT_IF" >/dev/null 2>&1 && ok "the DUT's port $DUT_IF is there" || nok "no $DUT_IF on the DUT host"
ip link show "$DUT_IF" >/dev/null 2>&1 && nok "$DUT_IF is visible here too" || ok "and not here"
mono() { python3 -c 'import time; print(time.monotonic_ns())'; }
b=$(mono); r=$(ssh_sim python3 -c "'import time; print(time.monotonic_ns())'"); a=$(mono)
if [ -n "$r" ] && [ $((r - N)) -ge "$b" ] && [ $((r - N)) -le "$a" ]; then
  ok "its CLOCK_MONOTONIC is N ahead: remote - N within [$b, $a] (a window of $(( (a - b) / 1000000 )) ms)"
else
  nok "remote monotonic $r - N $N = $((r - N)) not within [$b, $a]"
fi
"$SIM" status --name "$NAME" | grep -q "up (clock offset $N ns)" && ok "sim.sh status: up, offset $N" || nok "status: $("$SIM" status --name "$NAME")"

# ---- status --dut-host: checked, shipped, built, its status
LAB_QUIET= "$LAB" status --dut-host "$DUT_HOST" --ssh-opt "$SSH_OPT" >"$T/st.out" 2>"$T/st.err"; rc=$?
[ $rc -eq 0 ] && ok "status --dut-host: exit 0" || nok "status --dut-host: exit $rc: $(tail -n 3 "$T/st.err")"
grep -q "is .*Debian GNU/Linux" "$T/st.err" && ok "the DUT host's system named" || nok "no system line: $(cat "$T/st.err")"
grep -q "^DUT host $DUT_HOST (.*), prefix " "$T/st.out" && ok "its status printed under its name" || nok "status: $(cat "$T/st.out")"
rdir=$(sed -n 's/.*the tree is in \(\/var\/tmp\/lab-dut\/[^ ]*\) there.*/\1/p' "$T/st.err")
if [ -n "$rdir" ] && [ -x "$rdir/build/loadgen/lab-gen" ] && [ -f "$rdir/.lab-shipped" ]; then
  ok "the tree was shipped to $rdir and built there"
  c=$(git -C "$LAB_ROOT" rev-parse HEAD)
  case $rdir in */"$c"*) ok "its directory is named by this commit" ;; *) nok "$rdir is not named by HEAD $c" ;; esac
else
  nok "no built tree on the DUT host: '$rdir'"; tap_skip 1 "no tree"
fi
pgrep -f "ControlPath=/tmp/lab-ssh" >/dev/null && nok "an ssh master was left running" || ok "the connection was closed after"

# ---- refusals: one line, exit 2, nothing changed
before=$(here_snap)
refuse() { # DESC PATTERN ARGS...
  local d=$1 pat=$2; shift 2
  "$LAB" "$@" >"$T/r.out" 2>"$T/r.err"; local rc=$?
  local lines; lines=$(grep -c . "$T/r.err")
  if [ $rc -eq 2 ] && grep -q -- "$pat" "$T/r.err" && [ "$(grep -vc "^lab: dut-host: .*connecting$\|see '.*help'$" "$T/r.err")" = 1 ]; then
    ok "$d: exit 2: $(grep -v "connecting$\|help'$" "$T/r.err")"
  else
    nok "$d: exit $rc, $lines lines: $(cat "$T/r.err")"
  fi
  [ "$(here_snap)" = "$before" ] && ok "$d: nothing changed here" || nok "$d: changed: $before -> $(here_snap)"
}
refuse "unreachable DEST" "cannot reach root@198.19.254.6" status --dut-host root@198.19.254.6 --ssh-opt "$SSH_OPT -o ConnectTimeout=2"
ssh-keygen -q -t ed25519 -N "" -f "$T/other_key"
refuse "a key DEST refuses" "refused the login: .*Permission denied" status --dut-host "$DUT_HOST" --ssh-opt \
  "-i $T/other_key -o IdentitiesOnly=yes -o IdentityAgent=none -o UserKnownHostsFile=/run/lab-sim/$NAME/known_hosts"
refuse "run --dut-host (not yet)" "not yet" run --dut-host "$DUT_HOST"
refuse "--ssh-opt alone" "--ssh-opt is for --dut-host" status --ssh-opt "-p 22"

# ---- up --dut-host: the generator's side here, the DUT's there, one link between them
export LAB_HW_ALLOW_VIRTUAL=1 # the simulated host's ports are veths
rlab() { ssh_sim env LLAB_PREFIX="${LLAB_PREFIX}d" "$rdir/setup/lab" "$@"; }
ports_home() { ip link show "$GEN_IF" >/dev/null 2>&1 && ssh_sim ip link show "$DUT_IF" >/dev/null 2>&1; }
"$LAB" up --dut-host "$DUT_HOST" --ssh-opt "$SSH_OPT" --gen-if "$GEN_IF" --dut-if "$DUT_IF" >"$T/up.out" 2>&1; rc=$?
[ $rc -eq 0 ] && ok "up --dut-host: exit 0" || nok "up --dut-host: exit $rc: $(tail -n 3 "$T/up.out")"
ip netns exec "$NS_GEN" ping -c 3 -i 0.2 -W 1 "$LAB_DUT_V4" >"$T/ping" 2>&1 &&
  ok "the generator's namespace reaches the DUT's address on the other host ($(tail -n 1 "$T/ping" | cut -d= -f2))" ||
  nok "no ping across: $(tail -n 2 "$T/ping")"
ip link show "$GEN_IF" >/dev/null 2>&1 && nok "$GEN_IF still in the host's namespace" || ok "$GEN_IF is the generator's port now"
rlab residue >/dev/null 2>&1 && nok "the DUT host shows nothing of the lab while it is up" || ok "the DUT host holds its side (${LLAB_PREFIX}d)"
"$LAB" status >"$T/st2.out" 2>&1
grep -q "^DUT host $DUT_HOST" "$T/st2.out" && grep -q "namespace ${LLAB_PREFIX}d-dut: up" "$T/st2.out" &&
  ok "status (no --dut-host: the one recorded at up) shows both sides" || nok "status: $(cat "$T/st2.out")"
# the connection lost: down takes this side down, says the other is still up, exit 1
ip link set "$NAME-m" down
"$LAB" down >"$T/dn.out" 2>&1; rc=$?
[ $rc -eq 1 ] && grep -q "still up on $DUT_HOST" "$T/dn.out" && ok "down with the DUT host unreachable: exit 1, said so" ||
  nok "down, DUT host unreachable: exit $rc: $(cat "$T/dn.out")"
r=$("$LAB" residue); [ -z "$r" ] && ok "and this host is as found" || nok "residue here: $r"
ip link set "$NAME-m" up
"$LAB" down --dut-host "$DUT_HOST" --ssh-opt "$SSH_OPT" >"$T/dn2.out" 2>&1; rc=$?
[ $rc -eq 0 ] && ok "down --dut-host once it answers: exit 0" || nok "down --dut-host: exit $rc: $(tail -n 3 "$T/dn2.out")"
rlab residue >"$T/rres" 2>&1 && ok "the DUT host is as found" || nok "residue there: $(cat "$T/rres")"
ports_home && ok "both ports back where they were" || nok "a port is not back"
r=$("$LAB" residue); [ -z "$r" ] && ok "nothing here either" || nok "residue here: $r"

# ---- down: nothing left
"$SIM" down --name "$NAME"; rc=$?
[ $rc -eq 0 ] && ok "sim.sh down: exit 0" || nok "sim.sh down: exit $rc"
ip netns list | grep -qw "$NAME" && nok "namespace $NAME left" || ok "no namespace left"
ip link show "$GEN_IF" >/dev/null 2>&1 && nok "link $GEN_IF left" || ok "no link left"
[ -e "/run/lab-sim/$NAME" ] && nok "/run/lab-sim/$NAME left" || ok "no keys or state left"
pgrep -f "sshd.*/run/lab-sim/$NAME" >/dev/null && nok "its sshd still runs" || ok "its sshd is gone"
"$SIM" down --name "$NAME"; [ $? -eq 0 ] && ok "down twice: fine" || nok "down twice failed"
tap_done
