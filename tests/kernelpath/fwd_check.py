#!/usr/bin/env python3
"""fwd_check.py — the forward tests' judge: what fwd_send.py logged it sent (the ground truth)
against what tshark reads in the captures on gen1 (the forwarded side) and gen0 (the sending side).

  fwd_check.py --mode relay|kfwd --log SENT --gen1 PCAP --gen0 PCAP
               --dut0-mac M --dut1-mac M --gen1-mac M

Checks, per family: every datagram that is to be forwarded (kind good, TTL >= 2, and for kfwd a
destination in the forward networks) arrived on gen1 exactly once and in the order sent; none of
the others did; IPv4 header and UDP checksums good (tshark's own validation; a zero IPv4 UDP checksum, "none", stays zero through
kfwd); TTL / hop limit =
sent - 1; Ethernet from dut1 to gen1; addresses and ports as the path must give them (relay: a new
datagram from dut1's address, port 7777, to gen1's; kfwd: unchanged); the lab payload: relay and
kfwd (its tc programs) marked forwarded, stamped when asked (sent <= dut_rx <= dut_tx), the rest
of the payload as sent; kfwd-plain (lab-kfwd --no-bpf) unmarked and untouched. On gen0 no UDP came back from the DUT (ICMP errors are counted and
reported: the kernel's time exceeded for kfwd). Prints one line per check, "ok: ..." or
"not ok: ...". Exit 0 when all held, 1 otherwise.
"""
import argparse
import ipaddress
import os
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "setup"))
from labctl import constants as lc  # noqa: E402 (common/constants.tsv)

FIELDS = ["frame.number", "eth.src", "eth.dst", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
          "ip.ttl", "ipv6.hlim", "ip.proto", "ipv6.nxt", "ip.checksum.status",
          "udp.checksum.status", "udp.checksum", "udp.srcport", "udp.dstport", "udp.payload", "icmp.type",
          "icmpv6.type"]
FWD_NETS = [ipaddress.ip_network(lc.LAB_FWD_NET4), ipaddress.ip_network(lc.LAB_FWD_NET6)]
LAB_MAGIC, F_STAMP, F_STAMPED, F_REFLECTED, F_FORWARDED = 0x4C42, 1, 2, 4, 8


