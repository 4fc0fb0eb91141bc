#!/bin/bash
# atomic_out.sh — lab-analyze's outputs whole or not at all (common/afile.h):
#  1. --pcap F --write F (by the same name, through a symlink, through a hard link) is refused
#     with exit 2 and one line, F byte for byte as it was;
#  2. on a full disk (a 64 KiB tmpfs, mounted in a mount namespace of this test's own and
#     unmounted after) lab-analyze RESULTS_DIR and --pcap F --write OUT fail with exit 1 and one
#     line naming the error, and no file is put in place truncated; a results directory's
#     outputs are one set (common/afile.h): each is what was planted there before (none replaced,
#     even those that fitted), and no temporary is left behind.
# Needs no root where unprivileged user namespaces are allowed (unshare -r); skips (tap_skip_all) otherwise.
set -u
B=${LAB_BUILD:?LAB_BUILD not set}
A="$B/analysis/lab-analyze"
S="$B/tests/analysis/lab-synth-run"
if [ "${ATOMIC_INNER:-}" != 1 ]; then
  if [ "$(id -u)" -eq 0 ]; then u=(unshare -m); else u=(unshare -r -m); fi
  "${u[@]}" true 2>/dev/null || { . "$(dirname "$0")/../lib/tap.sh"; tap_skip_all "cannot make a mount namespace (${u[*]})"; }
  ATOMIC_INNER=1 exec "${u[@]}" "$0" "$@"
fi
. "$(dirname "$0")/../lib/tap.sh" # after the exec: the TAP stream opened once
T=$(mktemp -d /tmp/lab-atomic-XXXXXX)
D="$T/small"
trap 'umount "$D" 2>/dev/null; rm -rf "$T"' EXIT

# run CODE WHAT -- CMD...: exit code CODE and, when not 0, exactly one stderr line
run() {
  local code=$1 what=$2; shift 3
  local rc=0
  "$@" >"$T/out" 2>"$T/err" || rc=$?
  if [ "$rc" -ne "$code" ]; then nok "$what: exit $rc, expected $code ($(head -c 300 "$T/err"))"; return 1; fi
  if [ "$code" -ne 0 ] && [ "$(grep -c . "$T/err")" -ne 1 ]; then
    nok "$what: $(grep -c . "$T/err") stderr lines, expected 1: $(cat "$T/err")"; return 1
  fi
  ok "$what"
}

