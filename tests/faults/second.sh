#!/usr/bin/env bash
# second.sh — a second instance on what a running one holds is refused with one clear line and
# the first keeps working: lab-xsk twice on dut0, lab-dpdk twice (same prefix; same interface
# under another prefix), lab-dpdk beside lab-xsk and lab-xsk beside lab-dpdk, lab-gen (xsk)
# twice on gen0, lab-kern twice on port 7777 (when built).
#
#   netns ltNNNN-gen                               netns ltNNNN-dut
#   lab-gen (first) + lab-gen (second: refused)     first reflector + second: refused
#   [gen0] <------------------- veth -------------------> [dut0]
set -u
. "$(dirname "$0")/lib.sh"
faults_require_root
netns_require_bin loadgen/lab-gen
"$LAB" up >/dev/null || tap_bail "setup/lab up"

# refused WHAT PATTERN CMD...: CMD exits 1 or 2 (not 0, not a crash) with PATTERN in its one line
refused() {
  local what=$1 pat=$2 out rc; shift 2
  out=$(timeout -s KILL 30 "$@" 2>&1); rc=$?
  if [ $rc -ne 1 ] && [ $rc -ne 2 ]; then nok "$what: exit $rc, not refused: $(echo "$out" | tail -n 2 | tr '\n' ' ')"; return; fi
  echo "$out" | grep -qi -- "$pat" || nok "$what: refused without a clear reason: $out"
  echo "# $what: exit $rc: $(echo "$out" | grep -i -- "$pat" | head -n 1)"
}

# still_works WHAT: the first instance still reflects every packet
still_works() {
  gen_start "$1" --rate 2000 --count 500
  gen_wait
  [ $GEN_RC -eq 0 ] || nok "$1: lab-gen exited $GEN_RC"
  gen_check "$1" zero
}

in_dut=(ip netns exec "$NS_DUT")

if [ -x "$XSK" ]; then
  refl_start xsk first.xsk || nok "lab-xsk did not start"
  refused "lab-xsk twice" "another lab XDP port" "${in_dut[@]}" "$XSK" --duration 1
  refused "lab-xsk xdptx beside xsk" "another lab XDP port" "${in_dut[@]}" "$XSK" --mode xdptx --duration 1
  [ -x "$DPDK" ] && refused "lab-dpdk beside lab-xsk" "already has a lab AF_XDP port" \
    "${in_dut[@]}" "$DPDK" --prefix "$LLAB_PREFIX" --duration 1 --stats-interval 0
  still_works xsk.after
  refl_stop
fi
if [ -x "$DPDK" ]; then
  refl_start dpdk first.dpdk || nok "lab-dpdk did not start"
  refused "lab-dpdk twice (same prefix)" "in use" "${in_dut[@]}" "$DPDK" --prefix "$LLAB_PREFIX" --duration 1 --stats-interval 0
  refused "lab-dpdk twice (same interface, other prefix)" "already has a lab-dpdk" \
    "${in_dut[@]}" "$DPDK" --prefix "${LLAB_PREFIX}x" --duration 1 --stats-interval 0
  [ -x "$XSK" ] && refused "lab-xsk beside lab-dpdk" "another lab XDP port" "${in_dut[@]}" "$XSK" --duration 1
  still_works dpdk.after
  refl_stop
  rm -rf /var/run/dpdk/"${LLAB_PREFIX}x"* 2>/dev/null
fi
if [ -x "$KERN" ]; then
  refl_start kernel first.kern || nok "lab-kern did not start"
  refused "lab-kern twice" "in use\|already" "${in_dut[@]}" "$KERN" --duration 1
  still_works kern.after
  refl_stop
fi
if [ -x "$XSK" ]; then
  # two generators on gen0: the second must not steal the first one's replies
  refl_start xdptx gen.refl || nok "lab-xsk xdptx did not start"
  gen_start gen.first --rate 1000 --duration 4
  sleep 1
  refused "lab-gen twice on gen0" "another lab XDP port" ip netns exec "$NS_GEN" "$GEN" --count 10 --quiet
  gen_wait
  [ $GEN_RC -eq 0 ] || nok "first lab-gen exited $GEN_RC"
  gen_check gen.first zero
  refl_stop
fi
"$LAB" down >/dev/null 2>&1
lab_residue_empty "second instances"
[ "$TAP_FAILS" -eq 0 ] && ok "second instances refused with a reason, first instances unharmed"
tap_done
