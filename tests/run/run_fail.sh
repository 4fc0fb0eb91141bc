#!/usr/bin/env bash
# run_fail.sh — a run says when it failed, and checks its options before anything changes:
#   --rate 0, --size 20, --gen-backend bogus, --dut-cpu 99, --duration 0: exit 2 at once, no
#     results dir, no namespace, no state;
#   --out with a space in it and --rate 0200 (base 10: 200, not octal 128): every built path
#     runs, exit 0, run.json says 200 pps;
#   a path whose reflector cannot start (the registry's args broken): exit 1, the reason said;
#   a run whose analysis fails (lab-analyze replaced by one that exits 1): exit 1, its raw
#     results kept, `latest` still the run before it;
#   a run under sudo (SUDO_UID/SUDO_GID 65534): the results dir, the run, `latest` are that
#     user's, and summary.json was written by the analysis as that user (handed over before it).
#
#   netns ltNNNN-gen [gen0] <--veth--> [dut0] ltNNNN-dut
set -u
. "$(dirname "$0")/../lib/netns.sh"
netns_require_root
netns_require_bin loadgen/lab-gen analysis/lab-analyze
export LAB_SKIP_DEPS=1 LAB_SKIP_BUILD=1 LAB_BUILD_DIR="$LAB_BUILD" LAB_CHECK_ISOLATED=0
T=$(mktemp -d /tmp/lab-runfail-XXXXXX)
trap '"$LAB" down >/dev/null 2>&1; rm -rf "$T"' EXIT

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
# the analysis fails: latest stays where it was
prev=$(readlink "$OUT/latest")
mkdir -p "$T/b" && cp -as "$LAB_BUILD/." "$T/b/" && rm -f "$T/b/analysis/lab-analyze" &&
  printf '#!/bin/sh\necho "lab-analyze: failing on purpose" >&2\nexit 1\n' >"$T/b/analysis/lab-analyze" &&
  chmod +x "$T/b/analysis/lab-analyze" || nok "could not make a build dir whose lab-analyze fails"
LAB_BUILD_DIR="$T/b" "$LAB" run --no-isolate --no-trace --paths kernel --duration 1 --out "$OUT" >"$T/an.log" 2>&1; rc=$?
new=$(cd "$OUT" && ls -d [0-9]* | sort -V | tail -n 1)
[ $rc -eq 1 ] && grep -q "lab-analyze failed" "$T/an.log" && ok "a failed analysis: exit 1: $(grep -m1 'lab-analyze failed' "$T/an.log")" ||
  nok "a failed analysis: exit $rc: $(tail -n 3 "$T/an.log")"
[ -n "$prev" ] && [ "$(readlink "$OUT/latest")" = "$prev" ] && ok "latest still $prev after the failed analysis of $new" ||
  nok "latest is '$(readlink "$OUT/latest")' after the failed analysis of $new (was '$prev')"
[ "$new" != "$prev" ] && [ -s "$OUT/$new/records/kernel.rec" ] && ok "the failed analysis's raw records kept in $new" ||
  nok "no raw records of the failed analysis in '$new'"
# under sudo: the results are the user's, the analysis runs as the user
chmod 755 "$T"
SUDO_UID=65534 SUDO_GID=65534 "$LAB" run --no-isolate --no-trace --paths kernel --duration 1 --out "$T/u" >"$T/u.log" 2>&1; rc=$?
if [ $rc -eq 0 ]; then
  r=$(stat -c '%u:%g' "$T/u" "$T/u/latest" "$T/u/latest/" "$T/u/latest/records/kernel.rec" "$T/u/latest/summary.json" 2>&1 | sort -u | paste -sd' ')
  [ "$r" = "65534:65534" ] && ok "under sudo: the results are uid 65534's" || nok "under sudo: owners $r"
  r=$(find "$T/u" ! -uid 65534 | head -n 3)
  [ -z "$r" ] || nok "under sudo: not handed over: $r"
else
  nok "run with SUDO_UID=65534: exit $rc: $(tail -n 3 "$T/u.log")"
fi
r=$("$LAB" residue); [ -z "$r" ] && ok "no residue" || nok "residue: $r"
tap_done
