#!/usr/bin/env bash
# dpdk-forward.sh — lab-dpdk --forward on the forward topology (net_af_xdp on dut0 and dut1, one
# polling lcore): numbered IPv4 and IPv6 lab frames (some stamped) sent from gen0 arrive at gen1
# in order, exactly once, TTL / hop limit one lower, checksums good (tshark's own check), MACs
# dut1 -> gen1, LAB_F_FORWARDED; nothing comes back on gen0; TTL 1/0, malformed, already
# forwarded/reflected and not-lab frames are counted under their names and not forwarded; the
# stats JSON adds up; SIGINT leaves no hugepage file, runtime dir or XDP program on dut0 or dut1.
# Then the same, shorter, with --driver af_packet on both ports. Expected values are what the test
# sent.
#
#   netns ltNNNN-gen                                   netns ltNNNN-dut
#   +------------------------------+    veth    +----------------------------------+
#   | dp-send --iface gen0 (raw) --|----------->|-- dut0 --af_xdp--> lab-dpdk       |
#   |                              |            |      --forward  (port 0 -> 1)     |
#   | dp-send --recv-iface gen1 <--|------------|-- dut1 <--af_xdp--                |
#   | tshark -i gen0, -i gen1      |            |                                   |
#   +------------------------------+            +----------------------------------+
set -u
. "$(dirname "$0")/lib.sh"
command -v tshark >/dev/null || tap_skip_all "no tshark"
dp_setup --topology forward
TSHARK_PIDS=""
trap 'for p in $TSHARK_PIDS; do kill "$p" 2>/dev/null; done; "$LAB" down >/dev/null 2>&1; rm -rf "$WORK"' EXIT

DUT0_MAC=$LAB_DUT_MAC DUT1_MAC=$LAB_DUT1_MAC GEN0_MAC=$LAB_GEN_MAC GEN1_MAC=$LAB_GEN1_MAC

# usage errors before anything starts: one line, exit 2
out=$(ip netns exec "$NS_DUT" "$DPDK" --prefix "$LLAB_PREFIX" --forward --cores 2 2>&1); rc=$?
[ $rc -eq 2 ] && [ "$(echo "$out" | wc -l)" -eq 1 ] && ok "--cores 2 on $(nproc) CPUs: exit 2, one line: $out" \
  || nok "--cores 2: rc $rc: $out"
out=$(ip netns exec "$NS_DUT" "$DPDK" --prefix "$LLAB_PREFIX" --forward --out-iface lo 2>&1); rc=$?
[ $rc -eq 2 ] && echo "$out" | grep -q "no neighbour entry" && ok "no next hop on lo: exit 2 ($out)" || nok "no next hop: rc $rc: $out"
out=$(ip netns exec "$NS_DUT" "$DPDK" --prefix "$LLAB_PREFIX" --forward --next-hop-mac 02:zz 2>&1); rc=$?
[ $rc -eq 2 ] && ok "bad --next-hop-mac: exit 2" || nok "bad --next-hop-mac: rc $rc: $out"

# captures first: every frame the test sends and every frame that comes out
for ifc in "$LAB_GEN_IF" "$LAB_GEN1_IF"; do
  ip netns exec "$NS_GEN" tshark -q -i "$ifc" -w "$WORK/$ifc.pcapng" >"$WORK/tshark-$ifc.log" 2>&1 &
  TSHARK_PIDS="$TSHARK_PIDS $!"
done
for _ in $(seq 100); do
  [ "$(grep -l "Capturing on" "$WORK/tshark-$LAB_GEN_IF.log" "$WORK/tshark-$LAB_GEN1_IF.log" 2>/dev/null | wc -l)" -eq 2 ] && break
  sleep 0.1
done

