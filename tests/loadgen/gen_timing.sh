#!/usr/bin/env bash
# gen_timing.sh — lab-gen's --timing user (sockperf's way of taking times) against lab-kern,
# beside the default kernel timing on the same reflector. Checks only what holds by construction
# of the method, no latency bound: the stats and the summary say which timing ran; user timing
# takes no kernel stamp; every record is ordered (intended <= sent <= DUT rx <= DUT tx <=
# received: the clock is read before sendto, after the receive returns, the schedule is kept);
# the schedule is the same in both timings; the user-timing RTT p50 is not below the kernel
# one (its interval holds the kernel's: the stamps are taken inside the calls its clock reads
# bracket); it stays open loop (no reflector: every packet still sent, the run ends); and
# --timing user with another backend, or an unknown timing, is a one-line usage error (exit 2).
#
#   netns ltNNNN-gen                               netns ltNNNN-dut
#   [lab-gen --backend udp --timing kernel|user]   [lab-kern --mode blocking :7777]
#   gen0 LAB_GEN_V4 :7778 <-------- veth --------> dut0 LAB_DUT_V4
set -u
. "$(dirname "$0")/../lib/netns.sh"
netns_require_root
netns_require_bin loadgen/lab-gen kernelpath/lab-kern
command -v python3 >/dev/null || tap_skip_all "no python3"
GEN="$LAB_BUILD/loadgen/lab-gen"
KERN="$LAB_BUILD/kernelpath/lab-kern"
T=$(mktemp -d /tmp/lab-gen-timing.XXXXXX)
KPID=""
trap '[ -n "$KPID" ] && kill -KILL "$KPID" 2>/dev/null; "$LAB" down >/dev/null 2>&1; rm -rf "$T"' EXIT
jget() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

"$LAB" up || tap_bail "lab up"
# 1. usage errors, in the generator's namespace (where the run would otherwise start): exit 2,
# exactly one line on stderr, and that line is about --timing
for args in "--timing user --backend xsk" "--timing user" "--timing wall --backend udp"; do
  # (no --backend: the default is xsk where it is built, else udp: accepted there)
  [ "$args" = "--timing user" ] && ! "$GEN" --version | grep -q xsk && continue
  ip netns exec "$NS_GEN" "$GEN" $args --count 10 --quiet 2>"$T/usage.err" >/dev/null
  rc=$?
  lines=$(wc -l <"$T/usage.err")
  if [ $rc -eq 2 ] && [ "$lines" -eq 1 ] && grep -q -- "--timing" "$T/usage.err"; then
    ok "usage: $args -> exit 2: $(cat "$T/usage.err")"
  else nok "usage: $args -> exit $rc, $lines line(s): $(head -c 200 "$T/usage.err")"; fi
done
"$GEN" --help | grep -q -- "--timing T" && ok "--help names --timing" || nok "--help does not name --timing"

rm -f "$T/ready"
ip netns exec "$NS_DUT" "$KERN" --mode blocking --iface "$LAB_DUT_IF" --ready-file "$T/ready" --duration 120 \
  >"$T/kern.out" 2>"$T/kern.err" &
KPID=$!
for _ in $(seq 100); do [ -s "$T/ready" ] && break; sleep 0.05; done
[ -s "$T/ready" ] || tap_bail "lab-kern did not get ready: $(cat "$T/kern.err")"

# 2. the same schedule in each timing, stamped by the reflector
for t in kernel user; do
  ip netns exec "$NS_GEN" timeout -s INT -k 5 60 "$GEN" --backend udp --timing $t --rate 2000 --count 2000 \
    --size 106 --stamp --path kernel --out "$T/$t.rec" --stats-json "$T/$t.json" 2>"$T/$t.log"
  rc=$?
  [ $rc -eq 0 ] && ok "$t timing: exit 0" || nok "$t timing: exit $rc: $(tail -n1 "$T/$t.log")"
  [ "$(jget "$T/$t.json" timing 2>/dev/null)" = $t ] && ok "$t timing: stats say timing $t" \
    || nok "$t timing: stats timing '$(jget "$T/$t.json" timing 2>/dev/null)'"
done
if grep -q "tx=user rx=user" "$T/user.log" && [ "$(jget "$T/user.json" tx_timestamps)" = 0 ]; then
  ok "user timing: mode '$(jget "$T/user.json" mode)', no kernel TX stamp used"
else nok "user timing: mode '$(jget "$T/user.json" mode)', tx_timestamps $(jget "$T/user.json" tx_timestamps)"; fi

# every record ordered; the same intended times; p50 of user timing >= p50 of kernel timing
if out=$(python3 - "$T/kernel.rec" "$T/user.rec" "$T/kernel.json" "$T/user.json" <<'PY'
import json, struct, sys
def load(f):
    d = open(f, 'rb').read()
    assert d[:8] == b'LABREC\r\n', 'magic'
    hl = struct.unpack_from('<I', d, 12)[0]
    return list(struct.iter_unpack('<QQQQQIHH', d[hl:hl + (len(d) - hl) // 48 * 48]))
k, u = load(sys.argv[1]), load(sys.argv[2])
sk, su = json.load(open(sys.argv[3])), json.load(open(sys.argv[4]))
assert len(k) == len(u) == 2000, 'records %d / %d' % (len(k), len(u))
p50 = {}
for name, recs, st in (('kernel', k, sk), ('user', u, su)):
    rtt, got = [], 0
    for i, (it, sn, drx, dtx, rv, seq, fl, dp) in enumerate(recs):
        assert fl & 1, '%s: record %d not sent' % (name, i)
        if name == 'user':
            # the loop sends a packet when its time has come, and the clock is read after that
            assert sn >= it, 'user: record %d sent %d before its intended %d' % (i, sn, it)
        if fl & 2:
            got += 1
            assert sn <= rv, '%s: record %d received %d before sent %d' % (name, i, rv, sn)
            if fl & 4:
                assert sn <= drx <= dtx <= rv, '%s: record %d stamps out of order' % (name, i)
            rtt.append(rv - sn)
    assert got == st['received'] and got > 0, '%s: %d received in records, %d in stats' % (name, got, st['received'])
    rtt.sort()
    p50[name] = rtt[(len(rtt) - 1) // 2]
# open loop: the schedule does not depend on the timing (same seed, same gaps)
assert all(a[0] - k[0][0] == b[0] - u[0][0] for a, b in zip(k, u)), 'intended times differ'
assert p50['user'] >= p50['kernel'], 'user p50 %d below kernel p50 %d' % (p50['user'], p50['kernel'])
print('records ordered in both, same schedule; RTT p50 from the actual send: kernel %.1f us, user %.1f us'
      % (p50['kernel'] / 1e3, p50['user'] / 1e3))
PY
); then ok "$out"; else nok "records: $(echo "$out" | tail -n1)"; fi
kill -TERM "$KPID"; wait "$KPID"; KPID=""

# 3. open loop in user timing: with nothing to reply, every packet is still sent and the run ends
ip netns exec "$NS_GEN" timeout -s KILL 30 "$GEN" --backend udp --timing user --rate 10000 --count 2000 \
  --tail-ms 100 --stats-json "$T/gone.json" --quiet
rc=$?
if [ $rc -eq 0 ] && [ "$(jget "$T/gone.json" sent)" = 2000 ] && [ "$(jget "$T/gone.json" received)" = 0 ]; then
  ok "user timing, no reflector: 2000 sent, 0 received, exit 0"
else nok "user timing, no reflector: exit $rc, $(tr -d '\n ' <"$T/gone.json" 2>/dev/null | head -c 200)"; fi

tap_done
