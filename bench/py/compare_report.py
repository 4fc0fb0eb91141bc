"""bench/compare — the false alarms of one threshold's comparisons of identical pairs, printed and
written to OUT/bench-compare-THRESHOLD.json.
usage: python3 bench/py/compare_report.py OUT PAIRS REPEAT SECONDS THRESHOLD"""
import json, os, sys
out, pairs, repeat, secs, th = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
pcts = ["p50", "p90", "p99", "p99.9", "p99.99"]
alarms, seen, codes, widths = {}, {}, [], {}
for i in range(1, pairs + 1):
    f = f"{out}/cmp-{th}-{i}/compare.json"
    if not os.path.exists(f):
        print(f"pair {i}: no compare.json ({open(f'{out}/cmp-{th}-{i}.txt').read().strip()[-200:]})")
        continue
    codes.append(int(open(f"{out}/cmp-{th}-{i}.rc").read()))
    for p, v in json.load(open(f))["paths"].items():
        for q in pcts:
            seen[p, q] = seen.get((p, q), 0) + 1
            if v[q]["verdict"] != "same":
                alarms.setdefault((p, q), []).append(f"{i}:{v[q]['verdict']} {v[q]['ratio']:.2f}")
            if v[q]["ci95"]:
                widths.setdefault((p, q), []).append(v[q]["ci95"][1] / v[q]["ci95"][0])
paths = sorted({p for p, _ in seen})
print(f"\nbench/compare: {len(codes)} pairs of identical runs, --repeat {repeat}, --threshold {th} %, {secs} s wall")
print("false alarms (verdict not `same`) per path and percentile, of the pairs compared:")
print(f"{'path':8} " + " ".join(f"{q:>8}" for q in pcts) + "   median interval hi/lo at p50, p99")
for p in paths:
    cells = [f"{len(alarms.get((p, q), []))}/{seen.get((p, q), 0)}" for q in pcts]
    w = lambda q: sorted(widths.get((p, q), [float('nan')]))[len(widths.get((p, q), [0])) // 2]
    print(f"{p:8} " + " ".join(f"{c:>8}" for c in cells) + f"   {w('p50'):.2f}, {w('p99'):.2f}")
for (p, q), l in sorted(alarms.items()):
    print(f"  {p} {q}: {', '.join(l)}")
print(f"exit codes: {sum(c == 0 for c in codes)} x 0 (nothing slower), {sum(c == 3 for c in codes)} x 3 (something slower), others {[c for c in codes if c not in (0, 3)]}")
p99 = {p: len(alarms.get((p, 'p99'), [])) / max(1, seen.get((p, 'p99'), 0)) for p in paths}
json.dump({"pairs": len(codes), "repeat": repeat, "false_alarm_rate_p99": p99,
           "false_alarm_rate_p50": {p: len(alarms.get((p, 'p50'), [])) / max(1, seen.get((p, 'p50'), 0)) for p in paths},
           "exit_codes": codes}, open(f"{out}/bench-compare-{th}.json", "w"), indent=1)
print(f"p99 false-alarm rate per path (goal <= 0.1): " + ", ".join(f"{p} {r:.2f}" for p, r in p99.items()))
