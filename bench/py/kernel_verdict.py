"""bench/kernel — the median of a cross-check's per-round p50 RTT ratios and whether it is within +-15 %.
usage: python3 bench/py/kernel_verdict.py LABEL RATIO..."""
import statistics, sys
r = [float(x) for x in sys.argv[2:]]
m = statistics.median(r)
print("%s: median p50 RTT ratio %.2f over %d round(s): %s" %
      (sys.argv[1], m, len(r), "within +-15 %" if abs(m - 1) <= 0.15 else "outside +-15 %"))
