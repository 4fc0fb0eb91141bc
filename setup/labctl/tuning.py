#!/usr/bin/env python3
"""labctl.tuning — the machine's tuning snapshot as JSON: the `tuning` object of run.json
(setup/run.sh) and of bench/all's bench.json, one definition for both. With --machine, prints
{"machine": {cpu_model, cpus, kernel}, "tuning": {...}} instead of the tuning object alone.

usage: python3 setup/labctl tuning [--dut-cpu N] [--isolated 0|1] [--cstate-held 0|1] [--noise-dir DIR] [--machine]
  --dut-cpu N      the reflector's core (checked against IRQ affinities when --isolated 1)
  --isolated 0|1   the DUT core was isolated at run time (setup/lab isolate)
  --cstate-held 0|1  /dev/cpu_dma_latency was held at 0 during the run
  --noise-dir DIR  lab-noise JSON files (<path>.json) to include as core_noise
"""
import argparse, glob, json, os, platform, sys


def rd(p, default=None):
    try:
        return open(p).read().strip()
    except OSError:
        return default


def tuning(dut_cpu, isolated, cstate_held, noise_dir):
    cmdline = rd("/proc/cmdline", "")
    iso = {k: v for k, v in (a.split("=", 1) for a in cmdline.split() if "=" in a)
           if k in ("isolcpus", "nohz_full", "rcu_nocbs", "irqaffinity", "intel_idle.max_cstate",
                    "processor.max_cstate", "idle")}
    gov = rd("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")
    mi = dict(l.split(":", 1) for l in open("/proc/meminfo"))
    return {
        "cmdline_isolation": iso,
        "isolated_cpus": rd("/sys/devices/system/cpu/isolated", ""),
        "nohz_full": rd("/sys/devices/system/cpu/nohz_full", ""),
        "smt": rd("/sys/devices/system/cpu/smt/control", "unknown"),
        "governor": gov if gov else "none (no cpufreq)",
        "cstate_limit": iso.get("intel_idle.max_cstate") or iso.get("processor.max_cstate") or "none",
        "busy_read": int(rd("/proc/sys/net/core/busy_read", "0")),
        "busy_poll": int(rd("/proc/sys/net/core/busy_poll", "0")),
        "hugepages_total": int(mi["HugePages_Total"].split()[0]),
        "hugepages_free": int(mi["HugePages_Free"].split()[0]),
        "hugepage_size_kb": int(mi["Hugepagesize"].split()[0]),
        "isolated_at_run_time": bool(isolated),
        "irq_affinity_dut_cpu_free": all(str(dut_cpu) not in (rd(p, "") or "").split(",")
                                         for p in glob.glob("/proc/irq/*/smp_affinity_list")) if isolated else False,
        "cpuset": rd("/proc/self/cpuset", "unknown"),
        "cstate_pm_qos_us": 0 if cstate_held else None,
        "core_noise": {os.path.basename(f)[:-5]: json.load(open(f))
                       for f in sorted(glob.glob(os.path.join(noise_dir, "*.json")))} if noise_dir else {},
    }


def machine():
    model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
    return {"cpu_model": model, "cpus": os.cpu_count(), "kernel": platform.release()}


def main(argv=None):
    ap = argparse.ArgumentParser(prog="labctl tuning", description="the machine's tuning snapshot as JSON")
    ap.add_argument("--dut-cpu", type=int, default=(os.cpu_count() or 1) - 1)
    ap.add_argument("--isolated", type=int, choices=(0, 1), default=0)
    ap.add_argument("--cstate-held", type=int, choices=(0, 1), default=0)
    ap.add_argument("--noise-dir", default="")
    ap.add_argument("--machine", action="store_true")
    a = ap.parse_args(argv)
    try:
        t = tuning(a.dut_cpu, a.isolated, a.cstate_held, a.noise_dir)
        out = {"machine": machine(), "tuning": t} if a.machine else t
    except (OSError, ValueError, KeyError) as e:
        print(f"labctl tuning: cannot read the machine's state: {e}", file=sys.stderr)
        return 1
    json.dump(out, sys.stdout, indent=2)
    print()
    return 0

