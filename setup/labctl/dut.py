"""labctl.dut — the DUT side's process (a path's reflector, or a peer such as dpdk-testpmd or
sockperf) started, waited for and stopped in one place, for setup/run.sh and bench/*:

  labctl dut-start ... --pid-file F   returns once the process is ready (its ready file is
                                      non-empty, or its log matches --ready-text, a regular expression); exit 1 with one
                                      line ("did not start: <its last log line>") when it is not
  labctl dut-stop --pid-file F        stops it and exits with its exit status (143: SIGTERM)

Between the two a small supervisor (this module, forked off dut-start, in its own session and,
with --netns, in the DUT namespace, so that `setup/lab down` finds it there) holds the process as
its child: it sleeps in sigwaitinfo (no timer, no wake-up while the packets flow), stops the
process on SIGTERM/SIGINT/SIGHUP (its stop signal, SIGKILL after STOP_S) and writes its exit
status to F.rc (F.child: the process's own pid). The process dies with the supervisor (PR_SET_PDEATHSIG), so a supervisor killed
with -9 leaves nothing. Later (two hosts) the same two verbs run on the DUT host over SSH."""
import ctypes
import os
import re
import select
import signal
import subprocess
import sys
import time

STOP_S = 8   # SIGKILL after this long
_WAKE = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGCHLD)


def _exit_status(rc):
    """Popen's returncode as the shell's ($?: 128+N when killed by signal N)"""
    return 128 - rc if rc < 0 else rc


def _last_line(path):
    try:
        with open(path, errors="replace") as f:
            lines = [ln.strip() for ln in f.read().splitlines() if ln.strip()]
    except OSError:
        return "no log"
    return lines[-1] if lines else "no output"


def _is_ready(ready_file, ready_text, log):
    if ready_text:
        try:
            with open(log, errors="replace") as f:
                return re.search(ready_text, f.read()) is not None
        except OSError:
            return False
    try:
        return os.path.getsize(ready_file) > 0
    except OSError:
        return False


def _pdeathsig():
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _setns(name):
    """join the named network namespace (os.setns is Python 3.12's; Debian 12 has 3.11)"""
    try:
        fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
    except FileNotFoundError:
        raise OSError(f"no network namespace '{name}' (is the lab up?)") from None
    try:
        if ctypes.CDLL(None, use_errno=True).setns(fd, 0x40000000) != 0:  # CLONE_NEWNET
            raise OSError(ctypes.get_errno(), f"setns {name}: {os.strerror(ctypes.get_errno())}")
    finally:
        os.close(fd)


def _stop(proc, stop_sig):
    if proc.poll() is None:
        try:
            proc.send_signal(stop_sig)
            proc.wait(timeout=STOP_S)
        except subprocess.TimeoutExpired:
            proc.kill()
    return _exit_status(proc.wait())


def _write(path, text):
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def _supervise(argv, o, report):
    """the supervisor: start argv, report "ready" or the reason on fd `report`, then hold it"""
    os.setsid()
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    logf = open(o.log, "ab")
    os.dup2(logf.fileno(), 2)
    if o.netns:
        _setns(o.netns)
    stop = []
    for s in _WAKE:
        signal.signal(s, lambda n, _f: stop.append(n) if n != signal.SIGCHLD else None)
    _write(o.pid_file, f"{os.getpid()}\n")
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT,
                            preexec_fn=_pdeathsig)
    _write(f"{o.pid_file}.child", f"{proc.pid}\n")  # the process itself (its CPU time: bench/xdp)
    t_end = time.monotonic() + o.start_s
    ready = False
    while proc.poll() is None and not stop and time.monotonic() < t_end:
        if _is_ready(o.ready_file, o.ready_text, o.log):
            ready = True
            break
        time.sleep(0.05)
    if not ready:
        why = "interrupted while starting" if stop else (
            f"exited {_exit_status(proc.returncode)}: {_last_line(o.log)}" if proc.returncode is not None
            else f"not ready after {o.start_s:g} s: {_last_line(o.log)}")
        rc = _stop(proc, o.stop_signal)
        _write(f"{o.pid_file}.rc", f"{rc}\n")
        os.write(report, f"did not start: {why}\n".encode())
        return 1
    os.write(report, b"ready\n")
    os.close(report)
    signal.pthread_sigmask(signal.SIG_BLOCK, _WAKE)
    while not stop and proc.poll() is None:
        if signal.sigwaitinfo(_WAKE).si_signo != signal.SIGCHLD:
            break
    _write(f"{o.pid_file}.rc", f"{_stop(proc, o.stop_signal)}\n")
    return 0


def command(argv, netns=None, cpuset_procs=""):
    """argv in the namespace (ip netns exec) and the cpuset (its cgroup.procs) it is to run in"""
    if netns:
        argv = ["ip", "netns", "exec", netns] + argv
    if cpuset_procs:
        argv = ["sh", "-c", 'echo $$ >"$0" 2>/dev/null || true; exec "$@"', cpuset_procs] + argv
    return argv


def child_pid(pid_file):
    """the process itself (not its supervisor), or None"""
    try:
        return int(open(f"{pid_file}.child").read())
    except (OSError, ValueError):
        return None


def alive(pid):
    return pid is not None and _alive(pid)


def start(argv, o, interrupted=None):
    """fork the supervisor; None once argv is ready, else the one-line reason. interrupted():
    polled while it starts (True: the supervisor is stopped, and so is argv)"""
    for f in (o.pid_file, f"{o.pid_file}.rc", f"{o.pid_file}.child") + ((o.ready_file,) if o.ready_file else ()):
        try:
            os.unlink(f)
        except FileNotFoundError:
            pass
    r, w = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        code = 1
        try:
            code = _supervise(argv, o, w)
        except BaseException as e:  # noqa: B902 — whatever it was, it is reported, one line
            try:
                os.write(w, f"did not start: {e}\n".encode())
            except OSError:
                pass
        os._exit(code)
    os.close(w)
    msg = b""
    while True:
        if interrupted is not None:
            if interrupted():
                os.kill(pid, signal.SIGTERM)
                os.waitpid(pid, 0)
                os.close(r)
                return "did not start: interrupted"
            if not select.select([r], [], [], 0.1)[0]:
                continue
        b = os.read(r, 4096)
        if not b:
            break
        msg += b
        if msg.endswith(b"\n"):
            break
    os.close(r)
    line = msg.decode(errors="replace").strip()
    if line == "ready":
        return None
    os.waitpid(pid, 0)
    return line or "did not start: the supervisor ended without a word"


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def stop(pid_file, wait_s=STOP_S + 4):
    """stop the supervisor (and so its process); the process's exit status, or (None, why)"""
    try:
        pid = int(open(pid_file).read())
    except (OSError, ValueError) as e:
        return None, f"no supervisor ({pid_file}: {e})"
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    t_end = time.monotonic() + wait_s
    while _alive(pid) and time.monotonic() < t_end:
        time.sleep(0.02)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)  # its process goes with it (PR_SET_PDEATHSIG)
        return None, f"the supervisor (pid {pid}) did not stop in {wait_s} s: killed"
    try:
        return int(open(f"{pid_file}.rc").read()), None
    except (OSError, ValueError):
        return None, "the supervisor left no exit status"