dp_start fwd --forward --iface "$LAB_DUT_IF" --out-iface "$LAB_DUT1_IF" --cores 1 || tap_bail "start"
grep -m1 "forwarding" "$WORK/fwd.log"
grep -q "from $LAB_DUT_IF via net_af_xdp0 (port 0) to $LAB_DUT1_IF via net_af_xdp1 (port 1), next hop $GEN1_MAC" "$WORK/fwd.log" \
  && ok "net_af_xdp on both ports, next hop gen1 from the neighbour table" || nok "start line"
for d in "$LAB_DUT_IF" "$LAB_DUT1_IF"; do
  ip -n "$NS_DUT" link show "$d" | grep -q "prog/xdp" && ok "XDP program on $d while running" || nok "no XDP program on $d"
done

# good traffic: one UDP source port per batch (tshark tells the batches apart by it)
S=(--iface "$LAB_GEN_IF" --dst-mac "$DUT0_MAC" --recv-iface "$LAB_GEN1_IF")
# sport count size ttl dst [flags]
BATCHES=(
  "7778 1000 64 64 $LAB_GEN1_V4"
  "7779 500 1500 9 $LAB_GEN1_V4 --stamp"
  "7780 500 98 64 $LAB_GEN1_V6 --stamp"
  "7781 300 128 2 $LAB_GEN1_V6"
)
FWD=0
for b in "${BATCHES[@]}"; do
  set -- $b
  if send "${S[@]}" --sport "$1" --count "$2" --size "$3" --ttl "$4" --dst "$5" "${@:6}" --check; then
    ok "$2 x $3 B to $5 TTL $4 ${6:-}: received on gen1 once, in order, TTL $(($4 - 1)), forwarded"
  else
    nok "$2 x $3 B to $5 TTL $4 ${6:-}"
  fi
  FWD=$((FWD + $2))
done

# traffic never to be forwarded (each batch its own source port; none may reach gen1)
# sport count name dp-send-args
BAD=(
  "7790 20 ttl1-v4 --dst $LAB_GEN1_V4 --ttl 1"
  "7791 21 ttl0-v6 --dst $LAB_GEN1_V6 --ttl 0 --size 98"
  "7792 22 hlim1-v6 --dst $LAB_GEN1_V6 --ttl 1 --size 98"
  "7793 23 bad-magic --dst $LAB_GEN1_V4 --kind bad-magic"
  "7794 24 forwarded --dst $LAB_GEN1_V4 --kind forwarded"
  "7795 25 reflected --dst $LAB_GEN1_V6 --kind reflected --size 98"
  "7796 26 wrong-port --dst $LAB_GEN1_V4 --port 7000"
)
for b in "${BAD[@]}"; do
  set -- $b
  send "${S[@]}" --sport "$1" --count "$2" "${@:4}" --expect-none --timeout-ms 300 >/dev/null \
    && ok "$3: $2 sent, none on gen1" || nok "$3 forwarded"
done

tel=$(echo /lab/stats | dpdk-telemetry.py -f "$LLAB_PREFIX-dpdk" 2>&1 | tail -n 1)
echo "telemetry: $tel"
echo "$tel" >"$WORK/tel.json"
python3 - "$WORK/tel.json" "$FWD" <<'PY' && ok "telemetry /lab/stats: forwarded, ttl_expired, already_marked exact" || nok "telemetry"
import json, sys
d = json.load(open(sys.argv[1]))["/lab/stats"]
assert d["topology"] == "forward" and d["forwarded"] == int(sys.argv[2]), d
assert d["ttl_expired"] == 20 + 21 + 22 and d["already_marked"] == 24 + 25 and d["malformed"] == 23, d
PY

dp_stop_int && ok "SIGINT: exit 0" || nok "SIGINT exit code"
sleep 1 # the captures take the last frames
for p in $TSHARK_PIDS; do kill -INT "$p" 2>/dev/null; done
for p in $TSHARK_PIDS; do wait "$p" 2>/dev/null; done
TSHARK_PIDS=""

