#!/usr/bin/env bash
# tests/twohost/sim.sh — a second "host" on this machine, for the two-host tests and for users
# without a second server:
#   sim.sh up [--clock-offset-ns N] [--name NAME]   make it; prints its shell assignments
#   sim.sh down [--name NAME]                       remove all of it (idempotent)
#   sim.sh status [--name NAME]                     say whether it is up
#
# The host is a network namespace NAME (default ltwo-host) with
#   - its own sshd (openssh-server's /usr/sbin/sshd, its own throwaway host key and a throwaway
#     client key for root, a config of its own), listening on port 22 of its management address
#     LAB_SIM_DUT_MGMT_V4 inside the namespace: no port opened on this host's own network;
#   - a management link NAME-m (here, LAB_SIM_MGMT_V4/30) <-> mgmt0 (there, LAB_SIM_DUT_MGMT_V4);
#   - a data link NAME-g (here: the generator's port) <-> NAME-d (there: the DUT's port), no
#     address on either (setup/lab up takes them as ports);
#   - every process of that host (sshd and all it starts) in a time namespace whose
#     CLOCK_MONOTONIC reads N ns more than this host's (tests/twohost/timens.py), so that its clock
#     really differs; bpf_ktime_get_ns is not shifted (a BPF stamp there reads this host's time).
# `up` prints, one per line: DUT_HOST=root@ADDR SSH_OPT='-i KEY -o ...' GEN_IF=... DUT_IF=...
# CLOCK_OFFSET_NS=N SIM_NAME=NAME (values shell-quoted: `source <(sim.sh up)` or read them).
# Its state is in /run/lab-sim/NAME; `down` removes it, the namespace, the links, and
# /run/sshd when this script made it. Exit 2: a usage error, or openssh-server missing.
set -uo pipefail
LAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$LAB_ROOT/setup/constants.sh"
PROG=sim.sh
die() { echo "$PROG: $*" >&2; exit "${EXIT:-1}"; }
usage() { sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

VERB=${1:-}
[ $# -gt 0 ] && shift
NAME=ltwo-host OFFSET=0
while [ $# -gt 0 ]; do
  case $1 in
    --clock-offset-ns) OFFSET=${2:-}; shift 2 || EXIT=2 die "--clock-offset-ns needs a value" ;;
    --name) NAME=${2:-}; shift 2 || EXIT=2 die "--name needs a value" ;;
    -h|--help) usage; exit 0 ;;
    *) EXIT=2 die "unknown argument '$1' (--help)" ;;
  esac
done
[[ $OFFSET =~ ^-?[0-9]+$ ]] || EXIT=2 die "--clock-offset-ns is a whole number of nanoseconds (got '$OFFSET')"
[[ $NAME =~ ^[a-z][a-z0-9-]{0,9}$ ]] || EXIT=2 die "--name is up to 10 of a-z, 0-9, - (got '$NAME')"
ST=/run/lab-sim/$NAME
MG=$NAME-m GP=$NAME-g DP=$NAME-d

ns_up() { ip netns list 2>/dev/null | awk '{print $1}' | grep -qx -- "$NAME"; }

sim_down() {
  if ns_up; then
    local pids
    pids=$(ip netns pids "$NAME" 2>/dev/null)
    [ -z "$pids" ] || kill -TERM $pids 2>/dev/null
    for _ in $(seq 25); do [ -n "$(ip netns pids "$NAME" 2>/dev/null)" ] || break; sleep 0.2; done
    pids=$(ip netns pids "$NAME" 2>/dev/null)
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null
    [ ! -f "$ST/timens.pid" ] || kill -KILL "$(cat "$ST/timens.pid")" 2>/dev/null
    ip netns del "$NAME" 2>/dev/null
  fi
  ip link del "$MG" 2>/dev/null
  ip link del "$GP" 2>/dev/null
  if [ -f "$ST/made-run-sshd" ]; then rmdir /run/sshd 2>/dev/null; fi
  rm -rf "$ST"
  rmdir /run/lab-sim 2>/dev/null
  return 0
}

