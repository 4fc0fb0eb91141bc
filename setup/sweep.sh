# setup/sweep.sh — `setup/lab sweep`: throughput (NDR/PDR) and latency-vs-load per path. Sourced
# by setup/lab after setup/run.sh (uses run's cleanup, isolation and run-id helpers). The shell
# part checks the command line (labctl sweep --check-args), brings the lab up, isolates the DUT
# core as run does, and hands over to labctl.sweep (setup/labctl/sweep.py), which runs the
# trials; whatever happens — a failure, Ctrl-C, the Python side killed — every process it
# started is stopped and the machine is left as it was found.

SWEEP_PID=""

sweep_interrupted() {
  trap - INT TERM
  echo "$PROG: sweep: interrupted; stopping the trial in progress and writing what was found" >&2
  if [ -n "$SWEEP_PID" ]; then
    kill -TERM "$SWEEP_PID" 2>/dev/null || true
    # the trial in progress ends (lab-gen's shortened tail), the results are written
    for _ in $(seq 150); do kill -0 "$SWEEP_PID" 2>/dev/null || break; sleep 0.1; done
  fi
  sweep_cleanup
  [ -n "$RUN_DIR" ] && echo "$PROG: sweep: partial results in $RUN_DIR" >&2
  exit 130
}

# every process of this sweep (they carry LLAB_SWEEP=<its directory>): also after the Python
# side was killed
sweep_kill_own() {
  local e pid pids=()
  [ -n "$RUN_DIR" ] || return 0
  for e in /proc/[0-9]*/environ; do
    pid=${e#/proc/}; pid=${pid%/environ}
    [ "$pid" = "$BASHPID" ] && continue
    grep -qsxzF "LLAB_SWEEP=$RUN_DIR" "$e" && pids+=("$pid")
  done
  [ ${#pids[@]} -gt 0 ] || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  sleep 1
  kill -KILL "${pids[@]}" 2>/dev/null || true
}

SCN_HOLDER=""
sweep_cleanup() {
  if [ -n "$SCN_HOLDER" ]; then
    kill -TERM "$SCN_HOLDER" 2>/dev/null || true
    wait "$SCN_HOLDER" 2>/dev/null || true
    SCN_HOLDER=""
  fi
  if [ -n "$SWEEP_PID" ]; then
    kill -TERM "$SWEEP_PID" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$SWEEP_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SWEEP_PID" 2>/dev/null || true
    SWEEP_PID=""
  fi
  sweep_kill_own
  run_cleanup
}

cmd_sweep() {
  local cfg=() a ncpu rc=0 id out
  for a in "$@"; do
    case $a in -h|--help) labctl sweep --help; return 0 ;; esac
  done
  # the whole command line is checked before anything changes; the settings come back as words
  # in a fixed order (labctl.sweep.check_args_words)
  labctl_words cfg sweep --check-args "$@" || exit 2
  [ "${#cfg[@]}" -eq 7 ] || die "sweep: the orchestrator gave ${#cfg[@]} settings, not 7"
  local SW_DUT_CPU=${cfg[0]} SW_GEN_CPU=${cfg[1]} SW_TOPOLOGY=${cfg[2]} SW_SCENARIO=${cfg[3]} \
    SW_ISOLATE=${cfg[4]} SW_OUT=${cfg[5]} SW_PATHS=${cfg[6]}
  export LAB_TOPOLOGY=$SW_TOPOLOGY
  DUT_CPU=$SW_DUT_CPU GEN_CPU=$SW_GEN_CPU
  ncpu=$(getconf _NPROCESSORS_ONLN)
  if iso_mine; then
    local icpu; icpu=$(iso_field cpu)
    [ "$DUT_CPU" = "$icpu" ] ||
      usage_die "sweep: cpu $icpu is isolated ('setup/lab isolate'); sweep with --dut-cpu $icpu, or 'setup/lab unisolate' first"
    RUN_USER_ISO=1
  elif [ -d "$(iso_dir)" ] && [ "$SW_ISOLATE" = 1 ]; then
    say "sweep: cpu $(iso_field cpu) is isolated by prefix '$(iso_field prefix)': this sweep does not isolate"
    SW_ISOLATE=0
  fi
  cmd_deps
  cmd_build
  lock_take sweep
  export LLAB_OWNER=$P
  trap sweep_interrupted INT TERM
  trap 'sweep_cleanup; lock_release' EXIT
  if ! ns_exists "$NS_DUT"; then RUN_BROUGHT_UP=1; fi
  LAB_QUIET=1 cmd_up --topology "$SW_TOPOLOGY"
  out=$SW_OUT
  [ -d "$out" ] || { mkdir -p "$out" && hand_over "$out"; }
  out=$(cd "$out" && pwd)
  id=$(next_run_id "$out") || die "sweep: cannot make a directory under $out"
  RUN_DIR="$out/$id"
  if [ "$RUN_USER_ISO" = 1 ]; then
    say "sweep: cpu $DUT_CPU was isolated before the sweep ('setup/lab isolate'); left as it is"
  elif [ "$SW_ISOLATE" = 1 ] && [ "$ncpu" -gt 1 ]; then
    RUN_ISOLATED=1
    LAB_QUIET=1 iso_apply "$DUT_CPU"
    say "sweep: cpu $DUT_CPU isolated (tasks, IRQs moved; busy-poll on; C-states held shallow)"
  fi
  iso_hold_cstate
  if [ -n "$SW_SCENARIO" ]; then
    # the load for the whole sweep, bounded (setup/scenario.sh); stopped by sweep_cleanup
    RD=$RUN_DIR
    mkdir -p "$RD/logs"
    (trap 'scn_stop; exit 0' TERM; scn_start "$SW_SCENARIO" 14400; wait) &
    SCN_HOLDER=$!
    sleep 0.5
    SCN_CMD=$(scn_describe "$SW_SCENARIO" 14400)
    say "sweep: under the $SW_SCENARIO scenario: $SCN_CMD"
  fi
  echo "== sweep: $SW_PATHS -> $RUN_DIR"
  SWEEP_SCENARIO_CMD=${SCN_CMD:-} LLAB_SWEEP=$RUN_DIR SWEEP_BUILD=$BUILD SWEEP_PREFIX=$P SWEEP_NS_GEN=$NS_GEN SWEEP_NS_DUT=$NS_DUT \
    SWEEP_ISO_PROCS=$(iso_procs) python3 -B "$LAB_ROOT/setup/labctl" sweep "$@" --dir "$RUN_DIR" &
  SWEEP_PID=$!
  wait "$SWEEP_PID" || rc=$?
  SWEEP_PID=""
  sweep_cleanup
  trap - INT TERM
  trap lock_release EXIT
  hand_over "$RUN_DIR" # under sudo: the user's
  [ -s "$RUN_DIR/sweep.json" ] && point_latest "$out" "$id" && hand_over "$out/latest"
  echo "results: $RUN_DIR (sweep.json, sweep.md, report.html)"
  return $rc
}
