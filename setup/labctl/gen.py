"""labctl.gen — the generator's command line, written here and nowhere else: `setup/lab run`,
the sweep, the scenarios' competing load, bench/* and the test libraries all take it from
argv(). What the lab knows goes in here: the generator port and the destination of the topology
(forward: out of gen0 to the address behind the DUT, or a socket relay's own address on dut0,
next hop dut0's MAC, back on gen1), a path's needs (frames that come back unmarked), the backend
that kernel stamps need, and how the run is bounded (the namespace, the core, the timeout)."""
import os
import subprocess

from . import constants as lc
from . import registry

NAME = "lab-gen"  # as the messages and the notes written to files name the generator
BINARY = os.path.join("loadgen", NAME)


def dut_mac(dut_netns):
    """dut0's MAC, read in the DUT namespace (the forward topology's next hop)"""
    r = subprocess.run(["ip", "netns", "exec", dut_netns, "cat", f"/sys/class/net/{lc.LAB_DUT_IF}/address"],
                       capture_output=True, text=True)
    mac = r.stdout.strip()
    if r.returncode != 0 or not mac:
        raise RuntimeError(f"cannot read {lc.LAB_DUT_IF}'s address in namespace {dut_netns}: "
                           f"{(r.stderr.strip().splitlines() or ['no output'])[-1]}")
    return mac


def backend_for(path, backend=None, stamps=None, flows=1):
    """the backend a run gives the generator: the one asked for; else, for kernel stamps (not
    user ones) on lab-kern's path with one flow, udp (AF_XDP has no kernel stamps); else the
    generator's own default (None)"""
    if backend:
        return backend
    if stamps and stamps != "user" and flows == 1 and path is not None and registry.is_lab_kern(path):
        return "udp"
    return None


def destination(topology, path=None, mac=None):
    """the destination flags of the topology"""
    if topology != "forward":
        return ["--dst", lc.LAB_DUT_V4]
    to_dut = path is not None and "dst=dut" in registry.needs(path)
    return ["--dst", lc.LAB_DUT_V4 if to_dut else lc.LAB_GEN1_V4,
            "--rx-iface", lc.LAB_GEN1_IF, "--dst-mac", mac or ""]


def argv(build, *, topology="reflect", path=None, netns=None, dut_netns=None, pin=None,
         bound=None, kill_after=5, bound_signal="INT", backend=None, stamps=None,
         stamps_file=None, flows=1, dst=None, mac=None, name_path=True, flags=()):
    """the whole command: [taskset -c PIN] [ip netns exec NETNS] [timeout -s SIG -k K BOUND]
    build/loadgen/lab-gen --iface gen0 <destination> [--path NAME] <backend, stamps, flows>
    <needs> FLAGS. path is a registry name or None (a bench's own run); dst overrides the
    topology's destination address (a scenario's own port stays in FLAGS); mac is dut0's MAC
    when the caller knows it (forward; else read in dut_netns); name_path False leaves --path
    out (the path's needs still apply: a test's records keep their own name)."""
    p = registry.path(path, topology) if path else None
    out = []
    if pin is not None:
        out += ["taskset", "-c", str(pin)]
    if netns:
        out += ["ip", "netns", "exec", netns]
    if bound is not None:
        out += ["timeout", "-s", bound_signal, "-k", str(kill_after), str(bound)]
    out += [os.path.join(build, BINARY), "--iface", lc.LAB_GEN_IF]
    if dst:
        out += ["--dst", dst]
    else:
        if topology == "forward" and not mac and dut_netns:
            mac = dut_mac(dut_netns)
        if topology == "forward" and not mac:
            raise RuntimeError("the forward topology needs the DUT namespace (--dut-netns) for dut0's MAC")
        out += destination(topology, p, mac)
    if path and name_path:
        out += ["--path", path]
    be = backend_for(p, backend, stamps, flows)
    if be:
        out += ["--backend", be]
    if be == "udp" and stamps:
        out += ["--stamps", stamps]
        if stamps != "user" and stamps_file:
            out += ["--stamps-file", stamps_file]
    if flows > 1:
        out += ["--flows", str(flows)]
    if p is not None and "unmarked" in registry.needs(p):
        out += ["--accept-unmarked"]
    return out + list(flags)
