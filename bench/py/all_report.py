"""bench/all — bench.json from the measurements (RAW: one JSON line each), the machine and
tuning snapshot; the markdown table on stdout.
usage: python3 bench/py/all_report.py RAW MACHINE_JSON OUT_JSON QUICK REPS T0 T1 LOAD0 LOAD1 ONLY GEN_CPU DUT_CPU"""
import json, statistics, sys

GEN = "lab-gen"  # the generator, as bench.json's method notes and the table name it
raw, machine_f, out_f, quick, reps, t0, t1, load0, load1, only, gen_cpu, dut_cpu = sys.argv[1:13]
rows = [json.loads(l) for l in open(raw)]
by = {}
for r in rows:
    by.setdefault(r["key"], {})[r["rep"]] = r

def fig(vals, notes, unit):
    ok = [v for v in vals if v is not None]
    d = {"median": statistics.median(ok) if ok else None, "min": min(ok) if ok else None,
         "max": max(ok) if ok else None, "n": len(ok), "values": vals, "unit": unit}
    if not ok:
        d["reason"] = next((n for n in notes if n), "not measured")
    else:
        d["notes"] = sorted(set(n for n in notes if n))
    return d

def series(key):
    reps_ = by.get(key, {})
    ks = sorted(reps_)
    return [reps_[k]["value"] for k in ks], [reps_[k]["note"] for k in ks], ks

def plain(key, unit):
    v, n, _ = series(key)
    return fig(v, n, unit)

def ratio(a, b, unit="ratio"):
    va, na, ka = series(a)
    vb, nb, kb = series(b)
    da, db = dict(zip(ka, va)), dict(zip(kb, vb))
    vals, notes = [], []
    for k in sorted(set(ka) | set(kb)):
        x, y = da.get(k), db.get(k)
        vals.append(x / y if x is not None and y else None)
        notes.append(dict(zip(ka, na)).get(k) if x is None else dict(zip(kb, nb)).get(k) if not y else "")
    d = fig(vals, notes, unit)
    ma, mb = fig(va, na, "")["median"], fig(vb, nb, "")["median"]
    d["ratio_of_medians"] = ma / mb if ma is not None and mb else None
    return d

def ns(key):
    return plain(key, "ns")

m = json.load(open(machine_f))
res = {
    "bench": {"quick": quick == "1", "repetitions": int(reps), "wall_time_s": round(float(t1) - float(t0), 1),
              "load_average_start": load0, "load_average_end": load1, "parts": only.split(","),
              "gen_cpu": int(gen_cpu), "dut_cpu": int(dut_cpu),
              "method": {
                  "figures": "median of the repetitions, with min and max; values lists each repetition; a ratio is taken per repetition (both sides measured back to back), ratio_of_medians beside it",
                  "rates": f"searched: {GEN} doubles the rate from 100 kpps until a step fails, then bisects; a failed step is tried twice; a step passes when {GEN} achieves the offered rate within 0.1 % and the loss is within the bound (loadgen: none; reflectors: <= 0.1 %)",
                  "rtt": f"{GEN} rtt_ns (received - intended send time) at 10 kpps const; floor and xsk 128 B stamped, dpdk 64 B unstamped",
                  "kernel_vs_sockperf": f"p50 RTT from the actual send time ({GEN} --backend udp --timing user: clock reads around sendto and after the receive returns, sleeping in the receive while a reply is awaited, as sockperf's client; lab-kern --mode blocking) over sockperf ping-pong's RTT (2 x its one-way p50), 64-byte UDP payload, 10 kpps / 10000 msg/s; *_kernel_timing: the same with {GEN}'s default timing (software TX stamp to software RX stamp)"}},
    "machine": m["machine"],
    "tuning": m["tuning"],
    "dpdk_vs_testpmd": {
        "p50_ratio": ratio("dpdk.labdpdk.p50_ns", "dpdk.testpmd.p50_ns"),
        "p99_ratio": ratio("dpdk.labdpdk.p99_ns", "dpdk.testpmd.p99_ns"),
        "mpps_ratio": ratio("dpdk.labdpdk.max_pps", "dpdk.testpmd.max_pps"),
        "mpps_method": "highest rate each reflects with <= 0.1 % loss, searched (not a fixed overload)",
        "lab_dpdk": {"p50_ns": ns("dpdk.labdpdk.p50_ns"), "p99_ns": ns("dpdk.labdpdk.p99_ns"),
                     "max_pps": plain("dpdk.labdpdk.max_pps", "pps")},
        "testpmd": {"p50_ns": ns("dpdk.testpmd.p50_ns"), "p99_ns": ns("dpdk.testpmd.p99_ns"),
                    "max_pps": plain("dpdk.testpmd.max_pps", "pps")},
    },
    "kernel_vs_sockperf": {
        "p50_ratio": ratio("kernel.lab_rtt_p50_ns", "kernel.sockperf_rtt_p50_ns"),
        "lab_rtt_p50_ns": ns("kernel.lab_rtt_p50_ns"),
        "sockperf_rtt_p50_ns": ns("kernel.sockperf_rtt_p50_ns"),
        "p50_ratio_kernel_timing": ratio("kernel.lab_rtt_p50_ns_kernel_timing", "kernel.sockperf_rtt_p50_ns"),
        "lab_rtt_p50_ns_kernel_timing": ns("kernel.lab_rtt_p50_ns_kernel_timing"),
    },
    "loadgen": {"max_pps": plain("loadgen.max_pps", "pps"), "rate_error": plain("loadgen.rate_error", "fraction"),
                "send_lateness_p99_ns": ns("loadgen.send_lateness_p99_ns")},
    "xsk": {"max_mpps": plain("xsk.max_mpps", "Mpps"), "p99_ns": ns("xsk_lat.p99_ns"), "p50_ns": ns("xsk_lat.p50_ns")},
    "floor": {"p50_ns": ns("floor.p50_ns"), "p99_ns": ns("floor.p99_ns")},
    "analysis": {"records_per_s": plain("analysis.records_per_s", "records/s"),
                 "peak_mem_ratio": plain("analysis.peak_mem_ratio", "ratio")},
}
res["trace"] = {}
for key in sorted(by):
    if key.startswith("trace.") and key.count(".") == 2:
        _, fig_k, path = key.split(".")
        res["trace"].setdefault(path, {})[fig_k] = plain(key, "ratio" if fig_k != "lab_share" else "fraction")
