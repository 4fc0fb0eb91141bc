# setup/run.sh — `setup/lab run`: one seeded schedule through each selected path in turn, then the
# analysis. Sourced by setup/lab (uses its variables and functions: P, NS_GEN, NS_DUT, BUILD, say,
# die, cmd_deps, cmd_build, cmd_up, cmd_down, ns_exists).
#
# For each path: start the softnet sampler and the reflector (in the DUT namespace), wait for its
# ready file, run the generator (lab-gen, in its namespace), stop the reflector, keep its counters.
# Whatever happens — a failing step, Ctrl-C — everything started is stopped and, when the lab
# was not up before, it is brought down again.

. "$LAB_ROOT/setup/constants.sh"
. "$LAB_ROOT/setup/paths.sh"
. "$LAB_ROOT/setup/labctl.sh"
. "$LAB_ROOT/setup/scenario.sh"
RUN_PATHS_ALL=$(lab_path_names)
RUN_PATHS_FWD=$(LAB_TOPOLOGY=forward lab_path_names)

run_usage() {
  cat <<EOF
usage: setup/lab run [options]

Sends the same seeded, open-loop schedule through each path and compares them.

options:
  --topology T        reflect (default: $GEN_IF <-> $DUT_IF, the DUT sends each packet back) or
                      forward ($GEN_IF -> $DUT_IF, $DUT1_IF -> $GEN1_IF: the DUT forwards from one port to
                      the other as a router does, RFC 2544's setup; 'setup/lab up --topology
                      forward' makes the second link)
  --paths LIST        comma-separated (default: all of the topology; common/paths.tsv defines
                      them). reflect: ${RUN_PATHS_ALL// /,}
                      forward: ${RUN_PATHS_FWD// /,}
                      (kernel: a UDP socket relay; kfwd: the kernel's own IP forwarding;
                      xdpfwd: XDP_REDIRECT, the floor). A path of the other topology only
                      is skipped, with the reason
  --rate PPS          packets per second offered (default 10000)
  --pattern P         const | poisson | burst (default const)
  --burst-size N      packets per burst, back to back (pattern burst; default 32)
  --burst-gap-us T    gap between burst starts in microseconds (pattern burst; default 1000)
  --duration S        seconds of traffic per path (default 20; --quick: 3)
  --size BYTES        frame size without FCS, 78 to 1514 (default 128)
  --seed N            schedule seed (default 1)
  --repeat N          N repetitions, the paths interleaved (path1 path2 ... path1 path2 ...)
                      so that the machine's drift hits every path alike; each kept in
                      <run>/repK/, and the table is the median over repetitions with a 95 %
                      interval over them (default 1; 3 or more to compare runs soundly)
  --quick             a short run: 3 s per path, all four paths in under a minute
  --out DIR           results root (default results/); the run goes to DIR/<run-id>/,
                      DIR/latest points to it
  --dut-cpu N         core of the reflector (default: the last core)
  --gen-cpu N         core of the generator (default: core 0)
  --gen-backend B     lab-gen's backend: xsk | udp (default: lab-gen's own, xsk; the kernel path's udp with
                      --stamps kernel)
  --stamps S          the stamp source of the figures: user (CLOCK_MONOTONIC read in user
                      space by each program), kernel (SO_TIMESTAMPING software RX/TX
                      stamps: lab-kern's, and lab-gen's udp backend's; both sources of every
                      packet kept in <run>/stamps/ for the stack's cost) or hw (the NICs'
                      hardware stamps: refused, exit 2, on a port without a PTP hardware
                      clock, e.g. veth). Not given: each program's own stamps, as before this
                      flag (user reads, but lab-kern's dut_rx: its socket's software RX
                      stamp). The bypass paths keep their user (xdptx: XDP) stamps;
                      summary.json paths.<p>.stamps says what each leg used
  --flows N           the generator sends N flows (UDP source ports $LAB_PORT_GEN..), for RSS on the DUT
                      (default 1; needs the xsk backend)
  --scenario LIST     also measure each path under load, comma-separated, from:
                      ${SCN_ALL// /,}: after each path's idle baseline the same schedule
                      again per scenario, the load on from the end of the warm-up (a fifth
                      of --duration) to the start of the tail (the last fifth); each kept in
                      <run>/scenarios/NAME/, the table shows them beside the baseline
                      (docs/scenarios.md). Intensities:
  --scn-cpu-load PCT  cpu: stress-ng's load on the DUT core (default $SCN_CPU_LOAD)
  --scn-softirq-mbps M  softirq: iperf3 UDP rate over the DUT namespace's loopback (default $SCN_SOFTIRQ_MBPS)
  --scn-memory-pct P  memory: stress-ng --vm over P % of RAM (default $SCN_MEMORY_PCT)
  --scn-disk-mb M     disk: stress-ng --hdd writes M MB files (default $SCN_DISK_MB)
  --scn-irq-hz H      irq: timer interrupts per second on the DUT core (default $SCN_IRQ_HZ)
  --scn-burst-size N / --scn-burst-gap-us T
                      burst: the competing flow's bursts (default $SCN_BURST_SIZE every $SCN_BURST_GAP_US us)
  --watch             record the run's microbursts live: lab-watch on the DUT port ($DUT_IF, or
                      the --dut-if port) for the whole run, into <run>/watch/ (events.jsonl,
                      bursts.pcap, report.html), the packets the DUT receives, with
                      lab-analyze's burst settings for the rate (window max(100 us, 20
                      gaps), threshold 2 x the rate). It sees what
                      the kernel's packet taps see: the kernel path's packets; frames an XDP
                      program takes (xsk, dpdk's af_xdp, xdptx) never reach a tap
  --no-trace          do not record what took the cores' time while the packets flow
                      (default: lab-trace on the generator's and the DUT's cores, and the
                      spinning loops' gap logs, for "What slowed the slowest packets")
  --no-isolate        do not isolate the DUT core at run time (default: isolate it when the
                      machine has more than one core; everything is put back afterwards)
  --gen-if IF --dut-if IF
                      hardware mode: two spare ports of this host, cabled back to back (or
                      through the device under test), take the places of $GEN_IF and $DUT_IF for the
                      run (see 'setup/lab help'); given back afterwards. The forward topology
                      takes four: --gen-if A,B --dut-if C,D ($GEN_IF,$GEN1_IF and $DUT_IF,$DUT1_IF)
  -h, --help          this text

Every run stops by itself: each step has a time bound. Ctrl-C stops the run, keeps what was
measured so far, and leaves the machine as it found it.
EOF
}

RUN_PIDS=()
RUN_ISOLATED=0   # this run isolated the DUT core (and puts it back)
RUN_USER_ISO=0   # the user had isolated it before the run (`setup/lab isolate`): left as found
RUN_BROUGHT_UP=0
RUN_DIR=""
RD=""            # the directory being written: RUN_DIR, or RUN_DIR/repK of a repeated run

run_cleanup() {
  local pid
  for pid in "${RUN_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${RUN_PIDS[@]}"; do
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  RUN_PIDS=()
  scn_kill_all
  if ns_exists "$NS_SCN"; then ip netns del "$NS_SCN" 2>/dev/null || true; fi
  iso_release_cstate
  if [ "$RUN_ISOLATED" = 1 ]; then iso_restore; sysctl_restore; RUN_ISOLATED=0; fi
  if [ "$RUN_BROUGHT_UP" = 1 ]; then
    LAB_QUIET=1 LAB_DOWN_KEEP_ISO=$RUN_USER_ISO cmd_down || true; RUN_BROUGHT_UP=0
  fi
}

run_interrupted() {
  trap - INT TERM
  echo "$PROG: run: interrupted; stopping and cleaning up" >&2
  run_cleanup
  [ -n "$RUN_DIR" ] && echo "$PROG: run: partial results in $RUN_DIR" >&2
  exit 130
}

# lab-watch on the DUT port for the whole run (--watch), on the generator's core (never the
# DUT's), stopped by SIGTERM (it writes its pending event and watch.json first)
WATCH_PID=""
watch_start() {
  local bin="$BUILD/analysis/lab-watch" win bound
  [ "$RUN_WATCH" = 1 ] || return 0
  if [ ! -x "$bin" ]; then
    say "run: lab-watch was not built on this machine (libpcap): no --watch"
    return 0
  fi
  # lab-analyze's settings for the schedule's mean rate (burst: N packets every T us)
  local mean=$RUN_RATE
  [ "$RUN_PATTERN" = burst ] && mean=$(( RUN_BURST_SIZE * 1000000 / RUN_BURST_GAP_US ))
  [ "$mean" -ge 1 ] || mean=1
  win=$(( 20000000 / mean )); [ "$win" -ge 100 ] || win=100
  bound=$(( RUN_REPEAT * $(echo $RUN_PATHS | wc -w) * (1 + $(echo $RUN_SCENARIOS | wc -w)) * (RUN_DURATION + 120) + 60 ))
  mkdir -p "$RUN_DIR/logs"
  ip netns exec "$NS_DUT" taskset -c "$GEN_CPU" timeout -s TERM -k 10 "$bound" "$bin" "$DUT_IF" \
    --out "$RUN_DIR/watch" --direction in --window-us "$win" --threshold-pps $(( 2 * mean )) \
    --ready-file "$RUN_DIR/logs/watch.ready" >"$RUN_DIR/logs/watch.log" 2>&1 &
  WATCH_PID=$!; RUN_PIDS+=("$WATCH_PID")
  if wait_ready "$RUN_DIR/logs/watch.ready" "$WATCH_PID" 15; then
    say "run: lab-watch records $DUT_IF's bursts into $RUN_DIR/watch"
  else
    stop_pid "$WATCH_PID" || true
    WATCH_PID=""
    say "run: lab-watch did not start ($(tail -n 1 "$RUN_DIR/logs/watch.log")): no live record"
  fi
  rm -f "$RUN_DIR/logs/watch.ready"
}
watch_stop() {
  [ -n "$WATCH_PID" ] || return 0
  stop_pid "$WATCH_PID" || true
  WATCH_PID=""
  say "run: lab-watch: $(tail -n 1 "$RUN_DIR/logs/watch.log")"
}

# wait_ready FILE PID TIMEOUT_S: 0 when FILE appears, 1 when PID died or time ran out
wait_ready() {
  local f=$1 pid=$2 t=$(( $3 * 10 ))
  while [ $t -gt 0 ]; do
    [ -s "$f" ] && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1; t=$((t - 1))
  done
  return 1
}

# stop_pid PID [WAIT_S]: SIGTERM, up to WAIT_S (default 5) s, then SIGKILL; returns the exit
# status (137 if killed)
stop_pid() {
  local pid=$1 rc=0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq $(( ${2:-5} * 10 ))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  wait "$pid" 2>/dev/null || rc=$?
  forget_pid "$pid"
  return $rc
}

forget_pid() {
  local n=() p
  for p in "${RUN_PIDS[@]}"; do [ "$p" = "$1" ] || n+=("$p"); done
  RUN_PIDS=("${n[@]}")
}

# A path's reflector: the registry's command line (common/paths.tsv) with the shared reflector
# flags (labctl.registry: lab-kern's --stamps too; the bypass reflectors have user (xdptx: XDP)
# stamps only, and their legs say so), started in the DUT namespace and cpuset, waited for and
# stopped by labctl.dut (dut-start returns once it is ready; dut-stop gives its exit status).
refl_start() { # PATH: 0 when ready (REFL_SUP: its supervisor), 1 with the reason on stderr
  local path=$1 d=$RD
  local flags=(--path "$path" --topology "${RUN_TOPOLOGY:-reflect}" --cpu "$DUT_CPU"
    --ready-file "$d/tmp/$path.ready" --stats-json "$d/counters/$path.json" --duration "$REFL_BOUND")
  [ -z "$RUN_STAMPS" ] || flags+=(--stamps "$RUN_STAMPS" --stamps-file "$d/stamps/$path.dut.stp")
  [ "$RUN_TRACE" != 1 ] || flags+=(--gap-log "$d/gaps/$path.dut.gap")
  REFL_SUP=""
  labctl dut-start --build "$BUILD" --prefix "$P" "${flags[@]}" --netns "$NS_DUT" \
    --cpuset-procs "$(iso_procs)" --log "$d/logs/$path.reflector.log" --pid-file "$d/tmp/$path.dut.pid" \
    --start-s 30 || return 1
  REFL_SUP=$(cat "$d/tmp/$path.dut.pid"); RUN_PIDS+=("$REFL_SUP")
}
refl_stop() { # the reflector's exit status
  local rc=0
  [ -n "$REFL_SUP" ] || return 0
  labctl dut-stop --pid-file "$RD/tmp/${1}.dut.pid" || rc=$?
  forget_pid "$REFL_SUP"; REFL_SUP=""
  return $rc
}

# Nothing of the lab's own runs on the measured cores while the packets flow: its helpers
# (lab-trace's reader, the softnet sampler, the log's tee) go to a core that is neither the
# generator's nor the DUT's; on a machine without one they are pinned to the generator's core
# and sleep through the packets (lab-trace drains its ring after the run, the sampler reads the
# cumulative counters before and after). HELPER_CPU and HELPER_SPARE are set once per run.
spare_cpu() {
  local c
  for c in $(lab_online_cpus); do
    [ "$c" != "$GEN_CPU" ] && [ "$c" != "$DUT_CPU" ] && { echo "$c"; return 0; }
  done
  return 0
}
lab_online_cpus() {
  awk -F, '{for (i = 1; i <= NF; i++) {n = split($i, r, "-"); for (c = r[1]; c <= r[n]; c++) print c}}' \
    /sys/devices/system/cpu/online
}
helpers_place() {
  HELPER_SPARE=$(spare_cpu)
  HELPER_CPU=${HELPER_SPARE:-$GEN_CPU}
}
# lab-trace's ring when it drains after the run: room for the whole path at 2 MiB/s (about
# 44 000 events a second, above what a default run records), a power of two, 16 to 1024 MiB
trace_ring_mb() {
  local want=$(( (RUN_DURATION + 10) * 2 )) mb=16
  while [ "$mb" -lt "$want" ] && [ "$mb" -lt 1024 ]; do mb=$((mb * 2)); done
  echo "$mb"
}

# lab-trace on the generator's and the DUT's cores while the path's packets flow (tail
# attribution); LAB_TRACE_ARGS adds flags (bench/trace --classes: --no-softirq ...); a machine
# where it cannot run (no BPF, not built) runs on without it, and says so
TRACE_PID=""
trace_start() {
  local path=$1 bin="$BUILD/trace/lab-trace" log="$RD/logs/$1.trace.log" drain
  TRACE_PID=""
  [ "$RUN_TRACE" = 1 ] || return 0
  if [ ! -x "$bin" ]; then
    echo "lab-trace was not built on this machine: no attribution" >"$log"
    return 0
  fi
  if [ -n "$HELPER_SPARE" ]; then drain=(--drain 1000 --ring-mb 64)
  else drain=(--drain after --ring-mb "$(trace_ring_mb)"); fi
  "$bin" --cpus "$GEN_CPU,$DUT_CPU" --out "$RD/trace/$path.evt" --duration "$REFL_BOUND" \
    --reader-cpu "$HELPER_CPU" "${drain[@]}" ${LAB_TRACE_ARGS:-} \
    --ready-file "$RD/tmp/$path.trace.ready" --stats-json "$RD/trace/$path.json" >"$log" 2>&1 &
  TRACE_PID=$!; RUN_PIDS+=("$TRACE_PID")
  if ! wait_ready "$RD/tmp/$path.trace.ready" "$TRACE_PID" 15; then
    stop_pid "$TRACE_PID" || true
    TRACE_PID=""
    say "run: $path: lab-trace did not start ($(tail -n 1 "$log")): no attribution for this path"
  fi
}
trace_stop() {
  [ -n "$TRACE_PID" ] || return 0
  # it drains the whole ring at the stop: give it time (a 1 GiB ring takes ~10 s here)
  stop_pid "$TRACE_PID" 120 || true
  TRACE_PID=""
}

skip_path() { # path reason
  echo "$2" >"$RD/skipped/$1.txt"
  echo "$PROG: run: $1: skipped: $2" >&2
}

run_one_path() {
  local path=$1 why samp_pid gen_rc=0 refl_rc=0 log="$RD/logs"
  if ! lab_path_field "$path" binary >/dev/null 2>&1; then
    skip_path "$path" "a path of the $(lab_path_topologies "$path") topology, not of $RUN_TOPOLOGY (run --topology $(lab_path_topologies "$path"))"
    return 0
  fi
  if why=$(lab_path_unavailable "$path" "$BUILD"); then
    skip_path "$path" "$why"
    return 0
  fi
  if [ -x "$BUILD/setup/lab-noise" ] && [ -z "${RUN_SCN:-}" ]; then
    iso_exec "$BUILD/setup/lab-noise" --cpu "$DUT_CPU" --duration-ms 1000 --json "$RD/noise/$path.json" \
      >"$log/$path.noise.log" 2>&1 || true
    say "run: $path: core noise on cpu $DUT_CPU:$(cut -d: -f2- "$log/$path.noise.log")"
  fi
  say "run: $path: starting reflector"
  taskset -c "$HELPER_CPU" "$BUILD/analysis/lab-analyze" sample-softnet "$RD/softnet/$path.txt" \
    --interval-ms "$([ -n "$HELPER_SPARE" ] && echo 100 || echo 0)" \
    --duration "$REFL_BOUND" >"$log/$path.softnet.log" 2>&1 &
  samp_pid=$!; RUN_PIDS+=("$samp_pid")
  if ! refl_start "$path" 2>"$RD/tmp/$path.dut.err"; then
    stop_pid "$samp_pid" || true
    # a failure, not a path this machine lacks: the run says so in its exit status
    echo "reflector $(sed -n 's/^labctl dut-start: //p' "$RD/tmp/$path.dut.err" | tail -n 1)" >"$RD/failed-$path.txt"
    echo "$PROG: run: $path: failed: $(cat "$RD/failed-$path.txt")" >&2
    return 0
  fi
  say "run: $path: ready; sending $RUN_RATE pps $RUN_PATTERN for ${RUN_DURATION}s"
  # the generator's command line: labctl.gen (the topology's destination, the path's needs,
  # the backend kernel stamps need, the namespace, the core and the bound)
  local flags=(--rate "$RUN_RATE" --pattern "$RUN_PATTERN"
               --burst-size "$RUN_BURST_SIZE" --burst-gap-us "$RUN_BURST_GAP_US"
               --duration "$RUN_DURATION" --size "$RUN_SIZE" --seed "$RUN_SEED" --stamp
               --out "$RD/records/$path.rec"
               --stats-json "$RD/gen/$path.json" --cpu "$GEN_CPU"
               --stream-cpu "${HELPER_SPARE:-off}") own=() gen_argv
  [ "$RUN_TRACE" = 1 ] && flags+=(--gap-log "$RD/gaps/$path.gen.gap")
  [ -z "$RUN_STAMPS" ] || own+=(--stamps "$RUN_STAMPS" --stamps-file "$RD/stamps/$path.gen.stp")
  if ! labctl_words gen_argv gen-argv --build "$BUILD" --topology "${RUN_TOPOLOGY:-reflect}" --path "$path" \
       --netns "$NS_GEN" --dut-netns "$NS_DUT" --pin "$GEN_CPU" --bound "$GEN_BOUND" --kill-after 10 \
       --backend "$RUN_GEN_BACKEND" --flows "$RUN_FLOWS" "${own[@]}" -- "${flags[@]}" 2>"$log/$path.gen.log"; then
    refl_stop "$path" || true
    stop_pid "$samp_pid" || true
    echo "the generator's command line: $(tail -n 1 "$log/$path.gen.log")" >"$RD/failed-$path.txt"
    echo "$PROG: run: $path: failed: $(cat "$RD/failed-$path.txt")" >&2
    return 0
  fi
  trace_start "$path"
  # in the background and waited for: a signal to this script interrupts `wait` at once (a
  # foreground command would hold the trap until it ended)
  "${gen_argv[@]}" 2> >(taskset -c "$HELPER_CPU" tee "$log/$path.gen.log" >&2) &
  local gen_pid=$! scn_pid=""
  RUN_PIDS+=("$gen_pid")
  if [ -n "${RUN_SCN:-}" ]; then
    # the scenario's load, on for the middle of the schedule (setup/scenario.sh)
    scn_window "$path" "$RUN_SCN" &
    scn_pid=$!; RUN_PIDS+=("$scn_pid")
  fi
  wait "$gen_pid" || gen_rc=$?
  forget_pid "$gen_pid"
  if [ -n "$scn_pid" ]; then
    for _ in $(seq 100); do kill -0 "$scn_pid" 2>/dev/null || break; sleep 0.1; done
    stop_pid "$scn_pid" || true
    [ -s "$RD/window/$path.json" ] || echo "the scenario's window was not recorded" >>"$RD/failed-$path.txt"
    scn_kill_all # what a tool left behind, now that the schedule is over
  fi
  trace_stop
  refl_stop "$path" || refl_rc=$?
  stop_pid "$samp_pid" || true
  if [ $gen_rc -ne 0 ]; then
    echo "$LABCTL_GEN_NAME failed (exit $gen_rc): $(tail -n 1 "$log/$path.gen.log")" >"$RD/failed-$path.txt"
    echo "$PROG: run: $path: the generator (lab-gen) failed (exit $gen_rc); see $log/$path.gen.log" >&2
  fi
  if [ $refl_rc -ne 0 ] && [ $refl_rc -ne 143 ]; then
    echo "reflector exited $refl_rc: $(tail -n 1 "$log/$path.reflector.log")" >>"$RD/failed-$path.txt"
    echo "$PROG: run: $path: reflector exited with $refl_rc; see $log/$path.reflector.log" >&2
  fi
  return 0
}

# write_run_json DIR NOISE_DIR: the machine and its tuning, as DIR/run.json's `run` object
# (docs/spec.md keys); RJ_REPEAT (the top of a repeated run) and RJ_REPETITION (one of its
# repetitions) add run.repeat and run.repetition.
write_run_json() {
  local kind=veth gname=$GEN_IF dname=$DUT_IF gdrv ddrv g1name="" d1name=""
  if [ -f "$STATE/hw.gen" ]; then
    kind=hardware; gname=$(awk '{print $1}' "$STATE/hw.gen"); dname=$(awk '{print $1}' "$STATE/hw.dut")
  fi
  if [ "${RUN_TOPOLOGY:-reflect}" = forward ]; then
    g1name=$GEN1_IF d1name=$DUT1_IF
    [ -f "$STATE/hw.gen1" ] && g1name=$(awk '{print $1}' "$STATE/hw.gen1") && d1name=$(awk '{print $1}' "$STATE/hw.dut1")
  fi
  gdrv=$(ip netns exec "$NS_GEN" ethtool -i "$GEN_IF" 2>/dev/null | awk '/^driver:/{print $2}')
  ddrv=$(ip netns exec "$NS_DUT" ethtool -i "$DUT_IF" 2>/dev/null | awk '/^driver:/{print $2}')
  # one word per value, never pasted into Python source (labctl.runjson)
  local extra=()
  [ -z "${RJ_REPEAT:-}" ] || extra+=(--repeat "$RJ_REPEAT")
  [ -z "${RJ_REPETITION:-}" ] || extra+=(--repetition "$RJ_REPETITION")
  [ -z "${RJ_SCENARIO:-}" ] || extra+=(--scenario "$RJ_SCENARIO")
  [ -z "${RUN_SCENARIOS:-}" ] || extra+=(--scenarios "$RUN_SCENARIOS")
  labctl run-json "$1/run.json" --topology "${RUN_TOPOLOGY:-reflect}" --flows "${RUN_FLOWS:-1}" \
    --rate "$RUN_RATE" --pattern "$RUN_PATTERN" --size "$RUN_SIZE" --duration "$RUN_DURATION" \
    --seed "$RUN_SEED" --burst-size "$RUN_BURST_SIZE" --burst-gap-us "$RUN_BURST_GAP_US" \
    --paths "$RUN_PATHS" --quick "$RUN_QUICK" --dut-cpu "$DUT_CPU" --gen-cpu "$GEN_CPU" \
    --kind "$kind" --gen-port "$gname" --dut-port "$dname" --gen-rx-port "$g1name" --dut-tx-port "$d1name" \
    --gen-driver "$gdrv" --dut-driver "$ddrv" --isolated $(( RUN_ISOLATED || RUN_USER_ISO )) \
    --cstate-held "$([ -n "$ISO_CSTATE_FD" ] && echo 1 || echo 0)" --noise-dir "$2" \
    --helper-cpu "${HELPER_CPU:-$GEN_CPU}" --helper-spare "${HELPER_SPARE:-}" --trace "${RUN_TRACE:-1}" \
    --watch "${RUN_WATCH:-0}" --stamps "${RUN_STAMPS:-default}" "${extra[@]}"
}

# --stamps, checked before anything is made or changed (exit 2, one line): kernel stamps need
# lab-gen's udp backend, which the kernel path then gets (AF_XDP has none: an explicit
# --gen-backend xsk keeps user stamps at the generator, and says so; the bypass paths keep the
# default backend and their user stamps: udp would also lose xdptx's replies, a veth whose peer
# runs no XDP drops XDP_TX frames); hw needs a PTP hardware clock on every port (ethtool -T)
run_check_stamps() {
  case $RUN_STAMPS in
    ""|user) return 0 ;;
    kernel|hw) ;;
    *) stamps_refuse "--stamps is user, kernel or hw (got '$RUN_STAMPS')" ;;
  esac
  [ "$RUN_TOPOLOGY" = reflect ] || stamps_refuse "--stamps $RUN_STAMPS is for the reflect topology (the forward relay's TX stamps are not collected yet)"
  [ "$RUN_STAMPS" = hw ] || return 0
  local port ns why
  if [ -z "$HW_GEN$HW_DUT" ]; then
    # the veth lab: probed on its ports when it is up, else on what it is made of
    ns_exists "$NS_DUT" || stamps_refuse "--stamps hw: the veth lab's ports are veth, which has no PTP hardware clock (ethtool -T); use --stamps kernel, or real ports with --gen-if/--dut-if"
    for port in "$NS_GEN:$GEN_IF" "$NS_DUT:$DUT_IF"; do
      ns=${port%%:*}; port=${port#*:}
      why=$(hw_ts_why ip netns exec "$ns" "$port") && continue
      stamps_refuse "--stamps hw: $port $why; use --stamps kernel"
    done
  else
    for port in ${HW_GEN//,/ } ${HW_DUT//,/ }; do
      why=$(hw_ts_why "" "$port") && continue
      stamps_refuse "--stamps hw: $port $why; use --stamps kernel"
    done
  fi
  stamps_refuse "--stamps hw: every port has a PTP hardware clock, but converting its time to CLOCK_MONOTONIC is not implemented yet; use --stamps kernel"
}

stamps_refuse() { echo "$PROG: run: $*" >&2; exit 2; }

# hw_ts_why [PREFIX...] PORT: ethtool -T of PORT (run through PREFIX, e.g. ip netns exec NS);
# 0 when it has a PHC and hardware TX/RX stamping, else 1 and why on stdout
hw_ts_why() {
  local port=${*: -1} out
  local pre=("${@:1:$#-1}")
  [ -n "${pre[0]:-}" ] || pre=()
  if ! out=$("${pre[@]}" ethtool -T "$port" 2>&1); then
    echo "cannot be queried (ethtool -T: $(echo "$out" | tail -n 1))"; return 1
  fi
  if echo "$out" | grep -Eqi '^PTP Hardware Clock: *none'; then
    echo "has no PTP hardware clock (ethtool -T: PTP Hardware Clock: none; driver $("${pre[@]}" ethtool -i "$port" 2>/dev/null | awk '/^driver:/{print $2}'))"; return 1
  fi
  echo "$out" | grep -q 'hardware-transmit' && echo "$out" | grep -q 'hardware-receive' ||
    { echo "has a PHC but not hardware-transmit and hardware-receive stamping"; return 1; }
  return 0
}

# The XDP RX timestamp kfunc on the DUT port (--stamps kernel|hw): probed with a device-bound
# program while a few pings arrive, reported, never assumed. The XDP paths' stamps stay the
# program's clock reads whatever it says: the lab does not take the driver's stamps yet.
xdp_ts_probe() {
  local bin="$BUILD/xdp/lab-xdpmeta" pid res
  case $RUN_STAMPS in kernel|hw) ;; *) return 0 ;; esac
  [ -x "$bin" ] || { say "run: lab-xdpmeta not built: the XDP RX timestamp kfunc not probed"; return 0; }
  mkdir -p "$RUN_DIR/stamps"
  ip netns exec "$NS_DUT" "$bin" --iface "$DUT_IF" --wait-ms 1200 --json >"$RUN_DIR/stamps/xdp-rx-timestamp.json" 2>"$RUN_DIR/logs/xdpmeta.log" &
  pid=$!
  sleep 0.4
  ip netns exec "$NS_GEN" ping -c 4 -i 0.1 -W 1 -q "$DUT_V4" >/dev/null 2>&1 || true
  wait "$pid" || true
  res=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%s (%d frames)" % (d["verdict"], d["frames"]))' \
        "$RUN_DIR/stamps/xdp-rx-timestamp.json" 2>/dev/null) || res="probe failed: $(tail -n 1 "$RUN_DIR/logs/xdpmeta.log")"
  say "run: $DUT_IF: XDP RX timestamp kfunc (bpf_xdp_metadata_rx_timestamp): $res"
}

