#!/usr/bin/env bash
# privs.sh — least privilege and scope. While each long-running binary works, every one of its
# threads has exactly the capabilities its cleanup needs (CapEff in /proc/PID/task/*/status):
# lab-xsk, lab-dpdk and lab-gen (xsk backend) CAP_NET_ADMIN (detaching XDP), lab-gen (udp),
# lab-kern and lab-analyze --sample-softnet none. Destinations outside 198.18.0.0/15 and 2001:2::/48
# are refused before anything is sent; lab-gen, lab-xsk and lab-dpdk refuse an interface
# outside the lab namespaces without --hw; every file they write (records, JSON, pcap, softnet,
# a whole `lab-analyze RESULTS_DIR`) is 0644 or tighter even under umask 0.
#
#   netns ltNNNN-gen                               netns ltNNNN-dut
#   lab-gen (xsk | udp)                             lab-xsk | lab-dpdk
#   [gen0] <------------------- veth -------------------> [dut0]
#   host (initial netns): lab-xsk/lab-dpdk/lab-gen on lo -> refused
set -u
. "$(dirname "$0")/lib.sh"
faults_require_root
netns_require_bin loadgen/lab-gen analysis/lab-analyze
umask 000  # the binaries must not rely on the caller's umask for safe modes
"$LAB" up >/dev/null || tap_bail "setup/lab up"
NET_ADMIN=0000000000001000

