#!/usr/bin/env bash
# hwmode.sh — hardware mode (`up`/`run --gen-if X --dut-if Y`) with a host veth pair standing in
# for two cabled ports (LAB_HW_ALLOW_VIRTUAL lets a port without /sys/class/net/X/device in):
#
#   host: ${P}hwa <--veth--> ${P}hwb   (MTU 1400, TX checksumming on, no address)
#     up --gen-if ${P}hwa --dut-if ${P}hwb
#   netns ${P}-gen [gen0 = hwa] <--> [dut0 = hwb] ${P}-dut   (their own MACs as neighbours)
#
# Checks: refusals exit 2 (one port only, the same port twice, a port carrying a host address,
# a non-NIC without the override, a missing port); a short run over the ports accounts for every
# packet and records ports.kind "hardware"; `down` gives both ports back to the host under their
# names with their MTU, offloads and no address, with no XDP program in any mode (a generic one
# attached while up) and no clsact (added while up); nothing of ours left.
set -u
. "$(dirname "$0")/../lib/netns.sh"
netns_require_root
netns_require_bin loadgen/lab-gen analysis/lab-analyze kernelpath/lab-kern
export LAB_BUILD_DIR="$LAB_BUILD" LAB_SKIP_DEPS=1 LAB_SKIP_BUILD=1
A="${LLAB_PREFIX}hwa" B="${LLAB_PREFIX}hwb" C="${LLAB_PREFIX}hwc"
OUT=$(mktemp -d /tmp/lab-hw-test.XXXXXX)
cleanup() {
  "$LAB" down >/dev/null 2>&1
  ip link del "$A" 2>/dev/null; ip link del "$C" 2>/dev/null; ip link del "${LLAB_PREFIX}hwd" 2>/dev/null
  rm -rf "$OUT"
}
trap cleanup EXIT

ip link add "$A" mtu 1400 type veth peer name "$B" mtu 1400 || tap_skip_all "cannot create a veth pair"
ethtool -K "$A" tx on >/dev/null 2>&1; ethtool -K "$B" tx on >/dev/null 2>&1
ip link set "$A" up; ip link set "$B" up # administratively up: down must leave them up
ip link add "$C" type veth peer name "${C}p"
ip addr add 198.19.255.1/32 dev "$C" # an address of "the host": this port must be refused
mac_a=$(cat /sys/class/net/$A/address) mac_b=$(cat /sys/class/net/$B/address)

refused() { # what args...: exit 2 and nothing of ours left
  local what=$1 out rc; shift
  out=$("$LAB" up "$@" 2>&1); rc=$?
  [ $rc -eq 2 ] || nok "$what: exit $rc, not 2: $out"
  echo "# $what: $(echo "$out" | head -n 1)"
  "$LAB" down >/dev/null 2>&1
}
LAB_HW_ALLOW_VIRTUAL=1 refused "one port only" --gen-if "$A"
LAB_HW_ALLOW_VIRTUAL=1 refused "the same port twice" --gen-if "$A" --dut-if "$A"
LAB_HW_ALLOW_VIRTUAL=1 refused "a port with a host address" --gen-if "$C" --dut-if "$B"
refused "a veth without the override" --gen-if "$A" --dut-if "$B"
LAB_HW_ALLOW_VIRTUAL=1 refused "a missing port" --gen-if "${LLAB_PREFIX}nope" --dut-if "$B"
ip link show "$A" >/dev/null 2>&1 && ip link show "$B" >/dev/null 2>&1 || nok "a refused up moved a port"

# a short run over the two ports
LAB_HW_ALLOW_VIRTUAL=1 "$LAB" run --paths kernel --duration 1 --no-isolate --gen-backend udp \
  --gen-if "$A" --dut-if "$B" --out "$OUT" >"$OUT/run.log" 2>&1 || { tail -n 20 "$OUT/run.log"; nok "run in hardware mode failed"; }
python3 - "$OUT/latest/summary.json" "$OUT/latest/run.json" "$A" "$B" <<'PY' || nok "results of the hardware-mode run"
import json, sys
s = json.load(open(sys.argv[1])); r = json.load(open(sys.argv[2]))["run"]
bad = []
q = s.get("paths", {}).get("kernel", {})
if not q.get("sent") or q.get("unaccounted") != 0 or q.get("received") != q.get("sent"):
    bad.append(f"kernel: sent {q.get('sent')} received {q.get('received')} unaccounted {q.get('unaccounted')}")
p = r.get("ports", {})
if p.get("kind") != "hardware" or p.get("gen") != sys.argv[3] or p.get("dut") != sys.argv[4]:
    bad.append(f"run.ports {p}")
for b in bad: print("  " + b)
print(f"# kernel path over the ports: {q.get('sent')} sent, {q.get('received')} received, ports {p}")
sys.exit(1 if bad else 0)
PY

