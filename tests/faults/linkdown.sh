#!/usr/bin/env bash
# linkdown.sh — the DUT veth set down, then (another run) deleted, one second into a 3 s run,
# with lab-xsk and with lab-dpdk reflecting: nothing hangs (every process bounded), lab-gen
# either counts the loss (link down: exit 0, lost > 0) or stops with one clear line (veth
# deleted: gen0 goes with it, exit 1), and either way its stats and record file are whole
# (sent = received + lost, complete). The reflector still stops on SIGINT with exit 0.
#
#   netns ltNNNN-gen                               netns ltNNNN-dut
#   lab-gen --rate 2000 --duration 3               lab-xsk | lab-dpdk
#   [gen0] <------------------- veth -------------------> [dut0]  <- down / deleted at 1 s
set -u
. "$(dirname "$0")/lib.sh"
faults_require_root
netns_require_bin loadgen/lab-gen
paths=""
[ -x "$XSK" ] && paths="xsk"
[ -x "$DPDK" ] && paths="$paths dpdk"
[ -n "$paths" ] || tap_skip_all "neither lab-xsk nor lab-dpdk built"

for path in $paths; do
  for act in down delete; do
    n="$path.$act"
    "$LAB" up >/dev/null || { nok "$n: setup/lab up"; continue; }
    refl_start "$path" "$n" || { nok "$n: reflector did not start"; "$LAB" down >/dev/null 2>&1; continue; }
    gen_start "$n" --rate 2000 --duration 3
    sleep 1
    if [ $act = down ]; then ip -n "$NS_DUT" link set "$LAB_DUT_IF" down; else ip -n "$NS_DUT" link del "$LAB_DUT_IF"; fi
    gen_wait
    if [ $act = down ]; then
      [ $GEN_RC -eq 0 ] || nok "$n: lab-gen exited $GEN_RC: $(tail -n 1 "$T/$n.gen.log")"
      gen_check "$n" some
    else
      # gen0 vanished with its peer: a runtime failure, said in one line naming the interface
      [ $GEN_RC -eq 0 ] || [ $GEN_RC -eq 1 ] || nok "$n: lab-gen exited $GEN_RC (hung or crashed): $(tail -n 1 "$T/$n.gen.log")"
      [ $GEN_RC -eq 0 ] || grep -q "$LAB_GEN_IF" "$T/$n.gen.log" || nok "$n: lab-gen's error does not name $LAB_GEN_IF: $(cat "$T/$n.gen.log")"
      gen_check "$n" any
    fi
    refl_stop
    [ $REFL_RC -eq 0 ] || nok "$n: reflector exited $REFL_RC after SIGINT: $(tail -n 2 "$T/$n.refl.log" | tr '\n' ' ')"
    [ -s "$T/$n.refl.json" ] || nok "$n: reflector wrote no stats"
    echo "# $n: lab-gen exit $GEN_RC; reflector exit $REFL_RC in $REFL_MS ms"
    "$LAB" down >/dev/null 2>&1
    lab_residue_empty "$n"
  done
done
[ "$TAP_FAILS" -eq 0 ] && ok "DUT link down / deleted mid-run: no hang, counts whole, no residue"
tap_done
