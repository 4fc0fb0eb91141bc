#!/usr/bin/env bash
# xsk_attach.sh — lab-xsk's attach and detach: 20 start/stop cycles (SIGINT and SIGTERM, both
# modes) leave no XDP program on dut0 and free every program they loaded; a second instance and a
# foreign XDP program are refused (exit 2); a kill -9 leftover is replaced by the next run and
# removed by setup/lab down; ARP and IPv6 ND still reach the DUT's kernel while attached.
#
#   netns ltNNNN-gen                     netns ltNNNN-dut
#   ping, ping -6 (neighbours flushed)   lab-xsk (xsk | xdptx), reflect.bpf.c on dut0
#   [gen0] <----------- veth -----------> [dut0]
set -u
. "$(dirname "$0")/../lib/netns.sh"
netns_require_root
netns_require_bin xdp/lab-xsk
command -v bpftool >/dev/null || PATH=$PATH:/usr/sbin
XSK="$LAB_BUILD/xdp/lab-xsk"
TMP=$(mktemp -d)
trap '"$LAB" down >/dev/null 2>&1; rm -rf "$TMP"' EXIT
"$LAB" up || tap_bail "setup/lab up failed"
xdp_id() { ip -n "$NS_DUT" link show "$LAB_DUT_IF" | sed -n 's/.*prog\/xdp[a-z]* id \([0-9]*\).*/\1/p'; }

start() { # mode [extra flags]: start lab-xsk in the background, wait until it is ready
  local mode=$1; shift
  rm -f "$TMP/ready"
  ip netns exec "$NS_DUT" "$XSK" --mode "$mode" --ready-file "$TMP/ready" --duration 30 "$@" \
    >"$TMP/out" 2>&1 &
  pid=$!
  for _ in $(seq 100); do [ -f "$TMP/ready" ] && return 0; kill -0 $pid 2>/dev/null || break; sleep 0.05; done
  nok "lab-xsk --mode $mode did not get ready: $(cat "$TMP/out")"
  return 1
}

prog_gone() { # id: the kernel freed the program (give RCU a moment)
  for _ in $(seq 40); do bpftool prog show id "$1" >/dev/null 2>&1 || return 0; sleep 0.05; done
  return 1
}

# 20 cycles
for i in $(seq 1 20); do
  mode=xsk; [ $((i % 2)) -eq 0 ] && mode=xdptx
  sig=INT; [ $((i % 4)) -ge 2 ] && sig=TERM
  start $mode || continue
  id=$(xdp_id)
  [ -n "$id" ] || nok "cycle $i: nothing attached while running"
  kill -$sig $pid; wait $pid; rc=$?
  [ $rc -eq 0 ] || nok "cycle $i ($mode, SIG$sig): exit $rc: $(cat "$TMP/out")"
  [ -z "$(xdp_id)" ] || nok "cycle $i ($mode): XDP program left on dut0"
  [ -n "$id" ] && { prog_gone "$id" || nok "cycle $i ($mode): program id $id still loaded"; }
done
[ "$TAP_FAILS" -eq 0 ] && ok "20 attach/detach cycles, nothing left"

# a second instance on the same interface is refused, and does not disturb the first
start xsk && {
  id=$(xdp_id)
  ip netns exec "$NS_DUT" "$XSK" --mode xdptx --duration 1 >"$TMP/second" 2>&1; rc=$?
  [ $rc -eq 2 ] || nok "second instance: exit $rc, want 2: $(cat "$TMP/second")"
  grep -q "another lab XDP port" "$TMP/second" || nok "second instance: unclear message: $(cat "$TMP/second")"
  [ "$(xdp_id)" = "$id" ] || nok "second instance replaced the first's program"

  # ARP and ND through the attached program: flush the static neighbours so the kernel asks
  ip -n "$NS_GEN" neigh del "$LAB_DUT_V4" dev "$LAB_GEN_IF"
  ip -n "$NS_GEN" neigh del "$LAB_DUT_V6" dev "$LAB_GEN_IF"
  ip netns exec "$NS_GEN" ping -c1 -W2 "$LAB_DUT_V4" >/dev/null || nok "IPv4 ping (ARP) with the program attached"
  ip netns exec "$NS_GEN" ping -6 -c1 -W2 "$LAB_DUT_V6" >/dev/null || nok "IPv6 ping (ND) with the program attached"
  ip -n "$NS_GEN" neigh show "$LAB_DUT_V4" dev "$LAB_GEN_IF" | grep -q "$LAB_DUT_MAC" || nok "ARP did not resolve"
  ip -n "$NS_GEN" neigh show "$LAB_DUT_V6" dev "$LAB_GEN_IF" | grep -q "$LAB_DUT_MAC" || nok "ND did not resolve"
  ip -n "$NS_GEN" neigh replace "$LAB_DUT_V4" lladdr "$LAB_DUT_MAC" dev "$LAB_GEN_IF" nud permanent
  ip -n "$NS_GEN" neigh replace "$LAB_DUT_V6" lladdr "$LAB_DUT_MAC" dev "$LAB_GEN_IF" nud permanent
  kill -INT $pid; wait $pid
  grep -Eq 'passed [1-9]' "$TMP/out" || nok "the program counted no passed frames: $(cat "$TMP/out")"
  ok "second instance refused; ARP and ND reach the DUT kernel while attached"
}

