#!/usr/bin/env bash
# watch.sh — lab-watch finds exactly the bursts that were sent, and writes exactly their windows.
# gen_bursts.py writes a pcap (seeded): 200 pps of background (UDP dport 8000) over ~2 s and 4
# bursts of 600..2000 frames (60..1400 B, 2 us apart in the file) to dport 9001..9004, >= 400 ms
# apart, and their ground truth; tcpreplay sends it in its own timing from a namespace of its own;
# on the peer listen two lab-watch, TPACKET_V3 blocks (the default) and --immediate (TPACKET_V2;
# the snaplen by default the MTU + 64 in both: libpcap sizes slots and blocks from it), and tcpdump
# (the reference: an independent capture of the same interface, the same skb timestamps). Then,
# for each lab-watch (watch_check.py, every capture read with tshark):
#  - events.jsonl holds 4 events, each equal (packets, start_ns, end_ns, bytes, duration, window,
#    peak_pps, peak_bps) to a brute-force detector written from the contract's definition and run on
#    tcpdump's capture, each holding every packet of its burst; top_flows[0] is the burst's flow
#    with its count and bytes; the drops keys are there;
#  - bursts.pcap holds, per burst, exactly its packets; every background packet in it lies inside
#    some [start - before, end + after], every background packet tcpdump saw inside those margins
#    is in it (by sequence number), nothing else, nothing twice, each with tcpdump's timestamp;
#  - stderr: a 'started' and a 'done' line per event with the event's figures;
#  - watch.json: packets and bytes = tcpdump's, events, written_packets, stopped_by signal (SIGINT
#    to the first, SIGTERM to the second);
#    pcap_stats.drop printed (not asserted);
#  - lab-analyze DIR writes DIR/report.html (skipped with a note while lab-analyze does not know
#    watch directories).
# Parameters for a noisy 2-core VM: a 20 ms window, hot above 10000 pps (> 200 packets in it): the
# background (4 per window) would need a 1 s stall of tcpreplay to catch up into a hot window, a
# burst (>= 600 packets, sent in ~10-65 ms by tcpreplay) stays one burst unless tcpreplay stops for
# 20 ms in its middle.
#
#   netns lwNNNN-tx                     netns lwNNNN-rx
#   tcpreplay gen.pcap -> snd0 ------- rcv0 <- lab-watch --out w,
#                                                lab-watch --immediate --out wi,
#                                                tcpdump -w ref.pcap
set -u
. "$(dirname "$0")/lib.sh"
lw_require
lw_setup

WIN_US=20000 THR_PPS=10000 BEFORE_MS=20 AFTER_MS=20
python3 "$GEN" --seed "${SEED:-20}" --bursts 4 --sizes 600,2000 --out "$T/gen.pcap" --truth "$T/truth.json" \
  --src-mac $TX_MAC --dst-mac $RX_MAC || tap_bail "gen_bursts.py"
echo "generated: $(lw_json "$T/truth.json" '", ".join("burst %d: %d pkts %d B" % (b["burst"], b["count"], b["bytes"]) for b in j["bursts"])'), $(lw_json "$T/truth.json" 'j["background"]["count"]') background"

