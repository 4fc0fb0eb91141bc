#!/usr/bin/env bash
# dpdk-dumpcap.sh — the capture client docs/spec.md promises: lab-dpdk started with the lab's
# default flags (as setup/run.sh does), dpdk-dumpcap attaches as a DPDK secondary process through
# the file prefix lab-dpdk prints, and the pcapng it writes holds every lab frame sent, both ways
# (requests received, replies sent). Once from the host namespace, once from the DUT namespace
# (the secondary attaches through /var/run/dpdk/<prefix>, the hugepage files and the mp socket,
# none of them per network namespace). Its pool is allocated by lab-dpdk on the secondary's
# behalf after lab-dpdk dropped its capabilities: that is what failed (issue 22).
#
#   netns ltNNNN-gen                          netns ltNNNN-dut
#   +------------------------------+  veth  +---------------------------------------+
#   | dp-send UDP LAB_GEN_V4:7778  |<------>| dut0 --af_xdp--> lab-dpdk (primary)    |
#   |   (gen0)                     |        |        pdump --> dpdk-dumpcap (second.) |
#   +------------------------------+        +---------------------------------------+
#   dpdk-dumpcap -w WORK/NAME.pcapng, read back with tshark -Y udp.port==7777
set -u
. "$(dirname "$0")/lib.sh"
command -v dpdk-dumpcap >/dev/null || tap_skip_all "dpdk-dumpcap not installed (Debian package dpdk)"
command -v tshark >/dev/null || tap_skip_all "tshark not installed"
COUNT=${DUMPCAP_COUNT:-1000}
SIZE=128
dp_setup
dp_start cap || tap_bail "start"
# the port name lab-dpdk tells the user to give dpdk-dumpcap
PORT=$(sed -n 's/.*dpdk-dumpcap --file-prefix=[^ ]* -i \([^ ]*\).*/\1/p' "$WORK/cap.log" | head -n 1)
[ -n "$PORT" ] && ok "lab-dpdk names the capture port: $PORT" || { nok "no dpdk-dumpcap hint in the log"; PORT=0; }

# capture NAME [netns]: dpdk-dumpcap (bounded by timeout) while dp-send sends COUNT lab frames;
# stopped with SIGTERM once they came back, as Ctrl-C would
capture() {
  local name=$1 ns=${2:-} log="$WORK/$1.dumpcap.log" pid rc
  local -a in_ns=()
  [ -n "$ns" ] && in_ns=(ip netns exec "$ns")
  "${in_ns[@]}" timeout 60 dpdk-dumpcap --file-prefix="$LLAB_PREFIX-dpdk" -i "$PORT" \
    -w "$WORK/$name.pcapng" >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 200); do
    grep -q "Packets captured" "$log" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if ! grep -q "Packets captured" "$log"; then
    kill -TERM "$pid" 2>/dev/null; wait "$pid"
    nok "$name: dpdk-dumpcap did not start capturing: $(grep -E "Cause|failed|Error" "$log" | head -n 2 | tr '\n' ' ')"
    return 1
  fi
  send --dst "$LAB_DUT_V4" --count "$COUNT" --size "$SIZE" --check >/dev/null &&
    ok "$name: $COUNT lab frames reflected while capturing" || nok "$name: reflection under capture"
  sleep 0.5 # the capture ring drains
  kill -TERM "$pid"; wait "$pid"; rc=$?
  [ $rc -eq 0 ] && ok "$name: dpdk-dumpcap exit 0 on SIGTERM" || nok "$name: dpdk-dumpcap rc $rc: $(tail -n 2 "$log" | tr '\n' ' ')"
  grep "received/dropped" "$log"
  check_pcap "$name"
}

# check_pcap NAME: tshark finds COUNT requests (gen -> dut) and COUNT replies (dut -> gen)
check_pcap() {
  local f="$WORK/$1.pcapng" all req rep
  [ -s "$f" ] || { nok "$1: no capture file"; return 1; }
  all=$(tshark -r "$f" -Y "udp.port==$LAB_PORT_DUT" 2>/dev/null | wc -l)
  req=$(tshark -r "$f" -Y "ip.src==$LAB_GEN_V4 && ip.dst==$LAB_DUT_V4 && udp.dstport==$LAB_PORT_DUT && frame.len==$SIZE" 2>/dev/null | wc -l)
  rep=$(tshark -r "$f" -Y "ip.src==$LAB_DUT_V4 && ip.dst==$LAB_GEN_V4 && udp.srcport==$LAB_PORT_DUT && frame.len==$SIZE" 2>/dev/null | wc -l)
  echo "$1: tshark -Y udp.port==$LAB_PORT_DUT: $all frames ($req requests, $rep replies; $COUNT sent)"
  [ "$all" -gt 0 ] && ok "$1: lab frames in the pcapng" || nok "$1: no lab frame in the pcapng"
  [ "$req" -eq "$COUNT" ] && [ "$rep" -eq "$COUNT" ] && ok "$1: every request and reply captured" ||
    nok "$1: captured $req requests and $rep replies of $COUNT"
}

capture host
capture dut "$NS_DUT"

send --dst "$LAB_DUT_V4" --count 256 --size 64 --check >/dev/null && ok "lab-dpdk still reflects after the captures" || nok "lab-dpdk broken after the captures"
dp_stop_int && ok "SIGINT: exit 0" || nok "SIGINT exit code"
grep -E "EAL: .*(rror|fail)" "$WORK/cap.log" | head -n 3
left=$(dpdk_leftovers)
[ -z "$left" ] && ok "no hugepage file or runtime dir after the captures" || nok "left: $left"

tap_done
