"""bench/xdp — lab-xsk's maximum rate and its CPU cost per packet.
usage: python3 bench/py/xdp_report.py XSK_JSON SENDER_OUTPUT CPU_TICKS0 CPU_TICKS1 CLK_TCK"""
import json, sys
s = json.load(open(sys.argv[1])); kv = dict(x.split("=") for x in sys.argv[2].split())
cpu_s = (int(sys.argv[4]) - int(sys.argv[3])) / int(sys.argv[5])
n = s["reflected"]
print("max rate, 64-byte frames: lab-xsk reflected %d, sender achieved %s pps (lost %s);" % (n, kv["achieved_pps"], kv["lost"]))
if cpu_s > 0:
    print("  lab-xsk used %.2f CPU-s: %.0f packets per core-second (%.0f ns of CPU per packet)" % (cpu_s, n / cpu_s, cpu_s * 1e9 / n))
print("  drops: %s" % {k: v for k, v in s["drops"].items() if v})
