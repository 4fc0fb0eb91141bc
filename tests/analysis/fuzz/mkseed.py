#!/usr/bin/env python3
"""mkseed.py HARNESS DIR OUT [--max-bytes N] — a seed for fuzz_run or fuzz_watchdir from a real
directory: each file of DIR that the harness's name table (names[] in fuzz_HARNESS.c, read
from the source so the two cannot drift) lists goes into the container of fuzz_dir.h,
[u8 index][u32 length LE][bytes]; a file over N bytes (default 4096) is cut at a whole number
of its records (.rec: 512-byte header + 48-byte records; .evt/.gap: 64 + 48) or, for text, of
its lines, so the seeds stay small."""
import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def names_of(harness):
    src = open(os.path.join(HERE, "fuzz_%s.c" % harness)).read()
    table = re.search(r"names\[\]\s*=\s*\{(.*?)\};", src, re.S).group(1)
    return re.findall(r'"([^"]+)"', table)


def cut(name, data, limit):
    if len(data) <= limit:
        return data
    for suffix, hdr, rec in ((".rec", 512, 48), (".evt", 64, 48), (".gap", 64, 48)):
        if name.endswith(suffix):
            n = (limit - hdr) // rec
            data = data[:hdr + n * rec]
            if suffix == ".rec":  # the header's count (offset 24) says what is kept
                data = data[:24] + struct.pack("<Q", n) + data[32:]
            return data
    if name.endswith(".pcap"):
        return data[:limit]
    end = data.rfind(b"\n", 0, limit)
    return data[:end + 1] if end > 0 else data[:limit]


def main(argv):
    limit = 4096
    if "--max-bytes" in argv:
        i = argv.index("--max-bytes")
        limit = int(argv[i + 1])
        del argv[i:i + 2]
    if len(argv) != 4:
        sys.exit(__doc__)
    harness, src, out = argv[1:]
    blob = b""
    for i, name in enumerate(names_of(harness)):
        p = os.path.join(src, name)
        if os.path.isfile(p):
            data = cut(name, open(p, "rb").read(), limit)
            blob += struct.pack("<BI", i, len(data)) + data
    if not blob:
        sys.exit("mkseed: no file of %s's table in %s" % (harness, src))
    open(out, "wb").write(blob)
    print("%s: %d bytes" % (out, len(blob)))


if __name__ == "__main__":
    main(sys.argv)
