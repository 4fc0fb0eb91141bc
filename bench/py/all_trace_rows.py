#!/usr/bin/env python3
"""all_trace_rows.py BENCH_JSON: bench/trace's figures per path as "PATH KEY VALUE" lines
(p50_ratio, p99_ratio, lab_share; null when not measured) for bench/all's records."""
import json
import sys

with open(sys.argv[1]) as f:
    paths = json.load(f)["paths"]
for p, e in paths.items():
    for k in ("p50_ratio", "p99_ratio", "lab_share"):
        print(p, k, "null" if e.get(k) is None else e[k])
