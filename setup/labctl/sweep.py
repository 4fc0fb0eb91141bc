#!/usr/bin/env python3
"""labctl.sweep — the trials of `setup/lab sweep`: for each path and frame size a throughput
search (NDR: no loss; PDR: loss at most --pdr-loss), then latency at fractions of the PDR and
along a log-spaced curve of offered rates. setup/sweep.sh runs it after the lab is up (and the
DUT core isolated); it keeps one reflector up per path while that path's trials run, reads the
reflector's counters around each trial (SIGUSR1: its --stats-json is rewritten, see common/dut.h)
and runs the generator (lab-gen) alone per trial. Each latency point is analysed by lab-analyze (exact
percentiles from the intended send time). Writes sweep.json, sweep.md and report.html.

`python3 setup/labctl sweep --check-args ARGS` validates the command line and prints the
settings the shell needs, one NUL-terminated word each in a fixed order (check_args_words); nothing
is started and nothing is evaluated by the shell. Python's standard library only."""

import argparse
import contextlib
import json
import math
import os
import shlex
import signal
import subprocess
import sys
import time

from . import constants as lc  # common/constants.tsv: addresses, interface names
from . import gen as genmod
from . import registry as regmod
from .files import write_whole  # outputs whole or not at all
from .reflector import Reflector


PROG = "lab: sweep"
EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_INVALID, EXIT_INT = 0, 1, 2, 3, 130
FCS_PREAMBLE_IFG = 24   # bytes per frame on an Ethernet wire beyond --size: FCS 4, preamble 8, IFG 12
RUN_MIN_SIZE = 78        # setup/lab run's smallest frame (IPv4 + the stamps, common/lab_wire.h)
GEN_SHORT = 0.001        # achieved below offered by more than this: the generator fell short


class Interrupted(Exception):
    pass


class UsageError(Exception):
    pass


