#!/usr/bin/env bash
# kern_reflect.sh — lab-kern end to end, in each mode (blocking, busy-poll, epoll): 4096
# numbered packets at 64 B frames and 4096 at 1500 B (stamped) come back all, in order, intact,
# stamps ordered; IPv6 through the same dual-stack socket; broken lab headers are counted as
# malformed by reason and already-reflected packets as not_lab, none of them echoed; SIGTERM
# stops it with totals and the stats JSON exact. A flood into a minimal receive buffer: every
# packet received or counted at one drop point. Then --addr, --duration and the usage errors.
#
#   netns ltNNNN-gen                                 netns ltNNNN-dut
#   kern_client (UDP :7778)                          lab-kern --mode M (UDP [::]:7777, dual-stack)
#   [gen0 LAB_GEN_V4, LAB_GEN_V6] <------ veth ------> [dut0 LAB_DUT_V4, LAB_DUT_V6]
set -u
. "$(dirname "$0")/../lib/netns.sh"
netns_require_root
netns_require_bin kernelpath/lab-kern tests/kernelpath/kern_client
command -v python3 >/dev/null || tap_skip_all "no python3 (reads the stats JSON)"
KERN=$LAB_BUILD/kernelpath/lab-kern CLIENT=$LAB_BUILD/tests/kernelpath/kern_client
TMP=$(mktemp -d)
trap '[ -n "${KPID:-}" ] && kill -KILL "$KPID" 2>/dev/null; "$LAB" down >/dev/null 2>&1; rm -rf "$TMP"' EXIT
"$LAB" up >/dev/null || tap_bail "setup/lab up failed"


start_kern() { # name args...: lab-kern in the DUT namespace, waited for until its socket is bound
  local name=$1; shift
  rm -f "$TMP/$name.ready"
  ip netns exec "$NS_DUT" "$KERN" --ready-file "$TMP/$name.ready" --stats-json "$TMP/$name.json" \
    --duration 60 "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
  KPID=$!
  for _ in $(seq 100); do [ -s "$TMP/$name.ready" ] && return 0; kill -0 "$KPID" 2>/dev/null || break; sleep 0.05; done
  nok "$name: lab-kern did not get ready: $(cat "$TMP/$name.err")"
  return 1
}

stop_kern() { # name: SIGTERM, then it must be gone (bounded wait) with exit 0
  local name=$1 rc=0 n=0
  kill -TERM "$KPID"
  while kill -0 "$KPID" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
  if kill -0 "$KPID" 2>/dev/null; then
    nok "$name: still running 5 s after SIGTERM"; kill -KILL "$KPID"
  fi
  wait "$KPID" || rc=$?
  KPID=
  [ $rc -eq 0 ] && ok "$name: SIGTERM: exit 0" || nok "$name: SIGTERM: exit $rc: $(cat "$TMP/$name.err")"
  grep -q "totals: mode" "$TMP/$name.out" && ok "$name: totals printed" || nok "$name: no totals line"
}

client() { # label args...: one kern_client run in the generator namespace must pass
  local label=$1 out; shift
  if out=$(ip netns exec "$NS_GEN" "$CLIENT" "$@" 2>&1); then ok "$label: $out"
  else nok "$label: $out"; fi
}

check_json() { # name key=value...: the stats JSON holds exactly these (dotted keys)
  local name=$1 r; shift
  r=$(json_mismatch "$TMP/$name.json" "$@")
  [ -z "$r" ] && ok "$name: counters exact ($*)" || nok "$name: $r"
}

