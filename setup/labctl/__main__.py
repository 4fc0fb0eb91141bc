"""python3 setup/labctl VERB ... — the orchestrator's verbs for the shell (setup/run.sh,
setup/sweep.sh, setup/scenario.sh, bench/*, the test libraries). Words for a bash array come out
NUL-terminated (read with `mapfile -d ''`), never as shell text to evaluate. Usage errors: one
line, exit 2."""
import argparse
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from labctl import cpus, dut, gen, jsonq, registry, remote, runjson, sweep, testlog, tuning  # noqa: E402

PROG = "labctl"
VERBS = {}


def verb(name, summary):
    def reg(fn):
        VERBS[name] = (fn, summary)
        return fn
    return reg


class Parser(argparse.ArgumentParser):
    def error(self, message):
        print(f"{self.prog}: {message}", file=sys.stderr)
        sys.exit(2)


def words(ws):
    sys.stdout.write("".join(f"{w}\0" for w in ws))
    return 0


def split_dashdash(argv):
    if "--" in argv:
        i = argv.index("--")
        return argv[:i], argv[i + 1:]
    return argv, []


@verb("gen-argv", "the generator's whole command line (NUL-terminated words); lab-gen's own flags after --")
def cmd_gen_argv(argv):
    own, flags = split_dashdash(argv)
    p = Parser(prog=f"{PROG} gen-argv")
    p.add_argument("--build", required=True)
    p.add_argument("--topology", default=registry.default_topology(), choices=registry.TOPOLOGIES)
    p.add_argument("--path", help="a registry path: its needs, and --path for the records")
    p.add_argument("--needs-of", help="a registry path whose needs apply (no --path given)")
    p.add_argument("--netns", help="the generator namespace")
    p.add_argument("--dut-netns", help="the DUT namespace (forward: dut0's MAC is read there)")
    p.add_argument("--pin", type=int, help="taskset -c CPU around it all")
    p.add_argument("--bound", type=int, help="timeout: seconds before the signal")
    p.add_argument("--kill-after", type=int, default=5)
    p.add_argument("--bound-signal", default="INT")
    p.add_argument("--backend", default="")
    p.add_argument("--stamps", default="")
    p.add_argument("--stamps-file")
    p.add_argument("--flows", type=int, default=1)
    p.add_argument("--dst", help="the destination address instead of the topology's")
    o = p.parse_args(own)
    try:
        if o.path and o.needs_of:
            raise RuntimeError("--path and --needs-of: one or the other")
        return words(gen.argv(o.build, topology=o.topology, path=o.path or o.needs_of, netns=o.netns,
                              dut_netns=o.dut_netns, pin=o.pin, bound=o.bound,
                              kill_after=o.kill_after, bound_signal=o.bound_signal,
                              backend=o.backend or None, stamps=o.stamps or None,
                              stamps_file=o.stamps_file, flows=o.flows, dst=o.dst,
                              name_path=not o.needs_of, flags=flags))
    except (KeyError, RuntimeError) as e:
        print(f"{PROG} gen-argv: {e.args[0]}", file=sys.stderr)
        return 2


REFL_FLAGS = ("--cpu", "--ready-file", "--stats-json", "--duration", "--stamps", "--stamps-file",
              "--gap-log")


def reflector_parser(prog, build_required=True):
    p = Parser(prog=prog)
    p.add_argument("--build", required=build_required)
    p.add_argument("--prefix", required=build_required)
    p.add_argument("--path", required=build_required)
    p.add_argument("--topology", default=registry.default_topology(), choices=registry.TOPOLOGIES)
    for f in REFL_FLAGS:
        p.add_argument(f)
    return p


def reflector_words(o, extra):
    """the registry's reflector command line for o (KeyError: an unknown path)"""
    pa = registry.path(o.path, o.topology)
    return registry.reflector_argv(
        pa, o.build, o.prefix, topology=o.topology, cpu=o.cpu, ready_file=o.ready_file,
        stats_json=o.stats_json, duration=o.duration, stamps=o.stamps or None,
        stamps_file=o.stamps_file, gap_log=o.gap_log, extra=extra)


@verb("reflector-argv", "a path's reflector command line (NUL-terminated words); more flags after --")
def cmd_reflector_argv(argv):
    own, extra = split_dashdash(argv)
    o = reflector_parser(f"{PROG} reflector-argv").parse_args(own)
    try:
        return words(reflector_words(o, extra))
    except KeyError as e:
        print(f"{PROG} reflector-argv: {e.args[0]}", file=sys.stderr)
        return 2


