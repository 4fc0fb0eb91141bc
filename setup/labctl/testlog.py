"""labctl.testlog — meson's testlog.json (one JSON object per test, a line each) counted for
`setup/lab test`'s closing line."""
import json


def totals(path):
    """(ok, fail, skip) of a testlog.json: OK and EXPECTEDFAIL pass, SKIP skips, anything else
    (FAIL, TIMEOUT, ERROR, UNEXPECTEDPASS, ...) fails"""
    ok = fail = skip = 0
    with open(path) as f:
        for line in f:
            r = json.loads(line).get("result", "")
            if r in ("OK", "EXPECTEDFAIL"):
                ok += 1
            elif r == "SKIP":
                skip += 1
            else:
                fail += 1
    return ok, fail, skip
