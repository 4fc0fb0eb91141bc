#!/usr/bin/env bash
# stamps.sh — `setup/lab run --paths kernel --stamps kernel` end to end in a lab of its own:
# every packet accounted for, and each packet's kernel and user stamps (stamps/kernel.*.stp)
# judged by stamps_check.py from the raw files: kernel RX stamps never later than the user
# reads, kernel TX stamps never earlier, the RTT from kernel stamps against the RTT from user
# reads of the same packet, and lab-analyze's figures against the same files. Then the
# refusals: --stamps foo and --stamps hw on the veth lab (down, and up) are one line, exit 2,
# nothing made or changed.
#
#   netns ltNNNN-gen [gen0] <--veth--> [dut0] ltNNNN-dut
#   lab-gen (udp backend, SO_TIMESTAMPING) -> lab-kern (SO_TIMESTAMPING RX and TX) -> lab-gen
set -u
. "$(dirname "$0")/../lib/netns.sh"
netns_require_root
netns_require_bin loadgen/lab-gen kernelpath/lab-kern analysis/lab-analyze
export LAB_BUILD_DIR="$LAB_BUILD" LAB_SKIP_DEPS=1 LAB_SKIP_BUILD=1
OUT=$(mktemp -d /tmp/lab-stamps-test.XXXXXX)
trap '"$LAB" down >/dev/null 2>&1; rm -rf "$OUT"' EXIT

if "$LAB" run --paths kernel --stamps kernel --duration 1 --rate 5000 --no-isolate --no-trace \
     --out "$OUT/res" >"$OUT/run.log" 2>&1; then
  R="$OUT/res/latest"
  if out=$(python3 "$(dirname "$0")/stamps_check.py" "$R" kernel kernel); then ok "$out"; else nok "$out"; fi
  line=$(grep '^Stamps' "$R/summary.md")
  case $line in *"kernel kernel/kernel/kernel/kernel, cost gen_tx "*) ok "summary.md: ${line:0:160}" ;;
    *) nok "summary.md has no stamps line with the kernel's sources and costs: '$line'" ;; esac
  grep -q '<p class="note">Stamps' "$R/report.html" && ok "report.html has the line" || nok "report.html: no stamps line"
else
  nok "run --stamps kernel failed: $(tail -n 3 "$OUT/run.log" | tr '\n' ' ')"
fi
r=$("$LAB" residue 2>&1); [ -z "$r" ] && ok "no residue after the run" || nok "residue: $r"

# refusals: one line, exit 2, nothing made (no results, no namespace), nothing changed
refuse() {
  local what=$1; shift
  "$LAB" run --paths kernel --quick --no-isolate --no-trace --out "$OUT/bad" "$@" >"$OUT/o" 2>"$OUT/e"
  local rc=$? lines; lines=$(wc -l <"$OUT/e")
  if [ "$rc" = 2 ] && [ "$lines" = 1 ] && [ ! -s "$OUT/o" ] && [ ! -e "$OUT/bad" ]; then
    ok "$what refused: $(cat "$OUT/e")"
  else
    nok "$what: exit $rc, $lines stderr lines, $(wc -c <"$OUT/o") stdout bytes: $(tr '\n' ' ' <"$OUT/e")"
  fi
  rm -rf "$OUT/bad"
}
refuse "--stamps foo" --stamps foo
refuse "--stamps hw, lab down" --stamps hw
ip netns list | grep -q "^$LLAB_PREFIX-" && nok "a refusal made a namespace"
r=$("$LAB" residue 2>&1); [ -z "$r" ] && ok "no residue after the refusals" || nok "residue: $r"
# with the lab up, hw is probed on its ports (ethtool -T: veth has no PHC) and the lab is left up
"$LAB" up >/dev/null 2>&1 || nok "setup/lab up failed"
before=$(ip netns list | grep "^$LLAB_PREFIX-" | sort)
refuse "--stamps hw, lab up" --stamps hw
grep -q 'PTP hardware clock' "$OUT/e" || nok "the hw refusal does not say why (no PTP hardware clock)"
[ "$(ip netns list | grep "^$LLAB_PREFIX-" | sort)" = "$before" ] || nok "the hw refusal changed the lab's namespaces"
"$LAB" down >/dev/null 2>&1
r=$("$LAB" residue 2>&1); [ -z "$r" ] && ok "no residue at the end" || nok "residue: $r"

tap_done