@verb("dut-start", "start a path's reflector (--path ..., more flags after --) or the command after -- and "
      "return once it is ready (labctl/dut.py)")
def cmd_dut_start(argv):
    own, rest = split_dashdash(argv)
    p = reflector_parser(f"{PROG} dut-start", build_required=False)
    p.add_argument("--pid-file", required=True, help="the supervisor's pid (and, in FILE.rc, the exit status)")
    p.add_argument("--log", required=True, help="the process's stdout and stderr, appended")
    p.add_argument("--netns", help="the namespace to run it in (ip netns exec)")
    p.add_argument("--cpuset-procs", default="", help="a cpuset's cgroup.procs to start it in (the DUT's)")
    p.add_argument("--start-s", type=float, default=30, help="seconds it has to become ready")
    p.add_argument("--ready-text", default="", help="ready when its log matches this regular expression (else --ready-file)")
    p.add_argument("--stop-signal", default="TERM", choices=("TERM", "INT"))
    o = p.parse_args(own)
    if o.path:
        if not (o.build and o.prefix):
            p.error("--path needs --build and --prefix")
        try:
            cmd = reflector_words(o, rest)
        except KeyError as e:
            p.error(e.args[0])
    elif rest:
        cmd = rest
    else:
        p.error("--path P (a registry path) or a command after --")
    if not (o.ready_file or o.ready_text):
        p.error("--ready-file or --ready-text: how to tell it is ready")
    cmd = dut.command(cmd, o.netns, o.cpuset_procs)
    o.stop_signal = getattr(signal, "SIG" + o.stop_signal)
    why = dut.start(cmd, o)
    if why:
        print(f"{PROG} dut-start: {why}", file=sys.stderr)
        return 1
    return 0


@verb("dut-stop", "--pid-file F: stop what dut-start started; exit with its exit status (143: SIGTERM)")
def cmd_dut_stop(argv):
    p = Parser(prog=f"{PROG} dut-stop")
    p.add_argument("--pid-file", required=True)
    o = p.parse_args(argv)
    rc, why = dut.stop(o.pid_file)
    if why:
        print(f"{PROG} dut-stop: {why}", file=sys.stderr)
        return 1
    return rc


def remote_parser(prog):
    p = Parser(prog=prog)
    p.add_argument("--dut-host", required=True, help="[user@]host, or a name in ~/.ssh/config")
    p.add_argument("--ssh-opt", action="append", default=[], help="more ssh options (repeatable)")
    p.add_argument("--control-dir", help="where the multiplexed connection's socket lives")
    return p


def remote_of(o):
    return remote.Remote(o.dut_host, o.ssh_opt, o.control_dir)


@verb("remote-check", "--dut-host DEST: reachable, root, Debian-like? its facts (key=value), or one line and exit 2")
def cmd_remote_check(argv):
    o = remote_parser(f"{PROG} remote-check").parse_args(argv)
    try:
        for k, v in remote_of(o).preflight().items():
            print(f"{k}={v}")
    except remote.Refused as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return 2
    except subprocess.TimeoutExpired:
        print(f"{PROG}: {o.dut_host} did not answer in time", file=sys.stderr)
        return 2
    return 0


@verb("remote-ship", "--dut-host DEST --root DIR: this commit's tree there (once); prints its directory")
def cmd_remote_ship(argv):
    p = remote_parser(f"{PROG} remote-ship")
    p.add_argument("--root", required=True)
    o = p.parse_args(argv)
    try:
        print(remote_of(o).ship(o.root))
    except remote.Refused as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return 2
    except RuntimeError as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return 1
    return 0


@verb("remote-run", "--dut-host DEST -- CMD...: CMD there; its exit status (255: the connection)")
def cmd_remote_run(argv):
    own, cmd = split_dashdash(argv)
    o = remote_parser(f"{PROG} remote-run").parse_args(own)
    if not cmd:
        print(f"{PROG} remote-run: a command after --", file=sys.stderr)
        return 2
    try:
        return remote_of(o).run(cmd).returncode
    except remote.Refused as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return 2


@verb("remote-close", "--dut-host DEST: close the multiplexed connection (--control-dir's)")
def cmd_remote_close(argv):
    o = remote_parser(f"{PROG} remote-close").parse_args(argv)
    remote_of(o).close()
    return 0