# run_num VAR OPTION MIN MAX: VAR a base-10 whole number from MIN to MAX (leading zeros are
# decimal, never octal: lab-gen's parser would read "010" as 8), written back without them; else exit 2
run_num() {
  local v=${!1}
  [[ $v =~ ^[0-9]{1,18}$ ]] && v=$((10#$v)) && [ "$v" -ge "$3" ] && [ "$v" -le "$4" ] ||
    usage_die "run: $2 is a whole number from $3 to $4 (got '${!1}')"
  printf -v "$1" '%s' "$v"
}

# every number of the command line, before anything changes
run_check_nums() {
  local ncpu=$1
  run_num RUN_RATE --rate 1 100000000
  run_num RUN_BURST_SIZE --burst-size 1 1000000
  run_num RUN_BURST_GAP_US --burst-gap-us 1 3600000000
  run_num RUN_SIZE --size 78 1514
  run_num RUN_SEED --seed 0 999999999999999999
  run_num RUN_REPEAT --repeat 1 50
  run_num RUN_FLOWS --flows 1 64
  run_num DUT_CPU --dut-cpu 0 $((ncpu - 1))
  run_num GEN_CPU --gen-cpu 0 $((ncpu - 1))
  [ -n "$RUN_DURATION" ] || { [ $RUN_QUICK = 1 ] && RUN_DURATION=3 || RUN_DURATION=20; }
  run_num RUN_DURATION --duration 1 3600
  run_num SCN_CPU_LOAD --scn-cpu-load 1 100
  run_num SCN_MEMORY_PCT --scn-memory-pct 1 80
  local v
  for v in SCN_SOFTIRQ_MBPS SCN_DISK_MB SCN_IRQ_HZ SCN_BURST_SIZE SCN_BURST_GAP_US; do
    run_num "$v" "--$(echo "$v" | tr 'A-Z_' 'a-z-')" 1 1000000000
  done
}

# run_verdict: 0 when every path that could run recorded its packets; else 1, with what failed
run_verdict() {
  local f n=0 bad=0
  for f in "$RUN_DIR"/failed-*.txt "$RUN_DIR"/rep*/failed-*.txt "$RUN_DIR"/scenarios/*/failed-*.txt \
           "$RUN_DIR"/rep*/scenarios/*/failed-*.txt; do
    [ -f "$f" ] || continue
    echo "$PROG: run: failed: ${f#"$RUN_DIR"/}: $(head -n 1 "$f")" >&2
    bad=1
  done
  for f in "$RUN_DIR"/records/*.rec "$RUN_DIR"/rep*/records/*.rec; do [ -s "$f" ] && n=$((n + 1)); done
  [ $n -gt 0 ] || { echo "$PROG: run: no path recorded anything" >&2; bad=1; }
  return $bad
}

cmd_run() {
  RUN_PATHS=$RUN_PATHS_ALL RUN_RATE=10000 RUN_PATTERN=const RUN_BURST_SIZE=32 RUN_BURST_GAP_US=1000
  RUN_DURATION="" RUN_SIZE=128 RUN_SEED=1 RUN_QUICK=0 RUN_GEN_BACKEND="" RUN_ISOLATE=1 RUN_TRACE=1
  RUN_REPEAT=1 RUN_TOPOLOGY=reflect RUN_FLOWS=1 RUN_SCENARIOS="" RUN_WATCH=0
  RUN_STAMPS="" # not given: each program stamps as it always did
  local out="$LAB_ROOT/results" ncpu dut_cpu_given=0 paths_given=0
  ncpu=$(getconf _NPROCESSORS_ONLN) # online cores, not ours: a run started from inside an isolated sweep sits in the housekeeping cpuset
  DUT_CPU=$((ncpu - 1)) GEN_CPU=0
  while [ $# -gt 0 ]; do
    case $1 in
      -h|--help) run_usage; return 0 ;;
      --paths) RUN_PATHS=$(echo "${2:?--paths needs a list}" | tr ',' ' '); paths_given=1; shift ;;
      --topology) RUN_TOPOLOGY=${2:?--topology needs reflect or forward}; shift ;;
      --topology=*) RUN_TOPOLOGY=${1#*=} ;;
      --flows) RUN_FLOWS=${2:?--flows needs a number}; shift ;;
      --scenario) RUN_SCENARIOS=$(echo "${2:?--scenario needs a list}" | tr ',' ' '); shift ;;
      --scn-cpu-load) SCN_CPU_LOAD=${2:?}; shift ;;
      --scn-softirq-mbps) SCN_SOFTIRQ_MBPS=${2:?}; shift ;;
      --scn-memory-pct) SCN_MEMORY_PCT=${2:?}; shift ;;
      --scn-disk-mb) SCN_DISK_MB=${2:?}; shift ;;
      --scn-irq-hz) SCN_IRQ_HZ=${2:?}; shift ;;
      --scn-burst-size) SCN_BURST_SIZE=${2:?}; shift ;;
      --scn-burst-gap-us) SCN_BURST_GAP_US=${2:?}; shift ;;
      --rate) RUN_RATE=${2:?}; shift ;;
      --pattern) RUN_PATTERN=${2:?}; shift ;;
      --burst-size) RUN_BURST_SIZE=${2:?}; shift ;;
      --burst-gap-us) RUN_BURST_GAP_US=${2:?}; shift ;;
      --duration) RUN_DURATION=${2:?}; shift ;;
      --size) RUN_SIZE=${2:?}; shift ;;
      --seed) RUN_SEED=${2:?}; shift ;;
      --repeat) RUN_REPEAT=${2:?--repeat needs a number}; shift ;;
      --quick) RUN_QUICK=1 ;;
      --out) out=${2:?}; shift ;;
      --dut-cpu) DUT_CPU=${2:?}; dut_cpu_given=1; shift ;;
      --gen-cpu) GEN_CPU=${2:?}; shift ;;
      --gen-backend) RUN_GEN_BACKEND=${2:?}; shift ;;
      --stamps) RUN_STAMPS=${2:?--stamps needs user, kernel or hw}; shift ;;
      --no-isolate) RUN_ISOLATE=0 ;;
      --no-trace) RUN_TRACE=0 ;;
      --watch) RUN_WATCH=1 ;;
      --gen-if) HW_GEN=${2:?--gen-if needs an interface}; shift ;;
      --dut-if) HW_DUT=${2:?--dut-if needs an interface}; shift ;;
      *) usage_die "run: unknown option '$1'" ;;
    esac
    shift
  done
  case $RUN_TOPOLOGY in reflect|forward) ;; *) usage_die "run: --topology is reflect or forward (got '$RUN_TOPOLOGY')" ;; esac
  export LAB_TOPOLOGY=$RUN_TOPOLOGY
  [ "$paths_given" = 1 ] || RUN_PATHS=$(lab_path_names)
  local p
  for p in $RUN_PATHS; do
    [ -n "$(lab_path_topologies "$p")" ] ||
      usage_die "run: unknown path '$p' (reflect: ${RUN_PATHS_ALL// /, }; forward: ${RUN_PATHS_FWD// /, })"
  done
  local sc
  for sc in $RUN_SCENARIOS; do
    scn_known "$sc" || usage_die "run: unknown scenario '$sc' (${SCN_ALL// /, })"
  done
  [ "$(printf '%s\n' $RUN_SCENARIOS | sort | uniq -d)" = "" ] || usage_die "run: --scenario names a scenario twice"
  run_check_nums "$ncpu"
  [ -z "$RUN_SCENARIOS" ] || [ "$RUN_REPEAT" = 1 ] || usage_die "run: --scenario and --repeat do not go together (yet)"
  case $RUN_PATTERN in const|poisson|burst) ;; *) usage_die "run: --pattern is const, poisson or burst" ;; esac
  case $RUN_GEN_BACKEND in ""|xsk|udp) ;; *) usage_die "run: --gen-backend is xsk or udp (got '$RUN_GEN_BACKEND')" ;; esac
  [ "$RUN_FLOWS" = 1 ] || [ "$RUN_GEN_BACKEND" != udp ] || usage_die "run: --flows needs the xsk generator backend"
  run_check_stamps
  if iso_mine; then
    # isolated by hand before the run: use it, and leave it as it is afterwards
    local icpu; icpu=$(iso_field cpu)
    [ "$dut_cpu_given" = 0 ] || [ "$DUT_CPU" = "$icpu" ] ||
      usage_die "run: cpu $icpu is isolated ('setup/lab isolate'); run with --dut-cpu $icpu, or 'setup/lab unisolate' first"
    DUT_CPU=$icpu RUN_USER_ISO=1
  elif [ -d "$(iso_dir)" ] && [ "$RUN_ISOLATE" = 1 ]; then
    say "run: cpu $(iso_field cpu) is isolated by prefix '$(iso_field prefix)': this run does not isolate (a second isolation is refused)"
    RUN_ISOLATE=0
  fi
  # a scenario's load: on after the warm-up (a fifth of the schedule), off before the tail
  SCN_WARMUP=$(( RUN_DURATION / 5 )); [ "$SCN_WARMUP" -ge 1 ] || SCN_WARMUP=1
  SCN_WINDOW=$(( RUN_DURATION - 2 * SCN_WARMUP )); [ "$SCN_WINDOW" -ge 1 ] || SCN_WINDOW=1
  [ -z "$RUN_SCENARIOS" ] || [ "$RUN_DURATION" -ge 3 ] || usage_die "run: --scenario needs --duration 3 or more (warm-up, load, tail)"
  GEN_BOUND=$((RUN_DURATION + 30))
  REFL_BOUND=$((RUN_DURATION + 60))

  cmd_deps
  cmd_build
  lock_take run
  # every process the run starts carries this mark: `down` finds them by it (setup/lib.sh)
  export LLAB_OWNER=$P
  trap run_interrupted INT TERM
  trap 'run_cleanup; lock_release' EXIT
  if ! ns_exists "$NS_DUT"; then RUN_BROUGHT_UP=1; fi
  if [ -n "$HW_GEN$HW_DUT" ]; then
    LAB_QUIET=1 cmd_up --topology "$RUN_TOPOLOGY" --gen-if "$HW_GEN" --dut-if "$HW_DUT"
  else
    LAB_QUIET=1 cmd_up --topology "$RUN_TOPOLOGY"
  fi
  echo "== check"
  cmd_check || true

  local id
  [ -d "$out" ] || { mkdir -p "$out" && hand_over "$out"; }
  out=$(cd "$out" && pwd)
  id=$(next_run_id "$out") || die "run: cannot make a run directory under $out"
  RUN_DIR="$out/$id"
  mkdir -p "$RUN_DIR"
  if [ "$RUN_USER_ISO" = 1 ]; then
    say "run: cpu $DUT_CPU was isolated before the run ('setup/lab isolate'); left as it is"
  elif [ "$RUN_ISOLATE" = 1 ] && [ "$ncpu" -gt 1 ]; then
    RUN_ISOLATED=1
    LAB_QUIET=1 iso_apply "$DUT_CPU"
    say "run: cpu $DUT_CPU isolated at run time (tasks, IRQs moved; busy-poll on; C-states held shallow)"
  fi
  iso_hold_cstate
  helpers_place
  mkdir -p "$RUN_DIR/logs"
  xdp_ts_probe
  if [ -z "$HELPER_SPARE" ]; then
    say "run: no core to spare beside $GEN_CPU and $DUT_CPU: the lab's helpers sleep while the packets flow (lab-trace drains after each path, softnet is read before and after)"
  fi
  [ -z "$RUN_SCENARIOS" ] || scn_clock_init
  watch_start
  local rep
  for rep in $(seq "$RUN_REPEAT"); do
    RD=$RUN_DIR
    [ "$RUN_REPEAT" -gt 1 ] && RD=$RUN_DIR/rep$rep
    mkdir -p "$RD"/{records,gen,counters,softnet,skipped,logs,noise,tmp,trace,gaps}
    case $RUN_STAMPS in kernel|hw) mkdir -p "$RD/stamps" ;; esac
    for p in $RUN_PATHS; do
      if [ "$RUN_REPEAT" -gt 1 ]; then echo "== $p (repetition $rep of $RUN_REPEAT)"; else echo "== $p"; fi
      run_one_path "$p"
      for sc in $RUN_SCENARIOS; do
        # the same schedule again under the scenario's load, into scenarios/NAME/
        local top=$RD
        RD=$top/scenarios/$sc
        mkdir -p "$RD"/{records,gen,counters,softnet,skipped,logs,noise,tmp,trace,gaps,window}
        echo "== $p under $sc"
        RUN_SCN=$sc run_one_path "$p"
        rm -rf "$RD/tmp"
        RD=$top
      done
    done
    RJ_REPETITION=$([ "$RUN_REPEAT" -gt 1 ] && echo "$rep") write_run_json "$RD" "$RD/noise"
    for sc in $RUN_SCENARIOS; do
      RJ_SCENARIO=$sc write_run_json "$RD/scenarios/$sc" "$RD/noise"
    done
    rm -rf "$RD/tmp"
  done
  # a repeated run's own run.json: the configuration, and how many repetitions were planned
  [ "$RUN_REPEAT" -gt 1 ] && RJ_REPEAT=$RUN_REPEAT write_run_json "$RUN_DIR" "$RUN_DIR/rep1/noise"
  watch_stop
  run_cleanup
  trap - INT TERM
  trap lock_release EXIT
  echo "== analysis"
  # under sudo the results are the user's, and parsed as the user, not as root
  hand_over "$RUN_DIR"
  as_user "$BUILD/analysis/lab-analyze" run "$RUN_DIR" || die "run: lab-analyze failed; the raw results are in $RUN_DIR"
  # latest: only a run whose analysis holds
  point_latest "$out" "$id"
  hand_over "$out/latest"
  cat "$RUN_DIR/summary.md"
  echo
  if [ "$RUN_REPEAT" -gt 1 ]; then
    echo "results: $RUN_DIR (each repetition's report: $RUN_DIR/rep*/report.html)"
  else
    echo "results: $RUN_DIR (report: $RUN_DIR/report.html)"
  fi
  run_verdict
}