class ReflectorGone(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# the command line

def registry(root, topology=None):
    """the paths of the topology: [(name, binary, args, needs, drops, role, description)]"""
    return [tuple(p) for p in regmod.paths(topology)]


def usage_text(names):
    return f"""usage: setup/lab sweep [options]

Throughput and latency under load, per path (RFC 2544 26.1 and 26.2, as TRex ndr_bench and
FD.io CSIT do them): for each path and frame size,
  1. the generator's own limit first: the highest rate lab-gen, alone, sends here without falling
     short (achieved below offered by more than 0.1 %), measured through the floor (xdptx;
     xdpfwd in the forward topology);
     a path that still passes there is reported as ">= X, generator-bound", never as its
     throughput;
  2. NDR (no loss) and PDR (loss ratio <= --pdr-loss) by binary search between --min-rate
     and that limit, trials growing from a quarter of --trial-s to --trial-s as the interval
     narrows, and a validation trial of --final-s at each result (a failed one resumes the
     search below it);
  3. latency (from the intended send time: p50, p99, p99.9, max), loss and drops at 10, 50,
     90 and 100 % of the path's PDR, and at --curve-points log-spaced rates from --min-rate
     to the largest PDR of all paths;
  4. the run check: a plain `setup/lab run` of the path at its PDR (--run-check-s seconds,
     the run's own settings: lab-trace, gap logs, stamps, record file, analysis), which the
     PDR must survive within --pdr-loss (and lab-gen's rate not short); when it does not, runs
     step down (x0.8, then halving the interval, at most --run-check-steps more) to the
     highest rate a run keeps: "PDR for run" in the table, run_pdr_pps in sweep.json.
     The search's trials are lighter (no tracer, no stamps, no records): the two
     instruments differ at high rates on a shared core, and the table says by how much.
Every trial records offered and achieved rate, loss, and where the loss was counted (the
reflector's drop points, the veths' drop counters, softnet drops), so a failing trial says
which queue dropped.

options:
  --topology T        reflect (default) or forward ({lc.LAB_GEN_IF} -> {lc.LAB_DUT_IF}, {lc.LAB_DUT1_IF} -> {lc.LAB_GEN1_IF}: the DUT
                      forwards; 'setup/lab run --help' says more); the paths are the topology's
  --paths LIST        comma-separated, from: {",".join(names)} (default: all)
  --scenario NAME     the whole sweep under one of run's scenario loads (cpu, softirq, memory,
                      disk, irq, burst; 'setup/lab run --help' and the --scn-* intensities'
                      defaults), on from before the first trial to after the last
  --sizes LIST        frame sizes without FCS, 64 to 1514, comma-separated (default 64)
  --pdr-loss PCT      PDR's loss tolerance in percent (default 0.5)
  --resolution PCT    a search ends when its interval is this narrow: hi/lo - 1 (default 2)
  --min-rate PPS      lowest rate searched and the curve's start (default 10000)
  --max-rate PPS      top of the generator-limit search (default 2000000)
  --trial-s S         longest search trial in seconds (default 2)
  --final-s S         validation trial at each result (default 4)
  --point-s S         each latency point (default 2)
  --curve-points N    log-spaced rates on the latency curve (default 6; 0: none)
  --pattern P         const | poisson (default const)
  --seed N            schedule seed (default 1)
  --gen-backend B     lab-gen's backend: xsk | udp (default: lab-gen's own default, xsk)
  --validate          after each PDR: one trial at the PDR (loss must be at or below
                      --pdr-loss) and one at 1.25 x PDR (loss above it, or the generator
                      short); exit 3 when one does not hold
  --no-run-check      skip step 4 (the sweep then reports the search's PDR only)
  --run-check-s S     seconds of each check run (default 5)
  --run-check-steps N runs below a failing PDR, at most (default 3; 0: the check at the
                      PDR only, its loss stated)
  --testpmd           also search dpdk-testpmd --forward-mode=5tswap on the dpdk path's vdev
                      and core, as a reference for lab-dpdk (paths.testpmd in sweep.json)
  --quick             a small sweep: one size, short trials, 10 % resolution, 3 curve points
  --keep-records      keep each latency point's record file (default: its summary only)
  --out DIR           results root (default results/sweeps/); the sweep goes to
                      DIR/<id>/, DIR/latest points to it
  --dut-cpu N         core of the reflector (default: the last core)
  --gen-cpu N         core of the generator (default: core 0)
  --no-isolate        do not isolate the DUT core (default: isolate it, put back afterwards)
  -h, --help          this text

A progress line per trial (path, size, rate, loss, trials left, time left). Every trial is
bounded in time; Ctrl-C stops the sweep, writes what the finished trials found, and leaves
the machine as it found it.
Exit: 0 done, 1 a failure, 2 bad usage, 3 a --validate check did not hold, 130 interrupted.
Results: sweep.json (paths.<path>.<size>: ndr_pps, pdr_pps, generator_bound, trials, points,
run_check, run_pdr_pps),
sweep.md (the table) and report.html (latency vs load, loss vs load, NDR/PDR bars)."""


def topology_of(argv):
    """--topology from the command line before the rest is parsed (the path names depend on it)"""
    t = os.environ.get("LAB_TOPOLOGY", "reflect")
    for i, x in enumerate(argv):
        if x == "--topology" and i + 1 < len(argv):
            t = argv[i + 1]
        elif x.startswith("--topology="):
            t = x.split("=", 1)[1]
    return t


def parse_args(argv, root):
    topo = topology_of(argv)
    if topo not in ("reflect", "forward"):
        raise UsageError(f"--topology is reflect or forward (got '{topo}')")
    reg = registry(root, topo)
    names = [r[0] for r in reg]

    class P(argparse.ArgumentParser):
        def error(self, message):
            raise UsageError(message)

    p = P(add_help=False, prog="setup/lab sweep")
    p.add_argument("-h", "--help", action="store_true")
    p.add_argument("--paths", default=",".join(names))
    p.add_argument("--topology", default=topo)
    p.add_argument("--scenario", default="")
    p.add_argument("--sizes", default=None)
    p.add_argument("--pdr-loss", type=float, default=0.5)
    p.add_argument("--resolution", type=float, default=None)
    p.add_argument("--min-rate", type=int, default=10000)
    p.add_argument("--max-rate", type=int, default=2000000)
    p.add_argument("--trial-s", type=float, default=None)
    p.add_argument("--final-s", type=float, default=None)
    p.add_argument("--point-s", type=float, default=None)
    p.add_argument("--curve-points", type=int, default=None)
    p.add_argument("--pattern", default="const")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--gen-backend", default="")
    p.add_argument("--validate", action="store_true")
    p.add_argument("--no-run-check", action="store_true")
    p.add_argument("--run-check-s", type=int, default=5)
    p.add_argument("--run-check-steps", type=int, default=3)
    p.add_argument("--testpmd", action="store_true")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--keep-records", action="store_true")
    p.add_argument("--out", default=os.path.join(root, "results", "sweeps"))
    p.add_argument("--dut-cpu", type=int, default=None)
    p.add_argument("--gen-cpu", type=int, default=0)
    p.add_argument("--no-isolate", action="store_true")
    p.add_argument("--dir", default=None)   # set by setup/sweep.sh: the sweep's directory
    a = p.parse_args(argv)
    if a.help:
        return a, names
    q = a.quick
    a.sizes = a.sizes or "64"
    a.resolution = a.resolution if a.resolution is not None else (10.0 if q else 2.0)
    a.trial_s = a.trial_s if a.trial_s is not None else (0.5 if q else 2.0)
    a.final_s = a.final_s if a.final_s is not None else (1.0 if q else 4.0)
    a.point_s = a.point_s if a.point_s is not None else (1.0 if q else 2.0)
    a.curve_points = a.curve_points if a.curve_points is not None else (3 if q else 6)
    a.path_list = [x for x in a.paths.split(",") if x]
    for x in a.path_list:
        if x not in names:
            raise UsageError(f"unknown path '{x}' in the {topo} topology ({', '.join(names)})")
    if not a.path_list:
        raise UsageError("--paths names no path")
    if len(set(a.path_list)) != len(a.path_list):
        raise UsageError("--paths names a path twice")
    try:
        a.size_list = [int(x) for x in a.sizes.split(",") if x]
    except ValueError:
        raise UsageError(f"--sizes is a comma-separated list of whole numbers (got '{a.sizes}')")
    if not a.size_list or any(s < 64 or s > 1514 for s in a.size_list):
        raise UsageError("--sizes: each size is 64 to 1514 bytes")
    if not 0 <= a.pdr_loss < 100:
        raise UsageError("--pdr-loss is a percentage from 0 to below 100")
    if not 0.1 <= a.resolution <= 50:
        raise UsageError("--resolution is 0.1 to 50 percent")
    if a.min_rate < 100 or a.max_rate > 100000000 or a.min_rate >= a.max_rate:
        raise UsageError("--min-rate must be at least 100 and below --max-rate (at most 1e8)")
    for k in ("trial_s", "final_s", "point_s"):
        v = getattr(a, k)
        if not 0.1 <= v <= 600:
            raise UsageError(f"--{k.replace('_', '-')} is 0.1 to 600 seconds")
    if not 0 <= a.curve_points <= 50:
        raise UsageError("--curve-points is 0 to 50")
    if not 1 <= a.run_check_s <= 600:
        raise UsageError("--run-check-s is 1 to 600 seconds")
    if not 0 <= a.run_check_steps <= 10:
        raise UsageError("--run-check-steps is 0 to 10")
    if a.pattern not in ("const", "poisson"):
        raise UsageError("--pattern is const or poisson")
    if a.gen_backend not in ("", "xsk", "udp"):
        raise UsageError("--gen-backend is xsk or udp")
    if a.seed < 0:
        raise UsageError("--seed is a whole number")
    ncpu = os.cpu_count() or 1
    if a.dut_cpu is None:
        a.dut_cpu = ncpu - 1
    if not (0 <= a.dut_cpu < ncpu and 0 <= a.gen_cpu < ncpu):
        raise UsageError(f"this machine has cores 0 to {ncpu - 1}")
    if a.testpmd and "dpdk" not in names:
        raise UsageError("--testpmd needs the dpdk path")
    if a.scenario and a.scenario not in ("cpu", "softirq", "memory", "disk", "irq", "burst"):
        raise UsageError(f"unknown scenario '{a.scenario}' (cpu, softirq, memory, disk, irq, burst; one per sweep)")
    if a.testpmd and topo != "reflect":
        raise UsageError("--testpmd (5tswap, a reflector) is for the reflect topology")
    a.floor = next((r[0] for r in reg if r[5] == "floor"), None)
    return a, names


# ---------------------------------------------------------------------------------------------
# the machine: processes, counters

def now():
    return time.monotonic()


def fmt_rate(pps):
    if pps is None:
        return "-"
    if pps >= 1e6:
        return f"{pps / 1e6:.3f} Mpps"
    return f"{pps / 1e3:.1f} kpps"


def fmt_dur(s):
    s = int(max(0, s))
    return f"{s // 60}m{s % 60:02d}s" if s >= 60 else f"{s}s"


def fmt_us(ns):
    return "-" if ns is None else f"{ns / 1000:.1f}"


class Lab:
    """The namespaces, the cores and the build, as setup/sweep.sh hands them over."""

    def __init__(self, a, root):
        e = os.environ
        self.a = a
        self.root = root
        self.build = e["SWEEP_BUILD"]
        self.prefix = e["SWEEP_PREFIX"]
        self.ns_gen, self.ns_dut = e["SWEEP_NS_GEN"], e["SWEEP_NS_DUT"]
        self.iso_procs = e.get("SWEEP_ISO_PROCS", "")
        self.dir = a.dir
        self.reg = {r[0]: r for r in registry(root, a.topology)}
        self.topology, self.dut_cpu = a.topology, a.dut_cpu
        self.forward = a.topology == "forward"
        self.dut_mac = genmod.dut_mac(self.ns_dut) if self.forward else None
        self.child = None          # the generator (lab-gen) running now
        self.stop = False
        self.refls = []            # every reflector started (stopped at the end, whatever happens)

    # the DUT cpuset (when the core is isolated), as setup/isolate.sh's iso_exec_replace
    def path_unavailable(self, name):
        r = subprocess.run(["bash", "-c", 'LAB_ROOT=$1; . "$1/setup/paths.sh"; lab_path_unavailable "$2" "$3"',
                            "x", self.root, name, self.build], capture_output=True, text=True)
        return r.stdout.strip() if r.returncode == 0 else None

    def nic_counters(self):
        """drop and error counters of both veths (ethtool -S and the link's own), by name"""
        out = {}
        devs = [(self.ns_dut, lc.LAB_DUT_IF), (self.ns_gen, lc.LAB_GEN_IF)]
        if self.forward:
            devs += [(self.ns_dut, lc.LAB_DUT1_IF), (self.ns_gen, lc.LAB_GEN1_IF)]
        for ns, dev in devs:
            r = subprocess.run(["ip", "-n", ns, "-s", "-j", "link", "show", "dev", dev],
                               capture_output=True, text=True)
            try:
                st = json.loads(r.stdout)[0]["stats64"]
                for d in ("rx", "tx"):
                    for k in ("dropped", "errors", "over_errors", "missed"):
                        if k in st.get(d, {}):
                            out[f"{dev}.{d}_{k}"] = st[d][k]
            except (ValueError, IndexError, KeyError):
                pass
            r = subprocess.run(["ip", "netns", "exec", ns, "ethtool", "-S", dev],
                               capture_output=True, text=True)
            for line in r.stdout.splitlines():
                k, _, v = line.strip().partition(":")
                if ("drop" in k or "err" in k) and v.strip().isdigit():
                    out[f"{dev}.{k}"] = int(v)
        try:
            drop = squeeze = 0
            for line in open("/proc/net/softnet_stat"):
                c = line.split()
                drop += int(c[1], 16)
                squeeze += int(c[2], 16)
            out["softnet.dropped"] = drop
            out["softnet.time_squeeze"] = squeeze
        except (OSError, IndexError, ValueError):
            pass
        return out

    def gen(self, path, size, rate, dur, json_path, rec_path=None, accept_unmarked=False):
        """one run of the generator (lab-gen) in its namespace, bounded; its stats JSON (or None)"""
        a = self.a
        flags = ["--rate", str(int(rate)), "--duration", f"{dur:g}", "--size", str(size),
                 "--pattern", a.pattern, "--seed", str(a.seed), "--cpu", str(a.gen_cpu), "--quiet",
                 "--tail-ms", "300", "--stats-json", json_path]
        if rec_path:
            flags += ["--out", rec_path]
        if accept_unmarked:
            flags += ["--accept-unmarked"]
        argv = genmod.argv(self.build, topology=a.topology, path=path if path in self.reg else None,
                           netns=self.ns_gen, bound=int(dur + 30), kill_after=5,
                           backend=a.gen_backend or None, mac=self.dut_mac, flags=flags)
        if path not in self.reg:  # testpmd's trials: a path of no registry line
            argv += ["--path", path]
        try:
            os.unlink(json_path)
        except FileNotFoundError:
            pass
        log = open(os.path.join(self.dir, "logs", "gen.log"), "a")
        self.child = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        try:
            rc = self.child.wait()
        finally:
            self.child = None
            log.close()
        try:
            d = json.load(open(json_path))
        except (OSError, ValueError):
            d = None
        return rc, d

    def interrupt(self):
        self.stop = True
        if self.child is not None:
            try:
                self.child.send_signal(signal.SIGINT)
            except OSError:
                pass


def counters_delta(before, after):
    """reflector counters after - before: received, reflected, and each drop point"""
    if not before or not after:
        return None
    # "reflected" here is what the DUT sent on: a forwarder's counter is "forwarded"
    def sent_on(c):
        return c.get("reflected", c.get("forwarded", 0))
    d = {"received": after.get("received", 0) - before.get("received", 0),
         "reflected": sent_on(after) - sent_on(before), "drops": {}}
    for k, v in after.get("drops", {}).items():
        d["drops"][k] = v - before.get("drops", {}).get(k, 0)
    return d


# ---------------------------------------------------------------------------------------------
# trials and searches

class Sweep:
    def __init__(self, lab, a):
        self.lab, self.a = lab, a
        self.res = {"generator": {}, "paths": {}}
        self.trials_done = 0
        self.trial_time = 0.0      # seconds spent in trials (for the estimate)
        self.started = now()
        self.validation_failed = []
        self.failed = []           # paths whose reflector vanished

    # -- one trial
    def trial(self, refl, path, size, rate, dur, kind, rec_path=None):
        lab = self.lab
        if lab.stop:
            raise Interrupted()
        t0 = now()
        nic0 = lab.nic_counters()
        c0 = refl.counters()
        jp = os.path.join(lab.dir, "tmp", "trial.json")
        rc, g = lab.gen(path, size, rate, dur, jp, rec_path, accept_unmarked=(refl.name == "testpmd"))
        c1 = refl.counters()
        nic1 = lab.nic_counters()
        if lab.stop:
            raise Interrupted()
        if not refl.alive():
            tail = [l for l in open(refl.log, errors="replace").read().splitlines() if l.strip()]
            raise ReflectorGone(f"the reflector exited during a trial at {fmt_rate(rate)}"
                                f" ({tail[-1] if tail else 'no output'})")
        t = {"kind": kind, "offered_pps": int(rate), "duration_s": dur, "frame_size": size}
        if g is None or rc not in (0,):
            tail = ""
            try:
                tail = open(os.path.join(lab.dir, "logs", "gen.log"), errors="replace").read().splitlines()[-1]
            except (OSError, IndexError):
                pass
            t.update({"failed": f"{genmod.NAME} exit {rc}: {tail}", "generator_bound": False,
                      "loss_ratio": None, "pass": False})
            self.note_trial(path, size, t, t0)
            return t
        sent, lost = g["sent"], g["lost"]
        ach = g["achieved_pps"]
        short = (g["offered_pps"] > 0 and ach < g["offered_pps"] * (1 - GEN_SHORT)) or \
            g.get("unsent", 0) > 0 or g.get("send_failed", 0) > 0
        t.update({"achieved_pps": round(ach, 1), "sent": sent, "received": g["received"],
                  "lost": lost, "loss_ratio": (lost / sent) if sent else None,
                  "send_failed": g.get("send_failed", 0), "unsent": g.get("unsent", 0),
                  "generator_bound": bool(short),
                  "rtt_ns_gen_hist": g.get("rtt_ns")})
        dd = counters_delta(c0, c1)
        drops = {}
        if dd:
            t["dut"] = {"received": dd["received"], "reflected": dd["reflected"]}
            for k, v in dd["drops"].items():
                if v:
                    drops[k] = v
        for k, v in nic1.items():
            dv = v - nic0.get(k, 0)
            if dv > 0 and k != "softnet.time_squeeze":
                drops[k] = dv
        t["drops"] = drops
        squeeze = nic1.get("softnet.time_squeeze", 0) - nic0.get("softnet.time_squeeze", 0)
        t["softnet_time_squeeze"] = squeeze
        t["loss_at"] = self.where(t)
        self.note_trial(path, size, t, t0)
        return t

    @staticmethod
    def where(t):
        """where the loss was counted, in words"""
        if not t.get("lost"):
            return ""
        parts = [f"{k} {v}" for k, v in sorted(t["drops"].items(), key=lambda kv: -kv[1])]
        dut = t.get("dut")
        if dut:
            before = t["sent"] - dut["received"]
            after = dut["reflected"] - t["received"]
            if before > 0:
                parts.append(f"{before} never reached the reflector")
            if after > 0:
                parts.append(f"{after} reflected but not received back")
        if not parts:
            parts.append("no drop point counted it")
        return "; ".join(parts)

    def note_trial(self, path, size, t, t0):
        el = now() - t0
        self.trials_done += 1
        self.trial_time += el
        left = self.est_left_trials()
        avg = self.trial_time / self.trials_done
        if t.get("failed"):
            what = t["failed"]
        else:
            lr = t["loss_ratio"]
            what = f"loss {lr * 100:.3f} %" if lr is not None else "nothing sent"
            if t["generator_bound"]:
                what += f", generator short ({fmt_rate(t['achieved_pps'])})"
            if t.get("loss_at"):
                what += f" [{t['loss_at'][:90]}]"
        print(f"sweep: {path} {size}B {t['kind']} {fmt_rate(t['offered_pps'])} {t['duration_s']:g}s: "
              f"{what} | {self.trials_done} done, ~{left} left, ~{fmt_dur(left * avg)} left",
              flush=True)

    # the work left, roughly: for the progress line
    def est_left_trials(self):
        a = self.a
        per_search = math.ceil(math.log2(max(2.0, math.log(max(a.max_rate / a.min_rate, 1.01))
                                             / math.log(1 + a.resolution / 100)))) + 3
        units = self.plan_searches_left * per_search + self.plan_points_left
        return max(0, units + self.cur_left)

    # -- the generator's limit, per size, through the floor
    def gen_limit(self, refl, size, trials):
        """the highest rate the generator (lab-gen) keeps (achieved within 0.1 % of offered), through xdptx:
        the top rate first, then down from what it achieved there, then bisection. Trials of
        at least 2 s: a late last packet (one scheduling hiccup of the shared core) must not
        weigh more than 0.1 % of the span"""
        a = self.a
        dur = max(2.0, a.trial_s)

        def run(r):
            t = self.trial(refl, self.a.floor, size, r, dur, "generator-limit")
            trials.append(t)
            return t, not t.get("failed") and not t["generator_bound"]
        t, ok = run(a.max_rate)
        if ok:
            return a.max_rate, trials, "the search's top (--max-rate) reached"
        hi, lo = a.max_rate, None
        r = int((t.get("achieved_pps") or a.max_rate / 2) * 0.98)
        while lo is None:
            r = max(a.min_rate, min(r, int(hi * 0.9)))
            t, ok = run(r)
            if ok:
                lo = r
            elif r <= a.min_rate:
                return 0, trials, f"{genmod.NAME} falls short even at --min-rate {a.min_rate} pps"
            else:
                hi, r = r, int(r * 0.85)
        while hi / lo - 1 > a.resolution / 100:
            self.cur_left = math.ceil(math.log2(math.log(hi / lo) / math.log(1 + a.resolution / 100)))
            r = int(math.sqrt(lo * hi))
            t, ok = run(r)
            if ok:
                lo = r
            else:
                hi = r
        self.cur_left = 0
        return lo, trials, f"{genmod.NAME} fell short at {fmt_rate(hi)}"

    # -- NDR or PDR: the highest rate whose trial passes, between min_rate and top
    def search(self, refl, path, size, tol, top, top_is_gen, trials, kind, floor=0):
        """floor: a rate already shown to pass (the validated NDR, for the PDR search: a trial
        without loss passes the PDR's test too); failures at or below it are the noise of one
        trial against a validated one, and do not bound the search"""
        a = self.a
        res = a.resolution / 100

        def ok(t):
            return not t.get("failed") and not t["generator_bound"] and t["loss_ratio"] is not None \
                and t["loss_ratio"] <= tol

        def bad(t):
            return not t.get("failed") and not t["generator_bound"] and \
                (t["loss_ratio"] is None or t["loss_ratio"] > tol)

        def dur_for(lo, hi):
            if lo is None or hi is None:
                return max(0.25, a.trial_s / 4)
            w = hi / lo - 1
            return round(min(a.trial_s, max(0.25, a.trial_s / 4, a.trial_s * 4 * res / max(w, 1e-9))), 3)

        def run(r, dur, k=kind):
            t = self.trial(refl, path, size, r, dur, k)
            trials.append(t)
            if t["generator_bound"] and not t.get("failed"):
                t2 = self.trial(refl, path, size, r, dur, k)   # one hiccup of a shared core
                trials.append(t2)
                return t2
            return t

        # what earlier trials (the NDR search's, for the PDR) already say
        fails = [t["offered_pps"] for t in trials if bad(t) and t["offered_pps"] > floor]
        hi = min(fails) if fails else None
        passes = [t["offered_pps"] for t in trials if ok(t) and (hi is None or t["offered_pps"] < hi)]
        lo = max(passes + ([floor] if floor else [])) if passes or floor else None
        gen_capped = False
        validations = 0
        while True:
            if hi is None and (lo is None or lo < top):
                t = run(top, dur_for(lo, hi))
                if ok(t):
                    lo = top
                elif t["generator_bound"]:
                    hi, gen_capped = top, True
                else:
                    hi = top
            # no passing rate yet: down from what came through at the failing rate (the
            # forwarding rate, as CSIT's MLRsearch starts), by 15 % steps, to --min-rate
            guess = hi
            last = trials[-1] if trials else None
            if last and last.get("loss_ratio") is not None and last["offered_pps"] == hi:
                guess = int(hi * (1 - last["loss_ratio"]) * 0.97)
            while lo is None:
                r = max(a.min_rate, min(guess, int(hi * 0.9))) if hi else a.min_rate
                t = run(r, dur_for(lo, hi))
                if ok(t):
                    lo = r
                elif r <= a.min_rate:
                    self.cur_left = 0
                    return {"pps": 0, "generator_bound": False, "validated": False,
                            "note": f"fails at --min-rate {a.min_rate} pps"}
                else:
                    hi, gen_capped = r, bool(t["generator_bound"])
                    guess = int(r * 0.85)
            while hi is not None and hi / lo - 1 > res:
                self.cur_left = math.ceil(math.log2(math.log(hi / lo) / math.log(1 + res))) + 1
                r = int(math.sqrt(lo * hi))
                t = run(r, dur_for(lo, hi))
                if ok(t):
                    lo = r
                elif t["generator_bound"]:
                    hi, gen_capped = r, True
                else:
                    hi, gen_capped = r, False
            # the validation trial at the result
            self.cur_left = 1
            t = run(lo, a.final_s, kind + "-validation")
            validations += 1
            if ok(t) or validations >= 3:
                break
            if t["generator_bound"] and not t.get("failed"):
                gen_capped = True  # the generator, not the path, fell short over --final-s
                break
            hi, gen_capped = lo, False
            below = [x["offered_pps"] for x in trials if ok(x) and x["offered_pps"] < hi]
            lo = max(below) if below else None
            if lo is not None and hi / lo - 1 <= res:
                lo = int(hi / (1 + res) ** 2) if hi / (1 + res) ** 2 > a.min_rate else None
            if floor and hi <= floor:
                lo = floor  # the NDR's own validation passed here: not below it
                break
            if floor and (lo is None or lo < floor):
                lo = floor
        self.cur_left = 0
        valid = ok(t)
        gen_short = bool(t["generator_bound"] and not t.get("failed"))
        gb = bool((lo >= top and top_is_gen) or gen_capped) and (valid or gen_short)
        note = ""
        if lo >= top:
            note = "passes at the generator's limit" if top_is_gen else "passes at --max-rate"
        elif gen_capped:
            note = "the generator fell short just above it"
        if gen_short:
            note = (note + "; " if note else "") + "the generator fell short in the validation trial"
        elif not valid:
            note = (note + "; " if note else "") + "the last validation trial failed: loss " + \
                (f"{t['loss_ratio'] * 100:.3f} %" if t.get("loss_ratio") is not None else "?")
        return {"pps": lo, "generator_bound": gb, "validated": valid, "note": note}

    # -- a latency point: a trial with records, analysed by lab-analyze
    def point(self, refl, path, size, rate, label):
        lab, a = self.lab, self.a
        pd = os.path.join(lab.dir, "points", path, str(size), f"{int(rate)}")
        for sub in ("records", "gen", "counters"):
            os.makedirs(os.path.join(pd, sub), exist_ok=True)
        rec = os.path.join(pd, "records", f"{path}.rec")
        t = self.trial(refl, path, size, rate, a.point_s, "point", rec_path=rec)
        pt = {"offered_pps": int(rate), "label": label}
        for k in ("achieved_pps", "sent", "received", "lost", "loss_ratio", "generator_bound",
                  "drops", "loss_at", "dut", "failed"):
            if k in t:
                pt[k] = t[k]
        if not t.get("failed"):
            # the point as a one-path run for lab-analyze: exact percentiles from the intended send
            js = os.path.join(lab.dir, "tmp", "trial.json")
            try:
                os.replace(js, os.path.join(pd, "gen", f"{path}.json"))
            except OSError:
                pass
            cnt = {"path": path, "received": t.get("dut", {}).get("received", 0),
                   "reflected": t.get("dut", {}).get("reflected", 0),
                   "drops": {k: v for k, v in t["drops"].items() if "." not in k}}
            write_whole(os.path.join(pd, "counters", f"{path}.json"), json.dumps(cnt))
            write_whole(os.path.join(pd, "run.json"), json.dumps(
                {"run": {"rate_pps": int(rate), "pattern": a.pattern, "frame_size": size,
                               "duration_s": a.point_s, "seed": a.seed, "paths": [path],
                               "dut_cpu": a.dut_cpu, "gen_cpu": a.gen_cpu, "sweep_point": True,
                               "topology": a.topology}}))
            r = subprocess.run([os.path.join(lab.build, "analysis", "lab-analyze"), "run", "--no-pcap", pd],
                               capture_output=True, text=True)
            try:
                s = json.load(open(os.path.join(pd, "summary.json")))["paths"][path]
                q = s.get("rtt_ns") or {}
                pt["rtt_ns"] = {k: q.get(k) for k in ("p50", "p99", "p999", "max")}
            except (OSError, ValueError, KeyError):
                pt["rtt_ns"] = None
                pt["analysis_error"] = (r.stderr.strip().splitlines() or ["no summary"])[-1]
            if not a.keep_records:
                try:
                    os.unlink(rec)
                except OSError:
                    pass
        return pt

    # -- the whole sweep
    def run(self):
        a, lab = self.a, self.lab
        paths = list(a.path_list) + (["testpmd"] if a.testpmd else [])
        self.plan_searches_left = 2 * len(paths) * len(a.size_list) + len(a.size_list)
        self.plan_points_left = len(paths) * len(a.size_list) * (4 + a.curve_points)
        self.cur_left = 0
        # 1. the generator's limit, through the floor
        floor = a.floor
        why = lab.path_unavailable(floor) if floor else "no floor path registered"
        refl = None
        if why is None:
            refl = Reflector(lab, floor)
            err = refl.start()
            if err:
                why = f"the {floor} floor " + err
        for size in a.size_list:
            g = {"limit_pps": None, "measured": False}
            if why is None and refl is not None:
                print(f"sweep: the generator's limit at {size} B, through the {floor} floor", flush=True)
                # kept as they finish: an interrupted sweep still has them
                g = {"limit_pps": None, "measured": False, "trials": []}
                self.res["generator"][str(size)] = g
                lim, trials, stop = self.gen_limit(refl, size, g["trials"])
                g.update({"limit_pps": lim, "measured": True, "above_it": stop})
            else:
                g = {"limit_pps": a.max_rate, "measured": False,
                     "note": f"not measured ({why}); trials where {genmod.NAME} falls short are still marked"}
            self.plan_searches_left -= 1
            self.res["generator"][str(size)] = g
        if refl is not None:
            refl.stop_it()
        self.res["generator_wall_s"] = round(now() - self.started, 1)
        # 2. each path: NDR, PDR (and --validate)
        for path in paths:
            if path != "testpmd":
                why = lab.path_unavailable(path)
            else:
                why = None if subprocess.run(["sh", "-c", "command -v dpdk-testpmd"],
                                             capture_output=True).returncode == 0 \
                    else "dpdk-testpmd is not installed (apt-get install dpdk)"
            pr = self.res["paths"].setdefault(path, {})
            if why:
                print(f"sweep: {path}: skipped: {why}", flush=True)
                pr["skipped"] = why
                self.plan_searches_left -= 2 * len(a.size_list)
                self.plan_points_left -= len(a.size_list) * (4 + a.curve_points)
                continue
            with self.reflector_for(lab, path, pr, "search") as refl:
                if refl is None:
                    continue
                for size in a.size_list:
                    g = self.res["generator"][str(size)]
                    top, top_is_gen = g["limit_pps"], g["measured"] and g["limit_pps"] < a.max_rate
                    r = pr.setdefault(str(size), {"trials": [], "points": []})
                    if not top:
                        r["skipped"] = "the generator keeps no rate from --min-rate up here"
                        continue
                    trials = r["trials"]
                    ndr = self.search(refl, path, size, 0.0, top, top_is_gen, trials, "ndr")
                    self.plan_searches_left -= 1
                    pdr = self.search(refl, path, size, a.pdr_loss / 100, top, top_is_gen, trials, "pdr",
                                      floor=ndr["pps"] if ndr.get("validated") else 0)
                    self.plan_searches_left -= 1
                    bits = (size + FCS_PREAMBLE_IFG) * 8 / 1e9
                    r.update({"ndr_pps": ndr["pps"], "pdr_pps": pdr["pps"],
                              "ndr_gbps": round(ndr["pps"] * bits, 4), "pdr_gbps": round(pdr["pps"] * bits, 4),
                              "generator_bound": ndr["generator_bound"] or pdr["generator_bound"],
                              "ndr": ndr, "pdr": pdr})
                    if not ndr.get("validated") and pdr["pps"] and ndr["pps"] > pdr["pps"]:
                        # NDR's candidate lost packets in every validation, and PDR's search, on
                        # its own then, settled lower: no rate above PDR was shown lossless
                        r.update({"ndr_pps": pdr["pps"], "ndr_gbps": r["pdr_gbps"],
                                  "ndr_unvalidated_pps": ndr["pps"],
                                  "ndr_note": "its candidate failed validation above the PDR found: "
                                              "reported at most the PDR"})
                    print(f"sweep: {path} {size}B: NDR {'>= ' if ndr['generator_bound'] else ''}"
                          f"{fmt_rate(r['ndr_pps'])}, PDR {'>= ' if pdr['generator_bound'] else ''}"
                          f"{fmt_rate(pdr['pps'])}{' (generator-bound)' if r['generator_bound'] else ''}"
                          f"{'; ' + pdr['note'] if pdr['note'] else ''}", flush=True)
                    if a.validate and pdr["pps"]:
                        self.validate(refl, path, size, r)
        # 3. latency at load: fractions of each PDR, and the common curve
        pdrs = [r["pdr_pps"] for p in paths for s, r in self.res["paths"].get(p, {}).items()
                if isinstance(r, dict) and r.get("pdr_pps")]
        curve = []
        if pdrs and a.curve_points:
            top = max(pdrs)
            n = a.curve_points
            if top > a.min_rate:
                curve = [int(round(a.min_rate * (top / a.min_rate) ** (i / (n - 1)))) if n > 1 else top
                         for i in range(n)]
            else:
                curve = [top]
        self.res["curve_pps"] = curve
        for path in paths:
            pr = self.res["paths"].get(path, {})
            if pr.get("skipped"):
                continue
            with self.reflector_for(lab, path, pr, "points") as refl:
                if refl is None:
                    continue
                for size in a.size_list:
                    r = pr.get(str(size))
                    if not r:
                        continue
                    rates = {}
                    if r.get("pdr_pps"):
                        for f in (10, 50, 90, 100):
                            rates.setdefault(int(r["pdr_pps"] * f / 100), f"{f} % of PDR")
                    for c in curve:
                        rates.setdefault(c, "curve")
                    for rate in sorted(rates):
                        if rate < 100:
                            continue
                        self.plan_points_left -= 1
                        r["points"].append(self.point(refl, path, size, rate, rates[rate]))
        # 4. the run check: each PDR through a plain `setup/lab run`
        if not a.no_run_check:
            for path in a.path_list:
                pr = self.res["paths"].get(path, {})
                for size in a.size_list:
                    r = pr.get(str(size))
                    if isinstance(r, dict) and r.get("pdr_pps"):
                        self.run_check(path, size, r)

    # -- the run check
    def check_run(self, path, size, rate, n):
        """one `setup/lab run` of PATH at RATE (the run's defaults but the duration); its figures"""
        lab, a = self.lab, self.a
        if lab.stop:
            raise Interrupted()
        out = os.path.join(lab.dir, "runs", f"{path}-{size}B-{int(rate)}pps-{n}")
        argv = [os.path.join(self.lab.root, "setup", "lab"), "run", "--paths", path, "--size", str(size),
                "--rate", str(int(rate)), "--duration", str(a.run_check_s), "--out", out,
                "--dut-cpu", str(a.dut_cpu), "--gen-cpu", str(a.gen_cpu), "--topology", a.topology,
                "--pattern", a.pattern, "--seed", str(a.seed)]
        if a.gen_backend:
            argv += ["--gen-backend", a.gen_backend]
        if a.no_isolate:
            argv += ["--no-isolate"]
        env = dict(os.environ, LAB_SKIP_DEPS="1", LAB_SKIP_BUILD="1", LAB_BUILD_DIR=lab.build)
        t0 = now()
        with open(os.path.join(lab.dir, "logs", "runcheck.log"), "a") as log:
            log.write(f"\n== {shlex.join(argv)}\n")
            log.flush()
            lab.child = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env)
            try:
                rc = lab.child.wait()
            finally:
                lab.child = None
        if lab.stop:
            raise Interrupted()
        t = {"offered_pps": int(rate), "duration_s": a.run_check_s, "exit": rc,
             "dir": os.path.relpath(os.path.realpath(os.path.join(out, "latest")), lab.dir)}
        try:
            p = json.load(open(os.path.join(out, "latest", "summary.json")))["paths"][path]
        except (OSError, ValueError, KeyError):
            t.update({"failed": f"setup/lab run exit {rc}, no summary (logs/runcheck.log)", "ok": False})
            return t
        sent, lost, ach = p.get("sent", 0), p.get("lost", 0), p.get("achieved_pps", 0)
        short = ach < rate * (1 - GEN_SHORT)
        lr = lost / sent if sent else None
        t.update({"sent": sent, "lost": lost, "loss_ratio": lr, "achieved_pps": round(ach, 1),
                  "generator_short": bool(short), "unaccounted": p.get("unaccounted"),
                  "rtt_ns": {k: p.get("rtt_ns", {}).get(k) for k in ("p50", "p99")},
                  "ok": rc == 0 and lr is not None and lr <= a.pdr_loss / 100 and not short,
                  "wall_s": round(now() - t0, 1)})
        return t

    def run_check(self, path, size, r):
        """the PDR through a plain run; when the run loses more than --pdr-loss there (or lab-gen
        falls short), runs step down to the highest rate a run keeps"""
        a = self.a
        if size < RUN_MIN_SIZE:
            r["run_check"] = {"skipped": f"setup/lab run sends {RUN_MIN_SIZE} B or more (room for the "
                                         "reflector's stamps): no run at this size"}
            print(f"sweep: run check {path} {size}B: {r['run_check']['skipped']}", flush=True)
            return
        pdr, hi, good = r["pdr_pps"], None, None
        rc = r["run_check"] = {"settings": f"setup/lab run --duration {a.run_check_s}: lab-trace, gap logs, "
                                           "stamps, record file and analysis on (the search's trials: none)",
                               "runs": [], "run_pdr_pps": None}
        rate = pdr
        for n in range(1 + a.run_check_steps):
            t = self.check_run(path, size, rate, n)
            rc["runs"].append(t)
            lr = t.get("loss_ratio")
            what = t.get("failed") or (f"loss {lr * 100:.3f} %" if lr is not None else "nothing sent")
            if t.get("generator_short"):
                what += f", {genmod.NAME} short ({fmt_rate(t['achieved_pps'])})"
            print(f"sweep: run check {path} {size}B at {fmt_rate(rate)} ({a.run_check_s} s, run's settings): "
                  f"{what}: {'kept' if t['ok'] else 'NOT kept'}", flush=True)
            if t["ok"]:
                good = rate
                if hi is None:
                    break
            else:
                hi = rate
            if good is not None and hi / good <= 1 + a.resolution / 100:
                break
            rate = int(rate * 0.8) if good is None else int((good + hi) / 2)
            if rate < a.min_rate:
                break
        rc["run_pdr_pps"] = good
        rc["agrees"] = good == pdr
        if good is None:
            rc["note"] = (f"no rate tried (down to {fmt_rate(rc['runs'][-1]['offered_pps'])}) was kept by a "
                          f"run within {a.pdr_loss} %")
        elif good != pdr:
            rc["note"] = (f"a run keeps {fmt_rate(good)} ({100 * (good / pdr - 1):+.1f} % of the search's PDR)"
                          + (f"; {fmt_rate(hi)} lost more" if hi else ""))
        r["run_pdr_pps"] = good

    @contextlib.contextmanager
    def reflector_for(self, lab, path, pr, stage):
        """One reflector for all of a path's trials of a stage ("search" or "points"): None
        when it does not start (the path skipped, said once), its loss (ReflectorGone) ends the
        stage for that path, its wall time kept."""
        a, t_path = self.a, now()
        refl = Reflector(lab, path)
        err = refl.start()
        if err:
            if stage == "search":
                print(f"sweep: {path}: skipped: reflector {err}", flush=True)
                pr["skipped"] = "reflector " + err
                self.plan_searches_left -= 2 * len(a.size_list)
                self.plan_points_left -= len(a.size_list) * (4 + a.curve_points)
            else:
                pr["points_skipped"] = "reflector " + err
            yield None
            return
        try:
            yield refl
        except ReflectorGone as e:
            ends = "search ends" if stage == "search" else "points end"
            print(f"sweep: {path}: {e}; the path's {ends} here", flush=True)
            pr["error" if stage == "search" else "points_error"] = str(e)
            self.failed.append(f"{path}: {e}")
        finally:
            refl.stop_it()
            pr[stage + "_wall_s"] = round(now() - t_path, 1)

    def validate(self, refl, path, size, r):
        a = self.a
        tol = a.pdr_loss / 100
        pdr = r["pdr_pps"]
        t1 = self.trial(refl, path, size, pdr, a.final_s, "validate-at-pdr")
        t2 = self.trial(refl, path, size, int(pdr * 1.25), a.final_s, "validate-above-pdr")
        # at a generator-bound PDR the generator may fall short again: the loss still decides
        ok1 = not t1.get("failed") and (not t1["generator_bound"] or r["generator_bound"]) and \
            t1["loss_ratio"] is not None and t1["loss_ratio"] <= tol
        # above a generator-bound PDR (a lower bound: "PDR >= X"), a trial the generator carries
        # without loss does not contradict it; it says the limit was measured low (a moment of
        # the shared core), which the note records (CI: limit 466 kpps, then 598 kpps carried)
        ok2 = not t2.get("failed") and (t2["generator_bound"] or r["generator_bound"] or
                                        (t2["loss_ratio"] is not None and t2["loss_ratio"] > tol))
        if ok2 and r["generator_bound"] and not t2["generator_bound"] and \
                t2["loss_ratio"] is not None and t2["loss_ratio"] <= tol:
            r["validation_note"] = \
                f"the generator carried {fmt_rate(t2['offered_pps'])} without loss in validation: " \
                "the PDR bound is low (the generator limit measured on a slow moment)"
        r["validation"] = {"at_pdr": {"trial": t1, "ok": ok1}, "above_pdr": {"trial": t2, "ok": ok2}}
        for ok, t, want in ((ok1, t1, f"loss <= {a.pdr_loss} %"),
                            (ok2, t2, f"loss > {a.pdr_loss} % or the generator short" +
                             (", or none: the PDR is a lower bound (generator-bound)" if r["generator_bound"] else ""))):
            lr = t.get("loss_ratio")
            got = f"loss {lr * 100:.3f} %" if lr is not None else t.get("failed", "?")
            if t.get("generator_bound"):
                got += ", generator short"
            print(f"sweep: validate {path} {size}B at {fmt_rate(t['offered_pps'])}: {got}: "
                  f"{'holds' if ok else 'DOES NOT HOLD'} (wanted {want})", flush=True)
            if not ok:
                self.validation_failed.append(f"{path} {size}B {t['kind']}")


