#!/usr/bin/env python3
"""gen_bursts.py — a nanosecond pcap of background traffic with known bursts, for lab-watch's
tests, deterministic from a seed, and its ground truth (JSON).

Frames: Ethernet / IPv4 / UDP with valid IP and UDP checksums, LAB_GEN_V4 -> LAB_DUT_V4, to the
receiving veth's MAC. Every payload starts with 'LW', a kind byte ('G' background, 'B' burst), the
burst number (0 for background) and a 32-bit sequence number unique in the file, so a capture can
be matched packet by packet against what was sent; the IPv4 id is the same sequence number (a file
holds at most 65536 packets), the field a tshark reader takes.

  background: --bg-pps packets a second, UDP 7000 -> 8000, evenly spaced, over the whole file
  bursts:     burst k (1..K) to UDP dport 9000+k, --burst-gap-ns apart, its size drawn from
              --sizes LO,HI (or given by --burst-sizes A,B,...), starting --lead-ms after the
              first background packet and --sep-ms (+ up to --jitter-ms) apart; the file ends
              --tail-ms after the last burst.
  frame length (wire, no FCS): uniform in --len LO,HI (60..1400 by default), or fixed per burst
              (--burst-lens A,B,...).
"""
import argparse
import json
import os
import random
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "setup"))
from labctl import constants as lc  # noqa: E402 (common/constants.tsv)

T0_NS = 1_700_000_000 * 1_000_000_000  # the file's first timestamp (tcpreplay only uses deltas)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def mac(text):
    b = bytes(int(x, 16) for x in text.split(":"))
    if len(b) != 6:
        raise ValueError("bad MAC " + text)
    return b


def ip4(text):
    return bytes(int(x) for x in text.split("."))


def frame(args, sport, dport, kind, burst, seq, length):
    payload_len = length - 14 - 20 - 8
    head = struct.pack("!2sBBI", b"LW", ord(kind), burst, seq)
    payload = head + bytes((seq + i) & 0xFF for i in range(payload_len - len(head)))
    src, dst = ip4(args.src_ip), ip4(args.dst_ip)
    udp_len = 8 + len(payload)
    pseudo = src + dst + struct.pack("!BBH", 0, 17, udp_len)
    udp = struct.pack("!HHHH", sport, dport, udp_len, 0) + payload
    uc = csum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", uc) + udp[8:]
    iph = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, seq & 0xFFFF, 0x4000, 64, 17, 0, src, dst)
    iph = iph[:10] + struct.pack("!H", csum(iph)) + iph[12:]
    return mac(args.dst_mac) + mac(args.src_mac) + b"\x08\x00" + iph + udp


def parse_pair(text):
    lo, hi = (int(x) for x in text.split(","))
    if lo > hi:
        raise argparse.ArgumentTypeError("LO,HI with LO <= HI")
    return lo, hi


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="pcap to write (nanosecond magic)")
    ap.add_argument("--truth", required=True, help="ground truth JSON to write")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bursts", type=int, default=4)
    ap.add_argument("--sizes", type=parse_pair, default=(400, 2000))
    ap.add_argument("--burst-sizes", default="", help="A,B,...: sizes of each burst (overrides --bursts/--sizes)")
    ap.add_argument("--burst-gap-ns", type=int, default=2000)
    ap.add_argument("--len", type=parse_pair, default=(60, 1400), dest="length")
    ap.add_argument("--burst-lens", default="", help="A,B,...: a fixed frame length for each burst's frames")
    ap.add_argument("--bg-pps", type=float, default=200.0)
    ap.add_argument("--lead-ms", type=float, default=300.0)
    ap.add_argument("--sep-ms", type=float, default=400.0)
    ap.add_argument("--jitter-ms", type=float, default=100.0)
    ap.add_argument("--tail-ms", type=float, default=300.0)
    ap.add_argument("--src-mac", default="02:4c:57:00:00:01")
    ap.add_argument("--dst-mac", default="02:4c:57:00:00:02")
    ap.add_argument("--src-ip", default=lc.LAB_GEN_V4)
    ap.add_argument("--dst-ip", default=lc.LAB_DUT_V4)
    a = ap.parse_args()
    if a.length[0] < 60 or a.length[1] > 1514:
        ap.error("--len: frames of 60..1514 bytes")
    rng = random.Random(a.seed)
    sizes = [int(x) for x in a.burst_sizes.split(",")] if a.burst_sizes else \
        [rng.randint(*a.sizes) for _ in range(a.bursts)]
    if len(sizes) > 255:
        ap.error("at most 255 bursts")
    blens = [int(x) for x in a.burst_lens.split(",")] if a.burst_lens else []
    if blens and (len(blens) != len(sizes) or min(blens) < 60 or max(blens) > 1514):
        ap.error("--burst-lens: one length of 60..1514 per burst")

    # (t_ns relative to T0, sport, dport, kind, burst)
    events = []
    t = a.lead_ms * 1e6
    truth = []
    for k, n in enumerate(sizes, 1):
        start = int(t)
        for i in range(n):
            events.append((start + i * a.burst_gap_ns, 7001, 9000 + k, "B", k))
        end = start + (n - 1) * a.burst_gap_ns
        truth.append({"burst": k, "dport": 9000 + k, "count": n, "first_ns": start, "last_ns": end})
        t = end + a.sep_ms * 1e6 + rng.uniform(0, a.jitter_ms) * 1e6
    total_ns = int(t - a.sep_ms * 1e6 + a.tail_ms * 1e6) if sizes else int((a.lead_ms + a.tail_ms) * 1e6)
    if a.bg_pps > 0:
        step = 1e9 / a.bg_pps
        i = 0
        while i * step <= total_ns:
            events.append((int(i * step), 7000, 8000, "G", 0))
            i += 1
    events.sort(key=lambda e: (e[0], e[3] != "G"))  # stable: background first on a tie
    if len(events) > 65536:
        ap.error("more than 65536 packets: the IPv4 id (the sequence number tshark reads) would wrap")

    out = open(a.out, "wb")
    out.write(struct.pack("<IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 262144, 1))
    bg = {"count": 0, "bytes": 0, "dport": 8000}
    for seq, (t_ns, sport, dport, kind, burst) in enumerate(events):
        length = rng.randint(*a.length)  # drawn for every frame: the same seed, the same file
        if kind == "B" and blens:
            length = blens[burst - 1]
        f = frame(a, sport, dport, kind, burst, seq, length)
        ts = T0_NS + t_ns
        out.write(struct.pack("<IIII", ts // 1_000_000_000, ts % 1_000_000_000, len(f), len(f)) + f)
        if kind == "G":
            bg["count"] += 1
            bg["bytes"] += len(f)
        else:
            b = truth[burst - 1]
            b["bytes"] = b.get("bytes", 0) + len(f)
            b.setdefault("first_seq", seq)
            b["last_seq"] = seq
    out.close()
    json.dump({"seed": a.seed, "packets": len(events), "duration_ns": total_ns,
               "burst_gap_ns": a.burst_gap_ns, "bg_pps": a.bg_pps, "background": bg,
               "bursts": truth}, open(a.truth, "w"), indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
