#!/usr/bin/env python3
"""watch_check.py — judges a lab-watch output directory against tcpdump's reference capture of the
same interface and the generator's ground truth (gen_bursts.py), for tests/watch/*.sh.

  watch_check.py events --dir D --ref REF.pcap --truth T.json --window-us W --threshold-pps R
                        --before-ms B --after-ms A [--threshold-bps R] [--bursts 1,2,...]
      the full check of watch.sh (see check_events); prints 'ok: ...' / 'not ok: ...' lines and
      exits 1 when any check failed.
  watch_check.py reference --ref REF.pcap --truth T.json --window-us W --threshold-pps R
      exit 0 when tcpdump's capture shows the bursts as generated (every packet, each burst whole in
      one detected burst): the replay's timing held, lab-watch can be judged on it.
  watch_check.py detect --ref REF.pcap --window-us W --threshold-pps R [--threshold-bps R]
      the brute-force detector's bursts on a capture, one JSON line each.
  watch_check.py pcap F
      tshark's reading of F: 'packets N clean|damaged', then 'dport count' lines.

Every capture is read with tshark (frame.time_epoch has 9 decimals in a nanosecond pcap, parsed as
integers, never as a float). The sequence number of a generated packet is its IPv4 id.

The detector is written from the contract's definition, not from lab-watch's code: a window
[t_i, t_i + W) is anchored at each packet; it is hot when count / W > R_pps (strictly) or
bits / W > R_bps (strictly); hot windows that share packets form one burst; a burst's packets are
those in any of its windows.
"""
import argparse
import bisect
import json
import os
import re
import signal
import subprocess
import sys
from fractions import Fraction

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "setup"))
from labctl import constants as lc  # noqa: E402 (common/constants.tsv)

FIELDS = ["frame.time_epoch", "frame.len", "ip.id", "ip.src", "ip.dst", "udp.srcport", "udp.dstport"]
fails = 0


def ok(msg):
    print("ok: " + msg)


def nok(msg):
    global fails
    fails += 1
    print("not ok: " + msg)


def check(cond, msg_ok, msg_bad):
    ok(msg_ok) if cond else nok(msg_bad)
    return cond


def epoch_ns(text):
    sec, _, frac = text.partition(".")
    return int(sec) * 1_000_000_000 + int((frac + "000000000")[:9])


_read_cache = {}


def read_pcap(path):
    """(rows, clean, stderr): rows of dicts in file order; clean when tshark read it all without
    complaint (no 'cut short', no damage). One tshark per file and process (tshark starts slowly)."""
    key = (path, os.path.getmtime(path) if os.path.exists(path) else 0)
    if key not in _read_cache:
        _read_cache[key] = _read_pcap(path)
    rows, clean, err = _read_cache[key]
    return [dict(r) for r in rows], clean, err


def _read_pcap(path):
    cmd = ["tshark", "-n", "-r", path, "-T", "fields", "-E", "separator=\t"]
    for f in FIELDS:
        cmd += ["-e", f]
    p = subprocess.run(cmd, capture_output=True, text=True)
    err = "\n".join(l for l in p.stderr.splitlines() if "Running as user" not in l and "could be dangerous" not in l)
    rows = []
    for line in p.stdout.splitlines():
        v = line.split("\t")
        v += [""] * (len(FIELDS) - len(v))
        rows.append({"t": epoch_ns(v[0]), "len": int(v[1]), "id": int(v[2], 0) if v[2] else None,
                     "src": v[3], "dst": v[4], "sport": int(v[5]) if v[5] else 0,
                     "dport": int(v[6]) if v[6] else 0})
    return rows, p.returncode == 0 and not err.strip(), err.strip()