# ---------------------------------------------------------------------------------------------
# outputs

def write_outputs(lab, a, sw, interrupted, machine):
    res = sw.res
    doc = {"sweep": {"paths": a.path_list + (["testpmd"] if a.testpmd else []), "sizes": a.size_list,
                     "pdr_loss_pct": a.pdr_loss, "resolution_pct": a.resolution,
                     "min_rate_pps": a.min_rate, "max_rate_pps": a.max_rate, "trial_s": a.trial_s,
                     "final_s": a.final_s, "point_s": a.point_s, "curve_points": a.curve_points,
                     "topology": a.topology, "pattern": a.pattern, "seed": a.seed, "gen_backend": a.gen_backend or "xsk",
                     "validate": a.validate, "quick": a.quick, "dut_cpu": a.dut_cpu,
                     "gen_cpu": a.gen_cpu, "gbps_counts": "frame + 24 B (FCS, preamble, IFG) x 8",
                     "interrupted": interrupted, "wall_s": round(now() - sw.started, 1),
                     "trials": sw.trials_done, **machine},
           "generator": res["generator"], "generator_wall_s": res.get("generator_wall_s"),
           "curve_pps": res.get("curve_pps", []),
           "paths": res["paths"]}
    if a.scenario:
        # the load was on for the whole sweep (setup/sweep.sh started it before the first trial)
        doc["sweep"]["scenario"] = {"name": a.scenario,
                                    "command": os.environ.get("SWEEP_SCENARIO_CMD", "")}
    doc["errors"] = sw.failed
    if a.validate:
        doc["validation_failed"] = sw.validation_failed
    md = table(doc)
    html = report(doc, md)
    # the three written whole; sweep.json last: it is what says the sweep is there
    write_whole(os.path.join(lab.dir, "sweep.md"), md)
    write_whole(os.path.join(lab.dir, "report.html"), html)
    write_whole(os.path.join(lab.dir, "sweep.json"), json.dumps(doc, indent=1))
    return md


