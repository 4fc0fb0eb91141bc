#!/usr/bin/env bash
# gen_udp.sh — lab-gen's UDP backend end to end against a reflector of its own (mini_reflect,
# which drops every 100th packet and sends every 50th twice, so the expected counts are
# exact), over IPv4 and IPv6; a vanished reflector; SIGINT mid-run; the destination guard.
#
#   netns ltNNNN-gen                          netns ltNNNN-dut
#   [lab-gen --backend udp] gen0 <--veth--> dut0 [mini_reflect :7777]
#        LAB_GEN_V4 / LAB_GEN_V6 :7778            LAB_DUT_V4 / LAB_DUT_V6
set -u
. "$(dirname "$0")/../lib/netns.sh"
netns_require_root
netns_require_bin loadgen/lab-gen tests/loadgen/mini_reflect
command -v python3 >/dev/null || tap_skip_all "no python3"
GEN="$LAB_BUILD/loadgen/lab-gen"
REFL="$LAB_BUILD/tests/loadgen/mini_reflect"
T=$(mktemp -d /tmp/lab-gen-test.XXXXXX)
trap '"$LAB" down >/dev/null 2>&1; rm -rf "$T"' EXIT
"$LAB" up || tap_bail "lab up"

jget() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
kv() { tr ' ' '\n' <"$1" | sed -n "s/^$2=//p"; }
rcvbuf_errors() { ip netns exec "$1" awk '/^Udp:/ {n++} /^Udp:/ && n==2 {print $6}' /proc/net/snmp; }
tx_packets() { ip netns exec "$NS_GEN" cat "/sys/class/net/$LAB_GEN_IF/statistics/tx_packets"; }

# rec_check FILE COUNT STATS: the record file is complete, holds COUNT records in order, and
# its flags add up to the stats' received / duplicated
rec_check() {
  python3 - "$1" "$2" "$3" <<'PY'
import json, struct, sys
d = open(sys.argv[1], 'rb').read(); n = int(sys.argv[2]); st = json.load(open(sys.argv[3]))
assert d[:8] == b'LABREC\r\n', 'magic'
flags, count = struct.unpack_from('<IQ', d, 20)
assert flags & 1, 'not complete'
assert count == n == (len(d) - 512) // 48, 'count %d vs %d' % (count, n)
recv = dups = stamped = 0
for i in range(n):
    it, sn, drx, dtx, rv, seq, fl, dp = struct.unpack_from('<QQQQQIHH', d, 512 + 48 * i)
    assert seq == i, 'seq %d at %d' % (seq, i)
    assert fl & 1, 'record %d not sent' % i
    if fl & 2:
        recv += 1
        assert rv >= sn >= it, 'times out of order in %d' % i
    if fl & 4:
        stamped += 1
        assert sn <= drx <= dtx <= rv, 'stamps out of order in %d' % i
    dups += dp
assert recv == st['received'], 'received %d vs %d' % (recv, st['received'])
assert dups == st['duplicated'], 'dups %d vs %d' % (dups, st['duplicated'])
assert stamped == recv, 'stamped %d of %d' % (stamped, recv)
PY
}

