#!/usr/bin/env bash
# xsk_forward.sh — lab-xsk as the forwarder of the forward topology, in both its modes: xdpfwd
# (the XDP program forwards in the driver, XDP_REDIRECT through a DEVMAP) and xsk --forward
# (AF_XDP on dut0, a second socket on dut1 sharing the UMEM). Numbered IPv4 and IPv6 lab packets,
# stamped and not, reach gen1 in order as tshark sees them: MACs to the next hop, TTL / hop limit
# exactly one below what was sent, IPv4 header and UDP checksums good, forwarded and stamped as
# asked; none comes back on gen0. TTL 1, malformed and already forwarded packets are counted by
# name in the stats JSON and never forwarded. After SIGINT no XDP program is left. Redirects the
# kernel refuses (gen1 without GRO) are counted as xdp_errors; forwarding back out of dut0 or
# without a next hop is a one-line exit 2; the lab comes down without residue. Expected values
# come from what this test sent.
#
#   netns ltNNNN-gen                                   netns ltNNNN-dut
#   lab-xsend --forward: LAB_GEN_V4:77xx -> LAB_GEN1_V4:7777 (routed out of gen0)
#   [gen0] ------------------- veth -------------------> [dut0]  lab-xsk (XDP program)
#   [gen1] <------------------ veth -------------------- [dut1]  (devmap / AF_XDP TX)
#   tshark on gen1 and gen0; lab-xsend receives on gen1's address
set -u
. "$(dirname "$0")/../lib/netns.sh"
netns_require_root
netns_require_bin xdp/lab-xsk tests/xdp/lab-xsend
command -v tshark >/dev/null || tap_skip_all "no tshark"
command -v bpftool >/dev/null || PATH=$PATH:/usr/sbin
XSK="$LAB_BUILD/xdp/lab-xsk"
SEND="$LAB_BUILD/tests/xdp/lab-xsend"
TMP=$(mktemp -d)
chmod 755 "$TMP" # dumpcap may run as another user
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; "$LAB" down >/dev/null 2>&1; rm -rf "$TMP"' EXIT
"$LAB" up --topology forward >/dev/null || tap_bail "setup/lab up --topology forward failed"
xdp_on() { ip -n "$NS_DUT" link show "$1" | grep -q 'prog/xdp'; }
xdp_id() { ip -n "$NS_DUT" link show "$LAB_DUT_IF" | sed -n 's/.*prog\/xdp[a-z]* id \([0-9]*\).*/\1/p'; }

# the runs: flow (source port), family, count, sent TTL, stamped; and the bad ones
N4=2000 N6=500 N4B=300 BAD=3 MARKED=4 EXP4=5 EXP6=2
DUT0_MAC=$LAB_DUT_MAC DUT1_MAC=$LAB_DUT1_MAC GEN1_MAC=$LAB_GEN1_MAC

capture() { # iface file: tshark in the gen namespace, until it says it captures
  ip netns exec "$NS_GEN" tshark -i "$1" -w "$2" -f udp >"$2.log" 2>&1 &
  local p=$!
  for _ in $(seq 100); do grep -q "Capturing on" "$2.log" 2>/dev/null && break; sleep 0.1; done
  grep -q "Capturing on" "$2.log" || nok "tshark on $1 did not start: $(cat "$2.log")"
  echo $p
}

