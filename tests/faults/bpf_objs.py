#!/usr/bin/env python3
"""bpf_objs.py snap FILE | leaks FILE — BPF programs and maps that outlive their users.
`snap` records the ids alive now; `leaks` prints those created since that are still alive but
held by nobody: no process has an fd on them (/proc/*/fdinfo), no interface in any network
namespace has the program attached, no live program uses the map. On a machine where others
run labs too, this tells our leaks from their live objects, which a plain count cannot."""
import glob, json, re, subprocess, sys

def objs(kind):
    try:
        return json.loads(subprocess.run(["bpftool", "-j", kind, "show"], capture_output=True,
                                         text=True).stdout or "[]")
    except ValueError:
        return []

def held_by_fds():
    progs, maps = set(), set()
    for fi in glob.glob("/proc/[0-9]*/fdinfo/*"):
        try:
            t = open(fi).read()
        except OSError:
            continue
        for m in re.finditer(r"^prog_id:\s+(\d+)", t, re.M):
            progs.add(int(m.group(1)))
        for m in re.finditer(r"^map_id:\s+(\d+)", t, re.M):
            maps.add(int(m.group(1)))
    return progs, maps

def attached():
    ids = set()
    nss = [None] + [l.split()[0] for l in subprocess.run(["ip", "netns", "list"], capture_output=True,
                                                         text=True).stdout.splitlines() if l.strip()]
    for ns in nss:
        cmd = ["ip"] + (["-n", ns] if ns else []) + ["-d", "link", "show"]
        out = subprocess.run(cmd, capture_output=True, text=True).stdout
        ids |= {int(x) for x in re.findall(r"prog/xdp\S* id (\d+)", out)}
        ids |= {int(x) for x in re.findall(r"\bxdp\S*\s.*?\bid (\d+)", out)}
    return ids

mode, path = sys.argv[1], sys.argv[2]
progs, maps = objs("prog"), objs("map")
if mode == "snap":
    json.dump({"progs": [p["id"] for p in progs], "maps": [m["id"] for m in maps]}, open(path, "w"))
    sys.exit(0)
before = json.load(open(path))
fd_progs, fd_maps = held_by_fds()
att = attached()
# a dispatcher (libxdp) holds its component programs; count programs used through a live one
live_progs = {p["id"] for p in progs if p["id"] in fd_progs or p["id"] in att}
used_maps = set()
for p in progs:
    if p["id"] in live_progs:
        used_maps |= set(p.get("map_ids", []))
leak_p = [p for p in progs if p["id"] not in before["progs"] and p["id"] not in live_progs]
leak_m = [m for m in maps if m["id"] not in before["maps"] and m["id"] not in fd_maps
          and m["id"] not in used_maps]
for p in leak_p:
    print("program %d %s" % (p["id"], p.get("name", "")))
for m in leak_m:
    print("map %d %s" % (m["id"], m.get("name", "")))