def near_point(r, frac):
    want = int(r.get("pdr_pps", 0) * frac / 100)
    for p in r.get("points", []):
        if p["label"] == f"{frac} % of PDR" or (p["offered_pps"] == want and want):
            return p
    return None


def run_cell(r):
    """the run check's result for the table: the rate a run keeps, and how it was found"""
    rc = r.get("run_check")
    if not rc:
        return "-"
    if rc.get("skipped"):
        return f"not checked (run: {RUN_MIN_SIZE} B or more)"
    runs = rc["runs"]
    last = runs[-1] if runs else {}
    if rc.get("run_pdr_pps") is None:
        lr = last.get("loss_ratio")
        return (f"none kept: {fmt_rate(last.get('offered_pps', 0))} lost "
                f"{lr * 100:.2f} %" if lr is not None else f"none kept ({last.get('failed', '?')})")
    if rc.get("agrees"):
        lr = runs[0].get("loss_ratio") or 0
        return f"= PDR (run lost {lr * 100:.2f} %)"
    first = runs[0]
    why = f"lost {first['loss_ratio'] * 100:.2f} %" if first.get("loss_ratio") is not None else first.get("failed", "?")
    if first.get("generator_short"):
        why += f", {genmod.NAME} short"
    return f"{fmt_rate(rc['run_pdr_pps'])} (at PDR a run {why})"


