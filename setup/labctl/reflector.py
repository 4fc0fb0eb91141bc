"""labctl.reflector — a path's reflector (its DUT process, or dpdk-testpmd for the sweep's
cross-check) in the DUT namespace, for the sweep's trials: started with the registry's command
line and waited for (its ready file: the reflector contract, docs/spec.md) by labctl.dut (the
same supervisor as `labctl dut-start`), read while it runs (SIGUSR1 rewrites its --stats-json)
and stopped (labctl.dut.stop: SIGTERM, testpmd SIGINT; SIGKILL after 8 s).

`lab` is the caller's view of the lab: build, prefix, ns_dut, dir (logs/ and tmp/ below it),
dut_cpu, topology, stop (set when interrupted), refls (every reflector started, for the final
cleanup) and iso_procs (the isolated core's cpuset's cgroup.procs, or "")."""
import json
import os
import signal
import time
import types

from . import constants as lc
from . import dut, registry

START_S = 40  # a reflector that is not ready by then failed to start


def now():
    return time.monotonic()


def testpmd_argv(dut_cpu, prefix):
    """dpdk-testpmd in 5tswap: two lcores on the one DUT core (testpmd needs a main and a
    forwarding lcore; lab-dpdk on that core is one lcore doing both), the same AF_XDP vdev"""
    vdev = f"net_af_xdp0,iface={lc.LAB_DUT_IF},start_queue=0,queue_count=1"
    return ["stdbuf", "-oL", "dpdk-testpmd", "--lcores", f"0@{dut_cpu},1@{dut_cpu}",
            "--main-lcore", "0", "--no-pci", "--iova-mode=va", "--vdev", vdev,
            "--file-prefix", f"{prefix}-tp", "--", "--forward-mode=5tswap",
            "--total-num-mbufs=4096", "--stats-period", "3600"]


class Reflector:
    """A path's DUT process (or dpdk-testpmd), up for all of that path's trials."""

    def __init__(self, lab, name):
        self.lab, self.name = lab, name
        d = lab.dir
        self.stats = os.path.join(d, "tmp", f"{name}.stats.json")
        self.ready = os.path.join(d, "tmp", f"{name}.ready")
        self.log = os.path.join(d, "logs", f"{name}.reflector.log")
        self.pid_file = os.path.join(d, "tmp", f"{name}.dut.pid")
        self.started = False
        self.child = None
        self.snaps = 0

    def start(self):
        lab = self.lab
        tp = self.name == "testpmd"
        if tp:
            argv = testpmd_argv(lab.dut_cpu, lab.prefix)
        else:
            p = registry.path(self.name, lab.topology)
            argv = registry.reflector_argv(p, lab.build, lab.prefix, topology=lab.topology,
                                           cpu=lab.dut_cpu, ready_file=self.ready,
                                           stats_json=self.stats, duration=14400)
        for f in (self.stats, self.ready):
            try:
                os.unlink(f)
            except FileNotFoundError:
                pass
        o = types.SimpleNamespace(
            log=self.log, pid_file=self.pid_file, netns=lab.ns_dut, start_s=START_S,
            ready_file=None if tp else self.ready, ready_text="packet forwarding - ports=" if tp else "",
            stop_signal=signal.SIGINT if tp else signal.SIGTERM)
        lab.refls.append(self)
        why = dut.start(dut.command(argv, lab.ns_dut, lab.iso_procs), o, interrupted=lambda: lab.stop)
        if why:
            return why
        self.started = True
        self.child = dut.child_pid(self.pid_file)
        time.sleep(0.2)
        return None

    def counters(self):
        """the reflector's counters now (SIGUSR1, then its --stats-json); {} for testpmd"""
        if self.name == "testpmd" or not self.alive():
            return {}
        self.snaps += 1
        want = self.snaps
        os.kill(self.child, signal.SIGUSR1)
        t_end = now() + 3
        while now() < t_end:
            try:
                d = json.load(open(self.stats))
                if d.get("snapshot", 0) >= want:
                    self.snaps = d["snapshot"]
                    return d
            except (OSError, ValueError):
                pass
            time.sleep(0.005)
        return {}

    def alive(self):
        return self.started and dut.alive(self.child)

    def stop_it(self):
        if not self.started:
            return
        dut.stop(self.pid_file)
        self.started = False
