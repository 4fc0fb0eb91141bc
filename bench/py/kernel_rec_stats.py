"""bench/kernel — one line from a generator record file: "p50 p99 in_dut_p50 in_dut_p99 received
sent late_p99" (ns; '-' when there is none).
usage: python3 bench/py/kernel_rec_stats.py RECORD_FILE"""
import struct, sys
b = open(sys.argv[1], "rb").read()
hl = struct.unpack_from("<I", b, 12)[0]
recs = list(struct.iter_unpack("<QQQQQIHH", b[hl:hl + (len(b) - hl) // 48 * 48]))
got = [r for r in recs if r[6] & 0x2 and r[4] > r[1]]
rtt = sorted(r[4] - r[1] for r in got)
dut = sorted(r[3] - r[2] for r in got if r[6] & 0x4 and r[3] >= r[2])
q = lambda v, f: v[int((len(v) - 1) * f)] if v else "-"
late = sorted(r[1] - r[0] for r in recs if r[6] & 0x1 and r[1] >= r[0])
print(q(rtt, .5), q(rtt, .99), q(dut, .5), q(dut, .99), len(got), sum(1 for r in recs if r[6] & 0x1), q(late, .99))