def detect(rows, window_us, thr_pps, thr_bps=0):
    """Brute force from the definition. rows sorted by time. Returns bursts as dicts."""
    t = [r["t"] for r in rows]
    n = len(t)
    w = window_us * 1000
    pref = [0]
    for r in rows:
        pref.append(pref[-1] + r["len"])
    lim_pps = Fraction(str(thr_pps)) * w  # hot: count * 1e9 > R * W_ns
    lim_bps = Fraction(str(thr_bps)) * w
    hot = []  # (lo, hi) index ranges of hot windows, hi exclusive
    for i in range(n):
        lo = bisect.bisect_left(t, t[i])       # every packet at t_i is inside [t_i, t_i + W)
        hi = bisect.bisect_left(t, t[i] + w)
        cnt, bits = hi - lo, (pref[hi] - pref[lo]) * 8
        if (thr_pps and cnt * 10**9 > lim_pps) or (thr_bps and bits * 10**9 > lim_bps):
            hot.append((lo, hi, cnt, bits))
    bursts = []
    for lo, hi, cnt, bits in hot:  # anchors ascend; a window shares packets with the burst when lo < its end
        if bursts and lo < bursts[-1]["hi"]:
            b = bursts[-1]
            b["hi"] = max(b["hi"], hi)
            b["peak_count"] = max(b["peak_count"], cnt)
            b["peak_bits"] = max(b["peak_bits"], bits)
            b["bits_of_fullest"] = bits if cnt > b["fullest"] else b["bits_of_fullest"]
            b["fullest"] = max(b["fullest"], cnt)
        else:
            bursts.append({"lo": lo, "hi": hi, "peak_count": cnt, "peak_bits": bits, "fullest": cnt,
                           "bits_of_fullest": bits})
    out = []
    for b in bursts:
        lo, hi = b["lo"], b["hi"]
        out.append({"start_ns": t[lo], "end_ns": t[hi - 1], "packets": hi - lo,
                    "bytes": pref[hi] - pref[lo], "lo": lo, "hi": hi,
                    "peak_pps": b["peak_count"] * 1e9 / w, "peak_bps": b["peak_bits"] * 1e9 / w,
                    "peak_bps_of_fullest": b["bits_of_fullest"] * 1e9 / w})
    return out


DROP_KEYS = ["from_ns", "to_ns", "pcap_drop", "pcap_ifdrop", "rx_dropped", "rx_missed_errors", "ethtool",
             "softnet_dropped", "softnet_time_squeeze", "softnet"]
EVENT_KEYS = ["event", "start_ns", "end_ns", "duration_ns", "packets", "bytes", "peak_pps", "peak_bps",
              "window_ns", "pcap", "written_packets", "context_from_ns", "context_cut", "top_flows",
              "other_flows_packets", "drops", "interrupted", "pcap_full"]


def check_drops(d, what):
    missing = [k for k in DROP_KEYS if k not in d]
    bad = missing[:]
    if not missing:
        if not isinstance(d["ethtool"], dict):
            bad.append("ethtool not an object")
        if not isinstance(d["softnet"], list) or any(not {"cpu", "dropped", "time_squeeze"} <= set(c) for c in d["softnet"]):
            bad.append("softnet not a list of {cpu, dropped, time_squeeze}")
        elif sum(c["dropped"] for c in d["softnet"]) != d["softnet_dropped"]:
            bad.append("softnet_dropped != sum of per-CPU dropped")
    return check(not bad, f"{what}: drops has every key (pcap_drop {d.get('pcap_drop')}, rx_dropped "
                 f"{d.get('rx_dropped')}, softnet_dropped {d.get('softnet_dropped')}, time_squeeze "
                 f"{d.get('softnet_time_squeeze')}, ethtool {d.get('ethtool')})",
                 f"{what}: drops: {bad}: {json.dumps(d)[:300]}")


def load_events(path):
    evs = []
    for i, line in enumerate(open(path), 1):
        try:
            evs.append(json.loads(line))
        except ValueError as e:
            nok(f"events.jsonl line {i} is not JSON ({e}): {line[:200]!r}")
    return evs


