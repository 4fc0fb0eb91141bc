# setup/scenario.sh — `run --scenario LIST`: the loads a path is measured under, beside its idle
# baseline. Sourced by setup/run.sh (uses its variables: DUT_CPU, GEN_CPU, NS_GEN, NS_DUT, BUILD,
# RD, RUN_DIR; setup/lab's GEN_IF and DUT_V4, setup/constants.sh's LAB_PORT_SCN; and iso_exec from
# setup/isolate.sh).
#
# Each scenario is made with the field's own tools (stress-ng, iperf3, lab-gen), bounded in time
# by the tool itself and by timeout(1), started after the path's warm-up and stopped before its
# tail; every process carries LLAB_SCENARIO=<run dir> in its environment (and LLAB_OWNER, so
# `setup/lab down` finds it after a kill -9 of the run), and scn_stop/scn_kill_all end them.
#
#   cpu      a CPU hog on the DUT core: stress-ng --cpu 1 --cpu-load PCT, pinned there, nice 0
#   softirq  competing kernel traffic on the DUT core: iperf3 UDP over the loopback of a namespace
#            of its own (<prefix>-scn: the DUT namespace's counters stay the path's), client and
#            server pinned to the DUT core, so its NET_RX softirqs run there
#   memory   memory pressure and reclaim: stress-ng --vm (page-in, all methods) over PCT % of RAM
#            and --mmap workers, pinned to the DUT core (kswapd and compaction run where the
#            kernel puts them)
#   disk     dirty-page writeback: stress-ng --hdd writing MB into the run's directory, pinned to
#            the DUT core (the flusher kworkers are the kernel's)
# The workers sit on the DUT core so that they load the DUT, not the generator (on a 2-core
# machine the other core is the generator's); the burst scenario's second generator (lab-gen) shares the
# generator's core by necessity.
#   irq      interrupt load on the DUT core: stress-ng --timer at HZ (hrtimer interrupts), pinned there
#   burst    competing microbursts into the DUT port: a second, unmeasured lab-gen, udp backend, sending
#            bursts of N back to back every T us from gen0 to dut0, UDP port LAB_PORT_SCN (not lab
#            traffic: the path counts or passes it, it shares the receive queue)

SCN_ALL="cpu softirq memory disk irq burst"
# intensities (run's --scn-* flags)
SCN_CPU_LOAD=100 SCN_SOFTIRQ_MBPS=2000 SCN_MEMORY_PCT=25 SCN_DISK_MB=512 SCN_IRQ_HZ=20000
SCN_BURST_SIZE=256 SCN_BURST_GAP_US=2000
SCN_PIDS=()
SCN_CMD=""

scn_known() { case " $SCN_ALL " in *" $1 "*) return 0 ;; esac; return 1; }

# scn_bg dut|any CMD...: one process of the scenario, in the background, marked; dut: inside the
# DUT cpuset when the core is isolated. The subshell is replaced by CMD (always timeout(1), which
# leads a process group of its own: the tool and its workers), so $! is the group to signal.
scn_bg() {
  local where=$1; shift
  (
    export LLAB_SCENARIO=$RUN_DIR
    if [ "$where" = dut ]; then iso_exec_replace "$@"; else exec "$@"; fi
  ) >>"$RD/logs/scenario.log" 2>&1 &
  SCN_PIDS+=($!)
}

# scn_describe NAME SECONDS: the command line of the scenario's load, as recorded
scn_describe() {
  local s=$2
  case $1 in
    cpu) echo "stress-ng --cpu 1 --cpu-load $SCN_CPU_LOAD --taskset $DUT_CPU --timeout ${s}s" ;;
    softirq) echo "iperf3 -s -B 127.0.0.1 -A $DUT_CPU; iperf3 -c 127.0.0.1 -u -b ${SCN_SOFTIRQ_MBPS}M -l 1400 -t $s -A $DUT_CPU (both in $NS_SCN)" ;;
    memory) echo "stress-ng --vm 1 --vm-bytes ${SCN_MEMORY_PCT}% --vm-method all --page-in --mmap 1 --mmap-bytes 5% --taskset $DUT_CPU --timeout ${s}s" ;;
    disk) echo "stress-ng --hdd 1 --hdd-bytes ${SCN_DISK_MB}M --temp-path <run>/tmp/disk --taskset $DUT_CPU --timeout ${s}s" ;;
    irq) echo "stress-ng --timer 1 --timer-freq $SCN_IRQ_HZ --taskset $DUT_CPU --timeout ${s}s" ;;
    burst) local w; scn_burst_argv w "$s"; echo "${w[*]#"$BUILD/loadgen/"}" ;;
  esac
}

# scn_burst_argv ARRAY SECONDS [BOUND]: the burst scenario's second, unmeasured generator (udp, to
# the DUT's own address on its own port), from labctl.gen; with BOUND, in the generator
# namespace and bounded (SIGTERM, SIGKILL 2 s later)
scn_burst_argv() {
  local bound=()
  [ -z "${3:-}" ] || bound=(--netns "$NS_GEN" --bound "$3" --bound-signal TERM --kill-after 2)
  labctl_words "$1" gen-argv --build "$BUILD" --topology reflect --backend udp "${bound[@]}" -- \
    --port "$LAB_PORT_SCN" --pattern burst --burst-size "$SCN_BURST_SIZE" \
    --burst-gap-us "$SCN_BURST_GAP_US" --duration "$2" --cpu "$GEN_CPU"
}

