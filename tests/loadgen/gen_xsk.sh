#!/usr/bin/env bash
# gen_xsk.sh — lab-gen's AF_XDP backend end to end against mini_reflect (drops every 100th,
# doubles every 50th: exact expected counts), the XDP program gone from gen0 after a normal
# end and after SIGINT, and burst-triggered capture to a pcap tshark reads, on both backends.
#
#   netns ltNNNN-gen                                   netns ltNNNN-dut
#   [lab-gen --backend xsk]                            [mini_reflect :7777]
#     AF_XDP socket <- XDP (reflected, :7778) gen0 <--veth--> dut0
#        LAB_GEN_V4 / LAB_GEN_V6                           LAB_DUT_V4 / LAB_DUT_V6
set -u
. "$(dirname "$0")/../lib/netns.sh"
netns_require_root
netns_require_bin loadgen/lab-gen tests/loadgen/mini_reflect
command -v python3 >/dev/null || tap_skip_all "no python3"
GEN="$LAB_BUILD/loadgen/lab-gen"
REFL="$LAB_BUILD/tests/loadgen/mini_reflect"
"$GEN" --version | grep -q "xsk" || tap_skip_all "lab-gen built without AF_XDP"
T=$(mktemp -d /tmp/lab-gen-test.XXXXXX)
trap '"$LAB" down >/dev/null 2>&1; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
"$LAB" up || tap_bail "lab up"
jget() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): d=d[k]
print(d)' "$1" "$2"; }
no_xdp() { ! ip -n "$NS_GEN" link show "$LAB_GEN_IF" | grep -q "prog/xdp"; }
start_refl() { # args...
  rm -f "$T/ready"
  ip netns exec "$NS_DUT" "$REFL" -d 30 -r "$T/ready" "$@" >"$T/refl.txt" &
  rpid=$!
  for _ in $(seq 50); do [ -f "$T/ready" ] && break; sleep 0.1; done
}
stop_refl() { kill -INT $rpid 2>/dev/null; wait $rpid; }

# 1. every packet accounted, IPv4 and IPv6
for dst in "$LAB_DUT_V4" "$LAB_DUT_V6"; do
  ropt=""; [ "$dst" = "$LAB_DUT_V6" ] && ropt="-6"
  start_refl $ropt -x 100 -u 50
  ip netns exec "$NS_GEN" timeout -s INT -k 5 30 "$GEN" --backend xsk --dst "$dst" --rate 10000 \
    --count 10000 --stamp --tail-ms 500 --stats-json "$T/x.json" 2>"$T/gen.log"
  rc=$?
  stop_refl
  if [ $rc -ne 0 ]; then nok "$dst: lab-gen exited $rc: $(tail -n1 "$T/gen.log")"; continue; fi
  S="$T/x.json"
  got="sent=$(jget $S sent) received=$(jget $S received) lost=$(jget $S lost) duplicated=$(jget $S duplicated) malformed=$(jget $S malformed) foreign=$(jget $S foreign) send_failed=$(jget $S send_failed)"
  want="sent=10000 received=9900 lost=100 duplicated=100 malformed=0 foreign=0 send_failed=0"
  drops="$(jget $S backend_counters.xsk_rx_dropped)"
  if [ "$got" = "$want" ]; then ok "xsk $dst: $got ($(jget $S mode))"
  else nok "xsk $dst: got $got (xsk_rx_dropped $drops), want $want"; fi
  no_xdp && ok "xsk $dst: XDP program detached at the end" || nok "xsk $dst: XDP program left on gen0"
done

# 2. SIGINT: exit 0, program detached
start_refl
ip netns exec "$NS_GEN" "$GEN" --backend xsk --rate 5000 --duration 20 --quiet --stats-json "$T/int.json" &
gpid=$!
sleep 1.5
ip -n "$NS_GEN" link show "$LAB_GEN_IF" | grep -q "prog/xdp" && ok "xsk: XDP program attached while running" \
  || nok "xsk: no XDP program on gen0 while running"
