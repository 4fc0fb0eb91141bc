#!/usr/bin/env python3
"""gen_constants.py CONSTANTS_TSV OUT_H: the lab's constants (common/constants.tsv) as C macros,
lab_constants.h; `gen_constants.py --markdown CONSTANTS_TSV OUT_MD`: the same table for the docs
(docs/constants.md, checked in; the unit test docs-constants fails when it is stale). The build runs it; nothing is written by hand. A malformed line stops the build
with its number. A value that is a decimal number is a number (#define NAME 7777) and also a
string (#define NAME_STR "7777", for help texts); any other value is a string (#define NAME "gen0");
a MAC is also its bytes (#define NAME_BYTES {0x02, ...}, an initializer).
Each value is checked against what its name says it is (..._IF, _MAC, _V4, _V6, _NET4, _NET6,
_PREFIX4, _PREFIX6, PORT_)."""
import ipaddress
import re
import sys

NAME = re.compile(r"LAB_[A-Z0-9_]+\Z")
VALUE = re.compile(r"[A-Za-z0-9:./_-]+\Z")  # one word, safe in C strings, shell words and Python
MAC = re.compile(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}\Z")


def check(name, value):
    """why VALUE is not what NAME says it is, or None"""
    try:
        if name.endswith("_IF"):
            ok = len(value) < 16 and "/" not in value and ":" not in value  # IFNAMSIZ
        elif name.endswith("_MAC"):
            ok = bool(MAC.match(value))
        elif name.endswith("_V4"):
            ok = ipaddress.IPv4Address(value) is not None
        elif name.endswith("_V6"):
            ok = str(ipaddress.IPv6Address(value)) == value  # written as Python (and ip(8)) writes it
        elif name.endswith("_NET4"):
            ok = ipaddress.IPv4Network(value) is not None and "/" in value
        elif name.endswith("_NET6"):
            ok = ipaddress.IPv6Network(value) is not None and "/" in value
        elif name.endswith("_PREFIX4"):
            ok = value.isdigit() and int(value) <= 32
        elif name.endswith("_PREFIX6"):
            ok = value.isdigit() and int(value) <= 128
        elif "_PORT_" in name:
            ok = value.isdigit() and 0 < int(value) < 65536
        else:
            ok = True
    except ValueError:
        ok = False
    return None if ok else f"{value} is not what {name}'s name says it is"


def read(src):
    rows, defined = [], set()
    for n, line in enumerate(open(src, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        f = line.split("\t")
        if len(f) != 3:
            sys.exit(f"{src}:{n}: 3 tab-separated fields expected (name value comment)")
        name, value, comment = f
        if not NAME.match(name):
            sys.exit(f"{src}:{n}: a name is LAB_ and capitals, digits, '_', not '{name}'")
        if not VALUE.match(value):
            sys.exit(f"{src}:{n}: {name}: a value is one word of letters, digits and ':./_-', not '{value}'")
        why = check(name, value)
        if why:
            sys.exit(f"{src}:{n}: {why}")
        names = {name} | ({name + "_STR"} if value.isdigit() else set()) | \
            ({name + "_BYTES"} if name.endswith("_MAC") else set())
        if names & defined:
            sys.exit(f"{src}:{n}: {', '.join(sorted(names & defined))} already defined")
        defined |= names
        if "*/" in comment:
            sys.exit(f"{src}:{n}: {name}: '*/' in the comment")
        rows.append((name, value, comment))
    if not rows:
        sys.exit(f"{src}: no constants")
    return rows


def markdown(rows):
    o = ["# The lab's constants", "",
         "Generated from `common/constants.tsv` by `python3 common/gen_constants.py --markdown "
         "common/constants.tsv docs/constants.md`: do not edit. The same table is C's "
         "`lab_constants.h`, the shell's `setup/constants.sh` and Python's `labctl.constants`.", "",
         "| name | value | what it is |", "|---|---|---|"]
    o += [f"| `{n}` | `{v}` | {c.replace('|', '/')} |" for n, v, c in rows]
    return "\n".join(o) + "\n"


def main(src, out):
    rows = read(src)
    o = ["/* lab_constants.h — generated from common/constants.tsv by common/gen_constants.py: do not edit. */",
         "#ifndef LAB_CONSTANTS_H", "#define LAB_CONSTANTS_H", ""]
    for name, value, comment in rows:
        o.append(f"/* {comment} */")
        if value.isdigit():
            o.append(f"#define {name} {int(value)}")
            o.append(f'#define {name}_STR "{value}"')
        else:
            o.append(f'#define {name} "{value}"')
        if name.endswith("_MAC"):  # also as the bytes of an initializer: uint8_t m[6] = NAME_BYTES
            o.append(f"#define {name}_BYTES {{" + ", ".join("0x" + b for b in value.split(":")) + "}")
    o += ["", "#endif", ""]
    open(out, "w", encoding="utf-8").write("\n".join(o))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--markdown":
        open(sys.argv[3], "w", encoding="utf-8").write(markdown(read(sys.argv[2])))
    elif len(sys.argv) == 3:
        main(sys.argv[1], sys.argv[2])
    else:
        sys.exit("usage: gen_constants.py CONSTANTS_TSV OUT_H | --markdown CONSTANTS_TSV OUT_MD")
