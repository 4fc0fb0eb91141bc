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

# FAULTS_TOPOLOGY=forward runs the same test in the forward topology (gen0 -> dut0, dut1 ->
# gen1): its paths, `up --topology forward`, the DUT's --out-iface, lab-gen to gen1 and back on
# it (meson registers the -forward variants).
FAULTS_TOPOLOGY=${FAULTS_TOPOLOGY:-reflect}
export LAB_TOPOLOGY=$FAULTS_TOPOLOGY
faults_up() { "$LAB" up --topology "$FAULTS_TOPOLOGY"; }

# The paths of the registry (common/paths.tsv) whose DUT binary this build has.
. "$LAB_ROOT/setup/paths.sh"
. "$LAB_ROOT/setup/labctl.sh"
faults_paths() {
  local p out=()
  for p in $(lab_path_names); do
    [ -x "$LAB_BUILD/$(lab_path_field "$p" binary)" ] && out+=("$p")
  done
  echo "${out[@]}"
}

# refl_cmd PATH NAME: the reflector's command line as setup/run.sh starts it (labctl.registry:
# the registry's and the shared flags), without --cpu; NUL-terminated words
refl_cmd() {
  labctl reflector-argv --build "$LAB_BUILD" --prefix "$LLAB_PREFIX" --path "$1" --topology "$FAULTS_TOPOLOGY" \
    --ready-file "$T/$2.ready" --stats-json "$T/$2.refl.json" --duration 60 -- --stats-interval 0
}

# refl_start PATH NAME: start it in the DUT namespace and wait for its ready file (REFL_PID)
refl_start() {
  rm -f "$T/$2.ready"
  local argv; mapfile -d '' -t argv < <(refl_cmd "$1" "$2")
  ip netns exec "$NS_DUT" "${argv[@]}" >"$T/$2.refl.log" 2>&1 &
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
# bounded by timeout (a hang shows as exit 137); its command line from the orchestrator
# (labctl.gen: the topology's destination and, forward, the path's needs; the path is the
# name's first word: kernel.k, xsk.gen ...)
gen_start() {
  local name=$1 own=() argv; shift
  [ "$FAULTS_TOPOLOGY" != forward ] || own=(--needs-of "${name%%.*}" --dut-netns "$NS_DUT")
  labctl_words argv gen-argv --build "$LAB_BUILD" --topology "$FAULTS_TOPOLOGY" --netns "$NS_GEN" \
    --bound 60 --bound-signal KILL "${own[@]}" -- --stamp --out "$T/$name.rec" \
    --stats-json "$T/$name.json" "$@" 2>"$T/$name.gen.log"
  "${argv[@]}" >"$T/$name.gen.log" 2>&1 &
  GEN_PID=$!
}
gen_wait() { wait $GEN_PID; GEN_RC=$?; }

# gen_check NAME zero|some|any: counts whole (check_gen.py)
gen_check() {
  [ -f "$T/$1.json" ] && [ -f "$T/$1.rec" ] || { nok "$1: lab-gen wrote no stats/records: $(tail -n 1 "$T/$1.gen.log")"; return 1; }
  python3 "$FAULTS_DIR/check_gen.py" "$T/$1.json" "$T/$1.rec" "$2" || { nok "$1: counts"; return 1; }
}

lab_residue_empty() { # what: fail when setup/lab residue prints anything
  local r; r=$("$LAB" residue 2>&1) || true
  [ -z "$r" ] || nok "$1: residue after setup/lab down: $(echo "$r" | tr '\n' ';')"
}