def check_events(a):
    truth = json.load(open(a.truth))
    want = [b for b in truth["bursts"] if not a.bursts or b["burst"] in a.bursts]
    ref, ref_clean, err = read_pcap(a.ref)
    check(ref_clean, f"reference capture reads clean ({len(ref)} packets)", f"reference capture: {err}")
    if a.only_dports:
        ref = [r for r in ref if r["dport"] in a.only_dports]
    ids = [r["id"] for r in ref]
    check(len(set(ids)) == len(ids) and sorted(ids) == list(range(truth["packets"])) if not a.only_dports else True,
          f"reference holds every generated packet once ({truth['packets']})",
          f"reference: {len(ids)} packets, {len(set(ids))} distinct, {truth['packets']} sent")
    order = all(x["t"] <= y["t"] for x, y in zip(ref, ref[1:]))
    if not order:
        nok("reference timestamps are not in order")
        ref.sort(key=lambda r: r["t"])
    brute = detect(ref, a.window_us, a.threshold_pps, a.threshold_bps)
    print(f"detector on the reference: {len(brute)} bursts: " +
          ", ".join(f"{b['packets']} pkts {(b['end_ns'] - b['start_ns']) / 1000:.0f} us" for b in brute))
    # each injected burst is inside exactly one detected burst, whole
    for b in want:
        inside = [r for r in ref if r["dport"] == b["dport"]]
        check(len(inside) == b["count"], f"burst {b['burst']}: the reference saw all {b['count']} packets",
              f"burst {b['burst']}: the reference saw {len(inside)} of {b['count']}")
    check(len(brute) == len(want), f"the brute-force detector finds {len(want)} bursts on the reference",
          f"the brute-force detector finds {len(brute)} bursts, {len(want)} injected (the test's "
          "parameters are not robust for this machine's timing)")

    d = a.dir
    evs = load_events(os.path.join(d, "events.jsonl")) if os.path.exists(os.path.join(d, "events.jsonl")) else []
    check(len(evs) == len(want), f"events.jsonl: {len(evs)} events", f"events.jsonl: {len(evs)} events, want {len(want)}")
    for e in evs:
        miss = [k for k in EVENT_KEYS if k not in e]
        check(not miss, f"event {e.get('event')}: every key", f"event {e.get('event')}: keys missing: {miss}")
    check([e.get("event") for e in evs] == list(range(1, len(evs) + 1)), "events numbered 1..N",
          f"event numbers {[e.get('event') for e in evs]}")

    W = [0, 0]
    windows = []
    for k, (e, b, g) in enumerate(zip(evs, brute, want), 1):
        tag = f"event {k}"
        got = {x: e.get(x) for x in ("packets", "start_ns", "end_ns", "bytes")}
        exp = {x: b[x] for x in ("packets", "start_ns", "end_ns", "bytes")}
        check(got == exp, f"{tag} = brute force on tcpdump's capture: {exp['packets']} packets, {exp['bytes']} B, "
              f"{(exp['end_ns'] - exp['start_ns']) / 1000:.1f} us",
              f"{tag}: lab-watch {got} != brute force {exp} (diff start {got['start_ns'] - exp['start_ns'] if got['start_ns'] is not None else '?'} ns)")
        check(e.get("duration_ns") == b["end_ns"] - b["start_ns"], f"{tag}: duration_ns",
              f"{tag}: duration_ns {e.get('duration_ns')} != {b['end_ns'] - b['start_ns']}")
        lo, hi = b["start_ns"] - a.before_ms * 10**6, b["end_ns"] + a.after_ms * 10**6
        windows.append((lo, hi))
        check(e.get("window_ns") == [lo, hi], f"{tag}: window_ns = [start - before, end + after]",
              f"{tag}: window_ns {e.get('window_ns')} != {[lo, hi]}")
        pk = e.get("peak_pps") or 0
        check(abs(pk - b["peak_pps"]) <= 1e-9 * b["peak_pps"], f"{tag}: peak_pps {pk:.0f}",
              f"{tag}: peak_pps {pk} != brute force {b['peak_pps']}")
        pb = e.get("peak_bps") or 0
        tol = lambda x: 1e-9 * x
        if abs(pb - b["peak_bps"]) <= tol(b["peak_bps"]):
            ok(f"{tag}: peak_bps {pb:.0f} (the window with most bits)")
        elif abs(pb - b["peak_bps_of_fullest"]) <= tol(b["peak_bps_of_fullest"]):
            ok(f"{tag}: peak_bps {pb:.0f} (the bits of the window with most packets; the most bits: {b['peak_bps']:.0f})")
        else:
            nok(f"{tag}: peak_bps {pb} is neither the most bits of a window ({b['peak_bps']}) nor those of the "
                f"fullest ({b['peak_bps_of_fullest']})")
        # the injected burst is all inside
        gin = [r for r in ref[b["lo"]:b["hi"]] if r["dport"] == g["dport"]]
        check(len(gin) == g["count"], f"{tag} holds all {g['count']} packets of burst {g['burst']} (dport {g['dport']})",
              f"{tag} holds {len(gin)} of burst {g['burst']}'s {g['count']} packets")
        tf = e.get("top_flows") or []
        t0 = tf[0] if tf else {}
        exp0 = {"proto": "udp", "src": a.src, "dst": a.dst, "sport": 7001, "dport": g["dport"],
                "packets": g["count"], "bytes": g["bytes"]}
        check(t0 == exp0, f"{tag}: top_flows[0] is burst {g['burst']}'s flow, {g['count']} packets, {g['bytes']} B",
              f"{tag}: top_flows[0] {t0} != {exp0}")
        bg = [r for r in ref[b["lo"]:b["hi"]] if r["dport"] != g["dport"]]
        flows_sum = sum(f.get("packets", 0) for f in tf) + (e.get("other_flows_packets") or 0)
        check(flows_sum == e.get("packets") and len(tf) <= 5 and
              all(x.get("packets", 0) >= y.get("packets", 0) for x, y in zip(tf, tf[1:])),
              f"{tag}: top_flows sorted, with other_flows_packets they sum to the event's packets "
              f"({len(bg)} background in the burst)",
              f"{tag}: top_flows {tf} + other {e.get('other_flows_packets')} != packets {e.get('packets')}")
        check_drops(e.get("drops") or {}, tag)
        dr = e.get("drops") or {}
        check(isinstance(dr.get("from_ns"), int) and isinstance(dr.get("to_ns"), int) and
              dr["from_ns"] <= b["start_ns"] and dr["to_ns"] >= b["end_ns"],
              f"{tag}: the drop samples are around the burst ({(b['start_ns'] - dr.get('from_ns', 0)) / 1e6:.1f} ms "
              f"before, {(dr.get('to_ns', 0) - b['end_ns']) / 1e6:.1f} ms after)",
              f"{tag}: drops from_ns {dr.get('from_ns')} to_ns {dr.get('to_ns')} not around [{b['start_ns']}, {b['end_ns']}]")
        check(e.get("interrupted") is False and e.get("context_cut") is False and e.get("pcap_full") is False,
              f"{tag}: not interrupted, context not cut, pcap not full",
              f"{tag}: interrupted {e.get('interrupted')} context_cut {e.get('context_cut')} pcap_full {e.get('pcap_full')}")
        # single file: a packet inside two events' windows is written once, counted in the first
        mine = [r for r in ref if lo <= r["t"] <= hi and not any(l0 <= r["t"] <= h0 for l0, h0 in windows[:-1])]
        check(e.get("written_packets") == len(mine), f"{tag}: written_packets {len(mine)} = the reference's packets in "
              f"its window{' not in an earlier one' if len(mine) < sum(1 for r in ref if lo <= r['t'] <= hi) else ''}",
              f"{tag}: written_packets {e.get('written_packets')} != {len(mine)} (the reference's packets in its window, "
              f"{sum(1 for r in ref if lo <= r['t'] <= hi)} with those of an earlier window)")
        first_ctx = mine[0]["t"] if mine else None
        check(e.get("context_from_ns") == first_ctx, f"{tag}: context_from_ns = its first packet written",
              f"{tag}: context_from_ns {e.get('context_from_ns')} != {first_ctx}")

    # the pcap lab-watch wrote
    pc = os.path.join(d, "bursts.pcap")
    check(all(e.get("pcap") == "bursts.pcap" for e in evs), "every event's pcap is bursts.pcap",
          f"pcap fields: {[e.get('pcap') for e in evs]}")
    rows, clean, err = read_pcap(pc) if os.path.exists(pc) else ([], False, "no bursts.pcap")
    check(clean, f"bursts.pcap reads clean with tshark ({len(rows)} packets)", f"bursts.pcap: {err}")
    magic = open(pc, "rb").read(4) if os.path.exists(pc) else b""
    check(magic == b"\x4d\x3c\xb2\xa1", "bursts.pcap has the nanosecond magic", f"bursts.pcap magic {magic.hex()}")
    wsum = sum(e.get("written_packets") or 0 for e in evs)
    check(len(rows) == wsum, f"bursts.pcap holds sum(written_packets) = {wsum} packets",
          f"bursts.pcap holds {len(rows)}, events say {wsum}")
    byid = {r["id"]: r for r in ref}
    for g in want:
        n = sum(1 for r in rows if r["dport"] == g["dport"])
        check(n == g["count"], f"bursts.pcap: burst {g['burst']} (dport {g['dport']}): {n} packets = truth",
              f"bursts.pcap: dport {g['dport']}: {n} packets, truth {g['count']}")
    inwin = lambda t: any(lo <= t <= hi for lo, hi in windows)
    bg_ids = {r["id"] for r in rows if r["dport"] == 8000}
    outside = [r for r in rows if r["dport"] == 8000 and not inwin(r["t"])]
    check(not outside, f"every background packet written ({len(bg_ids)}) lies inside an event's margins",
          f"{len(outside)} background packets written outside every [start-before, end+after]: "
          f"{[(r['id'], r['t']) for r in outside[:5]]}")
    ref_bg = {r["id"] for r in ref if r["dport"] == 8000 and inwin(r["t"])}
    check(ref_bg == bg_ids, f"every background packet of the reference inside the margins is written ({len(ref_bg)})",
          f"background in the margins: reference {len(ref_bg)}, written {len(bg_ids)}; missing "
          f"{sorted(ref_bg - bg_ids)[:10]}, extra {sorted(bg_ids - ref_bg)[:10]}")
    allowed = {g["dport"] for g in want} | {8000}
    other = [r for r in rows if r["dport"] not in allowed or r["id"] not in byid]
    check(not other, "bursts.pcap holds nothing else", f"bursts.pcap: {len(other)} other packets: {other[:3]}")
    wid = [r["id"] for r in rows]
    check(len(set(wid)) == len(wid), "no packet written twice", f"{len(wid) - len(set(wid))} packets written twice")
    tdiff = [r["t"] - byid[r["id"]]["t"] for r in rows if r["id"] in byid]
    check(tdiff and max(map(abs, tdiff)) == 0, "every packet written has tcpdump's timestamp to the nanosecond",
          f"timestamps differ from tcpdump's: max |diff| {max(map(abs, tdiff)) if tdiff else '?'} ns")
    check(all(x["t"] <= y["t"] for x, y in zip(rows, rows[1:])), "bursts.pcap in time order", "bursts.pcap out of order")
    if a.stderr:
        check_stderr(a.stderr, evs)
    return evs


