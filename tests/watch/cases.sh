#!/usr/bin/env bash
# cases.sh — lab-watch's options and failures, each case short, on one pair of namespaces:
#  filter:    --filter 'udp dst port 9001' over two bursts (9001, 9002) and background: one event,
#             burst 1's, and only its packets written (tshark)
#  direction: --direction in and --direction out side by side, the file replayed into rcv0 and then
#             out of it: each sees one replay's packets and its two bursts
#  any:       --iface any (the Linux cooked link type): both bursts found, their flows parsed, the
#             pcap in that link type read by tshark
#  bps:       --threshold-bps alone (50 Mbit/s in 20 ms): of two bursts of 600 frames, the 1400 B
#             one is the only event, the 60 B one is not (watch_check.py against tcpdump's capture)
#  overlap:   two bursts ~100 ms apart, 80 ms margins: the windows overlap, each packet written
#             once and counted in the first event (watch_check.py)
#  drops:     lab-watch --buffer-mb 2, blocks and --immediate side by side, stopped (SIGSTOP) while
#             3000 x 1000 B arrive (no background: a trickle during a stall retires V3 blocks half
#             empty): one event each, libpcap's drops in it (its pcap_drop = the whole watch's),
#             packets + drop = sent, stderr warnings ('libpcap dropped N packet(s)') adding up to them
#  ring:      a burst of 3000 x 1400 B (4.2 MB) through --ring-mb 1 (the least; the default snaplen,
#             MTU + 64): one event, every packet of the
#             burst written, the event's packets = the packets written between its start and end;
#             and all of watch.sh's checks against tcpdump's capture (watch_check.py)
#  sigint:    a 3 s burst at 10 kpps (above 2000 pps in 20 ms windows); SIGINT once stderr says `event 1
#             started`: exit 0 within 2 s, the event written with "interrupted": true, watch.json
#             stopped_by "signal", the pcap reads clean and holds written_packets packets
#  kill9:     kill -9 of lab-watch inside an event: the pcap reads clean (whole records only), and
#             lab-analyze DIR still writes report.html from what is there (no watch.json)
#  split:     --split over three bursts: bursts/event-00000K.pcap each with its burst, no bursts.pcap
#  max-events: --max-events 1: stops by itself after the first event (stopped_by max_events)
#  max-bytes: --max-bytes 600000 over bursts of ~370, 510, 650 KB: all three described, the first
#             written whole, pcap_full from the second on, the file (header included) within the
#             limit and = written_bytes, readable
#  force:     an existing events.jsonl (or watch.json alone) without --force: exit 2, the file
#             unchanged, nothing added;
#             with --force --duration 1: written over, stopped_by duration, no event, no pcap
#  bad input: a filter that does not compile (2), no such interface (2), an interface that is down
#             (1), an output path under /proc, one with a file in the way, one under a read-only
#             directory and a read-only directory (1 or 2: lab-watch gives up CAP_DAC_OVERRIDE), a
#             bad flag value (2): each exactly one line on stderr naming the problem, nothing left
#
#   netns lwNNNN-tx                     netns lwNNNN-rx
#   tcpreplay -> snd0 ---------------- rcv0 <- lab-watch (one per case)
#                                      down0 (a veth end left down), for the 'down' case
set -u
. "$(dirname "$0")/lib.sh"
lw_require
lw_setup
mkdir -p "$T/logs" "$T/o"
gen() { # name args...
  local name=$1; shift
  python3 "$GEN" --out "$T/$name.pcap" --truth "$T/$name.json" --src-mac $TX_MAC --dst-mac $RX_MAC "$@" ||
    tap_bail "gen_bursts.py $name"
}
# pc F: tshark's reading of F ('packets N clean|damaged...' then 'dport count' lines)
pc() { # one tshark per file: its reading kept beside the logs
  local c
  c="$T/logs/pc.$(printf '%s' "$1" | md5sum | cut -c1-12).$(stat -c %Y.%s "$1" 2>/dev/null)"
  [ -f "$c" ] || python3 "$CHECK" pcap "$1" >"$c"
  cat "$c"
}
pcn() { pc "$1" | awk -v p="$2" '$1 == p { print $2; f = 1 } END { if (!f) print 0 }'; }
pctotal() { pc "$1" | awk 'NR == 1 { print $2 }'; }
pcclean() { pc "$1" | head -n 1 | grep -q " clean$"; }
ev() { # ev DIR EXPR: EXPR over e = the list of events in DIR/events.jsonl
  python3 -c 'import json,sys
e = [json.loads(l) for l in open(sys.argv[1] + "/events.jsonl")]
print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null
}
truth() { lw_json "$T/$1.json" "$2"; }
THR=(--window-us 20000 --threshold-pps 10000 --before-ms 20 --after-ms 20)