json.dump(res, open(out_f, "w"), indent=2)

def f(d):
    if d["median"] is None:
        return "null", "—", d.get("reason", "")
    u = d["unit"]
    def s(x):
        if u in ("ratio",): return "%.2f" % x
        if u == "fraction": return "%.5f" % x
        if u == "Mpps": return "%.3f" % x
        if u == "records/s": return "%.1f M" % (x / 1e6)
        return "%.0f" % x
    return s(d["median"]), "%s – %s" % (s(d["min"]), s(d["max"])), ""
table = [
    ("dpdk_vs_testpmd", "p50_ratio", "lab-dpdk / testpmd 5tswap, RTT p50 at 10 kpps (goal <= 1.0)"),
    ("dpdk_vs_testpmd", "p99_ratio", "lab-dpdk / testpmd 5tswap, RTT p99 at 10 kpps (goal <= 1.0)"),
    ("dpdk_vs_testpmd", "mpps_ratio", "lab-dpdk / testpmd 5tswap, highest rate with <= 0.1 % loss (goal >= 1.0)"),
    ("kernel_vs_sockperf", "p50_ratio", f"{GEN} udp --timing user + lab-kern blocking / sockperf ping-pong, RTT p50"),
    ("kernel_vs_sockperf", "p50_ratio_kernel_timing", "the same with lab-gen's default timing (kernel stamps), RTT p50"),
    ("kernel_vs_sockperf", "sockperf_rtt_p50_ns", "sockperf ping-pong RTT p50 (2 x one-way), ns"),
    ("loadgen", "max_pps", f"{GEN} xsk, highest rate with <= 0.1 % rate error, nothing lost"),
    ("loadgen", "rate_error", f"{GEN} |achieved - offered| / offered at 100 kpps"),
    ("loadgen", "send_lateness_p99_ns", f"{GEN} send lateness p99 at 100 kpps, ns"),
    ("xsk", "max_mpps", "lab-xsk, highest rate with <= 0.1 % loss, Mpps"),
    ("xsk", "p99_ns", "lab-xsk RTT p99 at 10 kpps, ns"),
    ("floor", "p50_ns", "xdptx RTT p50 at 10 kpps, ns"),
    ("floor", "p99_ns", "xdptx RTT p99 at 10 kpps, ns"),
    ("analysis", "records_per_s", "lab-analyze records per second (goal >= 20 M)"),
    ("analysis", "peak_mem_ratio", "lab-analyze peak RSS / record file (goal <= 1.5)"),
]
for path in sorted(res["trace"]):
    for fig_k, what in (("p50_ratio", "RTT p50 traced / untraced, median over pairs (goal <= 1.02)"),
                        ("p99_ratio", "RTT p99 traced / untraced, median over pairs"),
                        ("lab_share", "slow packets whose top cause is the lab's own (goal <= 0.01)")):
        if fig_k in res["trace"][path]:
            res.setdefault("_trace_rows", []).append((path, fig_k, what))
print("| figure | median | min – max | n | what |")
print("|---|---:|---:|---:|---|")
for sec, key, what in table:
    d = res[sec][key]
    med, rng, reason = f(d)
    print("| `%s.%s` | %s | %s | %d | %s%s |" % (sec, key, med, rng, d["n"], what, (" — null: " + reason) if reason else ""))
for path, fig_k, what in res.pop("_trace_rows", []):
    d = res["trace"][path][fig_k]
    med, rng, reason = f(d)
    print("| `trace.%s.%s` | %s | %s | %d | %s%s |" % (path, fig_k, med, rng, d["n"], what, (" — null: " + reason) if reason else ""))
mm = res["machine"]; t = res["tuning"]
print()
print("Machine: %s, %d cores, kernel %s. Tuning: isolated cores '%s', governor %s, C-state limit %s, busy_poll %s, "
      "hugepages %d x %d KiB. Load average %s at start, %s at end." % (
      mm["cpu_model"], mm["cpus"], mm["kernel"], t["isolated_cpus"] or "none", t["governor"], t["cstate_limit"],
      t["busy_poll"], t["hugepages_total"], t["hugepage_size_kb"], load0, load1))
print("%s run, %d repetitions, wall time %.0f s. Mpps ratio: %s." % ("--quick" if quick == "1" else "Full", int(reps),
      float(t1) - float(t0), res["dpdk_vs_testpmd"]["mpps_method"]))
