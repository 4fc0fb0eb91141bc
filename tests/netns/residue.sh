#!/usr/bin/env bash
# residue.sh — setup/lab up and down leave nothing behind: after a full up, after an up that
# failed at each step half-way, and across repeated cycles. Uses its own random prefix.
#
#   netns ltNNNN-gen [gen0] <--veth--> [dut0] ltNNNN-dut
set -u
. "$(dirname "$0")/../lib/netns.sh"
netns_require_root
trap '"$LAB" down >/dev/null 2>&1; LLAB_PREFIX=${LLAB_PREFIX}1 "$LAB" down >/dev/null 2>&1' EXIT

HP_BEFORE=$(cat /proc/sys/vm/nr_hugepages)
check_clean() { # label
  local r
  r=$("$LAB" residue 2>&1)
  if [ -n "$r" ]; then nok "residue after $1: $r"; else ok "clean after $1"; fi
}

# a full up/down
"$LAB" up || tap_bail "up failed"
ip netns exec "$NS_DUT" ping -c1 -W2 "$LAB_GEN_V4" >/dev/null || { nok "no IPv4 between gen and dut"; }
ip netns exec "$NS_GEN" ping -6 -c1 -W2 "$LAB_DUT_V6" >/dev/null || { nok "no IPv6 between gen and dut"; }
if ip -n "$NS_GEN" route show default | grep -q . ; then nok "default route in $NS_GEN"; fi
ip netns exec "$NS_GEN" ethtool -k "$LAB_GEN_IF" | grep -q '^tx-checksumming: off' || { nok "tx offload on"; }
"$LAB" up || { nok "second up (idempotent) failed"; }
# a leftover as a crash would leave it: a DPDK runtime dir and a hugepage file of ours (named as
# lab-dpdk names them: EAL file prefix "$P-dpdk"); and the same of prefix "${P}1", up at the same
# time: down for $P must leave its files alone (a bare "$P*" glob took them)
OTHER="${LLAB_PREFIX}1"
LLAB_PREFIX=$OTHER "$LAB" up || { nok "up of a second prefix $OTHER failed"; }
mkdir -p "/var/run/dpdk/${LLAB_PREFIX}-dpdk" "/var/run/dpdk/${OTHER}-dpdk"
hm=$(awk '$3 == "hugetlbfs" {print $2; exit}' /proc/mounts)
touch "$hm/${LLAB_PREFIX}-dpdkmap_0" "$hm/${OTHER}-dpdkmap_0"
# held as a live DPDK process holds its pages: a DPDK primary starting elsewhere clears every
# unlocked "*map_*" file of the hugepage dir, whatever its prefix
exec {LK}<"$hm/${OTHER}-dpdkmap_0"; flock -s "$LK"
"$LAB" residue | grep -q "${LLAB_PREFIX}-dpdk" || { nok "residue does not list our DPDK dir"; }
"$LAB" residue | grep -q "$OTHER" && { nok "residue of $LLAB_PREFIX lists $OTHER's files"; }
"$LAB" down || { nok "down failed"; }
check_clean "up, crash leftovers, down"
if [ -d "/var/run/dpdk/${OTHER}-dpdk" ] && [ -e "$hm/${OTHER}-dpdkmap_0" ]; then
  ok "down for $LLAB_PREFIX left prefix $OTHER's files alone"
else
  nok "down for $LLAB_PREFIX deleted prefix $OTHER's files"
fi
exec {LK}<&-
LLAB_PREFIX=$OTHER "$LAB" down || { nok "down of $OTHER failed"; }
r=$(LLAB_PREFIX=$OTHER "$LAB" residue 2>&1)
[ -z "$r" ] && ok "clean after down of $OTHER" || { nok "residue of $OTHER: $r"; }
"$LAB" down || { nok "second down (idempotent) failed"; }

# an up that fails half-way, at every step, then down
for step in start netns veth addresses hugepages; do
  LAB_FAIL_AT=$step "$LAB" up 2>/dev/null && { nok "LAB_FAIL_AT=$step did not fail"; }
  "$LAB" down || { nok "down after failed up ($step)"; }
  check_clean "up failed at $step"
done

# the forward topology: the second pair, its routing, and down removing all of it; an up that
# fails half-way in it (the second pair is made at the veth step too)
"$LAB" up --topology forward || { nok "up --topology forward failed"; }
ip -n "$NS_GEN" link show "$LAB_GEN1_IF" >/dev/null 2>&1 && ip -n "$NS_DUT" link show "$LAB_DUT1_IF" >/dev/null 2>&1 ||
  { nok "forward: gen1/dut1 missing"; }
ip netns exec "$NS_DUT" ping -c1 -W2 "$LAB_GEN1_V4" >/dev/null || { nok "forward: no IPv4 on the second link"; }
ip netns exec "$NS_DUT" ping -6 -c1 -W2 "$LAB_GEN1_V6" >/dev/null || { nok "forward: no IPv6 on the second link"; }
[ "$(ip netns exec "$NS_GEN" ip route get "$LAB_GEN1_V4" | awk '{for(i=1;i<NF;i++) if($i=="dev") print $(i+1); exit}')" = "$LAB_GEN_IF" ] ||
  { nok "forward: the generator does not route $LAB_GEN1_V4 out of $LAB_GEN_IF"; }
"$LAB" up || { nok "up (reflect) on a forward lab failed"; }
ip -n "$NS_GEN" link show "$LAB_GEN1_IF" >/dev/null 2>&1 || { nok "a plain up removed the second link"; }
"$LAB" up --topology bogus 2>/dev/null; [ $? = 2 ] || { nok "--topology bogus is not a usage error"; }
"$LAB" down || { nok "down (forward) failed"; }
check_clean "up --topology forward, down"
for step in veth addresses; do
  LAB_FAIL_AT=$step "$LAB" up --topology forward 2>/dev/null && { nok "forward LAB_FAIL_AT=$step did not fail"; }
  "$LAB" down || { nok "down after failed forward up ($step)"; }
  check_clean "forward up failed at $step"
done
"$LAB" up --gen-if x,y --dut-if z 2>/dev/null; [ $? = 2 ] || { nok "three ports are not a usage error"; }
"$LAB" up --topology forward --gen-if x --dut-if z 2>/dev/null; [ $? = 2 ] || { nok "forward with two ports is not a usage error"; }
"$LAB" up --topology forward --gen-if x,y --dut-if z,x 2>/dev/null; [ $? = 2 ] || { nok "a port named twice is not a usage error"; }
check_clean "refused hardware-mode port lists"

# cycles
for i in $(seq 1 "${LAB_CYCLES:-3}"); do
  "$LAB" up && "$LAB" down || { nok "cycle $i"; }
done
check_clean "${LAB_CYCLES:-3} cycles"

# check measures the core isolated at run time and must put everything back, sysctls too
sc_before=$(sysctl -n net.core.busy_read net.core.busy_poll | tr '\n' ' ')
"$LAB" check >/dev/null 2>&1
check_clean "check"
sc_after=$(sysctl -n net.core.busy_read net.core.busy_poll | tr '\n' ' ')
[ "$sc_before" = "$sc_after" ] || { nok "check left busy_read/busy_poll at $sc_after (were $sc_before)"; }

HP_AFTER=$(cat /proc/sys/vm/nr_hugepages)
if [ "$HP_BEFORE" != "$HP_AFTER" ] && [ ! -d /run/llab-state ]; then
  nok "nr_hugepages $HP_BEFORE before, $HP_AFTER after"
fi
tap_done