def table(doc):
    out = ["# Throughput and latency under load", ""]
    sw = doc["sweep"]
    out.append(f"NDR: no loss; PDR: loss <= {sw['pdr_loss_pct']} %; search resolution "
               f"{sw['resolution_pct']} %; {sw['pattern']} schedule, {genmod.NAME} {sw['gen_backend']} backend. "
               f"Latency is RTT from the intended send time (us), over {sw['point_s']:g} s per point."
               + (" INTERRUPTED: only the finished trials." if sw["interrupted"] else ""))
    if sw.get("topology", "reflect") != "reflect":
        out.append("")
        out.append(f"Topology: {sw['topology']} ({lc.LAB_GEN_IF} -> {lc.LAB_DUT_IF}, the DUT forwards, "
                   f"{lc.LAB_DUT1_IF} -> {lc.LAB_GEN1_IF}).")
    if sw.get("scenario"):
        out.append("")
        out.append(f"Under the {sw['scenario']['name']} scenario for the whole sweep, generator limit "
                   f"included: `{sw['scenario']['command']}`.")
    out.append("")
    for size, g in doc["generator"].items():
        if g.get("measured"):
            out.append(f"- generator limit at {size} B: {fmt_rate(g['limit_pps'])} ({g.get('above_it', '')}); "
                       "a path passing there is marked >= (generator-bound)")
        else:
            out.append(f"- generator limit at {size} B: {g.get('note', 'not measured')}")
    out.append("")
    if any(isinstance(r, dict) and r.get("run_check") for pr in doc["paths"].values() for r in pr.values()):
        out.append("PDR for run: the highest rate a plain `setup/lab run` of the path kept within the PDR's "
                   "loss (its own settings: lab-trace, gap logs, stamps, records; the search's trials have "
                   "none of them), from the PDR down; use it for `run --rate`.")
        out.append("")
    out.append("| path | size | NDR | PDR | PDR for run | PDR Gbit/s | p50 / p99 at 50 % PDR | p50 / p99 at 90 % PDR | where the loss began above PDR |")
    out.append("|---|---|---|---|---|---|---|---|---|")
    for p, pr in doc["paths"].items():
        if pr.get("skipped"):
            out.append(f"| {p} | - | skipped: {pr['skipped']} | | | | | | |")
            continue
        for size, r in pr.items():
            if not isinstance(r, dict) or "ndr_pps" not in r:
                continue
            ge = ">= " if r["ndr"]["generator_bound"] else ""
            gp = ">= " if r["pdr"]["generator_bound"] else ""
            # a result whose validation trials kept failing (3 times) is shown, and said so
            nv = {k: "" if r[k].get("validated", True) else " (validation failed)" for k in ("ndr", "pdr")}
            if r.get("ndr_unvalidated_pps"):
                nv["ndr"] = f" (<= PDR: {fmt_rate(r['ndr_unvalidated_pps'])} failed validation)"
                ge = ""
            cells = []
            for f in (50, 90):
                pt = near_point(r, f)
                q = pt.get("rtt_ns") if pt else None
                cells.append(f"{fmt_us(q['p50'])} / {fmt_us(q['p99'])}" if q else "-")
            # where the first failing trials above the PDR lost their packets
            above = [t for t in r["trials"] if not t.get("failed") and not t["generator_bound"]
                     and t["offered_pps"] > r["pdr_pps"] and t.get("loss_at")]
            above.sort(key=lambda t: t["offered_pps"])
            at = above[0]["loss_at"].split(";")[0] if above else (
                "generator-bound" if r["generator_bound"] else "-")
            out.append(f"| {p} | {size} | {ge}{fmt_rate(r['ndr_pps'])}{nv['ndr']} | {gp}{fmt_rate(r['pdr_pps'])}{nv['pdr']} | "
                       f"{run_cell(r)} | {r['pdr_gbps']:.3f} | {cells[0]} | {cells[1]} | {at} |")
    out.append("")
    return "\n".join(out) + "\n"