# 1. every packet accounted, IPv4 and IPv6
for fam in 4 6; do
  if [ $fam = 4 ]; then dst=$LAB_DUT_V4; ropt=""; else dst=$LAB_DUT_V6; ropt="-6"; fi
  rm -f "$T/ready"
  ip netns exec "$NS_DUT" "$REFL" $ropt -x 100 -u 50 -d 30 -r "$T/ready" >"$T/refl$fam.txt" &
  rpid=$!
  for _ in $(seq 50); do [ -f "$T/ready" ] && break; sleep 0.1; done
  e0=$(rcvbuf_errors "$NS_GEN"); d0=$(rcvbuf_errors "$NS_DUT")
  ip netns exec "$NS_GEN" timeout -s INT -k 5 30 "$GEN" --backend udp --dst "$dst" --rate 10000 \
    --count 10000 --stamp --path kernel --out "$T/v$fam.rec" --stats-json "$T/v$fam.json" \
    2>"$T/gen$fam.log"
  rc=$?
  kill -INT $rpid; wait $rpid
  e1=$(rcvbuf_errors "$NS_GEN"); d1=$(rcvbuf_errors "$NS_DUT")
  if [ $rc -ne 0 ]; then nok "IPv$fam: lab-gen exited $rc: $(tail -n1 "$T/gen$fam.log")"; continue; fi
  if [ "$e0" != "$e1" ] || [ "$d0" != "$d1" ]; then
    nok "IPv$fam: the kernel dropped at a socket (gen $e0->$e1, dut $d0->$d1): counts not exact"
    continue
  fi
  S="$T/v$fam.json"
  got="sent=$(jget $S sent) received=$(jget $S received) lost=$(jget $S lost) duplicated=$(jget $S duplicated) malformed=$(jget $S malformed) foreign=$(jget $S foreign) send_failed=$(jget $S send_failed)"
  # 10000 sent; the reflector drops n%100==0 (100) and doubles n%50==0 but not dropped (100)
  want="sent=10000 received=9900 lost=100 duplicated=100 malformed=0 foreign=0 send_failed=0"
  [ "$got" = "$want" ] && ok "IPv$fam: $got" || nok "IPv$fam: got $got, want $want"
  [ "$(kv "$T/refl$fam.txt" received)" = 10000 ] || nok "IPv$fam: reflector saw $(cat "$T/refl$fam.txt")"
  if err=$(rec_check "$T/v$fam.rec" 10000 "$S" 2>&1); then ok "IPv$fam: record file matches the stats"
  else nok "IPv$fam: record file: $(echo "$err" | tail -n1)"; fi
done

# 2. no reflector: the run still ends by itself, everything counted lost
ip netns exec "$NS_GEN" timeout -s KILL 30 "$GEN" --backend udp --rate 10000 --count 2000 \
  --tail-ms 100 --stats-json "$T/gone.json" --quiet
rc=$?
if [ $rc -eq 0 ] && [ "$(jget "$T/gone.json" lost)" = 2000 ] && [ "$(jget "$T/gone.json" received)" = 0 ]; then
  ok "vanished reflector: 2000 sent, 2000 lost"
else nok "vanished reflector: exit $rc, $(cat "$T/gone.json" 2>/dev/null | tr -d '\n ' | head -c 200)"; fi

# 3. SIGINT mid-run: exit 0, a complete record file with what was sent
ip netns exec "$NS_DUT" "$REFL" -d 30 >/dev/null &
rpid=$!
sleep 0.2
ip netns exec "$NS_GEN" "$GEN" --backend udp --rate 5000 --duration 20 --stamp --out "$T/int.rec" \
  --stats-json "$T/int.json" --quiet &
gpid=$!
sleep 1.5
kill -INT $gpid
t0=$(date +%s%N); wait $gpid; rc=$?; t1=$(date +%s%N)
kill -INT $rpid; wait $rpid
sent=$(jget "$T/int.json" sent 2>/dev/null)
if [ $rc -eq 0 ] && [ "$(jget "$T/int.json" interrupted)" = True ] && [ -n "$sent" ] && [ "$sent" -gt 0 ] &&
   rec_check "$T/int.rec" "$sent" "$T/int.json"; then
  ok "SIGINT: exit 0 after $(( (t1 - t0) / 1000000 )) ms, $sent records, file complete"
else nok "SIGINT: exit $rc, sent '$sent'"; fi

# 4. the guard: a non-benchmark destination is refused before anything is sent
before=$(tx_packets)
for args in "--dst 10.1.2.3" "--dst 2001:db8::1" "--dst 8.8.8.8 --allow-dst" "--dst 192.0.2.1 --allow-dst --hw"; do
  ip netns exec "$NS_GEN" "$GEN" --backend udp --count 10 $args 2>"$T/guard.log"
  rc=$?
  [ $rc -eq 2 ] && ok "guard: $args -> exit 2 ($(head -c 90 "$T/guard.log"))" || nok "guard: $args -> exit $rc"
done
after=$(tx_packets)
[ "$before" = "$after" ] && ok "guard: gen0 sent nothing ($before tx packets before and after)" \
  || nok "guard: gen0 tx_packets $before -> $after"

# 5. usage errors exit 2
for args in "--size 70 --stamp" "--size 81 --dst $LAB_DUT_V6" "--pattern zigzag" "--count 5 --duration 1" "--rate 0"; do
  ip netns exec "$NS_GEN" "$GEN" --backend udp $args 2>/dev/null
  rc=$?; [ $rc -eq 2 ] && ok "usage: $args -> 2" || nok "usage: $args -> $rc"
done

tap_done