# up in hardware mode by hand: the ports' own MACs are the neighbours; down gives them back
LAB_HW_ALLOW_VIRTUAL=1 "$LAB" up --gen-if "$A" --dut-if "$B" >/dev/null 2>&1 || nok "up --gen-if --dut-if failed"
ip -n "$NS_GEN" neigh show "$LAB_DUT_V4" | grep -qi "$mac_b" || nok "gen's neighbour for $LAB_DUT_V4 is not $B's MAC: $(ip -n "$NS_GEN" neigh show "$LAB_DUT_V4")"
ip -n "$NS_DUT" neigh show "$LAB_GEN_V4" | grep -qi "$mac_a" || nok "dut's neighbour for $LAB_GEN_V4 is not $A's MAC"
ip netns exec "$NS_GEN" ping -c 2 -i 0.2 -W 1 "$LAB_DUT_V4" >/dev/null 2>&1 || nok "no ping across the ports"
out=$("$LAB" up --gen-if "$A" --dut-if "$B" 2>&1) || nok "a second up in hardware mode: $out"
# what a run (or a tool of the user's) leaves on the ports: XDP in generic mode, a clsact qdisc
ip -n "$NS_GEN" link set dev "$LAB_GEN_IF" xdpgeneric obj "$LAB_BUILD/xdp/bpfclock.bpf.o" sec xdp 2>/dev/null &&
  ip -n "$NS_GEN" -d link show dev "$LAB_GEN_IF" | grep -q 'prog/xdp' || nok "could not attach a generic XDP program to gen0"
ip netns exec "$NS_DUT" tc qdisc add dev "$LAB_DUT_IF" clsact || nok "could not add a clsact qdisc to dut0"
"$LAB" down >/dev/null 2>&1 || nok "down failed"
for x in "$A" "$B"; do
  ip -d link show "$x" 2>/dev/null | grep -q 'prog/xdp' && nok "$x given back with an XDP program: $(ip -d link show "$x" | grep -o 'prog/xdp[a-z]* id [0-9]*')"
  tc qdisc show dev "$x" 2>/dev/null | grep -q '^qdisc clsact' && nok "$x given back with the lab's clsact qdisc"
done
for x in "$A" "$B"; do
  ip link show "$x" >/dev/null 2>&1 || { nok "$x not back in the host namespace"; continue; }
  [ "$(cat /sys/class/net/$x/mtu)" = 1400 ] || nok "$x: MTU $(cat /sys/class/net/$x/mtu), not 1400"
  ethtool -k "$x" | grep -q '^tx-checksumming: on' || nok "$x: TX checksumming not put back on"
  [ -z "$(ip -o addr show dev "$x" scope global)" ] || nok "$x kept a lab address"
  ip -o link show "$x" | grep -q '<[^>]*[<,]UP[,>]' || nok "$x not put back up"
done
echo "# down: $A and $B back in the host namespace, MTU 1400, tx-checksumming on, up"
r=$("$LAB" residue 2>&1) || nok "residue after down: $r"

# the forward topology takes four ports: A,D for the generator, B,E for the DUT (pairs A-B, D-E);
# the kernel forwards between B and E while the generator's packets go A -> B -> E -> D
D="${LLAB_PREFIX}hwd" E="${LLAB_PREFIX}hwe"
ip link add "$D" type veth peer name "$E" || nok "cannot create the second veth pair"
mac_e=$(cat /sys/class/net/$E/address)
LAB_HW_ALLOW_VIRTUAL=1 refused "forward with two ports" --topology forward --gen-if "$A" --dut-if "$B"
LAB_HW_ALLOW_VIRTUAL=1 "$LAB" up --topology forward --gen-if "$A,$D" --dut-if "$B,$E" >/dev/null 2>&1 ||
  nok "up --topology forward with four ports failed"
ip -n "$NS_GEN" neigh show "$LAB_DUT1_V4" dev "$LAB_GEN1_IF" | grep -qi "$mac_e" || nok "gen1's neighbour $LAB_DUT1_V4 is not $E's MAC"
ip netns exec "$NS_DUT" sysctl -q -w net.ipv4.ip_forward=1
ip netns exec "$NS_GEN" "$LAB_BUILD/loadgen/lab-gen" --backend udp --iface "$LAB_GEN_IF" --rx-iface "$LAB_GEN1_IF" \
  --dst "$LAB_GEN1_V4" --accept-unmarked --count 500 --rate 5000 --stats-json "$OUT/f.json" --quiet 2>"$OUT/f.log" ||
  nok "lab-gen over four ports failed: $(tail -n 1 "$OUT/f.log")"
got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["sent"], d["received"])' "$OUT/f.json" 2>/dev/null)
[ "$got" = "500 500" ] && echo "# forward over four ports (kernel forwarding B -> E): sent/received $got" ||
  nok "forward over four ports: sent/received '$got', want 500 500"
"$LAB" down >/dev/null 2>&1 || nok "down (four ports) failed"
for x in "$A" "$B" "$D" "$E"; do
  ip link show "$x" >/dev/null 2>&1 || nok "$x not back in the host namespace after the forward run"
done
ip link del "$D" 2>/dev/null
r=$("$LAB" residue 2>&1) || nok "residue after the forward down: $r"
[ "$TAP_FAILS" -eq 0 ] && ok "hardware mode takes the ports, runs, refuses what it must, gives them back"
tap_done