def check_stderr(path, evs):
    """The progress lines of the contract, one 'started' and one 'done' line per event, their
    figures those of events.jsonl."""
    lines = open(path).read().splitlines()
    st = [re.match(r"lab-watch: event (\d+) started at (\d+)\.(\d{9}) \((\d+) packets? so far\)$", l) for l in lines]
    st = [m for m in st if m]
    dn = [re.match(r"lab-watch: event (\d+): (\d+) packets in ([\d.]+) us, peak (\d+) pps, (\d+) written", l) for l in lines]
    dn = [m for m in dn if m]
    bad = []
    if [int(m[1]) for m in st] != [e.get("event") for e in evs]:
        bad.append(f"'started' lines for events {[int(m[1]) for m in st]}")
    if [int(m[1]) for m in dn] != [e.get("event") for e in evs]:
        bad.append(f"'done' lines for events {[int(m[1]) for m in dn]}")
    for m, e in zip(st, evs):
        if int(m[2]) * 10**9 + int(m[3]) != e.get("start_ns"):
            bad.append(f"event {m[1]} started at {m[2]}.{m[3]}, start_ns {e.get('start_ns')}")
    for m, e in zip(dn, evs):
        if int(m[2]) != e.get("packets") or int(m[5]) != e.get("written_packets"):
            bad.append(f"event {m[1]}: line says {m[2]} packets {m[5]} written, the event {e.get('packets')} / {e.get('written_packets')}")
    check(not bad, "stderr: a 'started' and a 'done' line per event, as events.jsonl says",
          "stderr: " + "; ".join(bad))


