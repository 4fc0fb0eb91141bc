#!/usr/bin/env bash
# kern_forward.sh — the kernel's two forward paths end to end in the forward topology
# (setup/lab up --topology forward), against what the test sent (fwd_send.py logs it) and what
# tshark reads on gen1 and gen0 (fwd_check.py):
#  - lab-kern --forward (the UDP relay): numbered datagrams to dut0's address LAB_DUT_V4:7777 and
#    [LAB_DUT_V6]:7777 (TTLs 2..255, some stamped) come out of dut1 as new datagrams from
#    LAB_DUT1_V4:7777 to gen1, in order, TTL = sent - 1, checksums good, marked forwarded and
#    stamped; TTL 1/0, broken lab headers and already-forwarded ones are counted by name and not
#    sent; nothing comes back on gen0.
#  - lab-kfwd (the kernel's IP forwarding): numbered datagrams to gen1's own LAB_GEN1_V4 and
#    LAB_GEN1_V6 (sent as raw frames to dut0's MAC) pass the DUT's kernel: in order, TTL - 1,
#    marked forwarded and stamped by its tc programs (unmarked with --no-bpf); TTL 1/0 (ip_ttl_expired, ICMP time exceeded back on gen0), a bad IPv4 header
#    checksum and IP lengths beyond the frame (ip_in_malformed), no route (ip_no_route) counted
#    and not forwarded; ip_forward and IPv6 forwarding on while it runs and back as found after
#    SIGINT and SIGTERM (also when they were on before); already marked datagrams and ones the
#    kernel routes back out of dut0 dropped by the tc programs and counted; no tc program or
#    clsact qdisc left.
#  - usage errors: exit 2, one line; at the end nothing is left (processes, namespaces).
#
#   netns ltNNNN-gen                                  netns ltNNNN-dut
#   fwd_send.py (AF_PACKET) -> gen0 LAB_GEN_V4 ----- dut0 LAB_DUT_V4   lab-kern --forward | lab-kfwd
#   dumpcap                    gen1 LAB_GEN1_V4 ----- dut1 LAB_DUT1_V4
set -u
. "$(dirname "$0")/../lib/netns.sh"
netns_require_root
netns_require_bin kernelpath/lab-kern kernelpath/lab-kfwd
for t in python3 tshark dumpcap; do
  command -v $t >/dev/null || tap_skip_all "no $t"
done
KERN=$LAB_BUILD/kernelpath/lab-kern KFWD=$LAB_BUILD/kernelpath/lab-kfwd
SEND=$LAB_ROOT/tests/kernelpath/fwd_send.py CHECK=$LAB_ROOT/tests/kernelpath/fwd_check.py
TMP=$(mktemp -d)
KPID= CAPS=
cleanup() {
  [ -n "$KPID" ] && kill -KILL "$KPID" 2>/dev/null
  for c in $CAPS; do kill -KILL "$c" 2>/dev/null; done
  "$LAB" down >/dev/null 2>&1
  rm -rf "$TMP"
}
trap cleanup EXIT
"$LAB" up --topology forward >/dev/null || tap_bail "setup/lab up --topology forward failed"

