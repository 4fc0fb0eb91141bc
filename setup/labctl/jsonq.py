"""labctl.jsonq — small JSON questions the shell asks (bench/lib.sh): values by key path, and
whether a generator step kept its rate and its loss bound."""
import json


def get(path, keys, missing="null"):
    """the values of the dotted keys in the JSON file at path (missing when a key is missing or
    the file unreadable)"""
    try:
        with open(path) as f:
            d = json.load(f)
    except (OSError, ValueError):
        d = {}
    out = []
    for k in keys:
        v = d
        for part in k.split("."):
            v = v.get(part) if isinstance(v, dict) else None
        out.append(missing if v is None else str(v))
    return out


def step_why(stats_path, max_loss):
    """why a generator step (its --stats-json) failed, or "" when it offered its rate (achieved
    within 0.1 %) and lost at most max_loss (a fraction) of what it sent"""
    with open(stats_path) as f:
        d = json.load(f)
    off, ach, sent, lost = d["offered_pps"], d["achieved_pps"], d["sent"], d["lost"]
    why = []
    if off <= 0 or abs(ach - off) / off > 0.001:
        why.append("generator: achieved %.0f of %.0f pps" % (ach, off))
    if sent == 0 or lost / sent > float(max_loss):
        why.append("loss: %d of %d" % (lost, sent))
    return "; ".join(why)
