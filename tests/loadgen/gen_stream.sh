#!/usr/bin/env bash
# gen_stream.sh — lab-gen loses nothing it measured (issue #30 item 5):
#  1. kill -9 of lab-gen 5 s into a 10 s run (2000 pps against mini_reflect) leaves a record file
#     holding at least 4 s of the run, read here by a reader of the format written from docs/spec.md
#     and common/rec.h (not lab_rec_open); lab-analyze reads it and says "cut after N records"
#     (stderr and summary.json cut_after), with N and the counts the reader found;
#  2. the same file cut inside a record: N-1 records and the partial bytes said;
#  3. a disk too small for the run's records (a 64 KiB tmpfs, unmounted after): lab-gen refuses
#     before it starts (exit 2, one line), puts no file in place and leaves what was there;
#  4. a run too large for the memory available is refused before it starts (exit 2, one line).
#
#   netns ltNNNN-gen                             netns ltNNNN-dut
#   [lab-gen --backend udp] gen0 <--veth--> dut0 [mini_reflect :7777]
set -u
. "$(dirname "$0")/../lib/netns.sh"
netns_require_root
netns_require_bin loadgen/lab-gen analysis/lab-analyze tests/loadgen/mini_reflect
command -v python3 >/dev/null || tap_skip_all "no python3"
GEN="$LAB_BUILD/loadgen/lab-gen"
ANA="$LAB_BUILD/analysis/lab-analyze"
REFL="$LAB_BUILD/tests/loadgen/mini_reflect"
T=$(mktemp -d /tmp/lab-gen-stream.XXXXXX)
trap 'umount "$T/small" 2>/dev/null; "$LAB" down >/dev/null 2>&1; rm -rf "$T"' EXIT
"$LAB" up >/dev/null || tap_bail "lab up"

# reader FILE: "complete n partial received span_s" of a record file (header: magic 8, version 4,
# hdr_len 4, rec_len 4, flags 4, count 8; records of 48 bytes from byte 512: intended, sent,
# dut_rx, dut_tx, recv (u64), seq (u32), flags, dups (u16), little-endian)
reader() {
  python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
assert d[:8] == b'LABREC\r\n', 'magic'
ver, hl, rl, flags, count = struct.unpack_from('<IIIIQ', d, 8)
assert (ver, hl, rl) == (1, 512, 48), (ver, hl, rl)
n, part = (len(d) - 512) // 48, (len(d) - 512) % 48
recv, first, last = 0, None, None
for i in range(n):
    it, sn, drx, dtx, rv, seq, fl, dp = struct.unpack_from('<QQQQQIHH', d, 512 + 48 * i)
    assert seq == i, 'seq %d at %d' % (seq, i)
    assert fl & 1, 'record %d not sent' % i
    recv += bool(fl & 2)
    first = it if first is None else first
    last = it
span = (last - first) / 1e9 if n else 0
print(flags & 1, n, part, recv, '%.3f' % span)
PY
}

# 1. kill -9 at 5 s of a 10 s run
rm -f "$T/ready"
ip netns exec "$NS_DUT" "$REFL" -r "$T/ready" >"$T/refl.txt" 2>&1 &
rpid=$!
for _ in $(seq 50); do [ -f "$T/ready" ] && break; sleep 0.1; done
mkdir -p "$T/run/records"
ip netns exec "$NS_GEN" "$GEN" --backend udp --dst "$LAB_DUT_V4" --rate 2000 --duration 10 \
  --path kernel --out "$T/run/records/kernel.rec" 2>"$T/gen.log" &
gpid=$!
sleep 5
kill -KILL $gpid; wait $gpid 2>/dev/null
grc=$?
kill -INT $rpid; wait $rpid
[ $grc -eq 137 ] || nok "lab-gen was not killed by the kill -9 (exit $grc): the run ended first?"
if ! r=$(reader "$T/run/records/kernel.rec" 2>&1); then
  nok "the killed run's record file does not read: $r"
