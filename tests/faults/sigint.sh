#!/usr/bin/env bash
# sigint.sh — SIGINT to every long-running binary while it works: each reflector of this build
# (lab-kern, lab-xsk xsk/xdptx, lab-dpdk) after a short run through it, lab-gen in the middle
# of a 30 s schedule, lab-analyze --sample-softnet: each exits 0 within 2 s (the promise of
# docs/spec.md, "Reflectors"), prints its totals and writes its stats; lab-gen's counts are whole.
#
# FAULTS_TOPOLOGY=forward (meson: faults-sigint-forward): the same for the forward topology's paths.
#
#   netns ltNNNN-gen                               netns ltNNNN-dut
#   lab-gen (--count 1000, then --duration 30)      reflector of PATH   <- SIGINT
#   [gen0] <------------------- veth -------------------> [dut0]
#   host: lab-analyze --sample-softnet FILE  <- SIGINT
set -u
. "$(dirname "$0")/lib.sh"
faults_require_root
netns_require_bin loadgen/lab-gen analysis/lab-analyze
paths=$(faults_paths)
faults_up >/dev/null || tap_bail "setup/lab up"

for path in $paths; do
  refl_start "$path" "$path" || { nok "$path: reflector did not start"; continue; }
  gen_start "$path" --rate 2000 --count 1000
  gen_wait
  [ $GEN_RC -eq 0 ] || nok "$path: lab-gen exited $GEN_RC"
  gen_check "$path" zero
  if [ "$path" = xsk ]; then
    # lab-gen stopped mid-schedule, against a live reflector
    gen_start "$path.gen" --rate 2000 --duration 30
    sleep 1.5
    t0=$(date +%s%N)
    # to lab-gen itself: timeout(1), its parent, would pass a SIGINT on twice (to the child
    # and to its process group), and a second signal means "exit at once"
    gpid=$(pgrep -P $GEN_PID -x lab-gen)
    [ -n "$gpid" ] || nok "lab-gen: not found under timeout (pid $GEN_PID)"
    kill -INT ${gpid:-$GEN_PID}
    gen_wait
    ms=$(( ($(date +%s%N) - t0) / 1000000 ))
    [ $GEN_RC -eq 0 ] || nok "lab-gen: exited $GEN_RC after SIGINT: $(tail -n 1 "$T/$path.gen.gen.log")"
    [ $ms -le 2000 ] || nok "lab-gen: $ms ms from SIGINT to exit (more than 2 s)"
    grep -q "sent [0-9]* received" "$T/$path.gen.gen.log" || nok "lab-gen: no totals after SIGINT"
    python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["interrupted"] else 1)' \
      "$T/$path.gen.json" || nok "lab-gen: stats do not say interrupted"
    gen_check "$path.gen" any
    echo "# lab-gen: SIGINT to exit $ms ms"
  fi
  refl_stop
  [ $REFL_RC -eq 0 ] || nok "$path: exited $REFL_RC after SIGINT: $(tail -n 1 "$T/$path.refl.log")"
  [ $REFL_MS -le 2000 ] || nok "$path: $REFL_MS ms from SIGINT to exit (more than 2 s)"
  grep -qi "total" "$T/$path.refl.log" || nok "$path: no totals printed after SIGINT"
  [ -s "$T/$path.refl.json" ] || nok "$path: no stats JSON after SIGINT"
  echo "# $path: SIGINT to exit $REFL_MS ms"
done

"$ANALYZE" --sample-softnet "$T/softnet.txt" --interval-ms 50 >"$T/softnet.log" 2>&1 &
pid=$!
sleep 0.5
t0=$(date +%s%N)
kill -INT $pid; wait $pid; rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ $rc -eq 0 ] || nok "lab-analyze --sample-softnet exited $rc: $(cat "$T/softnet.log")"
[ $ms -le 2000 ] || nok "lab-analyze --sample-softnet: $ms ms from SIGINT to exit"
[ "$(grep -c '^t ' "$T/softnet.txt")" -ge 2 ] || nok "lab-analyze --sample-softnet: fewer than 2 snapshots written"
echo "# lab-analyze --sample-softnet: SIGINT to exit $ms ms"
"$LAB" down >/dev/null 2>&1
lab_residue_empty "after SIGINTs"
[ "$TAP_FAILS" -eq 0 ] && ok "SIGINT stops $paths, lab-gen and the softnet sampler within 2 s with totals"
tap_done