for mode in xdpfwd xsk; do
  case $mode in
    xdpfwd) args=(--mode xdpfwd) ;;
    xsk) args=(--mode xsk --busy-poll --forward) ;;
  esac
  rm -f "$TMP/ready"
  t1=$(capture "$LAB_GEN1_IF" "$TMP/$mode.gen1.pcap")
  t0=$(capture "$LAB_GEN_IF" "$TMP/$mode.gen0.pcap")
  # --duration bounds the run should the SIGINT below never come
  ip netns exec "$NS_DUT" "$XSK" "${args[@]}" --iface "$LAB_DUT_IF" --out-iface "$LAB_DUT1_IF" --ready-file "$TMP/ready" \
    --stats-json "$TMP/$mode.json" --duration 50 >"$TMP/$mode.out" 2>&1 &
  pid=$!
  for _ in $(seq 100); do [ -f "$TMP/ready" ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.1; done
  if [ ! -f "$TMP/ready" ]; then
    nok "$mode: lab-xsk not ready: $(cat "$TMP/$mode.out")"
    kill -INT $pid $t0 $t1 2>/dev/null; wait
    continue
  fi
  xdp_on "$LAB_DUT_IF" || nok "$mode: no XDP program on dut0"
  id=$(xdp_id)

  # IPv4 stamped, TTL 17, with the bad ones first; IPv6 stamped, hop limit 9; IPv4 unstamped,
  # TTL 2 (forwarded with 1)
  o=$(ip netns exec "$NS_GEN" "$SEND" --forward --sport 7778 --count $N4 --ttl 17 --stamp --window 64 \
        --bad $BAD --marked $MARKED --expired $EXP4 -q) || nok "$mode: IPv4: $o"
  echo "# $mode v4 stamped: $o"
  o=$(ip netns exec "$NS_GEN" "$SEND" -6 --forward --sport 7779 --count $N6 --ttl 9 --size 160 --stamp \
        --window 64 --expired $EXP6 -q) || nok "$mode: IPv6: $o"
  echo "# $mode v6 stamped: $o"
  o=$(ip netns exec "$NS_GEN" "$SEND" --forward --sport 7780 --count $N4B --ttl 2 --size 64 --window 64 -q) ||
    nok "$mode: IPv4 TTL 2: $o"
  echo "# $mode v4 TTL 2: $o"
  sleep 0.5 # let the captures take the last packets in

  start_ns=$(date +%s%N)
  kill -INT $pid; wait $pid; rc=$?
  dt_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
  kill -INT $t0 $t1; wait $t0 $t1 2>/dev/null
  [ $rc -eq 0 ] || nok "$mode: lab-xsk exited $rc: $(cat "$TMP/$mode.out")"
  [ $dt_ms -le 2000 ] || nok "$mode: SIGINT took $dt_ms ms to stop lab-xsk"
  grep -q 'totals' "$TMP/$mode.out" || nok "$mode: no totals printed on SIGINT"
  grep -q 'warning' "$TMP/$mode.out" && nok "$mode: warnings: $(grep warning "$TMP/$mode.out")"
  xdp_on "$LAB_DUT_IF" && nok "$mode: XDP program left on dut0 after SIGINT"
  xdp_on "$LAB_DUT1_IF" && nok "$mode: XDP program on dut1 after SIGINT"
  if [ -n "$id" ]; then
    for _ in $(seq 40); do bpftool prog show id "$id" >/dev/null 2>&1 || break; sleep 0.05; done
    bpftool prog show id "$id" >/dev/null 2>&1 && nok "$mode: program id $id still loaded"
  fi

  # what gen1 and gen0 saw (tshark's own checksum verdicts: 1 = good), and the counters
  for i in gen1 gen0; do
    tshark -r "$TMP/$mode.$i.pcap" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE -T fields \
      -E separator=, -e eth.src -e eth.dst -e udp.srcport -e udp.dstport -e ip.ttl -e ipv6.hlim \
      -e ip.checksum.status -e udp.checksum.status -e udp.payload >"$TMP/$mode.$i.txt" 2>"$TMP/$mode.$i.err" ||
      nok "$mode: tshark -r $i: $(cat "$TMP/$mode.$i.err")"
  done
  python3 - "$mode" "$TMP/$mode.gen1.txt" "$TMP/$mode.gen0.txt" "$TMP/$mode.json" <<PY || nok "$mode: see above"
import json, sys
mode, gen1, gen0, js = sys.argv[1:5]
runs = {7778: ("v4 stamped", $N4, 17, True), 7779: ("v6 stamped", $N6, 9, True), 7780: ("v4 TTL 2", $N4B, 2, False)}
dut0, dut1, nh = "$DUT0_MAC", "$DUT1_MAC", "$GEN1_MAC"
bad = []
seen = {sp: [] for sp in runs}
nwrong = 0
for line in open(gen1):
    f = line.rstrip("\n").split(",")
    if len(f) < 9 or f[3] != "$LAB_PORT_DUT" or f[2] == "":
        continue
    src, dst, sport, ttl, hlim, ipck, udpck, pl = f[0], f[1], int(f[2]), f[4], f[5], f[6], f[7], f[8]
    if sport not in runs:
        bad.append("gen1: a packet from port %d" % sport); continue
    name, n, sent_ttl, stamp = runs[sport]
    p = bytes.fromhex(pl)
    if len(p) < 20 or p[0:2] != b"LB":
        bad.append("gen1 %s: not a lab payload: %s" % (name, pl[:40])); continue
    seq, flags = int.from_bytes(p[4:8], "big"), p[3]
    want_flags = 0x08 | (0x03 if stamp else 0)
    hop = int(ttl or hlim)
    why = []
    if (src, dst) != (dut1, nh): why.append("MACs %s -> %s" % (src, dst))
    if hop != sent_ttl - 1: why.append("TTL/hop limit %d, sent %d" % (hop, sent_ttl))
    if ttl and ipck != "1": why.append("IPv4 header checksum status %s" % ipck)
    if udpck != "1": why.append("UDP checksum status %s" % udpck)
    if flags != want_flags: why.append("flags 0x%02x, want 0x%02x" % (flags, want_flags))
    if stamp:
        sent_ns = int.from_bytes(p[8:16], "big")
        rx, tx = int.from_bytes(p[20:28], "big"), int.from_bytes(p[28:36], "big")
        if not (sent_ns <= rx <= tx): why.append("stamps sent %d rx %d tx %d" % (sent_ns, rx, tx))
    if seq >= n: why.append("seq %d: one that must not be forwarded" % seq)
    if why:
        nwrong += 1
        if nwrong <= 5: bad.append("gen1 %s seq %d: %s" % (name, seq, "; ".join(why)))
    seen[sport].append(seq)
for sp, (name, n, _, _) in runs.items():
    if seen[sp] != list(range(n)):
        s = seen[sp]
        bad.append("gen1 %s: %d packets, want %d in order (first out of place at %s)" % (
            name, len(s), n, next((i for i, v in enumerate(s) if v != i), len(s))))
if nwrong > 5: bad.append("gen1: %d packets wrong in all" % nwrong)
back = [l for l in open(gen0) if l.split(",")[0] == dut0]
if back: bad.append("gen0: %d UDP packets came back from dut0, e.g. %s" % (len(back), back[0].strip()[:80]))

s = json.load(open(js))
good = $N4 + $N6 + $N4B
exp = {"path": mode, "topology": "forward", "received": good + $BAD + $MARKED + $EXP4 + $EXP6,
       "forwarded": good, "not_lab": $MARKED, "malformed": $BAD, "tx_errors": 0}
got = {k: s.get(k) for k in exp}
if got != exp: bad.append("JSON: %s, want %s" % (got, exp))
nfb = s.get("not_forwarded_by", {})
want_nfb = {"ttl_expired": $EXP4 + $EXP6, "already_marked": $MARKED, "malformed": $BAD, "not_lab": 0}
if nfb != want_nfb: bad.append("not_forwarded_by %s, want %s" % (nfb, want_nfb))
d = s["drops"]
if d.get("ttl_expired") != $EXP4 + $EXP6: bad.append("drops.ttl_expired %s, want %d" % (d.get("ttl_expired"), $EXP4 + $EXP6))
other = {k: v for k, v in d.items() if k != "ttl_expired" and v}
if other: bad.append("nonzero drops %s" % other)
print("# %s: gen1 %s in order; gen0 %d back; JSON received %s forwarded %s not_lab %s malformed %s drops %s not_forwarded_by %s" % (
    mode, {runs[k][0]: len(v) for k, v in seen.items()}, len(back), s.get("received"), s.get("forwarded"),
    s.get("not_lab"), s.get("malformed"), d, nfb))
for b in bad: print("# " + b)
sys.exit(1 if bad else 0)
PY
done

# redirects the kernel refuses are counted: a veth out port takes redirected frames only while its
# peer (gen1) has GRO on or an XDP program; with GRO off every one fails after the program
NF=50
ip netns exec "$NS_GEN" ethtool -K "$LAB_GEN1_IF" gro off >/dev/null
rm -f "$TMP/ready"
ip netns exec "$NS_DUT" "$XSK" --mode xdpfwd --ready-file "$TMP/ready" --stats-json "$TMP/refused.json" \
  --duration 30 >"$TMP/refused.out" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -f "$TMP/ready" ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.1; done
ip netns exec "$NS_GEN" "$SEND" --forward --count $NF --window 0 --timeout-ms 300 -q >/dev/null
kill -INT $pid; wait $pid || nok "xdpfwd, gen1 without GRO: exit $?: $(cat "$TMP/refused.out")"
ip netns exec "$NS_GEN" ethtool -K "$LAB_GEN1_IF" gro on >/dev/null
python3 - "$TMP/refused.json" $NF <<'PY' || nok "xdpfwd: refused redirects not counted as xdp_errors"
import json, sys
s, n = json.load(open(sys.argv[1])), int(sys.argv[2])
got = (s["received"], s["forwarded"], s["drops"]["xdp_errors"], s["drops"]["ttl_expired"])
print("# xdpfwd, gen1 without GRO: received %d forwarded %d xdp_errors %d ttl_expired %d" % got)
sys.exit(0 if got == (n, 0, n, 0) else 1)
PY
grep -q "failed $NF redirects" "$TMP/refused.out" || nok "xdpfwd: no warning about the refused redirects: $(cat "$TMP/refused.out")"

# generic (SKB) mode: a redirect the kernel fails there raises no driver counter (only the
# xdp_redirect_map_err tracepoint): the out port's MTU below the frames (128 B > 100 + 14 + 4)
ip -n "$NS_DUT" link set dev "$LAB_DUT1_IF" mtu 100
rm -f "$TMP/ready"
ip netns exec "$NS_DUT" "$XSK" --mode xdpfwd --xdp-mode generic --ready-file "$TMP/ready" --stats-json "$TMP/generic.json" \
  --duration 30 >"$TMP/generic.out" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -f "$TMP/ready" ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.1; done
ip netns exec "$NS_GEN" "$SEND" --forward --count $NF --window 0 --timeout-ms 300 -q >/dev/null
kill -INT $pid; wait $pid || nok "xdpfwd generic, out port MTU 100: exit $?: $(cat "$TMP/generic.out")"
ip -n "$NS_DUT" link set dev "$LAB_DUT1_IF" mtu 1500
python3 - "$TMP/generic.json" $NF <<'PY' || nok "xdpfwd generic: failed redirects not counted as xdp_errors"
import json, sys
s, n = json.load(open(sys.argv[1])), int(sys.argv[2])
got = (s["received"], s["forwarded"], s["drops"]["xdp_errors"], s["drops"]["ttl_expired"])
print("# xdpfwd generic, out port MTU 100: mode %s received %d forwarded %d xdp_errors %d ttl_expired %d" % ((s.get("mode"),) + got))
sys.exit(0 if got == (n, 0, n, 0) else 1)
PY
grep -q "failed $NF redirects.*generic XDP" "$TMP/generic.out" || nok "xdpfwd generic: no warning about the failed redirects: $(cat "$TMP/generic.out")"

# configuration errors: one line, exit 2, nothing attached. Back out of its own port; no next hop
# in dut1's neighbour table (the entries put back after)
cfg_err() { # want-text args...: exit 2 with want-text, no program on dut0
  local want=$1 out rc; shift
  out=$(ip netns exec "$NS_DUT" "$XSK" "$@" --duration 5 2>&1); rc=$?
  [ $rc -eq 2 ] || nok "lab-xsk $*: exit $rc, want 2: $out"
  echo "$out" | grep -q -- "$want" || nok "lab-xsk $*: unclear message: $out"
  [ "$(echo "$out" | wc -l)" -eq 1 ] || nok "lab-xsk $*: more than one line: $out"
  xdp_on "$LAB_DUT_IF" && nok "lab-xsk $*: left a program on dut0"
}
cfg_err "never back out" --mode xdpfwd --out-iface "$LAB_DUT_IF"
cfg_err "never back out" --mode xsk --forward --out-iface "$LAB_DUT_IF"
ip -n "$NS_DUT" neigh del "$LAB_GEN1_V4" dev "$LAB_DUT1_IF"
ip -n "$NS_DUT" neigh del "$LAB_GEN1_V6" dev "$LAB_DUT1_IF"
cfg_err "no neighbour entry" --mode xdpfwd
cfg_err "no neighbour entry" --mode xsk --busy-poll --forward
ip -n "$NS_DUT" neigh replace "$LAB_GEN1_V4" lladdr "$GEN1_MAC" dev "$LAB_DUT1_IF" nud permanent
ip -n "$NS_DUT" neigh replace "$LAB_GEN1_V6" lladdr "$GEN1_MAC" dev "$LAB_DUT1_IF" nud permanent
[ "$TAP_FAILS" -eq 0 ] && ok "forwarding back out of dut0, or without a next hop: one line, exit 2"

# the lab comes down clean
"$LAB" down >/dev/null 2>&1 || nok "setup/lab down"
r=$("$LAB" residue 2>&1); [ -z "$r" ] || nok "residue after down: $r"

[ "$TAP_FAILS" -eq 0 ] && ok "xdpfwd and xsk --forward: $N4 + $N6 + $N4B numbered packets reach gen1 in order, TTL - 1, checksums good, none back on gen0; TTL 1, malformed, already forwarded counted and not forwarded; nothing left"
tap_done
