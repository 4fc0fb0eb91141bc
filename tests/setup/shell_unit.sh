#!/usr/bin/env bash
# shell_unit.sh — the shell helpers of setup/lib.sh and bench/calc, and setup/run.sh's run.json,
# with stand-ins for the commands they call (no root, nothing on the machine changed).
#  - ns_exists / pipe_has under `set -o pipefail` with a producer that keeps writing after the
#    match (`grep -q` exits there, the producer dies of SIGPIPE, the pipeline "fails");
#  - next_run_id: runs started in the same second get distinct directories, also concurrently;
#  - point_latest: `latest` goes to the newest run, not to whichever finished last;
#  - values reach Python as data: bench/calc and run.json with quotes and code in the values;
#  - the constants table (common/constants.tsv) reads the same in the shell, Python and C.
set -euo pipefail
LAB_ROOT=${LAB_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$LAB_ROOT/tests/lib/tap.sh"
. "$LAB_ROOT/setup/lib.sh"
T=$(mktemp -d /tmp/lab-shell-XXXXXX)
trap 'rm -rf "$T"' EXIT

# ---- pipefail: a namespace listed first, then far more output than a pipe holds
# (the stand-ins write with awk: a `yes | head` inside them would itself die of SIGPIPE)
ip() { awk 'BEGIN { print "llab-dut (id: 3)"; for (i = 0; i < 200000; i++) print "other-namespace (id: 9)" }'; }
for i in 1 2 3; do ns_exists llab-dut || { nok "ns_exists misses a namespace listed first (try $i)"; break; }; done
ns_exists llab-gen && nok "ns_exists finds a namespace that is not there" || ok "ns_exists: absent is absent"
ns_exists llab && nok "ns_exists matches a prefix of a name" || ok "ns_exists: whole names only"
unset -f ip
big() { awk 'BEGIN { print "state UP"; for (i = 0; i < 200000; i++) print "filler" }'; }
big | pipe_has 'UP' && ok "pipe_has: a match before a long tail" || nok "pipe_has misses a match followed by 200000 lines"
big | pipe_has '^nothing$' && nok "pipe_has matched nothing" || ok "pipe_has: no match is no match"

# ---- run ids: unique in one second, also from concurrent runs
R="$T/results"; mkdir -p "$R"
ids=()
for i in 1 2 3; do ids+=("$(next_run_id "$R")"); done
[ "$(printf '%s\n' "${ids[@]}" | sort -u | wc -l)" = 3 ] && ok "three ids in a row: ${ids[*]}" || nok "ids repeat: ${ids[*]}"
for i in $(seq 8); do next_run_id "$R" >>"$T/conc" & done; wait
n=$(sort -u "$T/conc" | wc -l); d=$(ls -1 "$R" | wc -l)
[ "$n" = 8 ] && [ "$d" = 11 ] && ok "8 concurrent ids distinct, 11 directories" || nok "concurrent ids: $n distinct of 8, $d dirs"

# ---- latest: the newest run, whatever the order runs finish in
mkdir -p "$R/20260101-000000" "$R/20260101-000000-2" "$R/20260101-000000-10" "$R/20251231-235959"
point_latest "$R" 20260101-000000-10
point_latest "$R" 20260101-000000-2   # an older run finishing later
point_latest "$R" 20251231-235959
[ "$(readlink "$R/latest")" = 20260101-000000-10 ] && ok "latest stays on the newest run" ||
  nok "latest -> $(readlink "$R/latest"), not 20260101-000000-10"
mkdir -p "$R/20260102-000000"; point_latest "$R" 20260102-000000
[ "$(readlink "$R/latest")" = 20260102-000000 ] && ok "latest moves to a newer run" || nok "latest not moved forward"

# ---- bench/calc: values are numbers, never code
C="$LAB_ROOT/bench/calc"
[ "$("$C" "'%.2f' % (a / b)" a=1 b=4)" = 0.25 ] && ok "calc computes" || nok "calc: 1/4 gave $("$C" "'%.2f' % (a / b)" a=1 b=4)"
set +e
out=$("$C" "a + 1" "a=__import__('os').system('touch $T/pwned')" 2>&1); rc=$?
set -e
[ $rc -eq 2 ] && [ ! -e "$T/pwned" ] && ok "calc refuses a value that is code (exit 2: $out)" || nok "calc ran a value: rc $rc"
"$C" "a < b" a=1 b=2 && ok "calc: a true comparison exits 0" || nok "calc: 1 < 2 not true"
! "$C" "a < b" a=2 b=1 && ok "calc: a false comparison exits 1" || nok "calc: 2 < 1 true"

# ---- run.json: interface and driver names with quotes and code in them stay data
(
  set +u
  . "$LAB_ROOT/setup/constants.sh"
  PROG=lab STATE="$T/state" GEN_IF=$LAB_GEN_IF DUT_IF=$LAB_DUT_IF NS_GEN=x NS_DUT=y ISO_CSTATE_FD=""
  . "$LAB_ROOT/setup/run.sh"
  ip() { [ "$1" = netns ] && [ "$2" = exec ] && { shift 3; "$@"; }; return 0; }
  ethtool() { echo "driver: ve\"th'); import os; os.system('touch $T/pwned2') #"; }
  RUN_DIR="$T/run"; mkdir -p "$RUN_DIR/noise"
  RUN_RATE=1000 RUN_PATTERN=const RUN_SIZE=128 RUN_DURATION=3 RUN_SEED=7 RUN_BURST_SIZE=32
  RUN_BURST_GAP_US=1000 RUN_PATHS="kernel xsk" RUN_QUICK=1 DUT_CPU=0 GEN_CPU=0 RUN_ISOLATED=0 RUN_USER_ISO=0
  write_run_json "$RUN_DIR" "$RUN_DIR/noise"
) >"$T/rj.log" 2>&1 || true
python3 - "$T/run/run.json" <<'PY' >"$T/rj.check" 2>&1 && ok "run.json keeps a driver name with quotes as data" || nok "run.json: $(cat "$T/rj.check" "$T/rj.log" | tail -n 3)"
import json, sys
r = json.load(open(sys.argv[1]))["run"]
assert r["ports"]["dut_driver"].startswith('ve"th'), r["ports"]
assert r["paths"] == ["kernel", "xsk"] and r["seed"] == 7 and r["rate_pps"] == 1000, r
assert r["topology"] == "reflect" and r["flows"] == 1, r  # the defaults when run.sh's are unset
PY
[ ! -e "$T/pwned2" ] || nok "run.json ran a driver name as code"

# ---- the constants table: the shell's, Python's and the build's C header's values are the table's
(
  . "$LAB_ROOT/setup/constants.sh"
  awk -F'\t' '!/^#/ && NF == 3 {print $1}' "$LAB_CONSTANTS_TSV" | while read -r n; do printf '%s\t%s\n' "$n" "${!n}"; done
) >"$T/const.sh" 2>&1 || nok "setup/constants.sh: $(tail -n 1 "$T/const.sh")"
[ "$(grep -c . "$T/const.sh")" -ge 20 ] && [ -n "$(awk -F'\t' '$1 == "LAB_GEN1_V4" {print $2}' "$T/const.sh")" ] &&
  ok "constants.sh: $(grep -c . "$T/const.sh") constants" || nok "constants.sh: $(head -n 3 "$T/const.sh")"
python3 -B - "$LAB_ROOT" "$T/const.sh" "${LAB_BUILD:-}" <<'PY' >"$T/const.check" 2>&1 && ok "constants: shell, Python and lab_constants.h agree" || nok "constants: $(tail -n 3 "$T/const.check")"
import os, re, sys
sys.path.insert(0, os.path.join(sys.argv[1], "setup"))
from labctl import constants as lab_constants
sh = dict(l.rstrip("\n").split("\t") for l in open(sys.argv[2]))
py = {k: str(v) for k, v in lab_constants.CONSTANTS.items()}
assert sh == py, (sh, py)
assert isinstance(lab_constants.LAB_PORT_DUT, int) and isinstance(lab_constants.LAB_DUT_IF, str)
h = os.path.join(sys.argv[3], "common", "lab_constants.h")
if sys.argv[3] and os.path.exists(h):
    c = {}
    for m in re.finditer(r'^#define (LAB_\w+) (?:"([^"]*)"|(\d+))$', open(h).read(), re.M):
        c[m.group(1)] = m.group(2) if m.group(2) is not None else m.group(3)
    for m in re.finditer(r'^#define (LAB_\w+)_BYTES \{(.*)\}$', open(h).read(), re.M):
        c[m.group(1) + "_BYTES"] = ":".join(b.strip()[2:] for b in m.group(2).split(","))
    want = dict(py, **{k + "_STR": v for k, v in py.items() if v.isdigit()},
                **{k + "_BYTES": v for k, v in py.items() if k.endswith("_MAC")})
    assert c == want, (c, want)
PY

tap_done
