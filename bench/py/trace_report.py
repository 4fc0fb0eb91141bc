"""bench/trace — the traced / untraced figures per path, printed and written to OUT/bench.json.
usage: python3 bench/py/trace_report.py OUT REPS CLASSES WALL_S"""
import json, os, statistics, sys
out, reps, classes, wall = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", int(sys.argv[4])

def summary(mode, r):
    p = os.path.join(out, f"{mode}-{r}", "latest", "summary.json")
    return (os.path.dirname(os.path.realpath(p)), json.load(open(p))) if os.path.exists(p) else (None, None)

def rtt(s, path, k):
    try:
        return s["paths"][path]["rtt_ns"][k]
    except (KeyError, TypeError):
        return None

def med(v):
    v = [x for x in v if x is not None]
    return statistics.median(v) if v else None

runs = {m: [summary(m, r) for r in range(1, reps + 1)] for m in ("trace", "notrace", "nosoftirq", "nosched", "noirq")}
cost_dir, cost_sum = summary("cost", 1)

def cost_of(p):
    """per class (the programs' sources, the system vectors as irq): program runs per packet,
    ns per run, ns per packet, from the --prog-stats run's lab-trace stats"""
    if not cost_sum or p not in cost_sum.get("paths", {}):
        return None
    j = os.path.join(cost_dir, "trace", f"{p}.json")
    if not os.path.exists(j):
        return None
    progs = json.load(open(j)).get("programs") or {}
    pk = cost_sum["paths"][p].get("sent") or 0
    by = {}
    for v in progs.values():
        c = {"softirq": "softirq", "sched": "sched", "nmi": "nmi"}.get(v["source"], "irq")
        b = by.setdefault(c, {"runs": 0, "ns": 0})
        b["runs"] += v["runs"]
        b["ns"] += v["ns"]
    for b in by.values():
        b["ns_per_run"] = b["ns"] / b["runs"] if b["runs"] else None
        b["runs_per_packet"] = b["runs"] / pk if pk else None
        b["ns_per_packet"] = b["ns"] / pk if pk else None
    return by
first = next((s for _, s in runs["trace"] if s), None)
paths = [p for p in (first or {}).get("paths", {}) if "rtt_ns" in first["paths"][p]]
res = {"pairs": reps, "wall_s": wall, "paths": {}}
for p in paths:
    pr = lambda m, k: [(a / b) if a and b else None for a, b in
                       ((rtt(t, p, k), rtt(u, p, k)) for (_, t), (_, u) in zip(runs[m], runs["notrace"]))]
    r50, r99 = pr("trace", "p50"), pr("trace", "p99")
    u99 = [rtt(u, p, "p99") for _, u in runs["notrace"]]
    spread = [b / a for a, b in zip(u99, u99[1:]) if a and b]
    lab, ev, filt = [], [], []
    for d, s in runs["trace"]:
        if not s:
            continue
        t = s["paths"].get(p, {}).get("tail") or {}
        slow = t.get("slow_packets") or 0
        if slow:
            lab.append(sum(c.get("packets", 0) for c in t.get("causes", []) if c.get("kind") == "lab") / slow)
        j = os.path.join(d, "trace", f"{p}.json")
        if os.path.exists(j):
            tj = json.load(open(j))
            ev.append(tj.get("events_per_s"))
            f = tj.get("filtered") or {}
            dur = tj.get("duration_s") or 0
            if dur:
                filt.append(sum(v.get("count", 0) for v in f.values()) / dur)
    e = {"p50_ratio": med(r50), "p99_ratio": med(r99),
         "p50_ratio_pairs": r50, "p99_ratio_pairs": r99,
         "p99_untraced_spread": [min(spread), max(spread)] if spread else None,
         "p50_ns": [med([rtt(s, p, "p50") for _, s in runs["trace"]]), med([rtt(s, p, "p50") for _, s in runs["notrace"]])],
         "p99_ns": [med([rtt(s, p, "p99") for _, s in runs["trace"]]), med([rtt(s, p, "p99") for _, s in runs["notrace"]])],
         "lab_share": med(lab), "events_per_s": med(ev), "filtered_per_s": med(filt)}
    if classes:
        e["ratio_without"] = {m[2:]: med(pr(m, "p50")) for m in ("nosoftirq", "nosched", "noirq")}
    e["p50_added_ns"] = (e["p50_ns"][0] - e["p50_ns"][1]) if None not in e["p50_ns"] else None
    c = cost_of(p)
    if c:
        e["cost"] = c
    res["paths"][p] = e
json.dump(res, open(os.path.join(out, "bench.json"), "w"), indent=2)
f = lambda v, fmt="{:.3f}": fmt.format(v) if v is not None else "-"
print(f"bench/trace: {reps} pairs, {wall} s, {out}")
print(f"{'path':8} {'p50 tr/untr':>11} {'p99 tr/untr':>11} {'untr p99 spread':>16} {'lab share':>9} {'events/s':>9} {'filtered/s':>10}"
      + ("  p50 ratio without softirq / sched / irq" if classes else ""))
for p, e in res["paths"].items():
    sp = e["p99_untraced_spread"]
    line = (f"{p:8} {f(e['p50_ratio']):>11} {f(e['p99_ratio']):>11} "
            f"{(f(sp[0], '{:.2f}') + '-' + f(sp[1], '{:.2f}')) if sp else '-':>16} "
            f"{f(e['lab_share'] and 100 * e['lab_share'], '{:.2f} %'):>9} {f(e['events_per_s'], '{:.0f}'):>9} {f(e['filtered_per_s'], '{:.0f}'):>10}")
    if classes:
        line += "  " + " / ".join(f(e["ratio_without"][k]) for k in ("softirq", "sched", "irq"))
    print(line)
print("(RTT from the intended send; ratios are medians over the pairs; goal: p50 ratio <= 1.02, lab share <= 1 %)")
if any("cost" in e for e in res["paths"].values()):
    print("the programs' own time (lab-trace --prog-stats, one run): runs per packet x ns per run = ns per packet, by class;"
          " p50 added = traced - untraced p50")
    for p, e in res["paths"].items():
        c = e.get("cost")
        if not c:
            continue
        cells = [f"{k} {v['runs_per_packet']:.2f} x {v['ns_per_run']:.0f} = {v['ns_per_packet']:.0f} ns"
                 for k, v in sorted(c.items()) if v["runs"] and v["runs_per_packet"] is not None]
        print(f"  {p:8} p50 added {f(e['p50_added_ns'], '{:.0f}')} ns; " + "; ".join(cells))