def reference_ok(a):
    """Did the replay reproduce the bursts? On tcpdump's capture: every generated packet once, and
    the detector's bursts = the injected ones, each whole. Judges tcpreplay's timing, not lab-watch."""
    truth = json.load(open(a.truth))
    ref, clean, err = read_pcap(a.ref)
    ref.sort(key=lambda r: r["t"])
    brute = detect(ref, a.window_us, a.threshold_pps, a.threshold_bps)
    why = []
    if not clean:
        why.append("reference: " + err)
    if len(ref) != truth["packets"]:
        why.append(f"{len(ref)} of {truth['packets']} packets captured")
    if len(brute) != len(truth["bursts"]):
        why.append(f"{len(brute)} bursts detected, {len(truth['bursts'])} sent")
    for b, g in zip(brute, truth["bursts"]):
        n = sum(1 for r in ref[b["lo"]:b["hi"]] if r["dport"] == g["dport"])
        if n != g["count"]:
            why.append(f"burst {g['burst']}: {n} of {g['count']} inside the detected burst")
    print("reference: " + ("the bursts as sent: " + ", ".join(f"{b['packets']} pkts in {(b['end_ns'] - b['start_ns']) / 1000:.0f} us"
                                                                for b in brute) if not why else "; ".join(why)))
    return 0 if not why else 1