def tshark(path):
    cmd = ["tshark", "-n", "-r", path, "-o", "ip.check_checksum:TRUE", "-o",
           "udp.check_checksum:TRUE", "-T", "fields", "-E", "separator=\t", "-E", "occurrence=f"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        vals = line.split("\t")
        rows.append(dict(zip(FIELDS, vals + [""] * (len(FIELDS) - len(vals)))))
    return rows


def read_log(path):
    sent = []
    for line in open(path):
        fam, seq, ttl, stamp, kind, dst = line.split()
        sent.append({"fam": fam, "seq": int(seq), "ttl": int(ttl), "stamp": stamp == "1",
                     "kind": kind, "dst": ipaddress.ip_address(dst)})
    return sent


def to_forward(mode, s):
    if s["kind"] not in ("good", "nocsum") or s["ttl"] < 2:
        return False
    return mode == "relay" or any(s["dst"] in n for n in FWD_NETS)


def fill_ok(payload, seq, start):
    return all(payload[i] == (seq * 31 + i * 7) & 0xFF for i in range(start, len(payload)))


def check_frame(a, s, r, why):
    """One forwarded frame r against what was sent, s; reasons appended to why."""
    v6 = s["fam"] == "v6"
    seq = s["seq"]
    if r["eth.src"] != a.dut1_mac or r["eth.dst"] != a.gen1_mac:
        why.append("seq %d: Ethernet %s -> %s, not dut1 -> gen1" % (seq, r["eth.src"], r["eth.dst"]))
    got_ttl = int(r["ipv6.hlim"] if v6 else r["ip.ttl"])
    if got_ttl != s["ttl"] - 1:
        why.append("seq %d: TTL %d, sent %d" % (seq, got_ttl, s["ttl"]))
    if not v6 and r["ip.checksum.status"] != "1":
        why.append("seq %d: IPv4 header checksum status %s" % (seq, r["ip.checksum.status"]))
    if s["kind"] == "nocsum" and a.mode != "relay":
        # no checksum stays none (the relay's kernel computes one for its new datagram)
        if int(r["udp.checksum"], 16) != 0:
            why.append("seq %d: UDP checksum %s where none was sent" % (seq, r["udp.checksum"]))
    elif r["udp.checksum.status"] != "1":
        why.append("seq %d: UDP checksum status %s" % (seq, r["udp.checksum.status"]))
    src, dst = (r["ipv6.src"], r["ipv6.dst"]) if v6 else (r["ip.src"], r["ip.dst"])
    if a.mode == "relay":  # a new datagram; kfwd: the kernel forwards it unchanged
        want = (lc.LAB_DUT1_V6, lc.LAB_GEN1_V6, str(lc.LAB_PORT_DUT)) if v6 else \
            (lc.LAB_DUT1_V4, lc.LAB_GEN1_V4, str(lc.LAB_PORT_DUT))
    else:
        want = (lc.LAB_GEN_V6, str(s["dst"]), str(lc.LAB_PORT_GEN)) if v6 else \
            (lc.LAB_GEN_V4, str(s["dst"]), str(lc.LAB_PORT_GEN))
    if (ipaddress.ip_address(src), ipaddress.ip_address(dst), r["udp.srcport"], r["udp.dstport"]) != \
            (ipaddress.ip_address(want[0]), ipaddress.ip_address(want[1]), want[2], str(lc.LAB_PORT_DUT)):
        why.append("seq %d: %s:%s -> %s:%s, want %s:%s -> %s:%d" % (
            seq, src, r["udp.srcport"], dst, r["udp.dstport"], want[0], want[2], want[1], lc.LAB_PORT_DUT))
    p = bytes.fromhex(r["udp.payload"].replace(":", ""))
    flags = p[3]
    body = 20 + (16 if s["stamp"] else 0)
    if not fill_ok(p, seq, body):
        why.append("seq %d: payload changed" % seq)
    if a.mode == "kfwd-plain":
        if flags != (F_STAMP if s["stamp"] else 0) or any(p[20:body]):
            why.append("seq %d: kfwd --no-bpf changed the lab header (flags %#x)" % (seq, flags))
        return
    want_flags = F_FORWARDED | (F_STAMP | F_STAMPED if s["stamp"] else 0)
    if flags != want_flags:
        why.append("seq %d: flags %#x, want %#x" % (seq, flags, want_flags))
    if s["stamp"]:
        sent_ns, = struct.unpack("!Q", p[8:16])
        rx, tx = struct.unpack("!QQ", p[20:36])
        if not (0 < sent_ns <= rx <= tx):
            why.append("seq %d: stamps out of order: sent %d dut_rx %d dut_tx %d" % (seq, sent_ns, rx, tx))


def lab_seq(r):
    p = bytes.fromhex(r["udp.payload"].replace(":", ""))
    if len(p) < 20 or struct.unpack("!H", p[:2])[0] != LAB_MAGIC:
        return None
    return struct.unpack("!I", p[4:8])[0]


def check_gen1(a, sent, rows):
    fails = 0
    udp = [r for r in rows if r["eth.src"] == a.dut1_mac and r["udp.dstport"]]
    for fam in ("v4", "v6"):
        want = [s for s in sent if s["fam"] == fam and to_forward(a.mode, s)]
        by_seq = {s["seq"]: s for s in sent if s["fam"] == fam}
        got = [r for r in udp if bool(r["ipv6.src"]) == (fam == "v6")]
        seqs = [lab_seq(r) for r in got]
        want_seqs = [s["seq"] for s in want]
        if seqs == want_seqs:
            print("ok: %s: all %d datagrams to forward arrived at gen1 once each, in order, "
                  "none of the %d others" % (fam, len(want), len(by_seq) - len(want)))
        else:
            extra = sorted(set(x for x in seqs if x not in set(want_seqs)), key=str)[:8]
            missing = sorted(set(want_seqs) - set(seqs))[:8]
            print("not ok: %s: %d frames at gen1 for %d to forward; missing %s; not to be "
                  "forwarded but there %s; first out of order at %s" % (
                      fam, len(seqs), len(want), missing, extra,
                      next((i for i, (x, y) in enumerate(zip(seqs, want_seqs)) if x != y), None)))
            fails += 1
        why = []
        for r, q in zip(got, seqs):
            if q in by_seq:
                check_frame(a, by_seq[q], r, why)
        if why:
            print("not ok: %s: %d problems, first: %s" % (fam, len(why), "; ".join(why[:4])))
            fails += 1
        elif got:
            lo = min(by_seq[q]["ttl"] for q in seqs if q in by_seq)
            hi = max(by_seq[q]["ttl"] for q in seqs if q in by_seq)
            print("ok: %s: every frame from dut1 to gen1, TTL = sent - 1 (sent %d..%d), IP/UDP "
                  "checksums good (tshark), addresses, ports and payload as they must be, %d "
                  "stamped" % (fam, lo, hi, sum(1 for q in seqs if q in by_seq and by_seq[q]["stamp"])))
    return fails


def check_gen0(a, rows):
    back = [r for r in rows if r["eth.src"] == a.dut0_mac]
    udp = [r for r in back if r["ip.proto"] == "17" or r["ipv6.nxt"] == "17"]
    te4 = sum(1 for r in back if r["icmp.type"] == "11")
    te6 = sum(1 for r in back if r["icmpv6.type"] == "3")
    other = len(back) - len(udp)
    if udp:
        print("not ok: gen0: %d UDP datagrams came back from the DUT" % len(udp))
        return 1
    print("ok: gen0: no UDP came back from the DUT (%d other frames from it: ICMP time exceeded "
          "v4 %d v6 %d)" % (other, te4, te6))
    if a.want_time_exceeded and not (te4 and te6):
        print("not ok: gen0: the kernel sent no ICMP time exceeded for a TTL-1 datagram "
              "(v4 %d, v6 %d)" % (te4, te6))
        return 1
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--mode", choices=["relay", "kfwd", "kfwd-plain"], required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--gen1", required=True)
    p.add_argument("--gen0", required=True)
    p.add_argument("--dut0-mac", required=True)
    p.add_argument("--dut1-mac", required=True)
    p.add_argument("--gen1-mac", required=True)
    p.add_argument("--want-time-exceeded", action="store_true")
    a = p.parse_args()
    sent = read_log(a.log)
    fails = check_gen1(a, sent, tshark(a.gen1)) + check_gen0(a, tshark(a.gen0))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