def svg_plot(series, xlab, ylab, logx=True, logy=True, w=640, h=320):
    """a line plot: series = [(name, colour, [(x, y)...])]"""
    pts = [(x, y) for _, _, s in series for x, y in s if x and y is not None and (y > 0 or not logy)]
    if not pts:
        return "<p>(no data)</p>"
    ml, mr, mt, mb = 70, 130, 15, 45
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    fx = (lambda v: math.log10(v)) if logx else (lambda v: v)
    fy = (lambda v: math.log10(max(v, 1e-9))) if logy else (lambda v: v)
    x0, x1 = fx(min(xs)), fx(max(xs))
    y0, y1 = fy(min(ys)), fy(max(ys))
    if logy:
        y0, y1 = math.floor(y0), math.ceil(y1)
    if x1 == x0:
        x0, x1 = x0 - 1, x1 + 1
    if y1 == y0:
        y0, y1 = y0 - 1, y1 + 1
    if not logy:
        y0 = min(0, y0)

    def X(v):
        return ml + (fx(v) - x0) / (x1 - x0) * (w - ml - mr)

    def Y(v):
        return h - mb - (fy(v) - y0) / (y1 - y0) * (h - mt - mb)
    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-size="11" font-family="sans-serif">',
         f'<rect x="{ml}" y="{mt}" width="{w - ml - mr}" height="{h - mt - mb}" fill="none" stroke="#999"/>']
    # y ticks
    if logy:
        for e in range(int(y0), int(y1) + 1):
            yy = h - mb - (e - y0) / (y1 - y0) * (h - mt - mb)
            o.append(f'<line x1="{ml}" x2="{w - mr}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#eee"/>'
                     f'<text x="{ml - 4}" y="{yy + 4:.1f}" text-anchor="end">{10 ** e:g}</text>')
    else:
        for i in range(6):
            v = y0 + (y1 - y0) * i / 5
            yy = Y(v)
            o.append(f'<line x1="{ml}" x2="{w - mr}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#eee"/>'
                     f'<text x="{ml - 4}" y="{yy + 4:.1f}" text-anchor="end">{v:.3g}</text>')
    for i in range(6):
        v = 10 ** (x0 + (x1 - x0) * i / 5) if logx else x0 + (x1 - x0) * i / 5
        xx = X(v)
        o.append(f'<text x="{xx:.1f}" y="{h - mb + 14}" text-anchor="middle">{v / 1e3:.3g}k</text>')
    o.append(f'<text x="{(ml + w - mr) / 2}" y="{h - 8}" text-anchor="middle">{xlab}</text>')
    o.append(f'<text x="14" y="{(mt + h - mb) / 2}" text-anchor="middle" transform="rotate(-90 14 {(mt + h - mb) / 2})">{ylab}</text>')
    for i, (name, col, s) in enumerate(series):
        s = [(x, y) for x, y in s if x and y is not None and (y > 0 or not logy)]
        if not s:
            continue
        dash = ' stroke-dasharray="4 3"' if "p99" in name and "p999" not in name else (
            ' stroke-dasharray="1 3"' if "p999" in name else "")
        o.append(f'<polyline fill="none" stroke="{col}" stroke-width="1.6"{dash} points="' +
                 " ".join(f"{X(x):.1f},{Y(y):.1f}" for x, y in s) + '"/>')
        for x, y in s:
            o.append(f'<circle cx="{X(x):.1f}" cy="{Y(y):.1f}" r="2.2" fill="{col}"/>')
        o.append(f'<text x="{w - mr + 8}" y="{mt + 12 + 13 * i}" fill="{col}">{name}</text>')
    o.append("</svg>")
    return "\n".join(o)