# ---- filter ----
gen f --seed 31 --burst-sizes 600,600 --lead-ms 100 --sep-ms 300 --jitter-ms 0 --tail-ms 100
if lw_watch wf --filter 'udp dst port 9001' "${THR[@]}"; then
  lw_replay "$T/f.pcap"; sleep 0.3; lw_stop "$WPID" 5
  n1=$(truth f 'j["bursts"][0]["count"]')
  [ "$STOP_RC" = 0 ] || nok "filter: exit $STOP_RC"
  [ "$(ev "$T/wf" 'len(e)')" = 1 ] && [ "$(ev "$T/wf" 'e[0]["packets"]')" = "$n1" ] &&
    [ "$(ev "$T/wf" 'e[0]["top_flows"][0]["dport"]')" = 9001 ] &&
    ok "filter: one event, burst 1's $n1 packets" || nok "filter: events $(cat "$T/wf/events.jsonl" 2>/dev/null | cut -c1-300)"
  [ "$(pctotal "$T/wf/bursts.pcap")" = "$n1" ] && [ "$(pcn "$T/wf/bursts.pcap" 9001)" = "$n1" ] &&
    ok "filter: bursts.pcap holds the $n1 packets to port 9001 and nothing else" ||
    nok "filter: bursts.pcap: $(pc "$T/wf/bursts.pcap" | paste -sd' ')"
  [ "$(lw_json "$T/wf/watch.json" 'j["filter"]')" = "udp dst port 9001" ] &&
    [ "$(lw_json "$T/wf/watch.json" 'j["packets"]')" = "$n1" ] && ok "filter: watch.json filter, packets $n1" ||
    nok "filter: watch.json filter '$(lw_json "$T/wf/watch.json" 'j["filter"]')' packets $(lw_json "$T/wf/watch.json" 'j["packets"]')"
else nok "filter: lab-watch did not start: $(cat "$T/wf.err")"; fi

# ---- --direction in / out: the same file replayed into rcv0, then out of it ----
if lw_watch wdi --direction in "${THR[@]}" && WIN=$WPID && lw_watch wdo --direction out "${THR[@]}"; then
  WOUT=$WPID
  lw_replay "$T/f.pcap"
  ip netns exec "$NS_RX" $LW_RT tcpreplay -q -i rcv0 --preload-pcap "$T/f.pcap" >"$T/logs/out.replay" 2>&1
  sleep 0.3; lw_stop "$WIN" 5; r1=$STOP_RC; lw_stop "$WOUT" 5
  n=$(truth f 'j["packets"]')
  for d in wdi wdo; do
    dn=$([ $d = wdi ] && echo in || echo out)
    [ "$(lw_json "$T/$d/watch.json" 'j["packets"]')" = "$n" ] && [ "$(ev "$T/$d" '[x["top_flows"][0]["dport"] for x in e]')" = "[9001, 9002]" ] &&
      ok "direction $dn: the $n packets of one replay, its two bursts" ||
      nok "direction $dn: packets $(lw_json "$T/$d/watch.json" 'j["packets"]') (one replay: $n), events $(ev "$T/$d" '[x["top_flows"][0]["dport"] for x in e]')"
  done
  [ "$r1" = 0 ] && [ "$STOP_RC" = 0 ] || nok "direction: exit $r1 / $STOP_RC"
else nok "direction: lab-watch did not start: $(cat "$T/wdi.err" "$T/wdo.err" 2>/dev/null)"; fi

