"""labctl.cpus — the machine's online CPUs, for setup/isolate.sh (the cores the isolated one's
work moves to, as a cpuset list and an affinity mask)."""

ONLINE = "/sys/devices/system/cpu/online"


def online():
    """the online CPUs, from the kernel's list ("0-3,6")"""
    cpus = set()
    with open(ONLINE) as f:
        for part in f.read().strip().split(","):
            a, _, b = part.partition("-")
            cpus.update(range(int(a), int(b or a) + 1))
    return cpus


def without(cpu):
    """("0,2,3", "d"): the online CPUs but cpu, as a list and as a hex mask"""
    rest = sorted(online() - {cpu})
    return ",".join(map(str, rest)), format(sum(1 << c for c in rest), "x")
