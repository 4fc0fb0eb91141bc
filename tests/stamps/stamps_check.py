#!/usr/bin/env python3
"""stamps_check.py REC GEN_STP DUT_STP MODE — judge one run of lab-gen (udp) and lab-kern with
--stamps-file against the ordering that must hold for the same packet (the ground truth, not the
code under test): a kernel RX stamp is taken before the receive call returns, so it is never
later than the user RX read; a kernel TX stamp is taken in the driver's transmit, inside the
send call, so it is never earlier than the user read before that call. Hence also: the RTT from
kernel stamps is never longer than the RTT from user reads. MODE (user|kernel) is --stamps: the
record file must hold that source's values. Reads the files with its own parser (rec.h, stp.h
layouts). Prints counts; exit 1 on the first kind of violation found (all are listed)."""
import struct, sys

rec_path, gen_path, dut_path, mode = sys.argv[1:5]
POINTS = ("gen_tx", "dut_rx", "dut_tx", "gen_rx")


def read_stp(path):
    b = open(path, "rb").read()
    assert b[:8] == b"LABSTP\r\n", path + ": bad magic"
    ver, hl, rl = struct.unpack_from("<III", b, 8)
    assert (ver, hl, rl) == (1, 64, 24), path + ": header %r" % ((ver, hl, rl),)
    used = {POINTS[i]: b[28 + i - 4] for i in range(4)}
    pairs = {}
    for off in range(64, len(b) - 23, 24):
        seq, pt, fl, _, u, k = struct.unpack_from("<IBBHQQ", b, off)
        pairs.setdefault((POINTS[pt], seq), (fl, u, k))  # the first of duplicates
    return used, pairs


def read_rec(path):
    b = open(path, "rb").read()
    hl, rl = struct.unpack_from("<II", b, 12)
    recs = []
    for off in range(hl, len(b) - rl + 1, rl):
        recs.append(struct.unpack_from("<QQQQQIHH", b, off))
    return recs


_, gen = read_stp(gen_path)
_, dut = read_stp(dut_path)
pairs = {**gen, **dut}
recs = read_rec(rec_path)
bad = {}
counts = dict(received=0, rx_checked=0, tx_checked=0, rtt_checked=0)


def fail(kind, msg):
    bad.setdefault(kind, []).append(msg)


for intended, sent, drx, dtx, recv, seq, flags, dups in recs:
    if not (flags & 0x2):
        continue
    counts["received"] += 1
    got = {}
    for pt in POINTS:
        p = pairs.get((pt, seq))
        if p is None or p[0] != 3:
            fail("missing", "seq %d: %s has %s" % (seq, pt, "no pair" if p is None else "flags %d" % p[0]))
            continue
        got[pt] = p
    if len(got) < 4:
        continue
    for pt in ("dut_rx", "gen_rx"):
        _, u, k = got[pt]
        counts["rx_checked"] += 1
        if k > u:
            fail("rx_order", "seq %d: %s kernel %d later than user %d by %d ns" % (seq, pt, k, u, k - u))
    for pt in ("gen_tx", "dut_tx"):
        _, u, k = got[pt]
        counts["tx_checked"] += 1
        if k < u:
            fail("tx_order", "seq %d: %s kernel %d earlier than user %d by %d ns" % (seq, pt, k, u, u - k))
    rtt_k = got["gen_rx"][2] - got["gen_tx"][2]
    rtt_u = got["gen_rx"][1] - got["gen_tx"][1]
    counts["rtt_checked"] += 1
    if rtt_k > rtt_u:
        fail("rtt", "seq %d: RTT kernel %d > user %d" % (seq, rtt_k, rtt_u))
    # the record holds the source --stamps asked for (dut_tx: always the user read, in the frame)
    idx = 2 if mode == "kernel" else 1
    want = (got["gen_tx"][idx], got["dut_rx"][idx], got["dut_tx"][1], got["gen_rx"][idx])
    if (sent, drx, dtx, recv) != want:
        fail("record", "seq %d: record %r, %s stamps %r" % (seq, (sent, drx, dtx, recv), mode, want))

print("packets received %(received)d; RX pairs checked %(rx_checked)d, TX pairs %(tx_checked)d, "
      "RTTs %(rtt_checked)d" % counts, end="")
if counts["received"] == 0:
    print("; nothing received")
    sys.exit(1)
if bad:
    print("; violations: " + ", ".join("%s %d (first: %s)" % (k, len(v), v[0]) for k, v in bad.items()))
    sys.exit(1)
print("; every one in order")