# ---- "any": the cooked link type; flows still parsed ----
if LW_IFACE=any lw_watch wa "${THR[@]}"; then
  lw_replay "$T/f.pcap"; sleep 0.3; lw_stop "$WPID" 5
  n1=$(truth f 'j["bursts"][0]["count"]') n2=$(truth f 'j["bursts"][1]["count"]')
  lt=$(lw_json "$T/wa/watch.json" 'j["linktype"]')
  [ "$STOP_RC" = 0 ] && [ "$(ev "$T/wa" '[(x["top_flows"][0]["dport"], x["top_flows"][0]["packets"]) for x in e]')" = "[(9001, $n1), (9002, $n2)]" ] &&
    { [ "$lt" = 113 ] || [ "$lt" = 276 ]; } && pcclean "$T/wa/bursts.pcap" &&
    [ "$(pcn "$T/wa/bursts.pcap" 9001)" = "$n1" ] && [ "$(pcn "$T/wa/bursts.pcap" 9002)" = "$n2" ] &&
    ok "any: linktype $lt (Linux cooked), both bursts with their flows, the pcap read by tshark" ||
    nok "any: exit $STOP_RC, linktype $lt, flows $(ev "$T/wa" '[x["top_flows"][:1] for x in e]'), pcap: $(pc "$T/wa/bursts.pcap" | paste -sd' ')"
else nok "any: lab-watch did not start: $(cat "$T/wa.err")"; fi

# ---- --threshold-bps alone: the big frames' burst is one, the small frames' is not ----
gen b --seed 35 --burst-sizes 600,600 --burst-lens 1400,60 --lead-ms 100 --sep-ms 300 --jitter-ms 0 --tail-ms 100
lw_ref bref || nok "bps: tcpdump did not start"
if lw_watch wb --threshold-bps 50000000 --window-us 20000 --before-ms 20 --after-ms 20; then
  lw_replay "$T/b.pcap"; sleep 0.3; lw_stop "$WPID" 5
  [ "$STOP_RC" = 0 ] || nok "bps: exit $STOP_RC"
  lw_stop "$RPID" 5
  python3 "$CHECK" events --dir "$T/wb" --ref "$T/bref.pcap" --truth "$T/b.json" --bursts 1 --window-us 20000 \
    --threshold-pps 0 --threshold-bps 50000000 --before-ms 20 --after-ms 20 >"$T/logs/bps.check" 2>&1 &&
    ok "bps: 50 Mbit/s alone: the burst of 600 x 1400 B (336 Mbit/s) and not the one of 600 x 60 B; all of watch_check.py" ||
    nok "bps: watch_check.py: $(grep '^not ok' "$T/logs/bps.check" | paste -sd';')"
  echo "bps: watch.json threshold_pps $(lw_json "$T/wb/watch.json" 'j["config"]["threshold_pps"]') threshold_bps $(lw_json "$T/wb/watch.json" 'j["config"]["threshold_bps"]')"
else nok "bps: lab-watch did not start: $(cat "$T/wb.err")"; fi

# ---- overlapping margins: a packet in two events' windows is written once, counted in the first ----
gen v --seed 36 --burst-sizes 600,600 --lead-ms 200 --sep-ms 100 --jitter-ms 0 --tail-ms 200
lw_ref vref || nok "overlap: tcpdump did not start"
if lw_watch wv --window-us 20000 --threshold-pps 10000 --before-ms 80 --after-ms 80; then
  lw_replay "$T/v.pcap"; sleep 0.3; lw_stop "$WPID" 5
  [ "$STOP_RC" = 0 ] || nok "overlap: exit $STOP_RC"
  lw_stop "$RPID" 5
  python3 "$CHECK" events --dir "$T/wv" --ref "$T/vref.pcap" --truth "$T/v.json" --window-us 20000 \
    --threshold-pps 10000 --before-ms 80 --after-ms 80 >"$T/logs/overlap.check" 2>&1 &&
    ok "overlap: two events ~100 ms apart with 80 ms margins: $(grep -o 'event 2: written_packets.*' "$T/logs/overlap.check"); all of watch_check.py" ||
    nok "overlap: watch_check.py: $(grep '^not ok' "$T/logs/overlap.check" | paste -sd';')"
  python3 -c 'import json,sys
e = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(0 if len(e) == 2 and e[1]["window_ns"][0] <= e[0]["window_ns"][1] else 1)' "$T/wv/events.jsonl" &&
    ok "overlap: the two windows overlap" || nok "overlap: the windows do not overlap (the replay's timing?)"
else nok "overlap: lab-watch did not start: $(cat "$T/wv.err")"; fi

# ---- capture drops beside the event: lab-watch stopped (SIGSTOP) while a burst overruns its buffer ----
# both modes side by side, each with a 2 MiB kernel buffer (3 MB arrive while they are stopped)
gen d --seed 37 --burst-sizes 3000 --len 1000,1000 --lead-ms 100 --tail-ms 100 --bg-pps 0
if lw_watch wd --immediate --buffer-mb 2 "${THR[@]}" && WD1=$WPID && lw_watch wd3 --buffer-mb 2 "${THR[@]}"; then
  WD3=$WPID
  kill -STOP "$WD1" "$WD3"; lw_replay "$T/d.pcap"; kill -CONT "$WD1" "$WD3"; sleep 0.5
  lw_stop "$WD1" 5; r1=$STOP_RC; lw_stop "$WD3" 5
  [ "$r1" = 0 ] && [ "$STOP_RC" = 0 ] || nok "drops: exit $r1 / $STOP_RC"
  for d in wd wd3; do
    got=$(python3 - "$T/$d" "$(truth d 'j["packets"]')" <<'PY'
import json, sys
e = [json.loads(l) for l in open(sys.argv[1] + "/events.jsonl")]
w = json.load(open(sys.argv[1] + "/watch.json"))
d = w["pcap_stats"]["drop"]
ok = d > 0 and len(e) == 1 and e[0]["drops"]["pcap_drop"] == d and w["drops"]["pcap_drop"] == d and \
    w["packets"] + d == int(sys.argv[2]) == w["pcap_stats"]["recv"]
print("ok" if ok else "bad", f"{len(e)} event(s), libpcap drop {d}, the event's pcap_drop "
      f"{[x['drops']['pcap_drop'] for x in e]}, watch.json drops.pcap_drop {w['drops']['pcap_drop']}, "
      f"packets {w['packets']} + drop {d} = {w['packets'] + d}, sent {sys.argv[2]}, recv {w['pcap_stats']['recv']}")
PY
)
    m=$([ $d = wd ] && echo "--immediate" || echo "blocks")
    [ "${got%% *}" = ok ] && ok "drops ($m): ${got#* }" || nok "drops ($m): ${got#* }"
    # said as it happens, and the warnings add up to the drops
    python3 - "$T/$d.err" "$T/$d/watch.json" <<'PY' && ok "drops ($m): stderr says so: $(grep -m1 'libpcap dropped' "$T/$d.err")" ||
import json, re, sys
n = [int(m[1]) for m in re.finditer(r"libpcap dropped (\d+) packet", open(sys.argv[1]).read())]
sys.exit(0 if n and sum(n) == json.load(open(sys.argv[2]))["pcap_stats"]["drop"] else 1)
PY
      nok "drops ($m): the stderr warnings ($(grep -c 'libpcap dropped' "$T/$d.err")) do not add up to pcap_stats.drop: $(grep 'libpcap dropped' "$T/$d.err" | head -n 3)"
  done
else nok "drops: lab-watch did not start: $(cat "$T/wd.err" "$T/wd3.err" 2>/dev/null)"; fi

