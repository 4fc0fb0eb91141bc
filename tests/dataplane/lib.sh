# lib.sh — sourced by the dataplane netns tests: the lab up, lab-dpdk started in the DUT
# namespace with the test's prefix, and helpers to query and stop it.
. "$LAB_ROOT/tests/lib/netns.sh"
DPDK="$LAB_BUILD/dataplane/lab-dpdk"
DP_SEND=${DP_SEND:-$LAB_BUILD/tests/dataplane/dp-send}
WORK=$(mktemp -d /tmp/dpdk-test.XXXXXX)

# dp_setup [setup/lab up args]: e.g. --topology forward
dp_setup() {
  netns_require_root
  trap '"$LAB" down >/dev/null 2>&1; rm -rf "$WORK"' EXIT
  [ -x "$DPDK" ] || tap_skip_all "lab-dpdk not built"
  [ -x "$DP_SEND" ] || tap_skip_all "dp-send not built"
  "$LAB" up "$@" >/dev/null 2>&1 || tap_bail "setup/lab up $* failed"
  local free; free=$(awk '/HugePages_Free/{print $2}' /proc/meminfo)
  [ "$free" -ge 64 ] || tap_skip_all "only $free free hugepages (64 needed)"
}

# dp_start NAME [lab-dpdk flags]: start in the DUT namespace, wait for the ready file (30 s)
dp_start() {
  local name=$1; shift
  rm -f "$WORK/$name.ready"
  ip netns exec "$NS_DUT" "$DPDK" --prefix "$LLAB_PREFIX" --ready-file "$WORK/$name.ready" \
    --stats-json "$WORK/$name.json" --stats-interval 0 --duration 120 "$@" >"$WORK/$name.log" 2>&1 &
  DP_PID=$!
  for _ in $(seq 300); do
    [ -f "$WORK/$name.ready" ] && return 0
    kill -0 "$DP_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "lab-dpdk did not become ready:"; grep -vE "^[0-9]+: " "$WORK/$name.log" | tail -n 5 # no stack
  return 1
}

# dp_stop_int: SIGINT, which must stop it within 2 s (we allow 5 on a loaded machine) with exit 0
dp_stop_int() {
  kill -INT "$DP_PID"
  for _ in $(seq 50); do kill -0 "$DP_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$DP_PID" 2>/dev/null; then
    nok "lab-dpdk still running 5 s after SIGINT"; kill -KILL "$DP_PID"; wait "$DP_PID"; return 1
  fi
  wait "$DP_PID"
}

send() { ip netns exec "$NS_GEN" "$DP_SEND" "$@"; }

# jget FILE EXPR: a value from a JSON file (python expression on d)
jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

dpdk_leftovers() { "$LAB" residue | grep -E "dpdk runtime dir|hugepage file" || true; }