if python3 - "$WORK/fwd.json" "$FWD" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
fwd = int(sys.argv[2])
nf, dr, v = d["not_forwarded_by"], d["drops"], d["verdicts"]
assert d["path"] == "dpdk" and d["topology"] == "forward" and d["mode"] == "net_af_xdp", d
assert d["forwarded"] == fwd, (d["forwarded"], fwd)
assert dr["ttl_expired"] == nf["ttl_expired"] == 20 + 21 + 22, d
assert nf["already_marked"] == d["already_marked"] == 24 + 25, nf
assert d["malformed"] == nf["malformed"] == 23 and v["lab_magic"] == 23, d
assert v["wrong_port"] == 26 and nf["not_lab"] >= 26, (v, nf)  # the kernels' own frames are not_lab too
assert d["received"] == d["forwarded"] + d["not_lab"] + d["malformed"] + dr["dpdk_tx_dropped"] + dr["ttl_expired"], d
for k in ("dpdk_imissed", "dpdk_rx_nombuf", "dpdk_ierrors", "dpdk_tx_dropped", "ttl_expired"):
    assert k in dr, k
assert d["ethdev"]["opackets"] == 0, d["ethdev"]          # nothing sent on port 0
assert d["ethdev_out"]["opackets"] == fwd, d["ethdev_out"]
print("stats json: received %d forwarded %d not_lab %d malformed %d drops %s not_forwarded_by %s" % (
    d["received"], d["forwarded"], d["not_lab"], d["malformed"], dr, nf))
PY
then ok "stats JSON counters exact"; else nok "stats JSON"; fi

# tshark's view of gen1: every forwarded frame, its own checksum verdicts
tshark -r "$WORK/$LAB_GEN1_IF.pcapng" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
  -Y "udp && eth.src == $DUT1_MAC" -T fields -E separator=/t -e udp.srcport -e udp.dstport \
  -e ip.ttl -e ipv6.hlim -e ip.checksum.status -e udp.checksum.status -e eth.dst -e udp.payload \
  -e ip.src -e ipv6.src -e ip.dst -e ipv6.dst >"$WORK/gen1.txt" 2>"$WORK/tshark-read.log"
tshark -r "$WORK/$LAB_GEN_IF.pcapng" -T fields -E separator=/t -e eth.src -e udp.srcport -e udp.dstport \
  -Y udp >"$WORK/gen0.txt" 2>>"$WORK/tshark-read.log"
if python3 - "$WORK/gen1.txt" "$WORK/gen0.txt" "$GEN1_MAC" "$GEN0_MAC" "${BATCHES[@]}" <<'PY'
import os, sys
sys.path.insert(0, os.path.join(os.environ["LAB_ROOT"], "setup"))
from labctl import constants as lc
gen1, gen0, gen1_mac, gen0_mac = sys.argv[1:5]
batches = {}
for b in sys.argv[5:]:
    f = b.split()
    batches[int(f[0])] = dict(count=int(f[1]), ttl=int(f[3]), dst=f[4], stamp="--stamp" in f, seqs=[])
bad = []
for line in open(gen1):
    sp, dp, ttl, hlim, ipck, udpck, edst, pay, s4, s6, d4, d6 = line.rstrip("\n").split("\t")
    sp = int(sp)
    b = batches.get(sp)
    if b is None:
        bad.append("unexpected source port %d on gen1" % sp)
        continue
    hop = int(ttl or hlim)
    if hop != b["ttl"] - 1:
        bad.append("port %d: TTL %d, sent %d" % (sp, hop, b["ttl"]))
    # 1 = good (tshark's own computation); IPv6 has no header checksum
    if (ipck and ipck != "1") or udpck != "1":
        bad.append("port %d: checksum status ip %r udp %r" % (sp, ipck, udpck))
    if edst != gen1_mac or int(dp) != lc.LAB_PORT_DUT or (d4 or d6) != b["dst"] or (s4 or s6) not in (lc.LAB_GEN_V4, lc.LAB_GEN_V6):
        bad.append("port %d: to %s %s:%s from %s" % (sp, edst, d4 or d6, dp, s4 or s6))
    p = bytes.fromhex(pay.replace(":", ""))
    flags, seq = p[3], int.from_bytes(p[4:8], "big")
    if not flags & 0x08 or flags & 0x04 or bool(flags & 0x02) != b["stamp"]:
        bad.append("port %d seq %d: flags %#x" % (sp, seq, flags))
    b["seqs"].append(seq)