mac() { ip -n "$1" -j link show "$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["address"])'; }
DUT0_MAC=$(mac "$NS_DUT" "$LAB_DUT_IF") DUT1_MAC=$(mac "$NS_DUT" "$LAB_DUT1_IF") GEN1_MAC=$(mac "$NS_GEN" "$LAB_GEN1_IF")
sysctls() { ip netns exec "$NS_DUT" sh -c 'echo $(cat /proc/sys/net/ipv4/ip_forward) $(cat /proc/sys/net/ipv6/conf/all/forwarding)'; }

start_dut() { # name binary args...: in the DUT namespace, waited for until ready
  local name=$1 bin=$2; shift 2
  rm -f "$TMP/$name.ready"
  ip netns exec "$NS_DUT" "$bin" --ready-file "$TMP/$name.ready" --stats-json "$TMP/$name.json" \
    --duration 60 "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
  KPID=$!
  for _ in $(seq 100); do [ -s "$TMP/$name.ready" ] && return 0; kill -0 "$KPID" 2>/dev/null || break; sleep 0.05; done
  nok "$name: did not get ready: $(cat "$TMP/$name.err")"
  return 1
}

stop_dut() { # name signal: it must be gone (bounded wait) with exit 0 and its totals
  local name=$1 sig=$2 rc=0 n=0
  kill "-$sig" "$KPID"
  while kill -0 "$KPID" 2>/dev/null && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
  if kill -0 "$KPID" 2>/dev/null; then nok "$name: still running 5 s after SIG$sig"; kill -KILL "$KPID"; fi
  wait "$KPID" || rc=$?
  KPID=
  [ $rc -eq 0 ] && ok "$name: SIG$sig: exit 0" || nok "$name: SIG$sig: exit $rc: $(cat "$TMP/$name.err")"
  grep -q "totals: mode" "$TMP/$name.out" && ok "$name: totals: $(sed 's/.*totals: //' "$TMP/$name.out")" \
    || nok "$name: no totals line"
  if grep -q "regist" "$TMP/$name.err"; then nok "$name: drop points differ from the registry: $(grep regist "$TMP/$name.err")"; fi
}

capture() { # iface...: dumpcap on each in the generator namespace, running when this returns
  local i n
  CAPS=
  for i in "$@"; do
    rm -f "$TMP/$i.pcapng"
    ip netns exec "$NS_GEN" dumpcap -q -i "$i" -w "$TMP/$i.pcapng" >/dev/null 2>"$TMP/$i.cap.err" &
    CAPS="$CAPS $!"
  done
  for i in "$@"; do
    n=0
    while ! grep -q "Capturing on" "$TMP/$i.cap.err" 2>/dev/null && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
  done
  sleep 0.2
}

capture_stop() {
  local c
  sleep 0.5 # the last datagrams on their way
  for c in $CAPS; do kill -INT "$c" 2>/dev/null; done
  for c in $CAPS; do wait "$c" 2>/dev/null; done
  CAPS=
}

send() { # log args...: fwd_send.py on gen0 to dut0's MAC
  local log=$1; shift
  ip netns exec "$NS_GEN" python3 "$SEND" --iface "$LAB_GEN_IF" --dst-mac "$DUT0_MAC" --log "$log" "$@" \
    || nok "fwd_send.py $*"
}

check_json() { # name key=value...: the stats JSON holds exactly these (dotted keys)
  local name=$1 r; shift
  r=$(json_mismatch "$TMP/$name.json" "$@")
  [ -z "$r" ] && ok "$name: counters exact ($*)" || nok "$name: $r"
}

judge() { # label args...: fwd_check.py's lines, each counted
  local label=$1 out line; shift
  out=$(python3 "$CHECK" --gen1 "$TMP/$LAB_GEN1_IF.pcapng" --gen0 "$TMP/$LAB_GEN_IF.pcapng" --dut0-mac "$DUT0_MAC" \
    --dut1-mac "$DUT1_MAC" --gen1-mac "$GEN1_MAC" "$@" 2>&1)
  while IFS= read -r line; do
    case $line in
      ok:*) ok "$label: ${line#ok: }" ;;
      *) nok "$label: ${line#not ok: }" ;;
    esac
  done <<<"$out"
}

N=300 BAD=8

# --- the relay: lab-kern --mode busy-poll --forward -----------------------------------------
LOG=$TMP/relay.log
if start_dut relay "$KERN" --mode busy-poll --forward --iface "$LAB_DUT_IF" --out-iface "$LAB_DUT1_IF"; then
  grep -q "forward: IPv4 from $LAB_DUT1_V4:$LAB_PORT_DUT on $LAB_DUT1_IF to $LAB_GEN1_V4:$LAB_PORT_DUT" "$TMP/relay.err" \
    && ok "relay: announced" || nok "relay: no forward line: $(cat "$TMP/relay.err")"
  capture "$LAB_GEN_IF" "$LAB_GEN1_IF"
  send "$LOG" --src "$LAB_GEN_V4" --dst "$LAB_DUT_V4" --first 0 --count $N --stamp-every 3
  send "$LOG" --src "$LAB_GEN_V6" --dst "$LAB_DUT_V6" --first 10000 --count $N --stamp-every 4 --size 160
  send "$LOG" --src "$LAB_GEN_V4" --dst "$LAB_DUT_V4" --first 500 --count $BAD --kind nocsum --stamp-every 2
  send "$LOG" --src "$LAB_GEN_V4" --dst "$LAB_DUT_V4" --first 20000 --count $BAD --kind ttl1
  send "$LOG" --src "$LAB_GEN_V6" --dst "$LAB_DUT_V6" --first 21000 --count $BAD --kind ttl1
  send "$LOG" --src "$LAB_GEN_V4" --dst "$LAB_DUT_V4" --first 22000 --count $BAD --kind magic
  send "$LOG" --src "$LAB_GEN_V6" --dst "$LAB_DUT_V6" --first 23000 --count $BAD --kind trunc
  send "$LOG" --src "$LAB_GEN_V4" --dst "$LAB_DUT_V4" --first 24000 --count $BAD --kind marked --stamp-every 2
  send "$LOG" --src "$LAB_GEN_V6" --dst "$LAB_DUT_V6" --first 25000 --count $BAD --kind marked
  capture_stop
  stop_dut relay TERM
  check_json relay path=kernel topology=forward received=$((2 * N + 7 * BAD)) forwarded=$((2 * N + BAD)) \
    not_lab=$((2 * BAD)) malformed=$((2 * BAD)) tx_errors=0 drops.ttl_expired=$((2 * BAD)) \
    drops.udp_rcvbuf_errors=0 drops.socket_rxq_ovfl=0 not_forwarded_by.ttl_expired=$((2 * BAD)) \
    not_forwarded_by.already_marked=$((2 * BAD)) not_forwarded_by.malformed=$((2 * BAD)) \
    malformed_by.lab_magic=$BAD malformed_by.lab_truncated=$BAD forward.from4="$LAB_DUT1_V4:$LAB_PORT_DUT on $LAB_DUT1_IF"
  judge relay --mode relay --log "$LOG"