COLOURS = {"kernel": "#d62728", "xsk": "#1f77b4", "dpdk": "#2ca02c", "xdptx": "#7f7f7f",
           "testpmd": "#9467bd"}


def report(doc, md):
    import html
    parts = ["<!doctype html><meta charset=utf-8><title>lab sweep</title>",
             "<style>body{font-family:sans-serif;max-width:1000px;margin:1em auto}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}</style>",
             "<h1>Throughput and latency under load</h1>"]
    # the table, from the markdown
    rows = [l for l in md.splitlines() if l.startswith("|") and not l.startswith("|---")]
    for l in md.splitlines():
        if l and not l.startswith("|") and not l.startswith("#"):
            parts.append(f"<p>{html.escape(l)}</p>")
    parts.append("<table>")
    for i, l in enumerate(rows):
        cells = [c.strip() for c in l.strip("|").split("|")]
        tag = "th" if i == 0 else "td"
        parts.append("<tr>" + "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in cells) + "</tr>")
    parts.append("</table>")
    for size in doc["sweep"]["sizes"]:
        lat, loss = [], []
        for p, pr in doc["paths"].items():
            r = pr.get(str(size)) if isinstance(pr, dict) else None
            if not isinstance(r, dict) or not r.get("points"):
                continue
            pts = sorted(r["points"], key=lambda x: x["offered_pps"])
            col = COLOURS.get(p, "#000")
            for q in ("p50", "p99"):
                lat.append((f"{p} {q}", col, [(x["offered_pps"], (x["rtt_ns"] or {}).get(q) / 1000
                                               if (x.get("rtt_ns") or {}).get(q) else None) for x in pts]))
            loss.append((p, col, [(x["offered_pps"], (x.get("loss_ratio") or 0) * 100) for x in pts]))
        parts.append(f"<h2>{size} B: latency vs offered load (RTT from intended send, us; log scales)</h2>")
        parts.append(svg_plot(lat, "offered load (pps)", "RTT (us)"))
        parts.append(f"<h2>{size} B: loss vs offered load (%)</h2>")
        parts.append(svg_plot(loss, "offered load (pps)", "loss (%)", logy=False))
        # NDR/PDR bars
        bars = [(p, pr[str(size)]) for p, pr in doc["paths"].items()
                if isinstance(pr, dict) and isinstance(pr.get(str(size)), dict) and "ndr_pps" in pr[str(size)]]
        if bars:
            top = max(max(r["ndr_pps"], r["pdr_pps"]) for _, r in bars) or 1
            bw, h = 640, 26 * len(bars) * 2 + 20
            o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{bw}" height="{h}" font-size="11" font-family="sans-serif">']
            y = 5
            for p, r in bars:
                for k, col in (("ndr", "#888"), ("pdr", COLOURS.get(p, "#000"))):
                    v = r[f"{k}_pps"]
                    L = (bw - 260) * v / top
                    ge = ">= " if r[k]["generator_bound"] else ""
                    o.append(f'<text x="5" y="{y + 14}">{p} {k.upper()}</text>'
                             f'<rect x="100" y="{y}" width="{L:.1f}" height="20" fill="{col}"/>'
                             f'<text x="{105 + L:.1f}" y="{y + 14}">{ge}{fmt_rate(v)}'
                             f'{" (generator-bound)" if r[k]["generator_bound"] else ""}</text>')
                    y += 26
            o.append("</svg>")
            parts.append(f"<h2>{size} B: NDR and PDR</h2>" + "\n".join(o))
    parts.append("<p>All trials, points and drop counts: sweep.json.</p>")
    return "\n".join(parts) + "\n"


def machine_facts():
    import platform
    model = "unknown"
    try:
        for l in open("/proc/cpuinfo"):
            if l.startswith("model name"):
                model = l.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"kernel": platform.release(), "cpus": os.cpu_count(), "cpu_model": model}


