"""python3 setup/labctl VERB ... — the orchestrator's verbs for the shell (setup/run.sh,
setup/sweep.sh, setup/scenario.sh, bench/*, the test libraries). Words for a bash array come out
NUL-terminated (read with `mapfile -d ''`), never as shell text to evaluate. Usage errors: one
line, exit 2."""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from labctl import cpus, gen, jsonq, registry, runjson, sweep, testlog, tuning  # noqa: E402

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


@verb("reflector-argv", "a path's reflector command line (NUL-terminated words); more flags after --")
def cmd_reflector_argv(argv):
    own, extra = split_dashdash(argv)
    p = Parser(prog=f"{PROG} reflector-argv")
    p.add_argument("--build", required=True)
    p.add_argument("--prefix", required=True)
    p.add_argument("--path", required=True)
    p.add_argument("--topology", default=registry.default_topology(), choices=registry.TOPOLOGIES)
    for f in ("--cpu", "--ready-file", "--stats-json", "--duration", "--stamps", "--stamps-file",
              "--gap-log"):
        p.add_argument(f)
    o = p.parse_args(own)
    try:
        pa = registry.path(o.path, o.topology)
    except KeyError as e:
        print(f"{PROG} reflector-argv: {e.args[0]}", file=sys.stderr)
        return 2
    return words(registry.reflector_argv(
        pa, o.build, o.prefix, topology=o.topology, cpu=o.cpu, ready_file=o.ready_file,
        stats_json=o.stats_json, duration=o.duration, stamps=o.stamps or None,
        stamps_file=o.stamps_file, gap_log=o.gap_log, extra=extra))


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
