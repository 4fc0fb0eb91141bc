#!/usr/bin/env python3
"""fnlen.py LIMIT — list the C functions of the project longer than LIMIT lines; exit 1 if any.

Functions kept short enough to read at once. Scans the C sources outside tests/: the files git
tracks (`git ls-files '*.c'`), or, without git or outside a checkout, every .c file under the
source tree (build directories and hidden ones left out). The project's layout is assumed: a
function's opening brace alone on its line under a signature ending with ')', its closing brace
alone at the start of a line; a function's length counts from the first line of its signature
to that closing brace, both included.

A BPF program (a function in a *.bpf.c file under a SEC(...) line) is exempt: the verifier
bounds it, and splitting it costs the per-packet path a call or an inlining it already has;
the helpers of a .bpf.c file are held to the limit like any other function.
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def is_build_dir(path):
    return os.path.exists(os.path.join(path, "meson-private")) or \
        os.path.exists(os.path.join(path, "build.ninja"))


def c_files():
    try:
        out = subprocess.run(["git", "-C", ROOT, "ls-files", "-z", "*.c"], check=True,
                             capture_output=True, text=True).stdout
        files = [f for f in out.split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        files = []
    if not files:  # no git, no checkout, or a tree inside someone else's checkout
        for d, dirs, names in os.walk(ROOT):
            dirs[:] = sorted(x for x in dirs if not x.startswith(".")
                             and not is_build_dir(os.path.join(d, x)))
            files += [os.path.relpath(os.path.join(d, n), ROOT) for n in sorted(names)
                      if n.endswith(".c")]
    # a file git tracks may be deleted in the work tree: nothing to measure then
    return [f for f in files if not f.startswith("tests/")
            and os.path.isfile(os.path.join(ROOT, f))]


def functions(path):
    """(first line number, length, signature) of every function definition in path."""
    with open(os.path.join(ROOT, path), encoding="utf-8", errors="replace") as fh:
        lines = fh.read().split("\n")
    for i, line in enumerate(lines):
        if line != "{" or i == 0 or not lines[i - 1].rstrip().endswith(")"):
            continue
        start = i - 1
        while start > 0 and not re.match(r"^[A-Za-z_]", lines[start]):
            start -= 1
        end = i + 1
        while end < len(lines) and lines[end] != "}":
            end += 1
        program = path.endswith(".bpf.c") and start > 0 and lines[start - 1].startswith("SEC(")
        yield start + 1, end - start + 1, lines[start].strip(), program


def main():
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        print("usage: fnlen.py LIMIT (lines; e.g. 100)", file=sys.stderr)
        return 2
    limit = int(sys.argv[1])
    files = c_files()
    if not files:
        print(f"fnlen: no C files found under {ROOT}", file=sys.stderr)
        return 2
    over = []
    nfuncs = exempt = 0
    for f in files:
        for line, n, sig, program in functions(f):
            nfuncs += 1
            if program and n > limit:
                exempt += 1
            elif n > limit:
                over.append((n, f, line, sig))
    for n, f, line, sig in sorted(over, reverse=True):
        print(f"{f}:{line}: {n} lines (limit {limit}): {sig[:80]}")
    if over:
        print(f"fnlen: {len(over)} function(s) over {limit} lines")
        return 1
    print(f"fnlen: {nfuncs} functions in {len(files)} files, none over {limit} lines "
          f"({exempt} BPF program(s) over it, exempt)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
