#!/usr/bin/env bash
# dpdk-reflect.sh — lab-dpdk on the veth lab (net_af_xdp): 4096 numbered packets at 64 B and at
# 1500 B (stamped) come back in order, exactly once; non-lab, malformed and already-reflected
# frames are counted and not reflected; the telemetry command and the stats JSON give the exact
# counters; SIGINT stops it and leaves no hugepage file, runtime dir or XDP program.
#
#   netns ltNNNN-gen                                  netns ltNNNN-dut
#   +-------------------------------+    veth    +---------------------------------+
#   | dp-send  UDP LAB_GEN_V4:7778  |<---------->| dut0 --af_xdp--> lab-dpdk       |
#   |   (gen0)                      |            |   (prefix ltNNNN-dpdk)          |
#   +-------------------------------+            +---------------------------------+
set -u
. "$(dirname "$0")/lib.sh"
dp_setup
dp_start reflect || tap_bail "start"
grep -q "via net_af_xdp" "$WORK/reflect.log" && ok "net_af_xdp port" || nok "not on net_af_xdp: $(grep reflecting "$WORK/reflect.log")"
ip -n "$NS_DUT" link show "$LAB_DUT_IF" | grep -q "prog/xdp" && ok "XDP program on dut0 while running" || nok "no XDP program on dut0"

send --dst "$LAB_DUT_V4" --count 4096 --size 64 --check && ok "4096 x 64 B in order, once" || nok "4096 x 64 B"
send --dst "$LAB_DUT_V4" --count 4096 --size 1500 --stamp --check && ok "4096 x 1500 B stamped, in order" || nok "4096 x 1500 B"
send --dst "$LAB_DUT_V6" --count 256 --size 98 --stamp --check && ok "256 x 98 B IPv6 stamped" || nok "IPv6"
REFL=$((4096 + 4096 + 256))

send --dst "$LAB_DUT_V4" --port 7779 --count 10 --expect-none --timeout-ms 300 >/dev/null && ok "wrong port: no reply" || nok "wrong port reflected"
send --dst "$LAB_DUT_V4" --kind bad-magic --count 11 --expect-none --timeout-ms 300 >/dev/null && ok "bad magic: no reply" || nok "bad magic reflected"
send --dst "$LAB_DUT_V4" --kind reflected --count 12 --expect-none --timeout-ms 300 >/dev/null && ok "already reflected: no reply" || nok "reflected twice"

tel=$(echo /lab/stats | dpdk-telemetry.py -f "$LLAB_PREFIX-dpdk" 2>&1 | tail -n 1)
echo "telemetry: $tel"
echo "$tel" >"$WORK/tel.json"
if python3 - "$WORK/tel.json" "$REFL" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["/lab/stats"]
refl = int(sys.argv[2])
assert d["reflected"] == refl, d
assert d["malformed"] == 11, d
assert d["already_reflected"] == 12, d
assert d["received"] == d["reflected"] + d["not_lab"] + d["malformed"] + d["dpdk_tx_dropped"], d
assert d["mode"] == "net_af_xdp", d
PY
then ok "telemetry /lab/stats counters exact"; else nok "telemetry counters"; fi

dp_stop_int && ok "SIGINT: exit 0" || nok "SIGINT exit code"
J="$WORK/reflect.json"
if python3 - "$J" "$REFL" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
refl = int(sys.argv[2])
v = d["verdicts"]
assert d["path"] == "dpdk" and d["mode"] == "net_af_xdp", d
assert d["reflected"] == refl and v["ok"] == refl + 12, d
assert v["wrong_port"] == 10 and v["lab_magic"] == 11 and d["malformed"] == 11, v
assert d["already_reflected"] == 12, d
assert d["received"] == d["reflected"] + d["not_lab"] + d["malformed"] + d["drops"]["dpdk_tx_dropped"], d
for k in ("dpdk_imissed", "dpdk_rx_nombuf", "dpdk_ierrors", "dpdk_tx_dropped"):
    assert k in d["drops"], k
assert d["clock"]["tsc_hz"] > 0 and "tsc_err_ns" in d["clock"], d["clock"]
print("stats json: received %d reflected %d not_lab %d malformed %d tsc_err_ns %d" % (
    d["received"], d["reflected"], d["not_lab"], d["malformed"], d["clock"]["tsc_err_ns"]))
PY
then ok "stats JSON counters exact"; else nok "stats JSON"; fi
left=$(dpdk_leftovers)
[ -z "$left" ] && ok "no hugepage file or runtime dir after SIGINT" || nok "left after SIGINT: $left"
ip -n "$NS_DUT" link show "$LAB_DUT_IF" | grep -q "prog/xdp" && nok "XDP program left on dut0" || ok "XDP program removed"

tap_done
