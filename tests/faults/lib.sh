# lib.sh — sourced by the fault tests: the binaries, a scratch dir, starting and stopping a
# reflector of each path, and one bounded lab-gen run whose counts are then checked whole.
. "$(dirname "$0")/../lib/netns.sh"
FAULTS_DIR=$(cd "$(dirname "$0")" && pwd)
GEN="$LAB_BUILD/loadgen/lab-gen"
XSK="$LAB_BUILD/xdp/lab-xsk"
DPDK="$LAB_BUILD/dataplane/lab-dpdk"
KERN="$LAB_BUILD/kernelpath/lab-kern"
ANALYZE="$LAB_BUILD/analysis/lab-analyze"
T=$(mktemp -d /tmp/lab-faults.XXXXXX)
# netns_require_root sets its own EXIT trap: ours also removes the scratch dir
faults_require_root() {
  netns_require_root
  trap '"$LAB" down >/dev/null 2>&1; rm -rf "$T"' EXIT
}
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "not ok: $*"; fails=$((fails+1)); }

# FAULTS_TOPOLOGY=forward runs the same test in the forward topology (gen0 -> dut0, dut1 ->
# gen1): its paths, `up --topology forward`, the DUT's --out-iface, lab-gen to gen1 and back on
# it (meson registers the -forward variants).
FAULTS_TOPOLOGY=${FAULTS_TOPOLOGY:-reflect}
export LAB_TOPOLOGY=$FAULTS_TOPOLOGY
faults_up() { "$LAB" up --topology "$FAULTS_TOPOLOGY"; }

# The paths of the registry (common/paths.tsv) whose DUT binary this build has.
. "$LAB_ROOT/setup/paths.sh"
faults_paths() {
  local p out=()
  for p in $(lab_path_names); do
    [ -x "$LAB_BUILD/$(lab_path_field "$p" binary)" ] && out+=("$p")
  done
  echo "${out[@]}"
}

# refl_cmd PATH NAME: the reflector's command line as setup/run.sh starts it (the registry's),
# without --cpu
refl_cmd() {
  lab_path_argv "$1" "$LAB_BUILD" "$LLAB_PREFIX"
  echo "${LAB_PATH_ARGV[@]}" --iface "$LAB_DUT_IF" --ready-file "$T/$2.ready" --stats-json "$T/$2.refl.json" \
    --stats-interval 0 --duration 60 $([ "$FAULTS_TOPOLOGY" = forward ] && echo --out-iface "$LAB_DUT1_IF")
}

# refl_start PATH NAME: start it in the DUT namespace and wait for its ready file (REFL_PID)
refl_start() {
  rm -f "$T/$2.ready"
  ip netns exec "$NS_DUT" $(refl_cmd "$1" "$2") >"$T/$2.refl.log" 2>&1 &
  REFL_PID=$!
  for _ in $(seq 150); do
    [ -f "$T/$2.ready" ] && return 0
    kill -0 $REFL_PID 2>/dev/null || break
    sleep 0.1
  done
  echo "# $1 reflector not ready: $(tail -n 3 "$T/$2.refl.log" | tr '\n' ' ')"
  kill -KILL $REFL_PID 2>/dev/null; wait $REFL_PID 2>/dev/null
  return 1
}

# refl_stop: SIGINT, bounded; sets REFL_RC and REFL_MS (time to exit)
refl_stop() {
  local t0=$(date +%s%N)
  kill -INT $REFL_PID 2>/dev/null
  for _ in $(seq 100); do kill -0 $REFL_PID 2>/dev/null || break; sleep 0.05; done
  kill -0 $REFL_PID 2>/dev/null && kill -KILL $REFL_PID
  wait $REFL_PID; REFL_RC=$?
  REFL_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
}

# gen_start NAME ARGS...: lab-gen in the generator namespace, in the background (GEN_PID),
# bounded by timeout (a hang shows as exit 137)
gen_start() {
  local name=$1 to=(--dst "$LAB_DUT_V4") needs; shift
  if [ "$FAULTS_TOPOLOGY" = forward ]; then
    # the path is the name's first word (kernel.k, xsk.gen ...)
    needs=" $(lab_path_field "${name%%.*}" needs 2>/dev/null) "
    to=(--rx-iface "$LAB_GEN1_IF" --dst-mac "$(ip netns exec "$NS_DUT" cat "/sys/class/net/$LAB_DUT_IF/address")")
    case $needs in *" dst=dut "*) to+=(--dst "$LAB_DUT_V4") ;; *) to+=(--dst "$LAB_GEN1_V4") ;; esac
    case $needs in *" unmarked "*) to+=(--accept-unmarked) ;; esac
  fi
  ip netns exec "$NS_GEN" timeout -s KILL 60 "$GEN" --iface "$LAB_GEN_IF" "${to[@]}" --stamp \
    --out "$T/$name.rec" --stats-json "$T/$name.json" "$@" >"$T/$name.gen.log" 2>&1 &
  GEN_PID=$!
}
gen_wait() { wait $GEN_PID; GEN_RC=$?; }

# gen_check NAME zero|some|any: counts whole (check_gen.py)
gen_check() {
  [ -f "$T/$1.json" ] && [ -f "$T/$1.rec" ] || { fail "$1: lab-gen wrote no stats/records: $(tail -n 1 "$T/$1.gen.log")"; return 1; }
  python3 "$FAULTS_DIR/check_gen.py" "$T/$1.json" "$T/$1.rec" "$2" || { fail "$1: counts"; return 1; }
}

lab_residue_empty() { # what: fail when setup/lab residue prints anything
  local r; r=$("$LAB" residue 2>&1) || true
  [ -z "$r" ] || fail "$1: residue after setup/lab down: $(echo "$r" | tr '\n' ';')"
}