fi

# --- kfwd: the kernel's IP forwarding -----------------------------------------------------------
LOG=$TMP/kfwd.log
before=$(sysctls)
[ "$before" = "0 0" ] && ok "kfwd: forwarding off before (ip_forward, ipv6 all.forwarding: $before)" \
  || nok "kfwd: forwarding not off after up: $before"
if start_dut kfwd "$KFWD" --iface "$LAB_DUT_IF" --out-iface "$LAB_DUT1_IF"; then
  [ "$(sysctls)" = "1 1" ] && ok "kfwd: forwarding on while it runs" || nok "kfwd: forwarding $(sysctls) while it runs"
  capture "$LAB_GEN_IF" "$LAB_GEN1_IF"
  send "$LOG" --src "$LAB_GEN_V4" --dst "$LAB_GEN1_V4" --first 0 --count $N --stamp-every 5
  send "$LOG" --src "$LAB_GEN_V6" --dst "$LAB_GEN1_V6" --first 10000 --count $N --size 200 --stamp-every 4
  send "$LOG" --src "$LAB_GEN_V4" --dst "$LAB_GEN1_V4" --first 500 --count $BAD --kind nocsum --stamp-every 2
  send "$LOG" --src "$LAB_GEN_V4" --dst "$LAB_GEN1_V4" --first 20000 --count $BAD --kind ttl1
  send "$LOG" --src "$LAB_GEN_V6" --dst "$LAB_GEN1_V6" --first 21000 --count $BAD --kind ttl1
  send "$LOG" --src "$LAB_GEN_V4" --dst "$LAB_GEN1_V4" --first 22000 --count $BAD --kind badcsum
  send "$LOG" --src "$LAB_GEN_V4" --dst "$LAB_GEN1_V4" --first 23000 --count $BAD --kind iptrunc
  send "$LOG" --src "$LAB_GEN_V6" --dst "$LAB_GEN1_V6" --first 24000 --count $BAD --kind iptrunc
  send "$LOG" --src "$LAB_GEN_V4" --dst 198.19.9.9 --first 25000 --count 4
  send "$LOG" --src "$LAB_GEN_V6" --dst 2001:2:9::9 --first 26000 --count 4
  send "$LOG" --src "$LAB_GEN_V4" --dst "$LAB_GEN1_V4" --first 27000 --count $BAD --kind marked --stamp-every 2
  send "$LOG" --src "$LAB_GEN_V6" --dst "$LAB_GEN1_V6" --first 28000 --count $BAD --kind marked
  # routed back out of dut0 by the kernel (to gen0's own address): a forwarder never does
  send "$LOG" --src "$LAB_GEN_V4" --dst "$LAB_GEN_V4" --first 29000 --count $BAD
  send "$LOG" --src "$LAB_GEN_V6" --dst "$LAB_GEN_V6" --first 30000 --count $BAD
  capture_stop
  stop_dut kfwd INT
  check_json kfwd path=kfwd topology=forward received=">=$((2 * N + 10 * BAD + 8))" forwarded=$((2 * N + BAD)) \
    not_lab_by.already_reflected=$((2 * BAD)) not_forwarded_by.already_marked=$((2 * BAD)) \
    not_forwarded_by.back_out_its_port=$((2 * BAD)) not_lab=">=$((4 * BAD))" \
    drops.ip_ttl_expired=$((2 * BAD)) drops.ip_in_malformed=$((3 * BAD)) drops.ip_no_route=8 \
    drops.ip_in_discards=0 drops.ip_out_discards=0 drops.dut1_tx_dropped=0 \
    sysctl.restored=True sysctl.was_on=False
  check_json kfwd tc.attached=True tc.rx_stamped=$((N / 5 + N / 4 + BAD / 2)) tc.tx_marked=$((2 * N + BAD)) \
    tc.tx_stamped=$((N / 5 + N / 4 + BAD / 2)) tc.rx_already_marked=$((2 * BAD)) tc.tx_already_marked=0 \
    tc.back_out_its_port=$((2 * BAD)) snmp_delta.Ip6OutForwDatagrams=$((N + BAD)) \
    tc.errors=0 mode=ip-forward+tc-stamps
  judge kfwd --mode kfwd --log "$LOG" --want-time-exceeded
  r=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["received"] - d["forwarded"] - d["not_lab"] - sum(d["drops"].values()))' "$TMP/kfwd.json")
  # not asserted: the namespace's own traffic (IPv6 multicast listener and router messages once
  # forwarding turns routing on, their deliveries on either port) moves received and not_lab
  echo "info: kfwd: received - (forwarded + not_lab + drops) = $r (the links' own traffic; not asserted)"
  [ "$(sysctls)" = "$before" ] && ok "kfwd: SIGINT: forwarding back to $before" || nok "kfwd: after SIGINT forwarding is $(sysctls), was $before"