# a capture of 1000 frames 1 ms apart with, in the middle, 2000 frames 1 us apart (a 1 Mpps
# burst over a 3 kpps mean; 216 bytes a record): 430 KiB of burst packets for --write, written
# here from the pcap format, not by the code under test
python3 - "$T/burst.pcap" <<'PY'
import struct, sys
t0 = 1700000000 * 10**9
ts = sorted([t0 + i * 10**6 for i in range(1000)] + [t0 + 500 * 10**6 + 1000 + i * 1000 for i in range(2000)])
with open(sys.argv[1], 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b23c4d, 2, 4, 0, 0, 65535, 1))
    for t in ts:
        f.write(struct.pack('<IIII', t // 10**9, t % 10**9, 200, 200) + bytes(200))
PY
F="$T/burst.pcap"
sum0=$(sha256sum <"$F")
run 2 "--pcap F --write F refused" -- "$A" --pcap "$F" --write "$F"
ln -s "$F" "$T/link.pcap"
run 2 "--pcap F --write LINK-TO-F refused" -- "$A" --pcap "$F" --write "$T/link.pcap"
ln "$F" "$T/hard.pcap"
run 2 "--pcap F --write HARDLINK-OF-F refused" -- "$A" --pcap "$F" --write "$T/hard.pcap"
run 2 "--pcap ./F --write F refused" -- bash -c 'cd "$(dirname "$1")" && exec "$2" --pcap "./$(basename "$1")" --write "$1"' _ "$F" "$A"
[ "$(sha256sum <"$F")" = "$sum0" ] && ok "F intact after the refusals" || nok "F changed"
ls "$T" | grep -q 'tmp-' && nok "a temporary left: $(ls "$T")" || ok "no temporary left"
run 0 "--pcap F --write OUT (room)" -- "$A" --pcap "$F" --write "$T/ref.pcap"
[ "$(stat -c %s "$T/ref.pcap")" -ge $((24 + 2000 * 216)) ] && ok "OUT holds the burst's 2000 frames" \
  || nok "OUT is $(stat -c %s "$T/ref.pcap") bytes, want at least $((24 + 2000 * 216))"

# the reference analysis, at the very path the full disk will be mounted on (notes name files)
mkdir -p "$D"
"$S" "$D" 100 kernel >/dev/null || tap_bail "lab-synth-run"
mkdir -p "$T/inputs" && cp -a "$D/." "$T/inputs/"
run 0 "reference analysis (room)" -- "$A" "$D"
mkdir -p "$T/ref" && cp -a "$D/." "$T/ref/"
rm -rf "$D"/* && mkdir -p "$D"

mount -t tmpfs -o size=64k tmpfs "$D" || tap_skip_all "cannot mount a tmpfs"
cp -a "$T/inputs/." "$D/"
# what a previous analysis left: must stay as it was, or be replaced whole (the inputs and these
# leave too little room for all the new outputs: report.html alone is some 40 KiB)
df -k "$D" | tail -1 | awk '{print "# tmpfs: " $3 " KiB used of " $2}'
outs="summary.json summary.md report.html softnet.csv bursts/kernel.pcap hist/kernel.hlog"
mkdir -p "$D/bursts" "$D/hist"
for f in $outs; do echo "planted $f" >"$D/$f" || tap_bail "no room to plant $f"; done
run 1 "lab-analyze RESULTS_DIR on a full disk: exit 1" -- "$A" "$D"
grep -q "No space left on device" "$T/err" && ok "the error says the disk is full" || nok "error: $(cat "$T/err")"
# whole: as the reference but for the clock figures measured at each analysis (a few digits): within
# 16 bytes of its size, and ending with its last 64 bytes (a truncated file ends elsewhere)
whole() {
  local a b; a=$(stat -c %s "$1"); b=$(stat -c %s "$2")
  [ $((a - b)) -le 16 ] && [ $((b - a)) -le 16 ] && cmp -s <(tail -c 64 "$1") <(tail -c 64 "$2")
}
# and the set as a whole: the analysis failed, so none of the previous outputs was replaced (not
# summary.json, which fits, beside the old report.html)
for f in $outs; do
  if [ ! -e "$D/$f" ]; then nok "$f: gone (the previous one was planted)"
  elif [ "$(head -c 100 "$D/$f" | tr -d '\0')" = "planted $f" ]; then ok "$f: as planted"
  elif whole "$D/$f" "$T/ref/$f"; then nok "$f: replaced (whole) although the set failed"
  else nok "$f: neither planted nor whole ($(stat -c %s "$D/$f") bytes, reference $(stat -c %s "$T/ref/$f"))"
  fi
done
t=$(find "$D" -name '*.tmp*' | head -3)
[ -z "$t" ] && ok "no temporary left on the full disk" || nok "temporaries left: $t"

echo "planted out" >"$D/out.pcap"
run 1 "--pcap F --write OUT on a full disk: exit 1" -- "$A" --pcap "$F" --write "$D/out.pcap"
[ "$(head -c 100 "$D/out.pcap" | tr -d '\0')" = "planted out" ] && ok "OUT as it was" || nok "OUT changed ($(stat -c %s "$D/out.pcap") bytes)"
rm -f "$D/out.pcap"
run 1 "--pcap F --write NEW on a full disk: exit 1" -- "$A" --pcap "$F" --write "$D/new.pcap"
[ ! -e "$D/new.pcap" ] && ok "no NEW put in place" || nok "NEW left ($(stat -c %s "$D/new.pcap") bytes)"
t=$(find "$D" -name '*.tmp*' | head -3)
[ -z "$t" ] && ok "no temporary left" || nok "temporaries left: $t"
umount "$D" || nok "umount"
tap_done
