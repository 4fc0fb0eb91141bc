#!/usr/bin/env python3
"""fwd_send.py — the forward tests' sender: numbered lab datagrams as whole Ethernet frames on an
AF_PACKET socket (so that the generator namespace can send to addresses it holds itself, with
any TTL, and broken IP headers), and a ground-truth log of what it sent.

  fwd_send.py --iface gen0 --dst-mac MAC --src LAB_GEN_V4 --dst LAB_GEN1_V4 --first 0 --count 200
              [--ttl T | varied] [--stamp-every K] [--kind K] [--size BYTES] --log FILE

Kinds: good; nocsum (good, IPv4 with a zero UDP checksum: none); ttl1 (TTL / hop limit 1 and 0 alternately); magic (wrong lab magic); trunc (lab
header cut short); marked (LAB_F_FORWARDED already set); badcsum (IPv4 header checksum wrong);
iptrunc (IP length longer than the frame). Without --ttl the TTL varies with the sequence number
(2..255), so that "TTL = sent - 1" is checked on many values. The log gets one line per frame:
"family seq ttl stamped kind dst". Exit 0, 2 on bad arguments. (LAB_*: common/constants.tsv.)
"""
import argparse
import ipaddress
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "setup"))
from labctl import constants as lc  # noqa: E402 (common/constants.tsv)

LAB_MAGIC, LAB_VERSION = 0x4C42, 1
F_STAMP, F_FORWARDED = 0x01, 0x08


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def lab_payload(kind, seq, stamp, plen):
    flags = (F_STAMP if stamp else 0) | (F_FORWARDED if kind == "marked" else 0)
    magic = LAB_MAGIC ^ (1 << (seq % 16)) if kind == "magic" else LAB_MAGIC
    hdr = struct.pack("!HBBIQI", magic, LAB_VERSION, flags, seq, time.monotonic_ns(), 0)
    body = hdr + (b"\0" * 16 if stamp else b"")
    fill = bytes((seq * 31 + i * 7) & 0xFF for i in range(len(body), plen))
    out = body + fill
    if kind == "trunc":
        return out[:19 - seq % 8]
    return out[:plen]


def frame(a, seq, ttl, stamp, kind):
    v6 = a.dst.version == 6
    over = 62 if v6 else 42
    payload = lab_payload(kind, seq, stamp, max(a.size - over, 20 + (16 if stamp else 0)))
    ulen = 8 + len(payload)
    src, dst = a.src.packed, a.dst.packed
    if v6:
        pseudo = src + dst + struct.pack("!IxxxB", ulen, 17)
    else:
        pseudo = src + dst + struct.pack("!xBH", 17, ulen)
    udp = struct.pack("!HHHH", a.sport, a.dport, ulen, 0) + payload
    c = csum(pseudo + udp) or 0xFFFF
    if kind == "nocsum" and not v6:
        c = 0  # IPv4 UDP without a checksum (RFC 768)
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    if v6:
        plen = ulen + (64 if kind == "iptrunc" else 0)
        ip = struct.pack("!IHBB", 0x60000000, plen, 17, ttl) + src + dst
        etype = 0x86DD
    else:
        tot = 20 + ulen + (64 if kind == "iptrunc" else 0)
        ip = struct.pack("!BBHHHBBH", 0x45, 0, tot, seq & 0xFFFF, 0x4000, ttl, 17, 0) + src + dst
        c = csum(ip) ^ (0x0101 if kind == "badcsum" else 0)
        ip = ip[:10] + struct.pack("!H", c) + ip[12:]
        etype = 0x0800
    return a.dst_mac + a.src_mac + struct.pack("!H", etype) + ip + udp


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--iface", required=True)
    p.add_argument("--dst-mac", required=True)
    p.add_argument("--src", required=True, type=ipaddress.ip_address)
    p.add_argument("--dst", required=True, type=ipaddress.ip_address)
    p.add_argument("--sport", type=int, default=lc.LAB_PORT_GEN)
    p.add_argument("--dport", type=int, default=lc.LAB_PORT_DUT)
    p.add_argument("--first", type=int, default=0)
    p.add_argument("--count", type=int, default=100)
    p.add_argument("--ttl", type=int)
    p.add_argument("--stamp-every", type=int, default=0, help="every K-th datagram asks for stamps")
    p.add_argument("--kind", default="good",
                   choices=["good", "nocsum", "ttl1", "magic", "trunc", "marked", "badcsum", "iptrunc"])
    p.add_argument("--size", type=int, default=128, help="frame bytes")
    p.add_argument("--log", required=True)
    a = p.parse_args()
    if a.src.version != a.dst.version:
        p.error("--src and --dst are of different families")
    a.dst_mac = bytes.fromhex(a.dst_mac.replace(":", ""))
    with open("/sys/class/net/%s/address" % a.iface) as f:
        a.src_mac = bytes.fromhex(f.read().strip().replace(":", ""))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    fam = "v6" if a.dst.version == 6 else "v4"
    with open(a.log, "a") as log:
        for seq in range(a.first, a.first + a.count):
            if a.kind == "ttl1":
                ttl = 1 - seq % 2
            else:
                ttl = a.ttl if a.ttl is not None else 2 + (seq * 37) % 254
            stamp = a.stamp_every > 0 and seq % a.stamp_every == 0
            s.send(frame(a, seq, ttl, stamp, a.kind))
            log.write("%s %d %d %d %s %s\n" % (fam, seq, ttl, int(stamp), a.kind, a.dst))
            if seq % 16 == 15:
                time.sleep(0.001)  # no timing under test: just never a burst a veth may drop
    return 0


if __name__ == "__main__":
    sys.exit(main())
