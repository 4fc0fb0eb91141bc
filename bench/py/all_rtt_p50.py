"""bench/all — the RTT p50 from the actual send time (ns) of a record file, or null when no
packet came back (bench/all's kernel_vs_sockperf figures).
usage: python3 bench/py/all_rtt_p50.py RECORD_FILE"""
import struct, sys
b = open(sys.argv[1], "rb").read()
hl = struct.unpack_from("<I", b, 12)[0]
rtt = sorted(r[4] - r[1] for r in struct.iter_unpack("<QQQQQIHH", b[hl:hl + (len(b) - hl) // 48 * 48])
             if r[6] & 0x2 and r[4] > r[1])
print(rtt[(len(rtt) - 1) // 2] if rtt else "null")