# kill -9 leaves the program attached; the next run replaces it, setup/lab down removes it
start xdptx && {
  kill -9 $pid; wait $pid 2>/dev/null
  [ -n "$(xdp_id)" ] || nok "kill -9: expected the program to stay attached"
  start xsk && {
    grep -q "leftover" "$TMP/out" || nok "leftover not reported: $(cat "$TMP/out")"
    kill -INT $pid; wait $pid || nok "run after kill -9 failed: $(cat "$TMP/out")"
  }
  [ -z "$(xdp_id)" ] || nok "after replacing a leftover: program left on dut0"
  start xdptx && kill -9 $pid && wait $pid 2>/dev/null
  "$LAB" down >/dev/null 2>&1 || nok "setup/lab down after kill -9"
  r=$("$LAB" residue 2>&1); [ -z "$r" ] || nok "residue after kill -9 and down: $r"
  "$LAB" up >/dev/null || nok "setup/lab up again"
  ok "kill -9 leftover replaced by the next run, removed by setup/lab down"
}

# a foreign XDP program is never replaced. The program: libxdp's default AF_XDP program from
# this machine's own library dir (its multiarch name, not a fixed architecture), else a
# two-line XDP program compiled here with clang; when none loads, the check is reported skipped
multiarch=$(gcc -print-multiarch 2>/dev/null || true)
[ -n "$multiarch" ] || multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || true)
foreign_load() { # object: attach it to dut0 (native mode), or say why not
  local out
  [ -f "$1" ] || { why+=" $1: missing;"; return 1; }
  out=$(ip -n "$NS_DUT" link set dev "$LAB_DUT_IF" xdpdrv obj "$1" sec xdp 2>&1) && return 0
  why+=" $1: $(echo "$out" | tail -n 1);"
  return 1
}
why="" foreign=""
for obj in ${multiarch:+/usr/lib/$multiarch/bpf/xsk_def_xdp_prog.o} /usr/lib/bpf/xsk_def_xdp_prog.o \
           /usr/lib64/bpf/xsk_def_xdp_prog.o; do
  foreign_load "$obj" && { foreign=$obj; break; }
done
if [ -z "$foreign" ]; then
  if command -v clang >/dev/null; then
    printf '%s\n' '__attribute__((section("xdp"), used)) int foreign_pass(void *ctx) { return 2; }' \
      'char _license[] __attribute__((section("license"), used)) = "GPL";' >"$TMP/foreign.c"
    if out=$(clang -O2 -target bpf -c "$TMP/foreign.c" -o "$TMP/foreign.o" 2>&1); then
      foreign_load "$TMP/foreign.o" && foreign="$TMP/foreign.o (compiled here)"
    else
      why+=" clang: $(echo "$out" | tail -n 1);"
    fi
  else
    why+=" no clang to compile one;"
  fi
fi
if [ -n "$foreign" ]; then
  id=$(xdp_id)
  [ -n "$id" ] || nok "foreign program: attached, but no program on dut0"
  ip netns exec "$NS_DUT" "$XSK" --duration 1 >"$TMP/foreign" 2>&1; rc=$?
  [ $rc -eq 2 ] || nok "foreign program: exit $rc, want 2: $(cat "$TMP/foreign")"
  grep -q "not the lab's" "$TMP/foreign" || nok "foreign program: unclear message: $(cat "$TMP/foreign")"
  [ "$(xdp_id)" = "$id" ] || nok "foreign program was replaced or removed"
  ip -n "$NS_DUT" link set dev "$LAB_DUT_IF" xdp off
  ok "a foreign XDP program ($foreign) is refused (exit 2) and left in place"
else
  tap_skip 1 "a foreign XDP program is refused" "no foreign XDP program could be attached (multiarch '${multiarch:-unknown}'):${why//$'\n'/ }"
fi

tap_done
