#!/usr/bin/env bash
# run_fail.sh — a run says when it failed, and checks its options before anything changes:
#   --rate 0, --size 20, --gen-backend bogus, --dut-cpu 99, --duration 0: exit 2 at once, no
#     results dir, no namespace, no state;
#   --out with a space in it and --rate 0200 (base 10: 200, not octal 128): every built path
#     runs, exit 0, run.json says 200 pps;
#   a path whose reflector cannot start (the registry's args broken): exit 1, the reason said.
#
#   netns ltNNNN-gen [gen0] <--veth--> [dut0] ltNNNN-dut
set -u
. "$(dirname "$0")/../lib/netns.sh"
netns_require_root
netns_require_bin loadgen/lab-gen analysis/lab-analyze
export LAB_SKIP_DEPS=1 LAB_SKIP_BUILD=1 LAB_BUILD_DIR="$LAB_BUILD" LAB_CHECK_ISOLATED=0
T=$(mktemp -d /tmp/lab-runfail-XXXXXX)
trap '"$LAB" down >/dev/null 2>&1; rm -rf "$T"' EXIT
fails=0
nok() { echo "not ok: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

for args in "--rate 0" "--size 20" "--gen-backend bogus" "--dut-cpu 99" "--duration 0" "--rate 08x"; do
  # shellcheck disable=SC2086
  "$LAB" run --no-isolate $args --out "$T/bad" >"$T/bad.log" 2>&1; rc=$?
  [ $rc -eq 2 ] && ok "run $args: exit 2: $(head -n 1 "$T/bad.log")" || nok "run $args: exit $rc: $(tail -n 2 "$T/bad.log")"
  [ -e "$T/bad" ] && { nok "run $args made $T/bad"; rm -rf "$T/bad"; }
  ip netns list | grep -q "^$NS_DUT " && nok "run $args brought the lab up"
  [ -d "/run/llab-state/$LLAB_PREFIX" ] && nok "run $args left state"
done

expect=""
[ -x "$LAB_BUILD/kernelpath/lab-kern" ] && expect="$expect kernel"
[ -x "$LAB_BUILD/xdp/lab-xsk" ] && expect="$expect xsk xdptx"
[ -x "$LAB_BUILD/dataplane/lab-dpdk" ] && expect="$expect dpdk"
OUT="$T/a b"
"$LAB" run --no-isolate --no-trace --duration 1 --rate 0200 --out "$OUT" >"$T/space.log" 2>&1; rc=$?
[ $rc -eq 0 ] && ok "run --out '$OUT': exit 0" || nok "run --out '$OUT': exit $rc: $(grep 'failed' "$T/space.log" | head -n 3)"
for p in $expect; do
  [ -s "$OUT/latest/records/$p.rec" ] && [ ! -e "$OUT/latest/failed-$p.txt" ] && ok "--out with a space: $p ran" ||
    nok "--out with a space: $p did not run: $(cat "$OUT"/latest/failed-$p.txt "$OUT"/latest/skipped/$p.txt 2>/dev/null)"
done
# what lab-gen sent, not only what run.json says: octal 0200 would be 128 packets in the second
r=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["run"]["rate_pps"], max(p.get("sent", 0) for p in s["paths"].values()))' "$OUT/latest/summary.json" 2>&1)
[ "${r%% *}" = 200 ] && [ "${r##* }" -ge 180 ] 2>/dev/null && [ "${r##* }" -le 220 ] && ok "--rate 0200 is 200 pps ($r)" ||
  nok "--rate 0200: rate_pps and packets sent: $r"

# a reflector that cannot start: the run fails, and says which path and why
sed 's/^\(kernel\treflect\t[^\t]*\t\)[^\t]*/\1--no-such-flag/' "$LAB_ROOT/common/paths.tsv" >"$T/paths.tsv"
grep -q -- '--no-such-flag' "$T/paths.tsv" || nok "could not break the kernel path's registry entry"
LAB_PATHS_TSV="$T/paths.tsv" "$LAB" run --no-isolate --no-trace --paths kernel --duration 1 --out "$T/f" >"$T/f.log" 2>&1; rc=$?
[ $rc -eq 1 ] && grep -q "failed.*kernel\|kernel.*failed" "$T/f.log" && ok "a path that failed: exit 1: $(grep -m1 'failed' "$T/f.log")" ||
  nok "a path that failed: exit $rc: $(tail -n 3 "$T/f.log")"
r=$("$LAB" residue); [ -z "$r" ] && ok "no residue" || nok "residue: $r"
[ $fails -eq 0 ] && echo "run_fail: all ok" || echo "run_fail: $fails failure(s)"
[ $fails -eq 0 ]
