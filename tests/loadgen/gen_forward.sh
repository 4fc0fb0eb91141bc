#!/usr/bin/env bash
# gen_forward.sh — the forward topology end to end with the kernel's own IP forwarding as the
# DUT (an independent forwarder: no lab code in the path): `setup/lab up --topology forward`,
# lab-gen sends out of gen0 to gen1's address and receives on gen1 (--rx-iface), both backends,
# IPv4 and IPv6; --flows spreads the source ports (checked on a tshark capture of gen1: packet
# k's source port is 7778 + k mod N); unmarked frames are not taken without --accept-unmarked;
# nothing comes back on gen0; usage errors; the second link gone after down.
#
#   netns ltNNNN-gen                                  netns ltNNNN-dut (ip_forward=1)
#   lab-gen --iface gen0 ----> gen0 --veth--> dut0 --+
#           --rx-iface gen1 <- gen1 <--veth-- dut1 <-+
set -u
. "$(dirname "$0")/../lib/netns.sh"
netns_require_root
netns_require_bin loadgen/lab-gen
command -v tshark >/dev/null || tap_skip_all "no tshark"
GEN="$LAB_BUILD/loadgen/lab-gen"
T=$(mktemp -d /tmp/lab-gen-fwd.XXXXXX)
trap '"$LAB" down >/dev/null 2>&1; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
jget() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): d=d[k]
print(d)' "$1" "$2"; }
"$LAB" up --topology forward || tap_bail "lab up --topology forward"
ip -n "$NS_GEN" link show "$LAB_GEN1_IF" >/dev/null 2>&1 && ip -n "$NS_DUT" link show "$LAB_DUT1_IF" >/dev/null 2>&1 &&
  ok "gen1 and dut1 exist" || nok "the second link is missing"
[ "$(ip netns exec "$NS_DUT" sysctl -n net.ipv4.ip_forward)" = 0 ] && ok "IP forwarding off in the DUT namespace after up" ||
  nok "ip_forward is on after up"
ip netns exec "$NS_DUT" sysctl -q -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
DMAC=$(ip netns exec "$NS_DUT" cat "/sys/class/net/$LAB_DUT_IF/address")

cap_start() { # IF FILE [NS]
  ip netns exec "${3:-$NS_GEN}" tshark -q -i "$1" -w "$2" -f udp >/dev/null 2>&1 &
  cpid=$!
  for _ in $(seq 50); do [ -s "$2" ] && break; sleep 0.1; done
  sleep 0.5
}
cap_stop() { sleep 0.5; kill -INT $cpid 2>/dev/null; wait $cpid 2>/dev/null; }

N=3000
for be in xsk udp; do
  for dst in "$LAB_GEN1_V4" "$LAB_GEN1_V6"; do
    flows=1; [ $be = xsk ] && flows=4
    cap_start "$LAB_GEN_IF" "$T/g0.pcap"
    ip netns exec "$NS_GEN" timeout -s INT -k 5 60 "$GEN" --backend $be --iface "$LAB_GEN_IF" --rx-iface "$LAB_GEN1_IF" \
      --dst "$dst" --dst-mac "$DMAC" --accept-unmarked --rate 5000 --count $N --flows $flows --tail-ms 500 \
      --stats-json "$T/s.json" --out "$T/r.rec" --quiet 2>"$T/gen.log"
    rc=$?
    cap_stop
    if [ $rc -ne 0 ]; then nok "$be $dst: lab-gen exited $rc: $(tail -n1 "$T/gen.log")"; continue; fi
    got="sent=$(jget "$T/s.json" sent) received=$(jget "$T/s.json" received) lost=$(jget "$T/s.json" lost) malformed=$(jget "$T/s.json" malformed)"
    [ "$got" = "sent=$N received=$N lost=0 malformed=0" ] && ok "$be $dst: $got" || nok "$be $dst: $got"
    # on gen0 only what went out: nothing forwarded comes back there (frames to gen0's MAC)
    back=$(tshark -r "$T/g0.pcap" -Y "eth.dst == $(ip netns exec "$NS_GEN" cat "/sys/class/net/$LAB_GEN_IF/address")" 2>/dev/null | wc -l)
    [ "$back" = 0 ] && ok "$be $dst: nothing came back on gen0" || nok "$be $dst: $back frames came back on gen0"
  done
done

