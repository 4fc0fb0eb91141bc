#!/usr/bin/env python3
"""gen_paths.py PATHS_TSV OUT_H: the path registry (common/paths.tsv) as a C table, lab_paths.h.
The build runs it; nothing is written by hand. A malformed line stops the build with its number."""
import sys


def c_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main(src, out):
    rows = []
    for n, line in enumerate(open(src, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        f = line.split("\t")
        if len(f) != 8 or not f[0].isidentifier():
            sys.exit(f"{src}:{n}: 8 tab-separated fields expected (name topology binary args needs drops role description)")
        name, topo, binary, args, needs, drops, role, desc = f
        if role not in ("floor", "-"):
            sys.exit(f"{src}:{n}: role is 'floor' or '-', not '{role}'")
        if topo not in ("reflect", "forward"):
            sys.exit(f"{src}:{n}: topology is 'reflect' or 'forward', not '{topo}'")
        if any(r[0] == name and r[7] == topo for r in rows):
            sys.exit(f"{src}:{n}: path {name} is already registered for the {topo} topology")
        rows.append((name, binary, args, needs, drops.split(), role == "floor", desc, topo))
    if not rows:
        sys.exit(f"{src}: no paths")
    for t in ("reflect", "forward"):
        if sum(r[5] for r in rows if r[7] == t) > 1:
            sys.exit(f"{src}: more than one floor path in the {t} topology")
    o = ["/* lab_paths.h — generated from common/paths.tsv by common/gen_paths.py: do not edit. */",
         "#ifndef LAB_PATHS_H", "#define LAB_PATHS_H", "#include <stdbool.h>", "#include <stddef.h>", "",
         "struct lab_path_def {",
         "\tconst char *name, *topology, *binary, *args, *needs, *description;",
         "\tconst char *const *drops; /* NULL-terminated */",
         "\tbool floor;",
         "};", ""]
    for r in rows:
        o.append(f"static const char *const lab_path_drops_{r[0]}_{r[7]}[] = {{" +
                 "".join(c_str(d) + ", " for d in r[4]) + "NULL};")
    o.append("")
    o.append("static const struct lab_path_def lab_path_defs[] = {")
    for name, binary, args, needs, drops, floor, desc, topo in rows:
        o.append(f"\t{{{c_str(name)}, {c_str(topo)}, {c_str(binary)}, {c_str(args)}, {c_str(needs)}, {c_str(desc)},")
        o.append(f"\t lab_path_drops_{name}_{topo}, {'true' if floor else 'false'}}},")
    o.append("};")
    o.append(f"#define LAB_NPATH_DEFS {len(rows)}")
    o += ["", "#endif", ""]
    open(out, "w", encoding="utf-8").write("\n".join(o))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: gen_paths.py PATHS_TSV OUT_H")
    main(sys.argv[1], sys.argv[2])
