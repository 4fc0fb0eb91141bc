"""labctl.runjson — run.json's `run` object (docs/spec.md keys): the schedule, the paths, the
machine and its tuning, the ports, and where each of the lab's processes ran (placement)."""
import json
import os
import platform

from . import tuning as tuningmod
from .files import write_whole


def cpu_model():
    with open("/proc/cpuinfo") as f:
        return next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "unknown")


def placement(gen_cpu, dut_cpu, helper_cpu, spare, trace, watch):
    """where each process of the lab ran, and when (what shares the measured cores)"""
    pl = {
        "lab-gen": {"cpu": gen_cpu, "when": "the packets"},
        "reflector": {"cpu": dut_cpu, "when": "the packets"},
        "lab-noise": {"cpu": dut_cpu, "when": "before each path's packets"},
        "softnet sampler (lab-analyze --sample-softnet)": {"cpu": helper_cpu, "when": "every 100 ms" if spare else "before and after the packets"},
        "tee (lab-gen's log)": {"cpu": helper_cpu, "when": "a line a second"},
        "lab-gen's record writer (--stream-cpu)": {"cpu": helper_cpu, "when": "every 100 ms"} if spare else
            {"cpu": None, "when": "not streamed: the records are written at the end (no core to spare)"},
        "lab-analyze": {"cpu": None, "when": "after the last path"},
        "spare_core": helper_cpu if spare else None,
    }
    if trace:
        pl["lab-trace"] = {"cpu": helper_cpu, "when": "drains every 1000 ms" if spare else "asleep while the packets flow; drains after each path"}
    if watch:
        pl["lab-watch"] = {"cpu": gen_cpu, "when": "the whole run (it is a measurement)"}
    return pl


def run_object(o):
    """o: the parsed `run-json` flags (labctl.__main__)"""
    run = {
        "rate_pps": o.rate, "pattern": o.pattern, "frame_size": o.size,
        "duration_s": o.duration, "seed": o.seed,
        "burst_size": o.burst_size, "burst_gap_us": o.burst_gap_us,
        "paths": o.paths.split(), "quick": bool(o.quick),
        "topology": o.topology, "flows": o.flows, "stamps": o.stamps,
        "kernel": platform.release(), "cpus": os.cpu_count(), "cpu_model": cpu_model(),
        "dut_cpu": o.dut_cpu, "gen_cpu": o.gen_cpu,
        "ports": {"kind": o.kind, "gen": o.gen_port, "dut": o.dut_port,
                  "gen_driver": o.gen_driver, "dut_driver": o.dut_driver},
        # one definition with bench/all: labctl.tuning
        "tuning": tuningmod.tuning(o.dut_cpu, o.isolated, o.cstate_held, o.noise_dir),
    }
    hc = o.helper_cpu if o.helper_cpu is not None else o.gen_cpu
    run["placement"] = placement(o.gen_cpu, o.dut_cpu, hc, o.helper_spare, o.trace, o.watch)
    if o.gen_rx_port:
        # the forward topology's second link: the generator receives on gen1, the DUT sends on dut1
        run["ports"].update({"gen_rx": o.gen_rx_port, "dut_tx": o.dut_tx_port})
    if o.scenarios:
        run["scenarios"] = o.scenarios.split()
    if o.scenario:
        run["scenario"] = o.scenario
    for key in ("repeat", "repetition"):
        if getattr(o, key):
            run[key] = getattr(o, key)
    return run


def write(path, o):
    """path gets {"run": ...} whole or not at all (ENOSPC raises; the temporary goes)"""
    write_whole(path, json.dumps({"run": run_object(o)}, indent=2))
