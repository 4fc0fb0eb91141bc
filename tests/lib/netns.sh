# netns.sh — sourced by the netns tests: the TAP helpers (tap.sh), a fresh random prefix, root
# check (tap_skip_all when missing),
# and a trap that always brings the lab down; the lab's addresses, MACs, interface names and
# ports (LAB_GEN_V4, LAB_DUT_IF, LAB_PORT_DUT, ...: setup/constants.sh, common/constants.tsv).
# (exported: the tests' Python reads the table too, setup/labctl/constants.py, labctl under $LAB_ROOT/setup)
. "$(dirname "${BASH_SOURCE[0]}")/tap.sh"
export LAB_ROOT=${LAB_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
. "$LAB_ROOT/setup/constants.sh"
LAB_BUILD=${LAB_BUILD:-$LAB_ROOT/build}
LAB="$LAB_ROOT/setup/lab"
export LLAB_PREFIX=${LLAB_PREFIX:-lt$(printf '%04d' $((RANDOM % 10000)))}
export LAB_QUIET=1
# the test's prefix lives as long as the test: killed from outside, `down --all` collects it
export LAB_HOLDER=${LAB_HOLDER:-$$}
NS_GEN="$LLAB_PREFIX-gen"
NS_DUT="$LLAB_PREFIX-dut"

netns_require_root() {
  if [ "$(id -u)" -ne 0 ]; then tap_skip_all "needs root"; fi
  command -v ip >/dev/null || tap_skip_all "no iproute2"
  ip netns add "${LLAB_PREFIX}probe" 2>/dev/null || tap_skip_all "cannot create network namespaces"
  ip netns del "${LLAB_PREFIX}probe"
  trap '"$LAB" down >/dev/null 2>&1' EXIT
}

# netns_require_bin NAME...: skip the test when a binary was not built (its feature was left out)
netns_require_bin() {
  local b
  for b in "$@"; do
    [ -x "$LAB_BUILD/$b" ] || tap_skip_all "$b not built"
  done
}

# json_mismatch FILE key=value...: "" when FILE's JSON holds exactly these (dotted keys; a value
# ">=N" asks for an integer of at least N), else what differs, on one line
json_mismatch() {
  python3 - "$@" <<'PY'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
except (OSError, ValueError) as e:
    print("stats JSON unreadable: %s" % e); sys.exit(0)
bad = []
for kv in sys.argv[2:]:
    k, want = kv.split("=", 1)
    v = d
    for p in k.split("."):
        v = v.get(p) if isinstance(v, dict) else None
    if want.startswith(">="):
        if not isinstance(v, int) or v < int(want[2:]):
            bad.append("%s=%s (want %s)" % (k, v, want))
    elif str(v) != want:
        bad.append("%s=%s (want %s)" % (k, v, want))
print("; ".join(bad))
PY
}