sim_up() {
  local sshd=/usr/sbin/sshd
  [ -x "$sshd" ] || EXIT=2 die "openssh-server is not installed (apt-get install openssh-server; setup/lab test installs it)"
  ns_up && EXIT=2 die "'$NAME' is up already (sim.sh down --name $NAME first)"
  trap 'sim_down; exit 130' INT TERM
  mkdir -p "$ST" && chmod 700 "$ST"
  if [ ! -d /run/sshd ]; then mkdir -p /run/sshd && chmod 755 /run/sshd && touch "$ST/made-run-sshd"; fi
  ssh-keygen -q -t ed25519 -N "" -C "lab-sim host key" -f "$ST/host_key" || { sim_down; die "ssh-keygen failed"; }
  ssh-keygen -q -t ed25519 -N "" -C "lab-sim client key" -f "$ST/id_ed25519" || { sim_down; die "ssh-keygen failed"; }
  cp "$ST/id_ed25519.pub" "$ST/authorized_keys"
  echo "$LAB_SIM_DUT_MGMT_V4 $(cut -d' ' -f1-2 "$ST/host_key.pub")" >"$ST/known_hosts"
  cat >"$ST/sshd_config" <<EOF
ListenAddress $LAB_SIM_DUT_MGMT_V4:22
HostKey $ST/host_key
AuthorizedKeysFile $ST/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile $ST/sshd.pid
MaxSessions 32
MaxStartups 32:30:64
EOF
  ip netns add "$NAME" || { sim_down; die "cannot make namespace $NAME"; }
  ip link add "$MG" type veth peer name mgmt0 netns "$NAME" &&
    ip link add "$GP" type veth peer name "$DP" netns "$NAME" || { sim_down; die "cannot make the links"; }
  ip addr add "$LAB_SIM_MGMT_V4/30" dev "$MG" && ip link set "$MG" up &&
    ip -n "$NAME" addr add "$LAB_SIM_DUT_MGMT_V4/30" dev mgmt0 && ip -n "$NAME" link set mgmt0 up &&
    ip -n "$NAME" link set lo up || { sim_down; die "cannot address the management link"; }
  ip link set "$GP" up && ip -n "$NAME" link set "$DP" up
  # the namespace's sshd in its time namespace: everything it starts reads the shifted clock
  ip netns exec "$NAME" python3 "$LAB_ROOT/tests/twohost/timens.py" "$OFFSET" \
    "$sshd" -D -e -f "$ST/sshd_config" >"$ST/sshd.log" 2>&1 &
  echo $! >"$ST/timens.pid"
  local ok=0
  for _ in $(seq 50); do
    if ssh -i "$ST/id_ed25519" -o UserKnownHostsFile="$ST/known_hosts" -o StrictHostKeyChecking=yes \
         -o BatchMode=yes -o ConnectTimeout=2 "root@$LAB_SIM_DUT_MGMT_V4" true 2>/dev/null; then ok=1; break; fi
    sleep 0.2
  done
  [ $ok = 1 ] || { local why; why=$(tail -n 1 "$ST/sshd.log"); sim_down; die "its sshd did not answer: $why"; }
  echo "$OFFSET" >"$ST/offset"
  trap - INT TERM
  printf 'DUT_HOST=%q\n' "root@$LAB_SIM_DUT_MGMT_V4"
  printf 'SSH_OPT=%q\n' "-i $ST/id_ed25519 -o UserKnownHostsFile=$ST/known_hosts -o StrictHostKeyChecking=yes"
  printf 'GEN_IF=%q\nDUT_IF=%q\nCLOCK_OFFSET_NS=%q\nSIM_NAME=%q\n' "$GP" "$DP" "$OFFSET" "$NAME"
}

case $VERB in
  up) sim_up ;;
  down) sim_down ;;
  status) if ns_up; then echo "$NAME: up (clock offset $(cat "$ST/offset" 2>/dev/null) ns)"; else echo "$NAME: down"; exit 1; fi ;;
  -h|--help|help) usage ;;
  *) EXIT=2 die "up, down or status (--help)" ;;
esac