# ---------------------------------------------------------------------------------------------

def check_args_words(a):
    """the settings setup/sweep.sh reads (mapfile -d ''), in this order: DUT core, generator
    core, topology, scenario, isolate (0|1), the output directory, the paths"""
    return [str(v) for v in (a.dut_cpu, a.gen_cpu, a.topology, a.scenario, 0 if a.no_isolate else 1,
                             a.out, " ".join(a.path_list + (["testpmd"] if a.testpmd else [])))]


def main(argv):
    root = regmod.ROOT
    check = bool(argv) and argv[0] == "--check-args"
    if check:
        argv = argv[1:]
    try:
        a, names = parse_args(argv, root)
    except UsageError as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return EXIT_USAGE
    if a.help:
        print(usage_text(names))
        return EXIT_OK
    if check:
        sys.stdout.write("".join(f"{w}\0" for w in check_args_words(a)))
        return EXIT_OK
    if not a.dir:
        print(f"{PROG}: run it as 'setup/lab sweep' (it brings the lab up first)", file=sys.stderr)
        return EXIT_USAGE
    for sub in ("tmp", "logs", "points"):
        os.makedirs(os.path.join(a.dir, sub), exist_ok=True)
    lab = Lab(a, root)

    def on_signal(signum, frame):
        if lab.stop:
            return
        print(f"{PROG}: interrupted; stopping the trial and writing what was found", file=sys.stderr,
              flush=True)
        lab.interrupt()
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    sw = Sweep(lab, a)
    interrupted = False
    rc = EXIT_OK
    try:
        sw.run()
    except Interrupted:
        interrupted = True
        rc = EXIT_INT
    except Exception as e:  # write what was found, then fail
        import traceback
        traceback.print_exc()
        print(f"{PROG}: failed: {e!r}", file=sys.stderr)
        rc = EXIT_FAIL
    finally:
        for r in lab.refls:
            r.stop_it()
    md = write_outputs(lab, a, sw, interrupted, machine_facts())
    try:
        for f in os.listdir(os.path.join(a.dir, "tmp")):
            os.unlink(os.path.join(a.dir, "tmp", f))
        os.rmdir(os.path.join(a.dir, "tmp"))
    except OSError:
        pass
    print()
    print(md)
    if rc == EXIT_OK and sw.failed:
        print(f"{PROG}: {'; '.join(sw.failed)}", file=sys.stderr)
        rc = EXIT_FAIL
    if rc == EXIT_OK and sw.validation_failed:
        print(f"{PROG}: --validate: did not hold: {', '.join(sw.validation_failed)}", file=sys.stderr)
        rc = EXIT_INVALID
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