# caps_of PID WANT WHAT: every thread's CapEff is WANT
caps_of() {
  local bad
  bad=$(grep -H '^CapEff' /proc/$1/task/*/status 2>/dev/null | grep -v "$2\$")
  [ -n "$(ls /proc/$1/task 2>/dev/null)" ] || { nok "$3: not running"; return; }
  [ -z "$bad" ] || nok "$3: threads with other capabilities than $2: $(echo "$bad" | tr '\n' ' ')"
  echo "# $3: $(ls /proc/$1/task | wc -l) thread(s), CapEff $(awk '/^CapEff/{print $2}' /proc/$1/status)"
}

for path in xsk dpdk; do
  [ "$path" = xsk ] && [ ! -x "$XSK" ] && continue
  [ "$path" = dpdk ] && [ ! -x "$DPDK" ] && continue
  refl_start "$path" "p.$path" || { nok "$path: did not start"; continue; }
  caps_of $REFL_PID $NET_ADMIN "lab-$path"
  for be in xsk udp; do
    [ $be = xsk ] && [ ! -x "$XSK" ] && continue
    gen_start "p.$path.$be" --backend $be --rate 1000 --duration 2 --capture "$T/p.$path.$be.pcap" --capture-latency-us 1
    sleep 1
    gpid=$(pgrep -P $GEN_PID -x lab-gen)
    if [ $be = xsk ]; then want=$NET_ADMIN; else want=0000000000000000; fi
    caps_of "$gpid" $want "lab-gen --backend $be"
    gen_wait
    [ $GEN_RC -eq 0 ] || nok "lab-gen --backend $be exited $GEN_RC: $(tail -n 1 "$T/p.$path.$be.gen.log")"
    gen_check "p.$path.$be" zero
  done
  refl_stop
  [ $REFL_RC -eq 0 ] || nok "lab-$path: exited $REFL_RC with capabilities dropped: $(tail -n 2 "$T/p.$path.refl.log" | tr '\n' ' ')"
  ip -n "$NS_DUT" link show "$LAB_DUT_IF" | grep -q 'prog/xdp' && nok "lab-$path left its XDP program (detach needs the kept CAP_NET_ADMIN)"
done

# lab-kern: once its socket is set up it needs no capability at all (nothing to detach)
if [ -x "$KERN" ]; then
  if refl_start kernel p.kernel; then
    caps_of $REFL_PID 0000000000000000 "lab-kern --mode busy-poll"
    gen_start "p.kernel.udp" --backend udp --rate 1000 --duration 1
    gen_wait
    [ $GEN_RC -eq 0 ] || nok "lab-gen against lab-kern exited $GEN_RC: $(tail -n 1 "$T/p.kernel.udp.gen.log")"
    gen_check "p.kernel.udp" zero
    refl_stop
    [ $REFL_RC -eq 0 ] || nok "lab-kern: exited $REFL_RC with capabilities dropped: $(tail -n 2 "$T/p.kernel.refl.log" | tr '\n' ' ')"
  else
    nok "kernel: did not start"
  fi
fi

"$ANALYZE" --sample-softnet "$T/softnet.txt" --interval-ms 50 --duration 3 >"$T/softnet.log" 2>&1 &
spid=$!
sleep 0.5
caps_of $spid 0000000000000000 "lab-analyze --sample-softnet"
kill -INT $spid; wait $spid || nok "lab-analyze --sample-softnet failed: $(cat "$T/softnet.log")"

# destinations outside the benchmarking ranges: refused (exit 2), nothing sent from gen0
tx0=$(ip -n "$NS_GEN" -s -j link show "$LAB_GEN_IF" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["packets"])')
for dst in 192.0.2.1 10.0.0.1 8.8.8.8 198.20.0.1 2001:db8::1 2001:3::1 ::1; do
  out=$(ip netns exec "$NS_GEN" "$GEN" --dst "$dst" --count 10 --backend udp 2>&1); rc=$?
  [ $rc -eq 2 ] && echo "$out" | grep -q "refused" || nok "lab-gen --dst $dst: exit $rc, not refused: $out"
  out=$(ip netns exec "$NS_GEN" "$GEN" --dst "$dst" --allow-dst --count 10 --backend udp 2>&1); rc=$?
  [ $rc -eq 2 ] || nok "lab-gen --dst $dst --allow-dst without --hw: exit $rc: $out"
done
tx1=$(ip -n "$NS_GEN" -s -j link show "$LAB_GEN_IF" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["packets"])')
[ "$tx1" -le $((tx0 + 4)) ] || nok "gen0 sent $((tx1 - tx0)) frames while every destination was refused"
echo "# 7 outside destinations refused, gen0 tx +$((tx1 - tx0)) (ND/ARP at most)"

# interfaces outside the lab namespaces (here: the host's lo) without --hw: refused, exit 2
check_scope() { # what cmd...
  local what=$1 out rc; shift
  out=$(timeout -s KILL 30 "$@" 2>&1); rc=$?
  [ $rc -eq 2 ] && echo "$out" | grep -q "outside the lab" || nok "$what on the host's lo: exit $rc, not refused: $out"
}
check_scope lab-gen "$GEN" --iface lo --count 1 --backend udp
[ -x "$XSK" ] && check_scope lab-xsk "$XSK" --iface lo --duration 1
[ -x "$DPDK" ] && check_scope lab-dpdk "$DPDK" --iface lo --duration 1 --prefix "$LLAB_PREFIX"
[ -x "$KERN" ] && { out=$(timeout 30 "$KERN" --iface lo --duration 1 2>&1); rc=$?; [ $rc -eq 2 ] || nok "lab-kern on the host's lo: exit $rc: $out"; }
# --hw with something that is not a NIC: refused too
[ -x "$XSK" ] && { out=$(ip netns exec "$NS_DUT" "$XSK" --hw --duration 1 2>&1); [ $? -eq 2 ] || nok "lab-xsk --hw on a veth: not refused: $out"; }

# file modes: everything written above, and a whole results dir rebuilt by lab-analyze, which
# must succeed and write its files: a failed analysis would leave nothing of its own to check
mkdir -p "$T/run/records" "$T/run/gen"
rec=$(ls "$T"/p.xsk.udp.rec "$T"/p.*.rec 2>/dev/null | head -n 1)
if [ -z "$rec" ]; then
  nok "no record file from the lab-gen runs above to analyze"
else
  cp "$rec" "$T/run/records/xsk.rec"
  [ -f "${rec%.rec}.json" ] && cp "${rec%.rec}.json" "$T/run/gen/xsk.json"
  "$ANALYZE" "$T/run" >"$T/analyze.log" 2>&1 || nok "lab-analyze RESULTS_DIR exited $?: $(tail -n 2 "$T/analyze.log" | tr '\n' ' ')"
fi
for f in summary.json summary.md report.html softnet.csv; do
  [ -f "$T/run/$f" ] || nok "lab-analyze RESULTS_DIR did not write $f"
done
# (the *.log files are the shell's own redirections, under its umask 000: not checked; every
# file of the results dir is)
written() { find "$T" -type f \( -path "$T/run/*" -o -name '*.rec' -o -name '*.json' -o -name '*.pcap' -o -name '*.txt' -o -name '*.md' -o -name '*.html' -o -name '*.csv' \) "$@"; }
nfiles=$(written | wc -l)
nanalyze=$(find "$T/run" -type f ! -path "$T/run/records/*" ! -path "$T/run/gen/*" | wc -l)
[ "$nfiles" -gt 0 ] || nok "file modes: no file was checked"
[ "$nanalyze" -ge 4 ] || nok "file modes: only $nanalyze file(s) of lab-analyze's own were checked"
loose=$(written -perm /0022 -printf '%m %p\n')
[ -z "$loose" ] || nok "group/world-writable files: $(echo "$loose" | sort -u | tr '\n' ' ')"
echo "# files written under umask 000: $nfiles ($nanalyze by lab-analyze RESULTS_DIR), modes: $(written -printf '%m\n' | sort | uniq -c | tr '\n' ' ')"
"$LAB" down >/dev/null 2>&1
lab_residue_empty "privs"
[ "$TAP_FAILS" -eq 0 ] && ok "capabilities dropped to what cleanup needs, outside destinations and interfaces refused, files 0644 or tighter"
tap_done