def check_summary(a, evs):
    ref, _, _ = read_pcap(a.ref)
    p = os.path.join(a.dir, "watch.json")
    try:
        w = json.load(open(p))
    except (OSError, ValueError) as e:
        nok(f"watch.json: {e}")
        return
    check(w.get("packets") == len(ref), f"watch.json packets {w.get('packets')} = tcpdump's {len(ref)}",
          f"watch.json packets {w.get('packets')} != tcpdump's {len(ref)}")
    check(w.get("bytes") == sum(r["len"] for r in ref), f"watch.json bytes {w.get('bytes')}",
          f"watch.json bytes {w.get('bytes')} != {sum(r['len'] for r in ref)}")
    pc = os.path.join(a.dir, "bursts.pcap")
    size = os.path.getsize(pc) if os.path.exists(pc) else 0
    check(w.get("written_bytes") == size, f"watch.json written_bytes {size} = the size of bursts.pcap",
          f"watch.json written_bytes {w.get('written_bytes')} != bursts.pcap's {size} B")
    check(w.get("events") == len(evs), f"watch.json events {w.get('events')}", f"watch.json events {w.get('events')} != {len(evs)}")
    wp = sum(e.get("written_packets") or 0 for e in evs)
    check(w.get("written_packets") == wp, f"watch.json written_packets {wp}",
          f"watch.json written_packets {w.get('written_packets')} != {wp}")
    check(w.get("stopped_by") == "signal", "watch.json stopped_by signal", f"watch.json stopped_by {w.get('stopped_by')}")
    check(w.get("out_of_order") == 0, "no packet out of order", f"out_of_order {w.get('out_of_order')}")
    c = w.get("config") or {}
    check(c.get("window_us") == a.window_us and c.get("before_ms") == a.before_ms and c.get("after_ms") == a.after_ms
          and c.get("threshold_pps") == a.threshold_pps and w.get("iface") == a.iface and w.get("filter") == "",
          "watch.json iface, filter and config as given", f"watch.json config {c} iface {w.get('iface')} filter {w.get('filter')!r}")
    st = w.get("pcap_stats") or {}
    print(f"info: pcap_stats {st} (drop not asserted: a loaded machine may drop)")
    if st.get("drop"):
        print(f"warning: libpcap dropped {st.get('drop')} packets")
    if "drops" in w:
        check_drops(w["drops"], "watch.json")
    else:
        nok("watch.json: no drops")
    check(w.get("started_ns", 0) < min((r["t"] for r in ref), default=0) and
          w.get("ended_ns", 0) > max((r["t"] for r in ref), default=0),
          "started_ns / ended_ns around every packet", f"started_ns {w.get('started_ns')} ended_ns {w.get('ended_ns')}")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("events")
    e.add_argument("--dir", required=True)
    e.add_argument("--ref", required=True)
    e.add_argument("--truth", required=True)
    e.add_argument("--iface", default="rcv0")
    e.add_argument("--src", default=lc.LAB_GEN_V4)
    e.add_argument("--dst", default=lc.LAB_DUT_V4)
    e.add_argument("--bursts", type=lambda s: [int(x) for x in s.split(",")], default=[],
                   help="only these bursts are expected (a filter)")
    e.add_argument("--only-dports", type=lambda s: [int(x) for x in s.split(",")], default=[],
                   help="the reference restricted to these ports (what a filter lets through)")
    e.add_argument("--no-summary", action="store_true")
    e.add_argument("--stderr", help="lab-watch's stderr: its progress lines checked")
    for x in ("window-us", "before-ms", "after-ms"):
        e.add_argument("--" + x, type=int, required=True)
    e.add_argument("--threshold-pps", type=int, required=True)
    e.add_argument("--threshold-bps", type=int, default=0)
    rf = sub.add_parser("reference")
    rf.add_argument("--ref", required=True)
    rf.add_argument("--truth", required=True)
    rf.add_argument("--window-us", type=int, required=True)
    rf.add_argument("--threshold-pps", type=int, required=True)
    rf.add_argument("--threshold-bps", type=int, default=0)
    dt = sub.add_parser("detect")
    dt.add_argument("--ref", required=True)
    dt.add_argument("--window-us", type=int, required=True)
    dt.add_argument("--threshold-pps", type=int, required=True)
    dt.add_argument("--threshold-bps", type=int, default=0)
    pc = sub.add_parser("pcap")
    pc.add_argument("file")
    a = ap.parse_args()
    if a.cmd == "events":
        evs = check_events(a)
        if not a.no_summary:
            check_summary(a, evs)
    elif a.cmd == "reference":
        return reference_ok(a)
    elif a.cmd == "detect":
        rows, _, _ = read_pcap(a.ref)
        rows.sort(key=lambda r: r["t"])
        for b in detect(rows, a.window_us, a.threshold_pps, a.threshold_bps):
            print(json.dumps(b))
    else:
        rows, clean, err = read_pcap(a.file)
        print(f"packets {len(rows)} {'clean' if clean else 'damaged: ' + err.replace(chr(10), ' ')}")
        cnt = {}
        for r in rows:
            cnt[r["dport"]] = cnt.get(r["dport"], 0) + 1
        for k in sorted(cnt):
            print(k, cnt[k])
    return 1 if fails else 0


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # read through `| head`
    sys.exit(main())
