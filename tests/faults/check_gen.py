#!/usr/bin/env python3
"""check_gen.py STATS_JSON REC_FILE LOST — one lab-gen run's counts are whole and agree:
sent = received + lost, the record file is complete (LAB_RECF_COMPLETE), its header holds the
same counts as the JSON, and as many records carry LAB_REC_RECEIVED as were received.
LOST: 'zero' (nothing lost), 'some' (lost > 0), 'any'. Prints one line; exit 1 on a mismatch."""
import json, struct, sys

stats, rec, want = sys.argv[1], sys.argv[2], sys.argv[3]
s = json.load(open(stats))
d = open(rec, "rb").read()
bad = []
magic, ver, hdr_len, rec_len, flags, count = struct.unpack_from("<8sIIIIQ", d, 0)
if magic != b"LABREC\r\n" or hdr_len != 512 or rec_len != 48:
    bad.append("record header is not a lab record header")
if not flags & 1:
    bad.append("record file not complete (LAB_RECF_COMPLETE unset)")
if len(d) != 512 + 48 * count:
    bad.append("record file is %d bytes, header says %d records" % (len(d), count))
sent, received, lost = struct.unpack_from("<QQQ", d, 248)  # struct lab_rec_hdr: sent at 248
if (sent, received, lost) != (s["sent"], s["received"], s["lost"]):
    bad.append("record header %s != stats %s" % ((sent, received, lost),
                                                  (s["sent"], s["received"], s["lost"])))
if s["sent"] != s["received"] + s["lost"]:
    bad.append("sent %d != received %d + lost %d" % (s["sent"], s["received"], s["lost"]))
n = min(count, (len(d) - 512) // 48)
got = sum(1 for i in range(n) if struct.unpack_from("<H", d, 512 + 48 * i + 44)[0] & 2)
if got != s["received"]:
    bad.append("%d records marked received, stats say %d" % (got, s["received"]))
if s["sent"] + s.get("unsent", 0) + s.get("send_failed", 0) < s["count"]:
    bad.append("sent %d + unsent %d + send_failed %d < scheduled %d" %
               (s["sent"], s.get("unsent", 0), s.get("send_failed", 0), s["count"]))
if want == "zero" and s["lost"] != 0:
    bad.append("lost %d, expected none" % s["lost"])
if want == "some" and s["lost"] == 0:
    bad.append("nothing lost, expected a counted loss")
print("# gen: scheduled %d sent %d received %d lost %d unsent %d%s" %
      (s["count"], s["sent"], s["received"], s["lost"], s.get("unsent", 0),
       "" if not bad else " -- " + "; ".join(bad)))
sys.exit(1 if bad else 0)
