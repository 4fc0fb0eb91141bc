"""labctl.registry — common/paths.tsv, the lab's paths (see the table's header for its fields):
the paths of a topology in order, their needs, the floor, and a path's reflector command line
(the registry's binary and arguments with the shared reflector flags)."""
import os
from collections import namedtuple

from . import constants as lc

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOPOLOGIES = ("reflect", "forward")

Path = namedtuple("Path", "name binary args needs drops role description")


def tsv():
    return os.environ.get("LAB_PATHS_TSV") or os.path.join(ROOT, "common", "paths.tsv")


def default_topology():
    return os.environ.get("LAB_TOPOLOGY") or "reflect"


def paths(topology=None):
    """[Path] registered for topology (default LAB_TOPOLOGY, else reflect), in the table's order"""
    topology = topology or default_topology()
    out = []
    with open(tsv(), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) >= 8 and fields[1] == topology:
                out.append(Path(fields[0], *fields[2:8]))
    return out


def path(name, topology=None):
    """the Path of name in topology; KeyError when it is not registered there"""
    for p in paths(topology):
        if p.name == name:
            return p
    raise KeyError(f"no path '{name}' in common/paths.tsv for the {topology or default_topology()} topology")


def needs(p):
    return [] if p.needs == "-" else p.needs.split()


def floor(topology=None):
    return next((p.name for p in paths(topology) if p.role == "floor"), None)


def base_argv(p, build, prefix):
    """the path's DUT process without the shared flags: [build/binary, args...]"""
    args = [] if p.args == "-" else p.args.replace("{prefix}", prefix).split()
    return [os.path.join(build, p.binary)] + args


def is_lab_kern(p):
    return os.path.basename(p.binary) == "lab-kern"


def reflector_argv(p, build, prefix, *, topology="reflect", cpu=None, ready_file=None,
                   stats_json=None, duration=None, stamps=None, stamps_file=None, gap_log=None,
                   extra=()):
    """the reflector of p as run, sweep and the tests start it: the registry's command, the
    shared flags (--iface dut0, --cpu, --ready-file, --stats-json, --duration; forward: also
    --out-iface dut1), lab-kern's --stamps (the bypass reflectors have user stamps only), and
    --gap-log when traced"""
    argv = base_argv(p, build, prefix) + ["--iface", lc.LAB_DUT_IF]
    for flag, v in (("--cpu", cpu), ("--ready-file", ready_file), ("--stats-json", stats_json),
                    ("--duration", duration)):
        if v is not None:
            argv += [flag, str(v)]
    if stamps and is_lab_kern(p):
        argv += ["--stamps", stamps]
        if stamps != "user" and stamps_file:
            argv += ["--stamps-file", stamps_file]
    if topology == "forward":
        argv += ["--out-iface", lc.LAB_DUT1_IF]
    if gap_log:
        argv += ["--gap-log", gap_log]
    return argv + list(extra)


def unavailable(p, build):
    """why p cannot run on this machine (its binary not built, too few free hugepages), or None"""
    if not os.access(os.path.join(build, p.binary), os.X_OK):
        return f"{os.path.basename(p.binary)} was not built on this machine (see 'meson setup' components)"
    for n in needs(p):
        if n.startswith("hugepages="):
            want = int(n.split("=", 1)[1])
            free = 0
            with open("/proc/meminfo") as f:
                for line in f:
                    if line.startswith("HugePages_Free"):
                        free = int(line.split()[1])
            if free < want:
                return f"fewer than {want} free hugepages (setup/lab check)"
    return None