# one replay, watched by two lab-watch side by side: TPACKET_V3 blocks (the default) and --immediate
# (TPACKET_V2); 0 when the reference shows the bursts as generated
attempt() {
  local a=$1 w
  rm -rf "$T/w" "$T/wi" "$T/ref.pcap"
  lw_ref ref || tap_bail "tcpdump did not start: $(cat "$T/ref.err")"
  lw_watch w --window-us $WIN_US --threshold-pps $THR_PPS --before-ms $BEFORE_MS --after-ms $AFTER_MS ||
    tap_bail "lab-watch did not get ready: $(cat "$T/w.err")"
  W1=$WPID
  lw_watch wi --immediate --window-us $WIN_US --threshold-pps $THR_PPS --before-ms $BEFORE_MS --after-ms $AFTER_MS ||
    tap_bail "lab-watch --immediate did not get ready: $(cat "$T/wi.err")"
  W2=$WPID
  lw_replay "$T/gen.pcap" || nok "tcpreplay failed: $(cat "$T/replay.log")"
  echo "tcpreplay ($a): $(grep -E 'Actual|Successful|Failed' "$T/replay.log" | tr -s ' \t' ' ' | paste -sd';')"
  sleep 0.5 # the last after-margin (20 ms) is long past; the reference's last packets are written
  for w in w:$W1:INT wi:$W2:TERM; do
    set -- ${w//:/ }
    lw_stop "$2" 5 "$3"
    [ "$STOP_RC" = 0 ] && ok "lab-watch $1: SIG$3, exit 0 in $STOP_MS ms" ||
      nok "lab-watch $1: SIG$3: exit $STOP_RC after $STOP_MS ms: $(tail -n 3 "$T/$1.err")"
  done
  lw_stop "$RPID" 5
  echo "tcpdump ($a): $(grep -E 'captured|received|dropped' "$T/ref.err" | paste -sd';')"
  python3 "$CHECK" reference --ref "$T/ref.pcap" --truth "$T/truth.json" --window-us $WIN_US --threshold-pps $THR_PPS ||
    return 1
  for w in w wi; do
    [ "$(lw_json "$T/$w/watch.json" 'j["pcap_stats"]["drop"]')" = 0 ] ||
      { echo "note: $w: libpcap dropped $(lw_json "$T/$w/watch.json" 'j["pcap_stats"]["drop"]') packets"; return 1; }
  done
}
# tcpreplay runs SCHED_FIFO when it can (a busy machine then delays the consumers, which have
# buffers, rather than the bursts' timing); when the timing was lost all the same (seen under
# stress-ng on both cores without chrt: a burst stretched below the threshold), or a lab-watch
# dropped packets (its kernel buffer overrun: pcap_stats.drop), the replay is done once more
# before lab-watch is judged on it
if attempt 1; then :
else
  echo "note: the replay was not a fair one (above): once more"
  attempt 2 || echo "note: the second replay was not fair either: the failures below may be the machine's load"
fi
for w in w wi; do
  echo "== lab-watch $([ $w = wi ] && echo --immediate || echo "(TPACKET_V3)"): stderr"
  sed 's/^/  /' "$T/$w.err" | head -n 20
  python3 "$CHECK" events --dir "$T/$w" --ref "$T/ref.pcap" --truth "$T/truth.json" --iface rcv0 --stderr "$T/$w.err" \
    --window-us $WIN_US --threshold-pps $THR_PPS --before-ms $BEFORE_MS --after-ms $AFTER_MS >"$T/check-$w.log" 2>&1
  crc=$?
  tap_lines "$w" <"$T/check-$w.log"
  [ $crc = 0 ] || grep -q '^not ok' "$T/check-$w.log" || nok "$w: watch_check.py failed: exit $crc"
done
[ "$(lw_json "$T/wi/watch.json" 'j["config"]["immediate"]')" = True ] && ok "wi: watch.json config.immediate true" ||
  nok "wi: config.immediate '$(lw_json "$T/wi/watch.json" 'j["config"]["immediate"]')'"
mtu=$(ip netns exec "$NS_RX" cat /sys/class/net/rcv0/mtu)
[ "$(lw_json "$T/wi/watch.json" 'j["snaplen"]')" = $((mtu + 64)) ] && [ "$(lw_json "$T/w/watch.json" 'j["snaplen"]')" = $((mtu + 64)) ] &&
  ok "snaplen: the default is the MTU + 64 ($((mtu + 64))) in both modes" ||
  nok "snaplen: --immediate $(lw_json "$T/wi/watch.json" 'j["snaplen"]') (MTU $mtu + 64?), default $(lw_json "$T/w/watch.json" 'j["snaplen"]')"

# lab-analyze on the directory (helper B's part)
if [ -x "$ANALYZE" ] && "$ANALYZE" --help 2>&1 | grep -q WATCH_DIR; then
  "$ANALYZE" "$T/w" >"$T/analyze.log" 2>&1; arc=$?
  [ $arc = 0 ] && [ -s "$T/w/report.html" ] && ok "lab-analyze DIR: report.html ($(stat -c %s "$T/w/report.html") B)" ||
    nok "lab-analyze DIR: exit $arc, report.html $( [ -s "$T/w/report.html" ] && echo present || echo missing): $(tail -n 3 "$T/analyze.log")"
else
  echo "note: lab-analyze does not know watch directories yet: report.html not checked"
fi

ip netns exec "$NS_RX" true 2>/dev/null && ! pgrep -f "$T/w" >/dev/null && ok "nothing of lab-watch left running" ||
  nok "a lab-watch process is still running"
tap_done
