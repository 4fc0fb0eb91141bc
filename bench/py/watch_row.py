"""bench/watch — one line of results.txt: mode rate_offered rate_seen packets ps_drop
cpu_ns_per_packet cpu_share.
usage: python3 bench/py/watch_row.py WATCH_JSON MODE RATE CPU_NS0 CPU_NS1 T0_NS T1_NS SENDER_OUTPUT"""
import json, re, sys
w = json.load(open(sys.argv[1]))
mode, rate, c0, c1, t0, t1 = sys.argv[2], int(sys.argv[3]), *map(int, sys.argv[4:8])
txt = open(sys.argv[8]).read()
m = re.search(r"Rated: [\d.]+ Bps, [\d.]+ Mbps, ([\d.]+) pps", txt)
seen = float(m.group(1)) if m else float("nan")
n = w["packets"]
print(mode, rate, round(seen), n, w["pcap_stats"]["drop"], round((c1 - c0) / n) if n else "-",
      "%.3f" % ((c1 - c0) / (t1 - t0)))