for sp, b in batches.items():
    if b["seqs"] != list(range(b["count"])):
        bad.append("port %d: %d of %d frames, in order: %s" % (sp, len(b["seqs"]), b["count"],
                   b["seqs"] == sorted(b["seqs"])))
back = sum(1 for l in open(gen0) if l.split("\t")[0] != gen0_mac)
sent = sum(1 for l in open(gen0) if l.split("\t")[0] == gen0_mac)
if back:
    bad.append("%d UDP frames came back on gen0" % back)
total = sum(len(b["seqs"]) for b in batches.values())
print("tshark: gen1 %d frames from dut1 in %d batches, %d problems; gen0 %d UDP frames sent, %d back"
      % (total, len(batches), len(bad), sent, back))
for m in bad[:10]:
    print("  " + m)
sys.exit(1 if bad or sent == 0 else 0)
PY
then ok "tshark: every numbered frame on gen1 in order, TTL - 1, checksums good; none back on gen0"
else nok "tshark checks"; fi

left=$(dpdk_leftovers)
[ -z "$left" ] && ok "no hugepage file or runtime dir after SIGINT" || nok "left after SIGINT: $left"
for d in "$LAB_DUT_IF" "$LAB_DUT1_IF"; do
  ip -n "$NS_DUT" link show "$d" | grep -q "prog/xdp" && nok "XDP program left on $d" || ok "no XDP program on $d"
done
[ ! -e "$WORK/fwd.ready" ] && ok "ready file removed" || nok "ready file left"

# the fallback driver on both ports: net_af_packet forwards the same way and leaves nothing
if dp_start pkt --forward --driver af_packet; then
  grep -q "from $LAB_DUT_IF via net_af_packet0 (port 0) to $LAB_DUT1_IF via net_af_packet1 (port 1)" "$WORK/pkt.log" \
    && ok "--driver af_packet: net_af_packet on both ports" || nok "af_packet start line"
  send "${S[@]}" --sport 7782 --count 300 --size 78 --stamp --ttl 17 --dst "$LAB_GEN1_V4" --check \
    && ok "af_packet: 300 x 78 B stamped, TTL 16 on gen1, in order" || nok "af_packet IPv4"
  send "${S[@]}" --sport 7783 --count 200 --size 82 --ttl 64 --dst "$LAB_GEN1_V6" --check \
    && ok "af_packet: 200 x 82 B IPv6 on gen1, in order" || nok "af_packet IPv6"
  send "${S[@]}" --sport 7784 --count 10 --ttl 1 --dst "$LAB_GEN1_V4" --expect-none --timeout-ms 300 >/dev/null \
    && ok "af_packet: TTL 1 not forwarded" || nok "af_packet: TTL 1 forwarded"
  dp_stop_int && ok "af_packet: SIGINT exit 0" || nok "af_packet: SIGINT exit code"
  python3 - "$WORK/pkt.json" <<'PY' && ok "af_packet: stats JSON exact" || nok "af_packet: stats JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["mode"] == "net_af_packet" and d["forwarded"] == 500 and d["drops"]["ttl_expired"] == 10, d
assert d["ethdev"]["opackets"] == 0 and d["ethdev_out"]["opackets"] == 500, d
assert d["received"] == d["forwarded"] + d["not_lab"] + d["malformed"] + d["drops"]["dpdk_tx_dropped"] + d["drops"]["ttl_expired"], d
PY
  left=$(dpdk_leftovers)
  [ -z "$left" ] && ok "af_packet: no hugepage file or runtime dir" || nok "af_packet left: $left"
else
  nok "--driver af_packet did not start"
fi

tap_done
