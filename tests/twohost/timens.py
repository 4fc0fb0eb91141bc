"""timens.py OFFSET_NS CMD... — CMD in a new time namespace whose CLOCK_MONOTONIC (and
CLOCK_BOOTTIME) reads OFFSET_NS (a whole number of nanoseconds, may be negative) more than this
one's: unshare(CLONE_NEWTIME), the offsets written to /proc/self/timens_offsets (the kernel's
interface, nanosecond-exact, where `unshare --monotonic` takes whole seconds), then CMD as a
child (a time namespace applies to the children of the process that made it). Waits for CMD
and exits with its status; SIGTERM and SIGINT are passed on to it.

bpf_ktime_get_ns is not shifted (the kernel's clock): a BPF stamp inside reads the host's time."""
import ctypes
import os
import signal
import subprocess
import sys

CLONE_NEWTIME = 0x80


def main(argv):
    if len(argv) < 2 or not argv[0].lstrip("-").isdigit():
        print("timens.py: OFFSET_NS CMD...", file=sys.stderr)
        return 2
    off = int(argv[0])
    sec, nsec = divmod(off, 1_000_000_000)  # nanoseconds in [0, 1e9): the kernel wants that
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWTIME) != 0:
        e = ctypes.get_errno()
        print(f"timens.py: unshare(CLONE_NEWTIME): {os.strerror(e)}", file=sys.stderr)
        return 1
    with open("/proc/self/timens_offsets", "w") as f:
        f.write(f"monotonic {sec} {nsec}\nboottime {sec} {nsec}\n")
    p = subprocess.Popen(argv[1:])
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, lambda n, _f: p.send_signal(n))
    rc = p.wait()
    return 128 - rc if rc < 0 else rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
