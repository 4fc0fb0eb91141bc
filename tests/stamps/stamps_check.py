#!/usr/bin/env python3
"""stamps_check.py RUN_DIR PATH MODE — judge one run of `setup/lab run --stamps MODE` on PATH
(lab-gen's udp backend and lab-kern, both with their side files) against what must hold for the
same packet, computed from the raw files with this script's own parser (rec.h and stp.h
layouts), not from lab-analyze:
- a kernel RX stamp is taken before the receive call returns: never later than the user read
  after it; a kernel TX stamp is taken in the driver's transmit, inside the send call: never
  earlier than the user read before it. Hence the RTT from kernel stamps is never longer than
  the RTT from user reads of the same packet;
- the record file holds MODE's values (dut_tx: always the frame's user read);
- every received packet has both sources at all four points.
Then lab-analyze's summary.json against the same raw files: paths.<p>.stamps, the RTT from
actual send (p50, p99, nearest rank), the inside-DUT leg from the kernel's stamps (its dut_tx
from the side file), stack_cost_ns and unaccounted 0.
Prints counts and the per-packet user-vs-kernel RTT difference; exit 1 listing every kind of
violation found."""
import json, struct, sys

run, path, mode = sys.argv[1:4]
POINTS = ("gen_tx", "dut_rx", "dut_tx", "gen_rx")
SRC = ("none", "user", "kernel", "hw")


def read_stp(p):
    b = open(p, "rb").read()
    assert b[:8] == b"LABSTP\r\n", p + ": bad magic"
    ver, hl, rl = struct.unpack_from("<III", b, 8)
    assert (ver, hl, rl) == (1, 64, 24), p + ": header %r" % ((ver, hl, rl),)
    used = {POINTS[i]: SRC[b[24 + i]] for i in range(4) if b[24 + i]}
    pairs = {}
    for off in range(64, len(b) - 23, 24):
        seq, pt, fl, _, u, k = struct.unpack_from("<IBBHQQ", b, off)
        pairs.setdefault((POINTS[pt], seq), (fl, u, k))  # the first of duplicates
    return used, pairs


def read_rec(p):
    b = open(p, "rb").read()
    assert b[:8] == b"LABREC\r\n", p + ": bad magic"
    hl, rl = struct.unpack_from("<II", b, 12)
    return [struct.unpack_from("<QQQQQIHH", b, off) for off in range(hl, len(b) - rl + 1, rl)]


def pct(v, p):  # nearest rank, as the lab documents it
    v = sorted(v)
    i = max(0, min(len(v) - 1, -(-len(v) * p // 100) - 1))
    return v[int(i)]


gused, gen = read_stp("%s/stamps/%s.gen.stp" % (run, path))
dused, dut = read_stp("%s/stamps/%s.dut.stp" % (run, path))
pairs = {**gen, **dut}
recs = read_rec("%s/records/%s.rec" % (run, path))
bad = {}
n = dict(received=0, rx=0, tx=0, rtt=0)
rtt_k, rtt_u, in_k, cost = [], [], [], {pt: [] for pt in POINTS}


def fail(kind, msg):
    bad.setdefault(kind, []).append(msg)


if {**gused, **dused} != {pt: mode for pt in POINTS}:
    fail("header", "side files' sources %r, not %s at every point" % ({**gused, **dused}, mode))
for intended, sent, drx, dtx, recv, seq, flags, dups in recs:
    if not (flags & 0x2):
        continue
    n["received"] += 1
    got = {}
    for pt in POINTS:
        p = pairs.get((pt, seq))
        if p is None or p[0] != 3:
            fail("missing", "seq %d: %s has %s" % (seq, pt, "no pair" if p is None else "flags %d" % p[0]))
        else:
            got[pt] = p
    if len(got) < 4:
        continue
    for pt in ("dut_rx", "gen_rx"):
        _, u, k = got[pt]
        n["rx"] += 1
        cost[pt].append(u - k)
        if k > u:
            fail("rx_order", "seq %d: %s kernel %d later than user %d by %d ns" % (seq, pt, k, u, k - u))
    for pt in ("gen_tx", "dut_tx"):
        _, u, k = got[pt]
        n["tx"] += 1
        cost[pt].append(k - u)
        if k < u:
            fail("tx_order", "seq %d: %s kernel %d earlier than user %d by %d ns" % (seq, pt, k, u, u - k))
    rk = got["gen_rx"][2] - got["gen_tx"][2]
    ru = got["gen_rx"][1] - got["gen_tx"][1]
    n["rtt"] += 1
    rtt_k.append(rk)
    rtt_u.append(ru)
    in_k.append(got["dut_tx"][2] - got["dut_rx"][2])
    if rk > ru:
        fail("rtt", "seq %d: RTT kernel %d > user %d" % (seq, rk, ru))
    idx = 2 if mode == "kernel" else 1
    want = (got["gen_tx"][idx], got["dut_rx"][idx], got["dut_tx"][1], got["gen_rx"][idx])
    if (sent, drx, dtx, recv) != want:
        fail("record", "seq %d: record %r, %s stamps %r" % (seq, (sent, drx, dtx, recv), mode, want))

# lab-analyze against the raw files
try:
    s = json.load(open("%s/summary.json" % run))["paths"][path]
except (OSError, ValueError, KeyError) as e:
    fail("summary", "no paths.%s in summary.json: %s" % (path, e))
    s = None
if s is not None and n["rtt"]:
    if s.get("stamps") != {pt: mode for pt in POINTS}:
        fail("summary", "stamps %r" % s.get("stamps"))
    if s.get("unaccounted") != 0:
        fail("summary", "unaccounted %r" % s.get("unaccounted"))
    ref = rtt_k if mode == "kernel" else rtt_u
    for q, key in ((50, "p50"), (99, "p99")):
        if s["rtt_actual_ns"][key] != pct(ref, q):
            fail("summary", "rtt_actual_ns.%s %d, from the side files %d" % (key, s["rtt_actual_ns"][key], pct(ref, q)))
        if mode == "kernel" and s["oneway_ns"]["in_dut"][key] != pct(in_k, q):
            fail("summary", "in_dut %s %d, kernel stamps give %d" % (key, s["oneway_ns"]["in_dut"][key], pct(in_k, q)))
        for pt in POINTS:
            c = (s.get("stack_cost_ns") or {}).get(pt, {})
            if c.get(key) != pct(cost[pt], q):
                fail("summary", "stack_cost_ns.%s.%s %r, from the side files %d" % (pt, key, c.get(key), pct(cost[pt], q)))

d = sorted(u - k for u, k in zip(rtt_u, rtt_k))
print("packets received %(received)d; RX pairs %(rx)d, TX pairs %(tx)d, RTTs compared %(rtt)d" % n, end="")
if d:
    print("; RTT user - kernel: min %d p50 %d p99 %d max %d ns" % (d[0], pct(d, 50), pct(d, 99), d[-1]), end="")
if n["received"] == 0:
    print("; nothing received")
    sys.exit(1)
if bad:
    print("; violations: " + ", ".join("%s %d (first: %s)" % (k, len(v), v[0]) for k, v in bad.items()))
    sys.exit(1)
print("; every one in order, summary.json agrees")
