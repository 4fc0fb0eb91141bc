"""bench/watch — per mode, the highest rate with no capture drop.
usage: python3 bench/py/watch_best.py RESULTS_TXT"""
import sys
rows = [l.split() for l in open(sys.argv[1]).read().splitlines()[1:]]
print()
for mode in dict.fromkeys(r[0] for r in rows):
    ok = [r for r in rows if r[0] == mode and r[4] == "0"]
    best = max(ok, key=lambda r: float(r[2])) if ok else None
    if best:
        print(f"{mode}: no capture drop up to {best[2]} pps achieved by the sender "
              f"(offered {best[1]}); {best[5]} ns of lab-watch's CPU per packet there")
    else:
        print(f"{mode}: drops at every rate tried")