fi

tc_left() { # what tc holds on the DUT's ports
  local i
  for i in "$LAB_DUT_IF" "$LAB_DUT1_IF"; do
    tc -n "$NS_DUT" qdisc show dev "$i" | grep clsact
    tc -n "$NS_DUT" filter show dev "$i" ingress
    tc -n "$NS_DUT" filter show dev "$i" egress
  done
}
[ -z "$(tc_left)" ] && ok "kfwd: no tc program or clsact qdisc left" || nok "kfwd: left on the ports: $(tc_left)"

# --no-bpf: the kernel alone, frames unmarked
LOG=$TMP/plain.log
if start_dut kfwd-plain "$KFWD" --no-bpf; then
  capture "$LAB_GEN_IF" "$LAB_GEN1_IF"
  send "$LOG" --src "$LAB_GEN_V4" --dst "$LAB_GEN1_V4" --first 0 --count 50 --stamp-every 5
  send "$LOG" --src "$LAB_GEN_V6" --dst "$LAB_GEN1_V6" --first 10000 --count 50 --stamp-every 5
  capture_stop
  stop_dut kfwd-plain TERM
  check_json kfwd-plain forwarded=100 tc.attached=False mode=ip-forward
  judge kfwd-plain --mode kfwd-plain --log "$LOG"
fi

# forwarding that was on stays on; SIGTERM puts back too
ip netns exec "$NS_DUT" sysctl -q -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
if start_dut kfwd-on "$KFWD"; then
  stop_dut kfwd-on TERM
  [ "$(sysctls)" = "1 1" ] && ok "kfwd: on before, on after" || nok "kfwd: was on, now $(sysctls)"
  check_json kfwd-on sysctl.was_on=True forwarded=0
fi
ip netns exec "$NS_DUT" sysctl -q -w net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
# --cpu N: dut0's receive processing steered to core N (RPS) while it runs, put back after; the
# numbered datagrams still all arrive
rps() { ip netns exec "$NS_DUT" cat "/sys/class/net/$LAB_DUT_IF/queues/rx-0/rps_cpus"; }
ip netns exec "$NS_DUT" sh -c "echo 0 >/sys/class/net/$LAB_DUT_IF/queues/rx-0/rps_cpus"
RCPU=$(( $(nproc) - 1 )); RMASK=$(printf '%x' $((1 << RCPU)))
if start_dut kfwd-rps "$KFWD" --cpu "$RCPU"; then
  during=$(rps)
  LOG=$TMP/rps.log
  capture "$LAB_GEN_IF" "$LAB_GEN1_IF"
  send "$LOG" --src "$LAB_GEN_V4" --dst "$LAB_GEN1_V4" --first 0 --count 50 --stamp-every 5
  capture_stop
  stop_dut kfwd-rps INT
  [ "$((16#$during))" = "$((16#$RMASK))" ] && ok "kfwd --cpu $RCPU: dut0 rx-0 rps_cpus $during while it ran" ||
    nok "kfwd --cpu $RCPU: rps_cpus $during while it ran, want $RMASK"
  [ "$((16#$(rps)))" = 0 ] && ok "kfwd --cpu: rps_cpus back to 0 after SIGINT" || nok "kfwd --cpu: rps_cpus $(rps) after exit"
  check_json kfwd-rps forwarded=50 forwarding_cpu=$RCPU
