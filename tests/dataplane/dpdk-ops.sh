#!/usr/bin/env bash
# dpdk-ops.sh — lab-dpdk's operations: usage exit codes; a second instance on the same file prefix
# or the same interface is refused with a clear line; the af_packet fallback path reflects; after
# kill -9 the XDP program, runtime dir and hugepage files are left, and `setup/lab down` removes
# them all (the program: no longer loaded in the kernel, not only gone from dut0).
#
#   netns ltNNNN-gen                                  netns ltNNNN-dut
#   +-------------------------------+    veth    +---------------------------------+
#   | dp-send  UDP LAB_GEN_V4:7778  |<---------->| dut0 <-- lab-dpdk (1st)         |
#   |   (gen0)                      |            |      <-- lab-dpdk (2nd: refused)|
#   +-------------------------------+            +---------------------------------+
set -u
. "$(dirname "$0")/lib.sh"

"$DPDK" --help >/dev/null; [ $? -eq 0 ] && ok "--help exits 0" || nok "--help"
"$DPDK" --no-such-flag 2>/dev/null; [ $? -eq 2 ] && ok "bad flag exits 2" || nok "bad flag exit code"
"$DPDK" --port 70000 2>/dev/null; [ $? -eq 2 ] && ok "bad --port exits 2" || nok "bad --port exit code"

# EAL args before "--": lab-dpdk holds 62 of them (63 with its name, then the NULL); more are
# refused with one usage line before anything is set up (was a write past the end of eal_argv)
eal_many() { local n=$1; shift; "$DPDK" $(seq -f "--lab-test-eal-arg-%g" "$n") -- --calib-ms 10 "$@"; }
msg=$(eal_many 70 2>&1 >/dev/null); rc=$?
echo "70 EAL args: rc $rc: $msg"
[ $rc -eq 2 ] && [ "$(printf '%s\n' "$msg" | wc -l)" -eq 1 ] &&
  echo "$msg" | grep -q "too many EAL arguments before \"--\" (70, at most 62)" &&
  ok "70 EAL args: exit 2, one line" || nok "70 EAL args: rc $rc: $msg"
msg=$(eal_many 63 2>&1 >/dev/null); rc=$?
[ $rc -eq 2 ] && echo "$msg" | grep -q "too many EAL arguments" && ok "63 EAL args refused" || nok "63 EAL args: rc $rc: $msg"
msg=$(eal_many 62 2>&1 >/dev/null); rc=$?
echo "$msg" | grep -q "too many EAL arguments" && nok "62 EAL args refused" ||
  { [ $rc -lt 128 ] && ok "62 EAL args pass the count check (rc $rc)" || nok "62 EAL args: rc $rc"; }
r=$(ls -d "/var/run/dpdk/$LLAB_PREFIX-dpdk" 2>/dev/null)
[ -z "$r" ] && ok "nothing set up by refused EAL args" || { nok "left: $r"; rm -rf "$r"; }

dp_setup
dp_start first || tap_bail "start"
FIRST=$DP_PID
msg=$(ip netns exec "$NS_DUT" "$DPDK" --prefix "$LLAB_PREFIX" --duration 1 2>&1 >/dev/null); rc=$?
echo "second, same prefix: $msg"
[ $rc -eq 1 ] && echo "$msg" | grep -q "file prefix '$LLAB_PREFIX-dpdk' is in use by pid $FIRST" &&
  ok "same prefix refused, naming the holder" || nok "same prefix: rc $rc: $msg"
msg=$(ip netns exec "$NS_DUT" "$DPDK" --prefix "${LLAB_PREFIX}b" --duration 1 2>&1 >/dev/null); rc=$?
echo "second, same interface: $msg"
[ $rc -eq 1 ] && echo "$msg" | grep -q "$LAB_DUT_IF already has a lab-dpdk .*pid $FIRST" &&
  ok "same interface refused, naming the holder" || nok "same interface: rc $rc: $msg"
send --dst "$LAB_DUT_V4" --count 256 --size 64 --check >/dev/null && ok "first instance still reflects" || nok "first instance broken by the second"
dp_stop_int || true

# the fallback driver, asked for explicitly
dp_start pkt --driver af_packet || { nok "af_packet start"; }
grep -q "via net_af_packet" "$WORK/pkt.log" && ok "net_af_packet port" || nok "not af_packet: $(grep reflecting "$WORK/pkt.log")"
send --dst "$LAB_DUT_V4" --count 512 --size 128 --stamp --check >/dev/null && ok "af_packet: 512 stamped, in order" || nok "af_packet reflect"
dp_stop_int || true
[ "$(jget "$WORK/pkt.json" 'd["reflected"]')" = 512 ] && ok "af_packet: reflected 512" || nok "af_packet counters: $(jget "$WORK/pkt.json" 'd["reflected"]')"

# kill -9: leftovers exist, then setup/lab down removes them. The net_af_xdp port's XDP program
# is attached through netlink (not a bpf_link), so it stays on dut0 when its process is killed:
# nothing of lab-dpdk runs at SIGKILL. Removing it is setup/lab down's promise
# (docs/topologies-and-hardware.md: "down removes everything of ours ... also after a crash";
# lab-dpdk --help: "'setup/lab down' cleans after a crash"), so the program must be there after
# kill -9 and gone from the kernel after down.
command -v bpftool >/dev/null || PATH=$PATH:/usr/sbin
dp_start killed || tap_bail "start"
grep -q "via net_af_xdp" "$WORK/killed.log" && ok "killed instance: net_af_xdp port" ||
  nok "killed instance is not on net_af_xdp (no XDP program to check): $(grep reflecting "$WORK/killed.log")"
kill -KILL "$DP_PID"; wait "$DP_PID" 2>/dev/null
left=$(dpdk_leftovers)
[ -n "$left" ] && ok "kill -9 leaves runtime files ($(echo "$left" | wc -l) lines)" || nok "kill -9 left nothing (test cannot see the cleanup)"
xdp_id=$(ip -n "$NS_DUT" link show "$LAB_DUT_IF" | sed -n 's/.*prog\/xdp[a-z]* id \([0-9]*\).*/\1/p')
if [ -n "$xdp_id" ] && bpftool prog show id "$xdp_id" >/dev/null 2>&1; then
  ok "kill -9 leaves the XDP program (id $xdp_id, $(bpftool prog show id "$xdp_id" | sed -n 's/.* name \([^ ]*\).*/\1/p;q'))"
else
  nok "kill -9 left no XDP program on dut0 (test cannot see setup/lab down remove it)"
fi
"$LAB" down >/dev/null 2>&1 || nok "setup/lab down failed"
r=$("$LAB" residue 2>&1)
[ -z "$r" ] && ok "setup/lab down after kill -9: nothing left" || nok "after down: $r"
if [ -n "$xdp_id" ]; then
  for _ in $(seq 40); do bpftool prog show id "$xdp_id" >/dev/null 2>&1 || break; sleep 0.05; done
  if bpftool prog show id "$xdp_id" >/dev/null 2>&1; then
    nok "setup/lab down after kill -9: XDP program id $xdp_id still loaded: $(bpftool prog show id "$xdp_id" | head -n 1)"
  else
    ok "setup/lab down after kill -9: XDP program id $xdp_id gone from the kernel"
  fi
fi

tap_done
