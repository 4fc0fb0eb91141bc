#!/usr/bin/env bash
# xsk_numbered.sh — 4096 numbered lab packets (and 512 over IPv6) through lab-xsk in each mode,
# xsk (AF_XDP reflector) and xdptx (XDP_TX in the driver): every packet comes back in order,
# reflected and stamped, and the counters of both sides are exact. Then the program is gone.
#
#   netns ltNNNN-gen                                 netns ltNNNN-dut
#   lab-xsend: UDP socket LAB_GEN_V4:7778 -> LAB_DUT_V4:7777  lab-xsk --mode xsk|xdptx
#     replies via AF_XDP (xsk_port, reflected only)    reflect.bpf.c on dut0
#   [gen0] <------------------- veth -------------------> [dut0]
set -u
. "$(dirname "$0")/../lib/netns.sh"
netns_require_root
netns_require_bin xdp/lab-xsk tests/xdp/lab-xsend
XSK="$LAB_BUILD/xdp/lab-xsk"
SEND="$LAB_BUILD/tests/xdp/lab-xsend"
TMP=$(mktemp -d)
trap '"$LAB" down >/dev/null 2>&1; rm -rf "$TMP"' EXIT
"$LAB" up || tap_bail "setup/lab up failed"

N4=4096 N6=512 BAD=7
for mode in xsk xdptx; do
  rm -f "$TMP/ready" "$TMP/$mode.json"
  # --duration bounds the run should the SIGINT below never come
  ip netns exec "$NS_DUT" "$XSK" --mode "$mode" --ready-file "$TMP/ready" \
    --stats-json "$TMP/$mode.json" --duration 60 >"$TMP/$mode.out" 2>&1 &
  pid=$!
  for _ in $(seq 100); do [ -f "$TMP/ready" ] && break; sleep 0.1; done
  [ -f "$TMP/ready" ] || { nok "$mode: lab-xsk not ready: $(cat "$TMP/$mode.out")"; kill -INT $pid; wait $pid; continue; }
  ip -n "$NS_DUT" link show "$LAB_DUT_IF" | grep -q 'prog/xdp' || nok "$mode: no XDP program on dut0"

  out4=$(ip netns exec "$NS_GEN" "$SEND" --xsk "$LAB_GEN_IF" --count $N4 --stamp --window 64 --bad $BAD -q) ||
    nok "$mode: IPv4: $out4"
  echo "# $mode v4: $out4"
  out6=$(ip netns exec "$NS_GEN" "$SEND" -6 --xsk "$LAB_GEN_IF" --count $N6 --size 160 --stamp --window 64 -q) ||
    nok "$mode: IPv6: $out6"
  echo "# $mode v6: $out6"

  t0=$(date +%s%N)
  kill -INT $pid
  wait $pid; rc=$?
  dt_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  [ $rc -eq 0 ] || nok "$mode: lab-xsk exited $rc: $(cat "$TMP/$mode.out")"
  [ $dt_ms -le 2000 ] || nok "$mode: SIGINT took $dt_ms ms to stop lab-xsk"
  grep -q 'totals' "$TMP/$mode.out" || nok "$mode: no totals printed on SIGINT"
  ip -n "$NS_DUT" link show "$LAB_DUT_IF" | grep -q 'prog/xdp' && nok "$mode: XDP program left on dut0"

  # exact counters: every lab packet of ours, the broken ones counted malformed by the program
  python3 - "$TMP/$mode.json" "$mode" $((N4 + N6)) $BAD <<'PY' || nok "$mode: counters"
import json, sys
s = json.load(open(sys.argv[1])); mode = sys.argv[2]; n = int(sys.argv[3]); bad = int(sys.argv[4])
b, d = s["bpf"], s["drops"]
# lab-xsk's own not_lab/malformed count what reached its socket (nothing but lab traffic); in
# xdptx mode they are the program's
want = {"path": mode, "received": n, "reflected": n, "tx_errors": 0,
        "not_lab": 0 if mode == "xsk" else b["passed"], "malformed": 0 if mode == "xsk" else bad}
got = {k: s[k] for k in want}
exp_b = {"lab": n, "malformed": bad, "errors": 0,
         "redirected": n if mode == "xsk" else 0, "tx": n if mode == "xdptx" else 0}
got_b = {k: b[k] for k in exp_b}
drops = {k: v for k, v in d.items() if k != "xsk_tx_ring_empty" and v}
ok = got == want and got_b == exp_b and not drops
print("# %s: %s mode '%s' bpf %s drops %s" % (mode, "exact" if ok else "WRONG", s["mode"], b, d))
if not ok:
    print("# want %s bpf %s, got %s bpf %s, nonzero drops %s" % (want, exp_b, got, got_b, drops))
sys.exit(0 if ok else 1)
PY
done

[ "$TAP_FAILS" -eq 0 ] && ok "$N4 + $N6 numbered packets through xsk and xdptx, in order, counters exact"
tap_done
