# bench/lib.sh — shell helpers shared by the benchmark scripts (sourced, not run): messages,
# processes started in the lab's namespaces and stopped on any exit, generator runs (their
# command line from labctl.gen) with their stats JSON, and a rate search. The caller sets BENCH_NAME, P (lab prefix), BUILD and WORK, and
# ROOT (the source tree: setup/constants.sh, the lab's addresses and interface names, is read here).

LAB_ROOT=$ROOT # the orchestrator's verbs read it when they run (setup/labctl.sh)
. "$ROOT/setup/constants.sh"
. "$ROOT/setup/labctl.sh"
BENCH_PIDS=()

bench_die() { echo "$BENCH_NAME: $*" >&2; exit "${EXIT:-1}"; }
bench_note() { echo "$BENCH_NAME: $*" >&2; }

# bench_num NAME VALUE: VALUE must be a whole number (exit 2 otherwise)
bench_num() { [[ ${2:-} =~ ^[0-9]+$ ]] || EXIT=2 bench_die "$1: '${2:-}' is not a whole number"; }

# bench_jget FILE KEY.PATH...: the values on one line, space-separated ("null" when missing)
bench_jget() { labctl jget "$@"; }

# bench_dut_start NAME NETNS WAIT_S READY ARGS...: a DUT-side process (a path's reflector or a
# peer) started in NETNS and waited for by the orchestrator (labctl dut-start, setup/labctl/dut.py);
# READY is a file it makes non-empty or text:REGEX its log matches; ARGS are dut-start's: --path
# P ... (its reflector; more reflector flags after --) or -- CMD...; the log is $WORK/NAME.log;
# BENCH_PID is its supervisor (stopped with it). 1, the reason noted, when it did not start.
bench_dut_start() {
  local name=$1 ns=$2 s=$3 ready=$4 r
  shift 4
  if [[ $ready == text:* ]]; then r=(--ready-text "${ready#text:}"); else r=(--ready-file "$ready"); fi
  if ! labctl dut-start --netns "$ns" --log "$WORK/$name.log" --pid-file "$WORK/$name.dut.pid" \
       --start-s "$s" --stop-signal INT "${r[@]}" "$@" 2>"$WORK/$name.dut.err"; then
    bench_note "$name $(sed -n 's/^labctl dut-start: //p' "$WORK/$name.dut.err" | tail -n 1)"
    return 1
  fi
  BENCH_PID=$(cat "$WORK/$name.dut.pid")
  BENCH_PIDS+=("$BENCH_PID")
}
# bench_dut_stop NAME: what bench_dut_start NAME started, stopped (labctl dut-stop); its exit status
bench_dut_stop() {
  local rc=0 pid p n=()
  pid=$(cat "$WORK/$1.dut.pid" 2>/dev/null) || return 0
  labctl dut-stop --pid-file "$WORK/$1.dut.pid" || rc=$?
  for p in "${BENCH_PIDS[@]}"; do [ "$p" = "$pid" ] || n+=("$p"); done
  BENCH_PIDS=("${n[@]}")
  rm -f "$WORK/$1.dut.pid"
  return $rc
}

# bench_stop_all: every supervisor bench_dut_start started, so its process (for the EXIT trap)
bench_stop_all() {
  local p
  for p in "${BENCH_PIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
  for p in "${BENCH_PIDS[@]}"; do
    for _ in $(seq 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
  BENCH_PIDS=()
}

# bench_gen JSON ARGS...: one generator run in the generator namespace, bounded in time, in the
# background and waited for (a signal to the script is handled at once); stats to JSON.
# Returns lab-gen's exit status; its stderr is in $WORK/gen.log.
bench_gen() {
  local json=$1 rc=0 pid argv; shift
  rm -f "$json"
  labctl_words argv gen-argv --build "$BUILD" --topology reflect --netns "$P-gen" \
    --bound "${BENCH_GEN_BOUND:-120}" -- --quiet --stats-json "$json" "$@" 2>"$WORK/gen.log" || return 2
  "${argv[@]}" 2>"$WORK/gen.log" &
  pid=$!
  BENCH_PIDS+=("$pid")
  wait "$pid" || rc=$?
  local p n=()
  for p in "${BENCH_PIDS[@]}"; do [ "$p" = "$pid" ] || n+=("$p"); done
  BENCH_PIDS=("${n[@]}")
  [ -s "$json" ] || [ "$rc" -ne 0 ] || rc=1
  return "$rc"
}

# bench_pass JSON MAX_LOSS: 0 when the run offered its rate (achieved within 0.1 %) and lost at
# most MAX_LOSS (a fraction) of what it sent; sets BENCH_WHY to what failed
bench_pass() {
  BENCH_WHY=$(labctl step-why "$1" "$2")
  [ -z "$BENCH_WHY" ]
}

# bench_try FN RATE: FN RATE, and once more when it fails (one hiccup of a shared core should
# not end a search)
bench_try() { "$1" "$2" || "$1" "$2"; }

# bench_search FN START MAX BISECT: the highest rate FN RATE passes (FN returns 0 on a pass; a
# failed step is tried twice): START, doubled until a rate fails or MAX is reached, then BISECT
# halvings of the interval between the last pass and the first failure. Sets SEARCH_BEST
# (0: none passed) and SEARCH_STOP (why the rate above it failed, or "reached the search's top rate").
bench_search() {
  local fn=$1 r=$2 max=$3 n=$4 lo=0 hi=0 why=""
  while :; do
    if bench_try "$fn" "$r"; then lo=$r
    else hi=$r; why=$BENCH_WHY; break; fi
    [ "$r" -ge "$max" ] && break
    r=$(( r * 2 > max ? max : r * 2 ))
  done
  if [ "$hi" -gt 0 ] && [ "$lo" -gt 0 ]; then
    while [ "$n" -gt 0 ]; do
      r=$(( (lo + hi) / 2 ))
      if bench_try "$fn" "$r"; then lo=$r; else hi=$r; why=$BENCH_WHY; fi
      n=$((n - 1))
    done
  fi
  SEARCH_BEST=$lo
  SEARCH_STOP=${why:-reached the search\'s top rate}
}
