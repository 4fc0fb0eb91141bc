"""bench/watch — writes PCAP: 1000 UDP frames of 64 bytes to MAC, 198.18.9.1 -> 198.18.9.2:9.
usage: python3 bench/py/watch_frames.py PCAP MAC"""
import struct, sys
out, mac = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", ""))
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b23c4d, 2, 4, 0, 0, 65535, 1))
    for i in range(1000):
        payload = struct.pack("!I", i) + b"\0" * 14
        udp = struct.pack("!HHHH", 40000 + i % 16, 9, 8 + len(payload), 0) + payload
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i, 0, 64, 17, 0,
                         bytes([198, 18, 9, 1]), bytes([198, 18, 9, 2]))
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        frame = mac + bytes.fromhex("020000000001") + b"\x08\x00" + ip + udp
        f.write(struct.pack("<IIII", 1, i * 1000, len(frame), len(frame)) + frame)
