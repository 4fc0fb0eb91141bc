"""bench/sweep — the sweeps' figures, printed and written to OUT/bench-sweep.json.
usage: python3 bench/py/sweep_report.py OUT REPS"""
import json, os, statistics, sys
out, reps = sys.argv[1], int(sys.argv[2])
docs = []
for i in range(1, reps + 1):
    try:
        d = os.path.realpath(os.path.join(out, f"s{i}", "latest"))
        docs.append(json.load(open(os.path.join(d, "sweep.json"))))
    except (OSError, ValueError):
        print(f"sweep {i}: no sweep.json")
def mmm(v):
    v = [x for x in v if x is not None]
    return (statistics.median(v), min(v), max(v)) if v else (None, None, None)
walls, ratios, notes = [], [], []
per = {}
for j in docs:
    tp = j["paths"].get("testpmd", {})
    walls.append(j["sweep"]["wall_s"] - tp.get("search_wall_s", 0) - tp.get("points_wall_s", 0))
    for p, pr in j["paths"].items():
        for s, r in pr.items():
            if isinstance(r, dict) and "pdr_pps" in r:
                per.setdefault((p, s), []).append(r)
    a, b = j["paths"].get("dpdk", {}).get("64"), tp.get("64")
    if a and b and "pdr_pps" in a and "pdr_pps" in b and b["pdr_pps"]:
        ratios.append(a["pdr_pps"] / b["pdr_pps"])
        if a["pdr"]["generator_bound"] and b["pdr"]["generator_bound"]:
            notes.append("both generator-bound")
print(f"\nbench/sweep: {len(docs)} sweeps, defaults (trial 2 s, validation 4 s, points 2 s, resolution 2 %)")
print(f"{'path':8} {'size':>5} {'NDR pps med [min-max]':>30} {'PDR pps med [min-max]':>30}  generator-bound")
for (p, s), rs in per.items():
    n, p_ = mmm([r["ndr_pps"] for r in rs]), mmm([r["pdr_pps"] for r in rs])
    gb = sum(bool(r["generator_bound"]) for r in rs)
    print(f"{p:8} {s:>5} {n[0]:>12.0f} [{n[1]:.0f}-{n[2]:.0f}] {p_[0]:>12.0f} [{p_[1]:.0f}-{p_[2]:.0f}]  {gb}/{len(rs)}")
w = mmm(walls)
r = mmm(ratios)
print(f"sweep.wall_s_four_paths: median {w[0]} s (min {w[1]}, max {w[2]}) (goal < 600)")
print(f"dpdk_vs_testpmd.pdr_ratio: median {r[0]} (min {r[1]}, max {r[2]}) (goal >= 1.0)"
      + (f"; {len(notes)} of them {notes[0]}" if notes else ""))
json.dump({"sweeps": len(docs), "sweep": {"wall_s_four_paths": {"median": w[0], "min": w[1], "max": w[2]}},
           "dpdk_vs_testpmd": {"pdr_ratio": {"median": r[0], "min": r[1], "max": r[2]}, "notes": notes},
           "paths": {f"{p}.{s}": {"ndr_pps": [x["ndr_pps"] for x in rs], "pdr_pps": [x["pdr_pps"] for x in rs],
                                  "generator_bound": [x["generator_bound"] for x in rs]} for (p, s), rs in per.items()}},
          open(os.path.join(out, "bench-sweep.json"), "w"), indent=1)
print(f"figures: {out}/bench-sweep.json")
