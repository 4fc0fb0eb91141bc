#!/usr/bin/env python3
"""all_rec.py KEY REP VALUE NOTE: one measurement of bench/all as a JSON line on stdout (VALUE
empty or "null": it could not be taken, the NOTE says why)."""
import json
import sys

key, rep, value, note = sys.argv[1:5]
print(json.dumps({"key": key, "rep": int(rep), "value": None if value in ("", "null") else float(value),
                  "note": note}))
