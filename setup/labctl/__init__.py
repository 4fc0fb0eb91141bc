"""setup/labctl — the lab's orchestration, in one place (Python's standard library only).

    constants   common/constants.tsv: addresses, MACs, interface names, ports
    registry    common/paths.tsv: the paths of a topology, a reflector's command line, the floor
    gen         the generator's command line (the only place it is written)
    reflector   a path's reflector: started in the DUT namespace, waited for, read, stopped
    runjson     run.json's `run` object (the machine, the schedule, the placement)
    tuning      the machine's tuning snapshot (run.json and bench/all's bench.json)
    search      the rate searches: bench's doubling-and-bisection, the sweep's NDR/PDR
    sweep       `setup/lab sweep`'s trials, tables and report
    files       an output written whole or not at all
    jsonq       small JSON questions for the shell (values by key path, a step's verdict)
    cpus        the online CPUs but one (setup/isolate.sh's cpuset and affinity mask)
    testlog     meson's testlog.json counted (`setup/lab test`'s totals)

setup/lab (bash) stays the entry for deps, build, up, down and isolation; setup/run.sh, the
sweep, bench/* and the test libraries call this package: `python3 setup/labctl VERB ...` (see
`python3 setup/labctl --help`) or, from Python, `import labctl.gen` with setup/ on sys.path.
"""