# ---- a burst larger than the ring ----
gen r --seed 32 --burst-sizes 3000 --len 1400,1400 --lead-ms 100 --tail-ms 200
lw_ref rref || nok "ring: tcpdump did not start"
if lw_watch wr --ring-mb 1 "${THR[@]}"; then
  lw_replay "$T/r.pcap"; sleep 0.3; lw_stop "$WPID" 5
  [ "$STOP_RC" = 0 ] || nok "ring: exit $STOP_RC"
  lw_stop "$RPID" 5
  # the whole check of watch.sh against tcpdump's capture, then what the ring case is about
  python3 "$CHECK" events --dir "$T/wr" --ref "$T/rref.pcap" --truth "$T/r.json" --window-us 20000 \
    --threshold-pps 10000 --before-ms 20 --after-ms 20 >"$T/logs/ring.check" 2>&1 ||
    nok "ring: watch_check.py: $(grep '^not ok' "$T/logs/ring.check" | paste -sd';')"
  got=$(python3 - "$T/wr" "$CHECK" <<'PY'
import json, subprocess, sys
sys.path.insert(0, sys.argv[2].rsplit("/", 1)[0])
from watch_check import read_pcap
e = [json.loads(l) for l in open(sys.argv[1] + "/events.jsonl")]
rows, clean, _ = read_pcap(sys.argv[1] + "/bursts.pcap")
inb = sum(1 for r in rows if e and e[0]["start_ns"] <= r["t"] <= e[0]["end_ns"])
print(len(e), e[0]["packets"] if e else -1, inb, sum(1 for r in rows if r["dport"] == 9001), len(rows),
      e[0]["written_packets"] if e else -1, clean, e[0]["context_cut"] if e else "")
PY
)
  set -- $got
  [ "${1:-}" = 1 ] && [ "${4:-}" = 3000 ] && [ "${2:-}" = "${3:-}" ] && [ "${5:-}" = "${6:-}" ] && [ "${7:-}" = True ] &&
    ok "ring: 1 MiB ring, 4.2 MB burst: one event, all 3000 burst packets written, event packets $2 = written within it, pcap $5 = written_packets (context_cut ${8:-})" ||
    nok "ring: events ${1:-} packets ${2:-} written-in-burst ${3:-} dport9001 ${4:-}/3000 pcap ${5:-} written_packets ${6:-} clean ${7:-}"
  [ "$(lw_json "$T/wr/watch.json" 'j["config"]["ring_bytes"]')" = $((1 << 20)) ] && ok "ring: ring_bytes 1 MiB" ||
    nok "ring: ring_bytes $(lw_json "$T/wr/watch.json" 'j["config"]["ring_bytes"]')"
else nok "ring: lab-watch did not start: $(cat "$T/wr.err")"; fi

# ---- SIGINT in the middle of an event ----
gen s --seed 33 --burst-sizes 30000 --burst-gap-ns 100000 --len 60,200 --lead-ms 200 --tail-ms 100
if lw_watch ws --window-us 20000 --threshold-pps 2000 --before-ms 20 --after-ms 20; then
  ip netns exec "$NS_TX" $LW_RT tcpreplay -q -i snd0 --preload-pcap "$T/s.pcap" >"$T/logs/s.replay" 2>&1 &
  SPID=$!; LW_PIDS="$LW_PIDS $SPID"
  for _ in $(seq 200); do grep -q "event 1 started" "$T/ws.err" && break; sleep 0.025; done
  if grep -q "event 1 started" "$T/ws.err"; then
    sleep 0.5
    lw_stop "$WPID" 2
    [ "$STOP_RC" = 0 ] && ok "sigint: exit 0 in $STOP_MS ms, mid-event" || nok "sigint: exit $STOP_RC after $STOP_MS ms"
  else
    nok "sigint: no 'event 1 started' on stderr: $(head -n 3 "$T/ws.err")"; lw_stop "$WPID" 2
  fi
  kill -INT "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null
  # one event unless the machine stalled tcpreplay for a whole window: then the last one
  [ "$(ev "$T/ws" 'len(e)')" -ge 1 ] 2>/dev/null && [ "$(ev "$T/ws" '[x["interrupted"] for x in e]')" = "$(ev "$T/ws" '[False] * (len(e) - 1) + [True]')" ] &&
    ok "sigint: the event written, interrupted: true ($(ev "$T/ws" 'e[-1]["packets"]') packets; $(ev "$T/ws" 'len(e)') event(s))" ||
    nok "sigint: events.jsonl: $(cut -c1-300 "$T/ws/events.jsonl" 2>/dev/null)"
  [ "$(lw_json "$T/ws/watch.json" 'j["stopped_by"]')" = signal ] && ok "sigint: stopped_by signal" ||
    nok "sigint: stopped_by '$(lw_json "$T/ws/watch.json" 'j["stopped_by"]')'"
  wp=$(ev "$T/ws" 'sum(x["written_packets"] for x in e)')
  pcclean "$T/ws/bursts.pcap" && [ "$(pctotal "$T/ws/bursts.pcap")" = "$wp" ] &&
    [ "$(lw_json "$T/ws/watch.json" 'j["written_packets"]')" = "$wp" ] &&
    ok "sigint: bursts.pcap reads clean, $wp packets = written_packets" ||
    nok "sigint: bursts.pcap $(pc "$T/ws/bursts.pcap" | head -n 1), written_packets $wp / $(lw_json "$T/ws/watch.json" 'j["written_packets"]')"
