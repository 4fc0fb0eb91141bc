# lib.sh — sourced by tests/watch/*.sh: requirements (tap_skip_all when missing), two fresh namespaces joined
# by a veth, lab-watch / tcpdump / tcpreplay started in them, and a trap that stops what was
# started (by pid) and removes the namespaces and the temporary directory.
#
#   netns lwNNNN-tx                     netns lwNNNN-rx
#   tcpreplay -> snd0 ---------------- rcv0 <- lab-watch, tcpdump (reference)
#                02:4c:57:00:00:01      02:4c:57:00:00:02
#   no addresses, IPv6 off (no ND/MLD frames), tx checksum offload and GRO off on both ends: the
#   receiving stack drops the frames (no route, forwarding off) and answers nothing, so the only
#   frames on the link are the generated ones.
LAB_ROOT=${LAB_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
LAB_BUILD=${LAB_BUILD:-$LAB_ROOT/build}
. "$LAB_ROOT/tests/lib/tap.sh"
WATCH=$LAB_BUILD/analysis/lab-watch
ANALYZE=$LAB_BUILD/analysis/lab-analyze
HERE=$LAB_ROOT/tests/watch
GEN=$HERE/gen_bursts.py
CHECK=$HERE/watch_check.py
LW_PREFIX=lw$(printf '%04d' $((RANDOM % 10000)))
NS_TX=$LW_PREFIX-tx
NS_RX=$LW_PREFIX-rx
TX_MAC=02:4c:57:00:00:01
RX_MAC=02:4c:57:00:00:02
LW_PIDS=
T=


lw_require() {
  if [ "$(id -u)" -ne 0 ]; then tap_skip_all "needs root"; fi
  local t
  for t in ip ethtool python3 tcpreplay tcpdump tshark; do
    command -v $t >/dev/null || tap_skip_all "no $t (setup/lab deps installs it)"
  done
  [ -x "$WATCH" ] || tap_skip_all "$WATCH not built"
  ip netns add "${LW_PREFIX}probe" 2>/dev/null || tap_skip_all "cannot create network namespaces"
  ip netns del "${LW_PREFIX}probe"
}

lw_cleanup() {
  local p
  for p in $LW_PIDS; do kill -KILL "$p" 2>/dev/null; done
  for p in $LW_PIDS; do wait "$p" 2>/dev/null; done
  ip netns del "$NS_TX" 2>/dev/null
  ip netns del "$NS_RX" 2>/dev/null
  [ -n "$T" ] && [ -z "${KEEP:-}" ] && rm -rf "$T"
  [ -n "${KEEP:-}" ] && [ -n "$T" ] && echo "kept: $T"
}

lw_setup() {
  T=$(mktemp -d /tmp/lab-watch-test.XXXXXX)
  trap lw_cleanup EXIT
  local n
  for n in "$NS_TX" "$NS_RX"; do
    ip netns add "$n" || tap_bail "ip netns add $n"
    ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  done
  ip link add snd0 netns "$NS_TX" address $TX_MAC type veth peer rcv0 netns "$NS_RX" address $RX_MAC ||
    tap_bail "veth"
  ip netns exec "$NS_TX" ethtool -K snd0 tx off gro off >/dev/null 2>&1
  ip netns exec "$NS_RX" ethtool -K rcv0 tx off gro off >/dev/null 2>&1
  ip -n "$NS_TX" link set snd0 up && ip -n "$NS_RX" link set rcv0 up || tap_bail "link up"
}

# lw_wait_file F PID SECONDS: until F is non-empty; 1 when PID died or time ran out
lw_wait_file() {
  local i
  for i in $(seq $(($3 * 20))); do
    [ -s "$1" ] && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}

# lw_watch NAME ARGS...: lab-watch on rcv0 (or $LW_IFACE) into $T/NAME, stderr in $T/NAME.err; WPID; waits for
# its ready file (0) or its death (1)
lw_watch() {
  local name=$1; shift
  rm -f "$T/$name.ready"
  ip netns exec "$NS_RX" "$WATCH" "${LW_IFACE:-rcv0}" --out "$T/$name" --ready-file "$T/$name.ready" "$@" \
    >"$T/$name.out" 2>"$T/$name.err" &
  WPID=$!
  LW_PIDS="$LW_PIDS $WPID"
  lw_wait_file "$T/$name.ready" "$WPID" 10
}

# lw_ref NAME [FILTER...]: tcpdump on rcv0 into $T/NAME.pcap (immediate mode, so that nothing sits
# in a half-filled block at the end; a buffer big enough for the bursts); RPID
lw_ref() {
  local name=$1; shift
  ip netns exec "$NS_RX" tcpdump -i rcv0 -n -s 2048 -B 65536 --immediate-mode --time-stamp-precision nano \
    -w "$T/$name.pcap" "$@" 2>"$T/$name.err" &
  RPID=$!
  LW_PIDS="$LW_PIDS $RPID"
  local i
  for i in $(seq 100); do grep -q "listening on" "$T/$name.err" && return 0; sleep 0.05; done
  return 1
}

# lw_stop PID SECONDS [SIGNAL]: SIGINT (or SIGNAL), then wait at most SECONDS; sets STOP_RC (exit
# code, 124 when it had to be killed) and STOP_MS (time to exit)
lw_stop() {
  local pid=$1 lim=$2 sig=${3:-INT} t0 i
  t0=$(date +%s%N)
  kill -"$sig" "$pid" 2>/dev/null
  for i in $(seq $((lim * 100))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.01; done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; STOP_RC=124
  else
    wait "$pid"; STOP_RC=$?
  fi
  STOP_MS=$((($(date +%s%N) - t0) / 1000000))
}

# lw_replay PCAP [tcpreplay options]: from the sending namespace, in the file's own timing; its
# summary in $T/replay.log
lw_replay() {
  local f=$1; shift
  ip netns exec "$NS_TX" $LW_RT tcpreplay -q -i snd0 --preload-pcap "$@" "$f" >"$T/replay.log" 2>&1
}
# real-time priority for tcpreplay when the machine allows it (the bursts' timing on a busy machine)
LW_RT=
chrt -f 10 true 2>/dev/null && LW_RT="chrt -f 10"

# lw_json FILE EXPR: a value from a JSON file (python expression over j); "" when unreadable
lw_json() {
  python3 -c 'import json,sys
try: j = json.load(open(sys.argv[1]))
except Exception: sys.exit(0)
print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null
}
