"""labctl.reflector — a path's reflector (its DUT process, or dpdk-testpmd for the sweep's
cross-check) in the DUT namespace: started with the registry's command line, waited for (its
ready file: the reflector contract, docs/spec.md), read while it runs (SIGUSR1 rewrites its
--stats-json) and stopped (SIGTERM, testpmd SIGINT; SIGKILL after 8 s).

`lab` is the caller's view of the lab: build, prefix, ns_dut, dir (logs/ and tmp/ below it),
dut_cpu, topology, stop (set when interrupted), refls (every reflector started, for the final
cleanup) and in_dut_cpuset(argv) (the isolated core's cpuset, or argv unchanged)."""
import json
import os
import signal
import subprocess
import time

from . import constants as lc
from . import registry

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
        self.proc = None
        self.snaps = 0

    def start(self):
        lab = self.lab
        for f in (self.stats, self.ready):
            try:
                os.unlink(f)
            except FileNotFoundError:
                pass
        if self.name == "testpmd":
            argv = testpmd_argv(lab.dut_cpu, lab.prefix)
        else:
            p = registry.path(self.name, lab.topology)
            argv = registry.reflector_argv(p, lab.build, lab.prefix, topology=lab.topology,
                                           cpu=lab.dut_cpu, ready_file=self.ready,
                                           stats_json=self.stats, duration=14400)
        argv = lab.in_dut_cpuset(["ip", "netns", "exec", lab.ns_dut] + argv)
        self.logf = open(self.log, "a")
        self.proc = subprocess.Popen(argv, stdout=self.logf, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        lab.refls.append(self)
        t_end = now() + START_S
        while now() < t_end:
            if self.proc.poll() is not None:
                break
            if self.name == "testpmd":
                if "packet forwarding - ports=" in open(self.log, errors="replace").read():
                    time.sleep(0.2)
                    return None
            elif os.path.exists(self.ready) and os.path.getsize(self.ready) > 0:
                time.sleep(0.2)
                return None
            if lab.stop:
                break
            time.sleep(0.1)
        self.stop_it()
        lines = [l for l in open(self.log, errors="replace").read().splitlines() if l.strip()]
        return "did not start: " + (lines[-1] if lines else "no output")

    def counters(self):
        """the reflector's counters now (SIGUSR1, then its --stats-json); {} for testpmd"""
        if self.name == "testpmd" or self.proc is None or self.proc.poll() is not None:
            return {}
        self.snaps += 1
        want = self.snaps
        self.proc.send_signal(signal.SIGUSR1)
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
        return self.proc is not None and self.proc.poll() is None

    def stop_it(self):
        if self.proc is None:
            return
        try:
            self.proc.send_signal(signal.SIGINT if self.name == "testpmd" else signal.SIGTERM)
            self.proc.wait(timeout=8)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        except OSError:
            pass
        self.proc = None
        self.logf.close()