else nok "sigint: lab-watch did not start: $(cat "$T/ws.err")"; fi

# ---- kill -9 in the middle of an event: lab-analyze still reads what is there ----
if [ -x "$ANALYZE" ] && "$ANALYZE" --help 2>&1 | grep -q WATCH_DIR && lw_watch wk --window-us 20000 --threshold-pps 2000; then
  ip netns exec "$NS_TX" $LW_RT tcpreplay -q -i snd0 --preload-pcap "$T/s.pcap" >"$T/logs/k.replay" 2>&1 &
  SPID=$!; LW_PIDS="$LW_PIDS $SPID"
  for _ in $(seq 200); do grep -q "event 1 started" "$T/wk.err" && break; sleep 0.025; done
  sleep 0.3
  kill -KILL "$WPID"; wait "$WPID" 2>/dev/null
  kill -INT "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null
  "$ANALYZE" "$T/wk" >"$T/logs/k.analyze" 2>&1; rc=$?
  [ $rc = 0 ] && [ -s "$T/wk/report.html" ] && ok "kill -9 mid-event: lab-analyze DIR exit 0, report.html (dir: $(ls "$T/wk" | paste -sd' '))" ||
    nok "kill -9 mid-event: lab-analyze DIR exit $rc: $(tail -n 2 "$T/logs/k.analyze") (dir: $(ls "$T/wk" | paste -sd' '))"
  # whole records only: a writer killed hard leaves a file that reads clean
  pcclean "$T/wk/bursts.pcap" && ok "kill -9 mid-event: bursts.pcap reads clean ($(pctotal "$T/wk/bursts.pcap") packets)" ||
    nok "kill -9 mid-event: bursts.pcap: $(pc "$T/wk/bursts.pcap" | head -n 1)"
fi

# ---- --split ----
gen p --seed 34 --burst-sizes 500,700,900 --lead-ms 100 --sep-ms 300 --jitter-ms 0 --tail-ms 100
if lw_watch wp --split "${THR[@]}"; then
  lw_replay "$T/p.pcap"; sleep 0.3; lw_stop "$WPID" 5
  [ "$STOP_RC" = 0 ] || nok "split: exit $STOP_RC"
  [ "$(ev "$T/wp" 'len(e)')" = 3 ] && ok "split: 3 events" || nok "split: $(ev "$T/wp" 'len(e)') events"
  for k in 1 2 3; do
    f=bursts/event-00000$k.pcap
    n=$(truth p "j['bursts'][$k - 1]['count']")
    [ "$(ev "$T/wp" "e[$k - 1]['pcap']")" = "$f" ] && pcclean "$T/wp/$f" &&
      [ "$(pcn "$T/wp/$f" $((9000 + k)))" = "$n" ] && [ "$(pctotal "$T/wp/$f")" = "$(ev "$T/wp" "e[$k - 1]['written_packets']")" ] &&
      [ "$(pc "$T/wp/$f" | awk 'NR > 1 && $1 != 8000' | wc -l)" = 1 ] &&
      ok "split: $f: burst $k's $n packets, written_packets, no other burst" ||
      nok "split: $f: $(pc "$T/wp/$f" 2>&1 | paste -sd' '), event: pcap $(ev "$T/wp" "e[$k - 1]['pcap']") written $(ev "$T/wp" "e[$k - 1]['written_packets']")"
  done
  [ ! -e "$T/wp/bursts.pcap" ] && [ "$(ls "$T/wp/bursts" | wc -l)" = 3 ] && ok "split: no bursts.pcap, 3 files" ||
    nok "split: $(ls "$T/wp" "$T/wp/bursts" 2>&1 | paste -sd' ')"
else nok "split: lab-watch did not start: $(cat "$T/wp.err")"; fi

