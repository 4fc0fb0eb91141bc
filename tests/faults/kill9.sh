#!/usr/bin/env bash
# kill9.sh — kill -9 each reflector (lab-kern when built, lab-xsk in xsk and xdptx mode,
# lab-dpdk) one second into a 3 s lab-gen run: lab-gen still ends (bounded), the loss is counted
# (lost > 0, sent = received + lost, the record file complete and agreeing; xdptx keeps
# reflecting in the driver after its holder dies, so there only the counts are checked), `setup/lab down`
# leaves no residue, and after `setup/lab up` the next run of the same path loses nothing.
#
# FAULTS_TOPOLOGY=forward (meson: faults-kill9-forward): the same for the forward topology's paths.
#
#   netns ltNNNN-gen                               netns ltNNNN-dut
#   lab-gen --rate 2000 --duration 3 (xsk)          reflector of PATH  <- kill -9 at 1 s
#   [gen0] <------------------- veth -------------------> [dut0]
set -u
. "$(dirname "$0")/lib.sh"
faults_require_root
netns_require_bin loadgen/lab-gen
paths=$(faults_paths)
[ -n "$paths" ] || tap_skip_all "no reflector built"
[ -x "$KERN" ] || echo "# lab-kern not built: kernel path skipped"

for path in $paths; do
  faults_up >/dev/null || { nok "$path: setup/lab up"; continue; }
  refl_start "$path" "$path.k" || { nok "$path: reflector did not start"; "$LAB" down >/dev/null 2>&1; continue; }
  gen_start "$path.k" --rate 2000 --duration 3
  sleep 1
  kill -KILL $REFL_PID; wait $REFL_PID 2>/dev/null
  gen_wait
  # 0: the run took place (loss is a result); 137: timeout killed a hung lab-gen
  [ $GEN_RC -eq 0 ] || nok "$path: lab-gen exited $GEN_RC after the reflector died: $(tail -n 1 "$T/$path.k.gen.log")"
  # xdptx: the XDP program reflects in the driver and stays attached (netlink, not a bpf_link)
  # after its holder dies, so there may be no loss at all; every other path loses the rest
  # (xdpfwd likewise; kfwd's kernel forwarding stays on in the namespace when lab-kfwd dies,
  # until down deletes the namespace)
  case $path in xdptx|xdpfwd|kfwd) gen_check "$path.k" any ;; *) gen_check "$path.k" some ;; esac
  "$LAB" down >/dev/null 2>&1 || nok "$path: setup/lab down failed"
  lab_residue_empty "$path"

  # the next run works the first time
  faults_up >/dev/null || { nok "$path: setup/lab up after the kill"; continue; }
  if refl_start "$path" "$path.n"; then
    gen_start "$path.n" --rate 2000 --count 2000
    gen_wait
    [ $GEN_RC -eq 0 ] || nok "$path: next run: lab-gen exited $GEN_RC"
    gen_check "$path.n" zero
    refl_stop
    [ $REFL_RC -eq 0 ] || nok "$path: next run: reflector exited $REFL_RC: $(tail -n 1 "$T/$path.n.refl.log")"
  else
    nok "$path: the reflector did not start on the next run"
  fi
  "$LAB" down >/dev/null 2>&1
  lab_residue_empty "$path (next run)"
done
[ "$TAP_FAILS" -eq 0 ] && ok "kill -9 of $paths: loss counted, no residue, next run clean"
tap_done
