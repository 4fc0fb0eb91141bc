"""labctl.constants — the lab's constants (common/constants.tsv: addresses, MACs, interface
names, ports) for Python, standard library only. Each line of the table is an attribute of this
module under the table's name (constants.LAB_GEN_V4, a str); a value that is a decimal number
is an int (constants.LAB_PORT_DUT), as in C. CONSTANTS holds them all; load() reads the table
again (another file with LAB_CONSTANTS_TSV or its argument).

From the package: `from . import constants as lc`. From elsewhere in the tree:
    sys.path.insert(0, os.path.join(ROOT, "setup")); from labctl import constants
"""
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TSV = os.environ.get("LAB_CONSTANTS_TSV") or os.path.join(ROOT, "common", "constants.tsv")
_NAME = re.compile(r"LAB_[A-Z0-9_]+\Z")
_VALUE = re.compile(r"[A-Za-z0-9:./_-]+\Z")


def load(path=None):
    """{name: value} of the table at PATH (default TSV); ValueError names a malformed line"""
    path = path or TSV
    out = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) != 3 or not _NAME.match(fields[0]) or not _VALUE.match(fields[1]):
                raise ValueError(f"{path}:{n}: not 'LAB_NAME<tab>value<tab>comment'")
            out[fields[0]] = int(fields[1]) if fields[1].isdigit() else fields[1]
    if not out:
        raise ValueError(f"{path}: no constants")
    return out


CONSTANTS = load()
globals().update(CONSTANTS)