else
  read -r complete n part recv span <<<"$r"
  echo "# killed at 5 s: complete=$complete records=$n partial=$part received=$recv span=${span}s"
  [ "$complete" = 0 ] && ok "the file is not marked complete" || nok "the killed run's file says complete"
  python3 -c "import sys; sys.exit(not (float('$span') >= 4.0 and $n >= 8000))" \
    && ok "$n records, ${span} s of the run kept (>= 4 s)" || nok "only $n records, ${span} s of the run kept"
  [ "$recv" -ge $((n * 95 / 100)) ] && ok "$recv of $n received in the streamed records" \
    || nok "$recv of $n received: the stream wrote records before their reply"
  if "$ANA" --no-pcap "$T/run" >"$T/ana.out" 2>"$T/ana.err"; then
    grep -q "cut after $n records" "$T/ana.err" && ok "lab-analyze says: $(grep -o "cut after $n records" "$T/ana.err")" \
      || nok "lab-analyze does not say 'cut after $n records': $(cat "$T/ana.err")"
    m=$(json_mismatch "$T/run/summary.json" paths.kernel.cut_after=$n paths.kernel.complete=False \
      paths.kernel.sent=$n paths.kernel.received=$recv paths.kernel.cut_partial_bytes=0)
    [ -z "$m" ] && ok "summary.json: cut_after $n, sent $n, received $recv" || nok "summary.json: $m"
  else
    nok "lab-analyze failed on the cut file: $(tail -n 1 "$T/ana.err")"
  fi
  # 2. cut inside a record
  truncate -s -20 "$T/run/records/kernel.rec"
  if "$ANA" --no-pcap "$T/run" >"$T/ana.out" 2>"$T/ana.err"; then
    m=$(json_mismatch "$T/run/summary.json" paths.kernel.cut_after=$((n - 1)) paths.kernel.cut_partial_bytes=28)
    [ -z "$m" ] && grep -q "cut after $((n - 1)) records and 28 bytes" "$T/ana.err" \
      && ok "cut inside a record: $((n - 1)) records read, the 28 bytes said" || nok "cut inside a record: $m $(cat "$T/ana.err")"
  else
    nok "lab-analyze failed on a file cut inside a record: $(tail -n 1 "$T/ana.err")"
  fi
fi

# 3. a disk too small: 4000 records are 192 KiB
mkdir -p "$T/small"
if mount -t tmpfs -o size=64k tmpfs "$T/small"; then
  echo planted >"$T/small/old.rec"
  ip netns exec "$NS_GEN" timeout 20 "$GEN" --backend udp --dst "$LAB_DUT_V4" --rate 2000 --count 4000 \
    --path kernel --out "$T/small/new.rec" --quiet 2>"$T/full.err"; rc=$?
  ip netns exec "$NS_GEN" timeout 20 "$GEN" --backend udp --dst "$LAB_DUT_V4" --rate 2000 --count 4000 \
    --path kernel --out "$T/small/old.rec" --quiet 2>"$T/full2.err"; rc2=$?
  if [ $rc -eq 2 ] && [ $rc2 -eq 2 ] && [ "$(grep -c . "$T/full.err")" -eq 1 ] && grep -q "No space left" "$T/full.err"; then
    ok "a disk too small refused before the run: $(cat "$T/full.err")"
  else
    nok "a disk too small: exit $rc/$rc2: $(cat "$T/full.err" "$T/full2.err")"
  fi
  [ ! -e "$T/small/new.rec" ] && [ "$(cat "$T/small/old.rec")" = planted ] && [ "$(ls "$T/small" | wc -l)" -eq 1 ] \
    && ok "no record file put in place, the old one as it was, no temporary" || nok "on the full disk: $(ls -l "$T/small")"
  umount "$T/small" || nok "umount $T/small"
else
  nok "cannot mount a tmpfs"
fi

# 4. more records than memory: 10 Mpps for a week (300 TB of records)
start=$(date +%s%N)
ip netns exec "$NS_GEN" timeout 20 "$GEN" --backend udp --dst "$LAB_DUT_V4" --rate 10000000 \
  --duration 604800 --out "$T/huge.rec" --quiet 2>"$T/huge.err"; rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ $rc -eq 2 ] && [ "$(grep -c . "$T/huge.err")" -eq 1 ] && grep -q "more than the" "$T/huge.err" && [ ! -e "$T/huge.rec" ] && [ $ms -lt 5000 ]; then
  ok "a run too large for memory refused in $ms ms: $(cat "$T/huge.err")"
else
  nok "a run too large for memory: exit $rc after $ms ms: $(cat "$T/huge.err")"
fi

[ "$TAP_FAILS" -eq 0 ] && ok "lab-gen streams its records, the cut is read and said, too large is refused"
tap_done