# scn_start NAME SECONDS: the load on, for at most SECONDS (the tools stop by themselves then);
# SCN_CMD says what runs
scn_start() {
  local name=$1 s=$2 bound
  bound=$((s + 5))
  SCN_PIDS=()
  SCN_CMD=$(scn_describe "$name" "$s")
  case $name in
    cpu)
      scn_bg dut timeout -k 2 "$bound" stress-ng --cpu 1 --cpu-load "$SCN_CPU_LOAD" \
        --taskset "$DUT_CPU" --timeout "${s}s" --quiet ;;
    softirq)
      ns_exists "$NS_SCN" || ip netns add "$NS_SCN"
      ip -n "$NS_SCN" link set lo up
      scn_bg dut timeout -k 2 "$bound" ip netns exec "$NS_SCN" iperf3 -s -B 127.0.0.1 -p 5299 \
        -A "$DUT_CPU" -1
      sleep 0.3
      scn_bg dut timeout -k 2 "$bound" ip netns exec "$NS_SCN" iperf3 -c 127.0.0.1 -p 5299 -u \
        -b "${SCN_SOFTIRQ_MBPS}M" -l 1400 -t "$s" -A "$DUT_CPU" ;;
    memory)
      scn_bg dut timeout -k 2 "$bound" stress-ng --vm 1 --vm-bytes "${SCN_MEMORY_PCT}%" \
        --vm-method all --page-in --mmap 1 --mmap-bytes 5% --taskset "$DUT_CPU" --timeout "${s}s" --quiet ;;
    disk)
      mkdir -p "$RD/tmp/disk"
      scn_bg dut timeout -k 2 "$bound" stress-ng --hdd 1 --hdd-bytes "${SCN_DISK_MB}M" \
        --temp-path "$RD/tmp/disk" --taskset "$DUT_CPU" --timeout "${s}s" --quiet ;;
    irq)
      scn_bg dut timeout -k 2 "$bound" stress-ng --timer 1 --timer-freq "$SCN_IRQ_HZ" \
        --taskset "$DUT_CPU" --timeout "${s}s" --quiet ;;
    burst)
      local w; scn_burst_argv w "$s" "$bound" && scn_bg any "${w[@]}" --tail-ms 50 --quiet ;;
  esac
}

# scn_signal_wait SIG: SIG to each tool's process group (or the process when it leads none),
# then up to 2 s for them all to go; 0 when they went, 1 when some are still there
scn_signal_wait() {
  local p alive=0
  for p in "${SCN_PIDS[@]}"; do kill "-$1" -- "-$p" 2>/dev/null || kill "-$1" "$p" 2>/dev/null || true; done
  for _ in $(seq 20); do
    alive=0
    for p in "${SCN_PIDS[@]}"; do kill -0 -- "-$p" 2>/dev/null && alive=1; done
    [ $alive = 1 ] || return 0
    sleep 0.1
  done
  return 1
}

# scn_stop: the scenario's processes end: TERM to each tool's process group (timeout(1) leads
# one: the tool and its workers are in it), KILL to the groups still there after 2 s, and wait
# until they are gone, so that the window's stop is when the load stopped. No sweep of /proc here:
# the schedule's tail is still being measured (run_one_path sweeps for stragglers after it).
scn_stop() {
  local p
  scn_signal_wait TERM || scn_signal_wait KILL || true
  for p in "${SCN_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  SCN_PIDS=()
  if ns_exists "$NS_SCN"; then ip netns del "$NS_SCN" 2>/dev/null || true; fi
}

# scn_kill_all: every process marked as this run's scenario, wherever it is (the tools' children
# included): TERM, then KILL what is left after 3 s. One grep over /proc (no process per pid):
# this runs while the generator's core is measuring.
scn_marked() {
  [ -n "${RUN_DIR:-}" ] || return 0
  grep -lsxzF "LLAB_SCENARIO=$RUN_DIR" /proc/[0-9]*/environ 2>/dev/null |
    sed 's,^/proc/\([0-9]*\)/environ$,\1,' | grep -vx "$BASHPID" || true
}
scn_kill_all() {
  local pids
  pids=$(scn_marked)
  [ -n "$pids" ] || return 0
  # shellcheck disable=SC2086
  kill -TERM $pids 2>/dev/null || true
  for _ in $(seq 30); do
    sleep 0.1
    pids=$(scn_marked)
    [ -n "$pids" ] || return 0
  done
  # shellcheck disable=SC2086
  kill -KILL $pids 2>/dev/null || true
}

# CLOCK_MONOTONIC in ns without a process: bash's $EPOCHREALTIME (µs) plus the offset
# scn_clock_init measured once, before any packet flows
SCN_MONO_OFF_NS=0
scn_clock_init() {
  SCN_MONO_OFF_NS=$(python3 -c 'import time; print(time.clock_gettime_ns(time.CLOCK_MONOTONIC) - time.time_ns())')
}
mono_ns() { local r=${EPOCHREALTIME/[.,]/}; echo $(( 10#$r * 1000 + SCN_MONO_OFF_NS )); }

# scn_window PATH NAME: in the background of a path's run: wait out the warm-up, the load on for
# the window, off before the tail; the window (CLOCK_MONOTONIC ns) and the command into
# window/PATH.json
scn_window() {
  local path=$1 name=$2 t0 t1
  trap 'scn_stop; exit 0' TERM INT
  sleep "$SCN_WARMUP"
  t0=$(mono_ns)
  scn_start "$name" "$SCN_WINDOW"
  sleep "$SCN_WINDOW" &
  wait $! || true
  scn_stop
  t1=$(mono_ns)
  # written by the shell itself: the tail of the schedule is still being measured
  local c=${SCN_CMD//\\/\\\\}
  c=${c//\"/\\\"}
  printf '{"scenario": "%s", "window_ns": [%s, %s], "command": "%s"}\n' "$name" "$t0" "$t1" "$c" \
    >"$RD/window/$path.json"
}
