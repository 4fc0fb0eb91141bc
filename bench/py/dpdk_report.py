"""bench/dpdk — the lab-dpdk / dpdk-testpmd table from the runs' JSON and testpmd's log in WORK.
usage: python3 bench/py/dpdk_report.py WORK"""
import json, re, statistics, sys
w = sys.argv[1]
J = lambda n: json.load(open(f"{w}/{n}"))
def ratio(a, b):
    return a / b if b else float("nan")
la, ta = J("lab-dpdk.lat.json"), J("testpmd.lat.json")
lt, tt = J("lab-dpdk.tput.json"), J("testpmd.tput.json")
print("\nA. veth lab (net_af_xdp)            lab-dpdk      testpmd   ratio   goal")
for k in ("p50", "p99"):
    a, b = la["rtt_ns"][k], ta["rtt_ns"][k]
    print(f"   RTT {k:<4} (ns)                 {a:>10}   {b:>10}   {ratio(a, b):5.2f}   <= 1.0")
print(f"   lost at the fixed rate          {la['lost']:>10}   {ta['lost']:>10}")
a, b = lt["received_pps"] / 1e6, tt["received_pps"] / 1e6
print(f"   highest reflected (Mpps)        {a:>10.4f}   {b:>10.4f}   {ratio(a, b):5.2f}   >= 1.0")
print(f"   lost in the throughput run      {lt['lost']:>10}   {tt['lost']:>10}")
print("   (the sender is one UDP socket on the other core: the throughput figure is bounded by it)")
s = J("sw-labdpdk.json")
lab_cpp = s["cycles"]["per_packet"]
lab_mpps = s["reflected"] / s["duration_s"] / 1e6
log = open(f"{w}/sw-testpmd.log", errors="replace").read()
tp_cpp = float(re.search(r"CPU cycles/packet=([0-9.]+)", log).group(1))
pps = [int(x) for x in re.findall(r"Tx-pps:\s+(\d+)", log)]
pps = [p for p in pps if p > 0]
tp_mpps = statistics.median(pps) / 1e6 if pps else float("nan")
print("\nB. software port (net_pcap)          lab-dpdk      testpmd   ratio   goal")
print(f"   CPU cycles per packet           {lab_cpp:>10.1f}   {tp_cpp:>10.1f}   {ratio(lab_cpp, tp_cpp):5.2f}   <= 1.0")
print(f"   reflected (Mpps)                {lab_mpps:>10.2f}   {tp_mpps:>10.2f}   {ratio(lab_mpps, tp_mpps):5.2f}   >= 1.0")
print("   (lab-dpdk parses, checks and reflects the lab header, stamps when asked and keeps the UDP"
      " checksum; 5tswap swaps addresses and ports only)")