@verb("run-json", "write FILE: run.json's `run` object (the machine, the schedule, the placement)")
def cmd_run_json(argv):
    p = Parser(prog=f"{PROG} run-json")
    p.add_argument("file")
    for f, t in (("--rate", int), ("--size", int), ("--duration", float), ("--seed", int),
                 ("--burst-size", int), ("--burst-gap-us", int), ("--flows", int),
                 ("--dut-cpu", int), ("--gen-cpu", int), ("--helper-cpu", int),
                 ("--quick", int), ("--isolated", int), ("--cstate-held", int), ("--trace", int),
                 ("--watch", int), ("--repeat", int), ("--repetition", int)):
        p.add_argument(f, type=t, default=None if f in ("--helper-cpu", "--repeat", "--repetition") else 0)
    for f, d in (("--pattern", "const"), ("--paths", ""), ("--topology", "reflect"),
                 ("--stamps", "default"), ("--kind", "veth"), ("--gen-port", ""), ("--dut-port", ""),
                 ("--gen-rx-port", ""), ("--dut-tx-port", ""), ("--gen-driver", ""),
                 ("--dut-driver", ""), ("--noise-dir", ""), ("--helper-spare", ""),
                 ("--scenarios", ""), ("--scenario", "")):
        p.add_argument(f, default=d)
    o = p.parse_args(argv)
    try:
        runjson.write(o.file, o)
    except (OSError, ValueError, KeyError) as e:
        print(f"{PROG} run-json: cannot write {o.file}: {e}", file=sys.stderr)
        return 1
    return 0


@verb("tuning", "the machine's tuning snapshot as JSON (run.json's and bench.json's `tuning`)")
def cmd_tuning(argv):
    return tuning.main(argv)


@verb("sweep", "`setup/lab sweep`'s trials (run by setup/sweep.sh; --help for its flags)")
def cmd_sweep(argv):
    return sweep.main(argv)


@verb("jget", "[--default V] FILE KEY.PATH...: the values on one line, space-separated (null, or V, when missing)")
def cmd_jget(argv):
    missing = "null"
    if len(argv) >= 2 and argv[0] == "--default":
        missing, argv = argv[1], argv[2:]
    if not argv:
        print(f"{PROG} jget: [--default V] FILE KEY.PATH...", file=sys.stderr)
        return 2
    print(" ".join(jsonq.get(argv[0], argv[1:], missing)))
    return 0


@verb("step-why", "STATS_JSON MAX_LOSS: why a generator step failed (empty: it passed)")
def cmd_step_why(argv):
    if len(argv) != 2:
        print(f"{PROG} step-why: STATS_JSON MAX_LOSS", file=sys.stderr)
        return 2
    try:
        print(jsonq.step_why(argv[0], argv[1]))
    except (OSError, ValueError, KeyError) as e:
        print(f"no readable stats ({e})")
    return 0


@verb("cpus-without", "CPU: the online CPUs but CPU, as a list and a hex mask (\"0,2,3 d\"; setup/isolate.sh)")
def cmd_cpus_without(argv):
    if len(argv) != 1 or not argv[0].isdigit():
        print(f"{PROG} cpus-without: CPU (a CPU number)", file=sys.stderr)
        return 2
    try:
        print(*cpus.without(int(argv[0])))
    except (OSError, ValueError) as e:
        print(f"{PROG} cpus-without: cannot read {cpus.ONLINE}: {e}", file=sys.stderr)
        return 1
    return 0


@verb("testlog-totals", "TESTLOG_JSON: \"ok fail skip\", meson's results counted (setup/lab test)")
def cmd_testlog_totals(argv):
    if len(argv) != 1:
        print(f"{PROG} testlog-totals: TESTLOG_JSON (meson-logs/testlog.json)", file=sys.stderr)
        return 2
    try:
        print(*testlog.totals(argv[0]))
    except (OSError, ValueError) as e:
        print(f"{PROG} testlog-totals: cannot read {argv[0]}: {e}", file=sys.stderr)
        return 1
    return 0


def usage(f):
    f.write("usage: python3 setup/labctl VERB [ARGS...]\n"
            "The lab's orchestrator (setup/labctl/__init__.py lists its modules). Verbs:\n")
    for name, (_, summary) in VERBS.items():
        f.write(f"  {name:15} {summary}\n")


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        usage(sys.stdout if argv else sys.stderr)
        return 0 if argv else 2
    if argv[0] not in VERBS:
        print(f"{PROG}: no verb '{argv[0]}' (--help lists them)", file=sys.stderr)
        return 2
    return VERBS[argv[0]][0](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