# flows: a capture of what the DUT sends to gen1 (on dut1: on gen1 the XDP program hands the frames
# to lab-gen's socket before any packet tap), the lab header's seq (UDP payload bytes 4..7)
# against the source port
cap_start "$LAB_DUT1_IF" "$T/g1.pcap" "$NS_DUT"
ip netns exec "$NS_GEN" timeout -s INT -k 5 60 "$GEN" --backend xsk --iface "$LAB_GEN_IF" --rx-iface "$LAB_GEN1_IF" \
  --dst "$LAB_GEN1_V4" --dst-mac "$DMAC" --accept-unmarked --rate 5000 --count 1000 --flows 5 --tail-ms 500 \
  --quiet 2>"$T/gen.log"
cap_stop
tshark -r "$T/g1.pcap" -T fields -e udp.srcport -e udp.payload -e ip.ttl 2>/dev/null >"$T/f.txt"
res=$(python3 - "$T/f.txt" "$LAB_PORT_GEN" <<'PY'
import sys
gen_port = int(sys.argv[2])  # lab-gen's first source port (LAB_PORT_GEN)
n = wrong = ttl = 0
seen = set()
for line in open(sys.argv[1]):
    f = line.split("\t")
    if len(f) < 3 or not f[1]:
        continue
    seq = int(f[1][8:16], 16)
    n += 1
    seen.add(int(f[0]))
    if int(f[0]) != gen_port + seq % 5:
        wrong += 1
    if int(f[2]) != 63:
        ttl += 1
print(n, wrong, len(seen), ttl)
PY
)
[ "$res" = "1000 0 5 0" ] && ok "--flows 5: 1000 packets to gen1, source port 7778 + seq mod 5 for each, 5 ports, TTL 63 (one router hop)" ||
  nok "--flows 5: packets / wrong port / ports / wrong TTL = $res"

# unmarked frames are not taken without --accept-unmarked (the kernel does not mark what it forwards)
ip netns exec "$NS_GEN" timeout -s INT -k 5 60 "$GEN" --iface "$LAB_GEN_IF" --rx-iface "$LAB_GEN1_IF" --dst "$LAB_GEN1_V4" \
  --dst-mac "$DMAC" --rate 5000 --count 500 --tail-ms 300 --stats-json "$T/u.json" --quiet 2>/dev/null
[ "$(jget "$T/u.json" received)" = 0 ] && ok "without --accept-unmarked: 0 of 500 unmarked frames taken" ||
  nok "unmarked frames were taken: $(jget "$T/u.json" received)"

# usage errors: exit 2 before anything is sent
ip netns exec "$NS_GEN" "$GEN" --iface "$LAB_GEN_IF" --rx-iface "$LAB_GEN_IF" --dst "$LAB_GEN1_V4" --count 1 2>"$T/e.txt"; rc=$?
[ $rc = 2 ] && grep -q "rx-iface" "$T/e.txt" && ok "--rx-iface = --iface: exit 2" || nok "--rx-iface = --iface: exit $rc: $(cat "$T/e.txt")"
ip netns exec "$NS_GEN" "$GEN" --iface "$LAB_GEN_IF" --rx-iface nosuch0 --dst "$LAB_GEN1_V4" --count 1 2>"$T/e.txt"; rc=$?
[ $rc = 2 ] && ok "--rx-iface nosuch0: exit 2 ($(cat "$T/e.txt"))" || nok "--rx-iface nosuch0: exit $rc"
ip netns exec "$NS_GEN" "$GEN" --backend udp --flows 2 --dst "$LAB_DUT_V4" --count 1 2>"$T/e.txt"; rc=$?
[ $rc = 2 ] && ok "--flows 2 with udp: exit 2" || nok "--flows 2 with udp: exit $rc"
ip netns exec "$NS_GEN" "$GEN" --flows 65 --dst "$LAB_DUT_V4" --count 1 2>"$T/e.txt"; rc=$?
[ $rc = 2 ] && ok "--flows 65: exit 2" || nok "--flows 65: exit $rc"

"$LAB" down >/dev/null 2>&1
r=$("$LAB" residue 2>&1); [ -z "$r" ] && ok "down: nothing left" || nok "left after down: $r"
ip -o link | grep -q "${LLAB_PREFIX}f" && nok "a host-side veth of the second pair is left" || true
tap_done