fi
if start_dut kfwd-term "$KFWD"; then
  stop_dut kfwd-term TERM
  [ "$(sysctls)" = "0 0" ] && ok "kfwd: SIGTERM: forwarding back off" || nok "kfwd: after SIGTERM forwarding is $(sysctls)"
fi

# kill -9: forwarding and the tc programs stay, as --help says (down deletes the namespace); the
# next lab-kfwd takes the programs over instead of stacking its own beside them
if start_dut kfwd-kill "$KFWD"; then
  kill -KILL "$KPID"; wait "$KPID" 2>/dev/null; KPID=
  [ "$(sysctls)" = "1 1" ] && ok "kfwd: kill -9 leaves forwarding on (as --help says)" \
    || nok "kfwd: after kill -9 forwarding is $(sysctls)"
  if start_dut kfwd-after "$KFWD"; then
    m=$(tc -n "$NS_DUT" filter show dev "$LAB_DUT_IF" ingress | grep -c "name kfwd_rx")
    stop_dut kfwd-after TERM
    [ "$m" = 1 ] && ok "kfwd: the next lab-kfwd replaced the programs left (one kfwd_rx on dut0 ingress)" \
      || nok "kfwd: $m kfwd_rx programs on dut0 ingress after a kill -9 and a new lab-kfwd"
  fi
  ip netns exec "$NS_DUT" sysctl -q -w net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0
fi

# --- usage and configuration errors: exit 2, one line ----------------------------------------
expect2() { # label cmd...
  local label=$1 rc=0 err; shift
  err=$("$@" 2>&1 >/dev/null) || rc=$?
  if [ $rc -eq 2 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ]; then ok "$label: exit 2: $err"
  else nok "$label: exit $rc, stderr: $err"; fi
}
expect2 "kfwd out-iface = iface" ip netns exec "$NS_DUT" "$KFWD" --out-iface "$LAB_DUT_IF"
expect2 "kfwd no such out-iface" ip netns exec "$NS_DUT" "$KFWD" --out-iface nosuch0
expect2 "kfwd outside the lab" "$KFWD" --duration 1
expect2 "kern --out-iface without --forward" ip netns exec "$NS_DUT" "$KERN" --out-iface "$LAB_DUT1_IF"
expect2 "kern --to outside the lab's nets" ip netns exec "$NS_DUT" "$KERN" --forward --to 10.0.0.1
expect2 "kern --forward out of its own port" ip netns exec "$NS_DUT" "$KERN" --forward --out-iface "$LAB_DUT_IF"
[ "$(sysctls)" = "0 0" ] && ok "usage errors left forwarding off" || nok "forwarding $(sysctls) after the usage errors"
"$KFWD" --help | tr '\n' ' ' | grep -q "kill -9 leaves forwarding on" && ok "kfwd --help" || nok "kfwd --help lacks the kill -9 note"
"$KERN" --help | grep -q -- "--out-iface" && ok "kern --help" || nok "kern --help lacks --out-iface"

# --- nothing left ------------------------------------------------------------------------------
"$LAB" down >/dev/null 2>&1
left=$(ip netns list | grep -c "^$LLAB_PREFIX-" || true)
[ "$left" -eq 0 ] && ok "down: no namespace of $LLAB_PREFIX left" || nok "down: $left namespaces left"
n=$(bpftool prog show 2>/dev/null | grep -c "kfwd_" || true)
[ "$n" -eq 0 ] && ok "no tc program of lab-kfwd loaded" || nok "$n kfwd_ programs still loaded"
pgrep -f "$TMP/" >/dev/null && nok "processes of the test left: $(pgrep -af "$TMP/")" || ok "no process of the test left"

tap_done
