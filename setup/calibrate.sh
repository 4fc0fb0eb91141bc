# setup/calibrate.sh — `setup/lab calibrate`: the lab's own error budget, measured the way CSIT
# calibrates a tester back to back: the clock read on each core (lab-calib), bpf_ktime_get_ns()
# through BPF_PROG_TEST_RUN (lab-bpfclock, when built), and a short, slow run of the floor
# (xdptx) and xsk paths, whose stamps give what each stamping point adds. Sourced by setup/lab
# (uses P, BUILD, LAB_ROOT, cmd_build; setup/run.sh for the run).
#
# Every option is checked before anything is changed: a bad one is one line on stderr and exit 2.
# The run brings the lab up when it was not (and down again after), without isolation and
# without the tracer (another user may hold the isolation; the tracer's cost is not the budget's).

calib_usage() {
  cat <<EOF
usage: setup/lab calibrate [--duration S] [--rate PPS] [--cpus LIST] [--out DIR]

The lab's own error budget: what each stamping point adds and how much it spreads.
  --duration S   seconds of traffic on each of xdptx and xsk (default 3, 1 to 60)
  --rate PPS     packets per second, low so the points are not queued (default 10000, 1 to 200000)
  --cpus LIST    cores to measure the clock read on (default: all), e.g. 0,1
  --out DIR      where calibration.json and the run go (default results/calibrations/<id>/)
The result is also copied to \${LAB_CALIBRATION:-results/calibration.json}, which later runs'
lab-analyze read for the clock figures (LAB_CALIBRATION= : no copy).
EOF
}

calib_refuse() { echo "lab: calibrate: $*" >&2; exit 2; }

# DIR is usable when it is a writable directory, or can be made under one: probe the nearest
# existing ancestor with a file made and removed at once (root passes every permission bit, a
# read-only or pseudo file system does not)
calib_out_ok() {
  local d=$1 probe
  while [ ! -e "$d" ]; do d=$(dirname "$d"); done
  [ -d "$d" ] || return 1
  probe="$d/.lab-calib-probe.$$"
  ( : >"$probe" ) 2>/dev/null || return 1
  rm -f "$probe"
}

calib_parse() {
  CAL_DURATION=3 CAL_RATE=10000 CAL_CPUS="" CAL_OUT=""
  while [ $# -gt 0 ]; do
    case $1 in
      -h|--help) calib_usage; exit 0 ;;
      --duration|--rate|--cpus|--out)
        [ $# -ge 2 ] || calib_refuse "$1 needs a value"
        case $1 in
          --duration) CAL_DURATION=$2 ;; --rate) CAL_RATE=$2 ;;
          --cpus) CAL_CPUS=$2 ;; --out) CAL_OUT=$2 ;;
        esac
        shift ;;
      *) calib_refuse "unknown option '$1' (setup/lab calibrate --help)" ;;
    esac
    shift
  done
  [[ $CAL_DURATION =~ ^[0-9]+$ ]] && [ "$CAL_DURATION" -ge 1 ] && [ "$CAL_DURATION" -le 60 ] ||
    calib_refuse "--duration is 1 to 60 seconds (got '$CAL_DURATION')"
  [[ $CAL_RATE =~ ^[0-9]+$ ]] && [ "$CAL_RATE" -ge 1 ] && [ "$CAL_RATE" -le 200000 ] ||
    calib_refuse "--rate is 1 to 200000 packets per second (got '$CAL_RATE')"
  [ -z "$CAL_CPUS" ] || [[ $CAL_CPUS =~ ^[0-9]+([-,][0-9]+)*$ ]] ||
    calib_refuse "--cpus: '$CAL_CPUS' is not a list of cores (e.g. 0,1)"
  [ -z "$CAL_OUT" ] || calib_out_ok "$CAL_OUT" || calib_refuse "--out: '$CAL_OUT' is not a directory we can write"
  local known=${LAB_CALIBRATION-$LAB_ROOT/results/calibration.json}
  [ -z "$known" ] || calib_out_ok "$(dirname "$known")" ||
    calib_refuse "LAB_CALIBRATION: cannot write '$known'"
}

cmd_calibrate() {
  calib_parse "$@"
  LAB_QUIET=1 cmd_build >/dev/null
  [ -x "$BUILD/analysis/lab-calib" ] && [ -x "$BUILD/xdp/lab-xsk" ] ||
    calib_refuse "this build has no lab-calib or no XDP (lab-xsk): the floor cannot run here"
  # the cores: lab-calib's own check (online, and in our cpuset: another user's isolation takes
  # cores away), asked before anything is made; its line is the refusal
  [ -z "$CAL_CPUS" ] || "$BUILD/analysis/lab-calib" --cpus "$CAL_CPUS" --check --out /dev/null || exit 2
  lock_take calibrate
  local out=$CAL_OUT known=${LAB_CALIBRATION-$LAB_ROOT/results/calibration.json} bpf=()
  if [ -z "$out" ]; then
    mkdir -p "$LAB_ROOT/results/calibrations"
    out=$LAB_ROOT/results/calibrations/$(next_run_id "$LAB_ROOT/results/calibrations") ||
      die "calibrate: cannot make a directory under results/calibrations"
  fi
  mkdir -p "$out/run"
  out=$(cd "$out" && pwd)
  # one core: the generator and the DUT share it, and xsk's user-space hop waits for lab-gen's turn
  [ "$(nproc)" -ge 2 ] || echo "lab: calibrate: only one core is ours (another cpuset holds the rest): the generator and the DUT share it, xdp_vs_user is that core's sharing" >&2
  say "calibrate: xdptx and xsk, ${CAL_DURATION} s each at ${CAL_RATE} pps (log: $out/run.log)"
  # a subshell: the run's traps (down when it brought the lab up) stay the run's
  ( cmd_run --paths xdptx,xsk --no-trace --no-isolate --duration "$CAL_DURATION" \
      --rate "$CAL_RATE" --out "$out/run" ) >"$out/run.log" 2>&1 ||
    die "calibrate: the run failed (last lines of $out/run.log: $(tail -n 3 "$out/run.log" | tr '\n' ' '))"
  if [ -x "$BUILD/xdp/lab-bpfclock" ]; then
    local bcpu=${CAL_CPUS:-0}
    "$BUILD/xdp/lab-bpfclock" --cpu "${bcpu%%,*}" --out "$out/bpfclock.json" >/dev/null &&
      bpf=(--bpf "$out/bpfclock.json") || say "calibrate: lab-bpfclock failed: no BPF clock figure"
  fi
  "$BUILD/analysis/lab-calib" --out "$out/calibration.json" ${CAL_CPUS:+--cpus "$CAL_CPUS"} \
    --run "$out/run/latest" "${bpf[@]}" || die "calibrate: lab-calib failed"
  if [ -n "$known" ]; then
    mkdir -p "$(dirname "$known")"
    cp "$out/calibration.json" "$known.tmp.$$" && mv -f "$known.tmp.$$" "$known"
    echo "calibration: $out/calibration.json (copied to $known)"
  else
    echo "calibration: $out/calibration.json"
  fi
}