N=4096 BAD=8
for mode in blocking busy-poll epoll; do
  start_kern "$mode" --mode "$mode" || continue
  grep -q "mode $mode:" "$TMP/$mode.err" && ok "$mode: announced" || nok "$mode: no mode line: $(cat "$TMP/$mode.err")"
  client "$mode 64 B" --count $N --size 64
  client "$mode 1500 B stamped" --count $N --size 1500 --stamp
  good=$((2 * N))
  if [ "$mode" = blocking ]; then
    client "$mode IPv6 1500 B stamped" --dst "$LAB_DUT_V6" --count $N --size 1500 --stamp
    client "$mode IPv6 98 B stamped" --dst "$LAB_DUT_V6" --count 64 --size 98 --stamp
    good=$((good + N + 64))
  fi
  for kind in trunc magic version flags stamp-trunc reflected; do
    client "$mode $kind" --kind $kind --count $BAD --size 100 --timeout-ms 300
  done
  stop_kern "$mode"
  check_json "$mode" path=kernel mode="$mode" received=$((good + 6 * BAD)) reflected=$good \
    not_lab=$BAD malformed=$((5 * BAD)) tx_errors=0 not_lab_by.already_reflected=$BAD \
    malformed_by.lab_truncated=$BAD malformed_by.lab_magic=$BAD malformed_by.lab_version=$BAD \
    malformed_by.lab_flags=$BAD malformed_by.stamp_truncated=$BAD \
    drops.udp_rcvbuf_errors=0 drops.socket_rxq_ovfl=0 clock.rx_timestamps_missing=0
  if [ "$mode" = busy-poll ]; then
    check_json "$mode" socket.so_busy_poll.took=True socket.so_prefer_busy_poll.took=True \
      socket.so_busy_poll_budget.took=True
  fi
done

# receive-buffer overflow: a flood into a minimal buffer; every packet is received or counted at
# exactly one drop point (veth drops, were there any, are added from the link counters)
veth_drops() { ip -n "$NS_DUT" -s -j link show "$LAB_DUT_IF" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["dropped"])'; }
if start_kern flood --mode epoll --rcvbuf 1; then
  v0=$(veth_drops)
  ip netns exec "$NS_GEN" "$CLIENT" --flood --count 3000 --size 1500 --timeout-ms 300 >/dev/null 2>&1
  v1=$(veth_drops)
  stop_kern flood
  r=$(python3 - "$TMP/flood.json" $((v1 - v0)) <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
dr, raw = d["drops"], d["drops_raw"]
total = d["received"] + dr["udp_rcvbuf_errors"] + dr["socket_rxq_ovfl"] + int(sys.argv[2])
why = []
if total != 3000:
    why.append("received %d + drops %s + veth %s = %d, not 3000" % (d["received"], dr, sys.argv[2], total))
if raw["udp_rcvbuf_errors"] == 0:
    why.append("no overflow happened: the flood did not test the drop counters")
if raw["socket_rxq_ovfl"] < raw["udp_rcvbuf_errors"]:
    why.append("sk_drops %d below RcvbufErrors %d" % (raw["socket_rxq_ovfl"], raw["udp_rcvbuf_errors"]))
print("; ".join(why))
PY
)
  [ -z "$r" ] && ok "flood: every packet received or counted once ($(cat "$TMP/flood.out" | sed -n 's/.*| drops/drops/p' | cut -d'|' -f1))" || nok "flood: $r"
fi

# one address of one family: an AF_INET socket on LAB_DUT_V4
if start_kern addr4 --addr "$LAB_DUT_V4"; then
  client "addr4 64 B" --count 256 --size 64
  stop_kern addr4
  check_json addr4 bind="$LAB_DUT_V4:$LAB_PORT_DUT" received=256 reflected=256
fi

# --duration ends the run by itself, with the JSON
rm -f "$TMP/dur.json"
if ip netns exec "$NS_DUT" timeout 10 "$KERN" --mode epoll --duration 0.3 --stats-json "$TMP/dur.json" >/dev/null 2>&1 \
   && [ -s "$TMP/dur.json" ]; then ok "--duration 0.3: exit 0 with stats"; else nok "--duration did not end the run cleanly"; fi

# usage and configuration errors: exit 2, one line
expect2() { # label cmd...
  local label=$1 rc=0 err; shift
  err=$("$@" 2>&1 >/dev/null) || rc=$?
  if [ $rc -eq 2 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ]; then ok "$label: exit 2: $err"
  else nok "$label: exit $rc, stderr: $err"; fi
}
expect2 "bad mode" ip netns exec "$NS_DUT" "$KERN" --mode spin
expect2 "no such iface" ip netns exec "$NS_DUT" "$KERN" --iface nosuch0
expect2 "bad --addr" ip netns exec "$NS_DUT" "$KERN" --addr 198.18.0.300
expect2 "address not here" ip netns exec "$NS_DUT" "$KERN" --addr 198.18.0.77 --duration 1
expect2 "outside the lab" "$KERN" --duration 1
if start_kern busy --mode blocking; then
  expect2 "port in use" ip netns exec "$NS_DUT" "$KERN" --duration 1
  stop_kern busy
fi
"$KERN" --help | grep -q -- "--stats-interval" && ok "--help" || nok "--help lacks flags"

tap_done