# ---- --max-events 1 ----
if lw_watch wm --max-events 1 "${THR[@]}"; then
  lw_replay "$T/p.pcap"
  for _ in $(seq 100); do kill -0 "$WPID" 2>/dev/null || break; sleep 0.05; done
  if kill -0 "$WPID" 2>/dev/null; then nok "max-events: still running after the replay"; lw_stop "$WPID" 2
  else wait "$WPID"; rc=$?; [ $rc = 0 ] && ok "max-events: stopped by itself, exit 0" || nok "max-events: exit $rc"; fi
  [ "$(ev "$T/wm" 'len(e)')" = 1 ] && [ "$(lw_json "$T/wm/watch.json" 'j["stopped_by"]')" = max_events ] &&
    [ "$(ev "$T/wm" 'e[0]["top_flows"][0]["dport"]')" = 9001 ] &&
    ok "max-events: one event (burst 1), stopped_by max_events" ||
    nok "max-events: $(ev "$T/wm" 'len(e)') events, stopped_by '$(lw_json "$T/wm/watch.json" 'j["stopped_by"]')'"
else nok "max-events: lab-watch did not start: $(cat "$T/wm.err")"; fi

# ---- --max-bytes: later events described, not written ----
if lw_watch wx --max-bytes 600000 "${THR[@]}"; then
  lw_replay "$T/p.pcap"; sleep 0.3; lw_stop "$WPID" 5
  [ "$STOP_RC" = 0 ] || nok "max-bytes: exit $STOP_RC"
  sz=$(stat -c %s "$T/wx/bursts.pcap" 2>/dev/null || echo missing)
  [ "$(ev "$T/wx" 'len(e)')" = 3 ] && [ "$(ev "$T/wx" '[x["pcap_full"] for x in e]')" = "[False, True, True]" ] &&
    [ "$(ev "$T/wx" 'e[0]["top_flows"][0]["packets"]')" = "$(truth p 'j["bursts"][0]["count"]')" ] &&
    [ "$(pcn "$T/wx/bursts.pcap" 9001)" = "$(truth p 'j["bursts"][0]["count"]')" ] &&
    [ "$sz" -le 600000 ] 2>/dev/null && [ "$sz" = "$(lw_json "$T/wx/watch.json" 'j["written_bytes"]')" ] &&
    pcclean "$T/wx/bursts.pcap" &&
    [ "$(pctotal "$T/wx/bursts.pcap")" = "$(ev "$T/wx" 'sum(x["written_packets"] for x in e)')" ] &&
    [ "$(lw_json "$T/wx/watch.json" 'j["pcap_full"]')" = True ] &&
    ok "max-bytes 600000: 3 events described, pcap_full from the 2nd, burst 1 whole, the file $sz B = written_bytes, reads clean, = written_packets" ||
    nok "max-bytes: events $(ev "$T/wx" 'len(e)'), pcap_full $(ev "$T/wx" '[x["pcap_full"] for x in e]'), written $(ev "$T/wx" '[x["written_packets"] for x in e]'), pcap $sz B: $(pc "$T/wx/bursts.pcap" | paste -sd' ')"
else nok "max-bytes: lab-watch did not start: $(cat "$T/wx.err")"; fi

# ---- existing files, --force ----
mkdir -p "$T/o/old"
echo '{"event": 1, "old": true}' >"$T/o/old/events.jsonl"
sum0=$(sha256sum <"$T/o/old/events.jsonl")
timeout 20 ip netns exec "$NS_RX" "$WATCH" rcv0 --out "$T/o/old" --duration 1 >/dev/null 2>"$T/logs/old.err"; rc=$?
[ $rc = 2 ] && [ "$(sha256sum <"$T/o/old/events.jsonl")" = "$sum0" ] && [ "$(ls "$T/o/old")" = events.jsonl ] &&
  [ "$(wc -l <"$T/logs/old.err")" = 1 ] && ok "existing events.jsonl: exit 2, unchanged, nothing added: $(cat "$T/logs/old.err")" ||
  nok "existing events.jsonl: exit $rc, dir: $(ls "$T/o/old" | paste -sd' '), stderr: $(cat "$T/logs/old.err")"