kill -INT $gpid; wait $gpid; rc=$?
stop_refl
[ $rc -eq 0 ] && [ "$(jget "$T/int.json" interrupted)" = True ] && ok "xsk SIGINT: exit 0" || nok "xsk SIGINT: exit $rc"
no_xdp && ok "xsk SIGINT: XDP program detached" || nok "xsk SIGINT: XDP program left on gen0"

# 2b. replies without the reflected mark (as dpdk-testpmd 5tswap sends them): the XDP program
#     does not steer them by default; --accept-unmarked takes every one
start_refl -m
ip netns exec "$NS_GEN" timeout -s INT -k 5 30 "$GEN" --backend xsk --rate 10000 --count 2000 \
  --tail-ms 300 --quiet --stats-json "$T/um0.json" 2>"$T/gen.log"
rc0=$?
ip netns exec "$NS_GEN" timeout -s INT -k 5 30 "$GEN" --backend xsk --rate 10000 --count 2000 \
  --tail-ms 300 --quiet --accept-unmarked --stats-json "$T/um1.json" 2>"$T/gen.log"
rc1=$?
stop_refl
if [ $rc0 -eq 0 ] && [ $rc1 -eq 0 ] && [ "$(jget "$T/um0.json" received)" = 0 ] &&
   [ "$(jget "$T/um1.json" received)" = 2000 ] && [ "$(jget "$T/um1.json" lost)" = 0 ]; then
  ok "xsk unmarked replies: 0 taken by default, 2000 of 2000 with --accept-unmarked"
else
  nok "xsk unmarked replies: exits $rc0/$rc1, received $(jget "$T/um0.json" received 2>/dev/null) by default, $(jget "$T/um1.json" received 2>/dev/null) with --accept-unmarked (want 0 and 2000)"
fi
no_xdp && ok "xsk unmarked: XDP program detached" || nok "xsk unmarked: XDP program left on gen0"

# 3. burst capture: bursts of 64 every 20 ms at 20 kpps over 1 ms (21 arrivals): only the bursts cross it; the pcap
#    holds whole, valid lab frames with the events' packets (both backends)
for be in xsk udp; do
  start_refl
  ip netns exec "$NS_GEN" "$GEN" --backend $be --pattern burst --burst-size 64 --burst-gap-us 20000 \
    --count 640 --capture "$T/$be.pcap" --capture-rate-pps 20000 --capture-window-us 1000 \
    --capture-before 16 --capture-after 16 --capture-max-events 3 --stats-json "$T/c.json" --quiet
  rc=$?
  stop_refl
  ev=$(jget "$T/c.json" capture.events 2>/dev/null); fr=$(jget "$T/c.json" capture.frames 2>/dev/null)
  if [ $rc -ne 0 ] || [ "$ev" != 3 ] || [ -z "$fr" ] || [ "$fr" -lt 3 ]; then
    nok "capture $be: exit $rc, events '$ev', frames '$fr'"; continue
  fi
  if command -v tshark >/dev/null; then
    n=$(tshark -r "$T/$be.pcap" -o udp.check_checksum:TRUE -Y "udp.srcport == $LAB_PORT_DUT && udp.dstport == $LAB_PORT_GEN && udp.checksum.status == 1" 2>/dev/null | wc -l)
    tot=$(tshark -r "$T/$be.pcap" 2>/dev/null | wc -l)
    [ "$tot" = "$fr" ] && [ "$n" = "$fr" ] && ok "capture $be: $ev events, $fr frames, all reflected lab frames with good UDP checksums" \
      || nok "capture $be: tshark reads $tot frames ($n good lab reflections), stats say $fr"
  else
    ok "capture $be: $ev events, $fr frames (tshark not installed: frames not inspected)"
  fi
done

tap_done