mkdir -p "$T/o/old2" && echo '{}' >"$T/o/old2/watch.json"
timeout 20 ip netns exec "$NS_RX" "$WATCH" rcv0 --out "$T/o/old2" --duration 1 >/dev/null 2>"$T/logs/old2.err"; rc=$?
[ $rc = 2 ] && [ "$(cat "$T/o/old2/watch.json")" = "{}" ] && [ "$(ls "$T/o/old2")" = watch.json ] &&
  [ "$(wc -l <"$T/logs/old2.err")" = 1 ] && ok "existing watch.json alone: exit 2, unchanged, nothing added: $(cat "$T/logs/old2.err")" ||
  nok "existing watch.json: exit $rc, dir: $(ls "$T/o/old2" | paste -sd' '), stderr: $(cat "$T/logs/old2.err")"
timeout 20 ip netns exec "$NS_RX" "$WATCH" rcv0 --out "$T/o/old" --duration 1 --force -q >/dev/null 2>"$T/logs/force.err"; rc=$?
[ $rc = 0 ] && ! grep -q old "$T/o/old/events.jsonl" && [ "$(lw_json "$T/o/old/watch.json" 'j["stopped_by"]')" = duration ] &&
  [ ! -e "$T/o/old/bursts.pcap" ] && ok "--force --duration 1: exit 0, events.jsonl written over ($(wc -l <"$T/o/old/events.jsonl") lines), stopped_by duration, no pcap" ||
  nok "--force: exit $rc, $(ls "$T/o/old" | paste -sd' '), stopped_by '$(lw_json "$T/o/old/watch.json" 'j["stopped_by"]')': $(cat "$T/logs/force.err")"

# ---- bad input: exit code, one line naming the problem, nothing left ----
ip -n "$NS_RX" link add down0 type veth peer down1 || nok "down0"
echo x >"$T/o/afile"
bad_input() { # name codes word args...
  local name=$1 codes=$2 word=$3; shift 3
  local before after rc
  before=$(find "$T/o" /proc/lwtest 2>/dev/null | sort | md5sum)
  timeout 20 ip netns exec "$NS_RX" "$WATCH" "$@" >"$T/logs/$name.out" 2>"$T/logs/$name.err"; rc=$?
  after=$(find "$T/o" /proc/lwtest 2>/dev/null | sort | md5sum)
  case " $codes " in *" $rc "*) ;; *) nok "$name: exit $rc, want $codes: $(cat "$T/logs/$name.err")"; return ;; esac
  [ "$(wc -l <"$T/logs/$name.err")" = 1 ] && grep -qF -- "$word" "$T/logs/$name.err" ||
    { nok "$name: stderr is not one line naming '$word': $(cat "$T/logs/$name.err")"; return; }
  [ "$before" = "$after" ] || { nok "$name: something was left behind: $(find "$T/o" | paste -sd' ')"; return; }
  ok "$name: exit $rc, nothing left: $(cat "$T/logs/$name.err")"
}
mkdir -p "$T/o/ro" "$T/o/rodir" && chmod 555 "$T/o/ro" "$T/o/rodir" # root, but lab-watch gives up CAP_DAC_OVERRIDE
bad_input bad-filter 2 "udp dst port" rcv0 --filter 'udp dst port' --out "$T/o/n1/deeper"
bad_input no-iface 2 nosuch0 nosuch0 --out "$T/o/n2"
bad_input iface-down 1 down0 down0 --out "$T/o/n3"
bad_input out-proc "1 2" /proc/lwtest rcv0 --out /proc/lwtest/w
bad_input out-file "1 2" "$T/o/afile" rcv0 --out "$T/o/afile"
bad_input out-under-file "1 2" "$T/o/afile" rcv0 --out "$T/o/afile/w"
bad_input bad-window 2 window rcv0 --window-us abc --out "$T/o/n4"
bad_input out-readonly-parent "1 2" "$T/o/ro" rcv0 --out "$T/o/ro/w"
bad_input out-readonly-dir "1 2" "$T/o/rodir" rcv0 --out "$T/o/rodir"
[ "$(cat "$T/o/afile")" = x ] || nok "out-file: the file in the way was changed"

tap_done
