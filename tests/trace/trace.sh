#!/usr/bin/env bash
# trace.sh LAB_TRACE LT_SPIN — lab-trace on this machine's cpus 0-1 (root, no lab needed):
#  1. records ~2 s while lt-spin, a task named lt-noise-N pinned to cpu 1, spins 300 us every
#     10 ms; check_trace.py reads the file and checks the header, every record's cpu and times,
#     the tick, softirqs, the lab's own tasks, and lt-noise-N's on-CPU time against its own
#     CPU clock; SIGINT stops it within 1 s;
#  2. SIGTERM: exit 0, a complete file;
#  3. kill -9: every program, link and map it had (read from /proc/PID/fdinfo) is gone, and
#     bpftool lists no lab-trace program;
#  4. without privilege: exit 3 and one line saying why (the run would go on without it);
#  5. a reader that falls behind (stopped for 1 s under ping -f): the loss is counted;
#  6. the default filter: no idle stay and no event under --min-event-ns in the file, both
#     counted in the stats, lt-noise-N's 300 us stays all there;
#  7. --drain after: asleep until the stop (one drain), nothing lost, the same checks as 6;
#     with a ring too small for it, the programs wake it early (counted) or the loss is counted;
#  8. --prog-stats: the programs' runs against /proc/softirqs and the events recorded.
# Cases 1 and 5 record everything (--min-event-ns 0 --keep-idle): what they count is the
# tracer's raw view, as before the filter existed.
# Skipped (tap_skip_all) when not root, fewer than 2 cpus, or BPF unavailable here.
set -u
. "$(dirname "$0")/../lib/tap.sh"
LAB_TRACE=${1:?lab-trace}
LT_SPIN=${2:?lt-spin}
CHECK="$(dirname "$0")/check_trace.py"
[ "$(id -u)" -eq 0 ] || tap_skip_all "needs root"
[ "$(nproc --all)" -ge 2 ] || tap_skip_all "needs cpus 0 and 1"
command -v bpftool >/dev/null || PATH=$PATH:/usr/sbin:/sbin
TMP=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$TMP"; }
trap cleanup EXIT

start() { # name [flags]: start lab-trace on cpus 0-1 into $TMP/name.evt, wait until attached
  local name=$1; shift
  rm -f "$TMP/$name.ready"
  "$LAB_TRACE" --cpus 0-1 --out "$TMP/$name.evt" --ready-file "$TMP/$name.ready" \
    --stats-json "$TMP/$name.json" "$@" >"$TMP/$name.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 200); do
    [ -f "$TMP/$name.ready" ] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  wait "$pid"; local rc=$?
  if [ $rc -eq 3 ]; then tap_skip_all "BPF unavailable here: $(cat "$TMP/$name.log")"; fi
  nok "lab-trace ($name) did not get ready (exit $rc): $(cat "$TMP/$name.log")"
  return 1
}

stop() { # signal: stop $pid, which must end within 1 s with exit 0
  local t0 t1 rc
  t0=$(date +%s%N)
  kill -"$1" "$pid"
  wait "$pid"; rc=$?
  t1=$(date +%s%N)
  [ $rc -eq 0 ] || nok "SIG$1: exit $rc: $(cat "$TMP/$name.log")"
  [ $(( (t1 - t0) / 1000000 )) -le 1000 ] || nok "SIG$1: took $(( (t1 - t0) / 1000000 )) ms to stop"
  [ $rc -eq 0 ] && ok "SIG$1 stopped it in $(( (t1 - t0) / 1000000 )) ms, exit 0"
}

# 1. known noise on cpu 1
comm="lt-noise-$RANDOM"
name=run
if start run --min-event-ns 0 --keep-idle; then
  taskset -c 1 "$LT_SPIN" --comm "$comm" --cpu 1 --spin-us 300 --period-ms 10 \
    --duration-ms 1500 >"$TMP/spin.json" || nok "lt-spin failed"
  sleep 0.3
  stop INT
  cat "$TMP/run.log"
  echo "# helper: $(cat "$TMP/spin.json")"
  check_lines "known noise" python3 "$CHECK" "$TMP/run.evt" "$TMP/spin.json" "$comm" 0,1
  check_lines "run stats" python3 - "$TMP/run.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
ok = s['events']['total'] > 0 and 'sched' in s['attached'] and s['lost'] == 0
print(('ok' if ok else 'not ok') + f": stats: {s['events']}, {s['events_per_s']:.0f} events/s, "
      f"lost {s['lost']}, attached {s['attached']}, skipped {s['skipped']}")
sys.exit(0 if ok else 1)
EOF
fi

# 2. SIGTERM
name=term
if start term; then
  sleep 0.5
  stop TERM
  python3 -c "
import struct,sys
h=open('$TMP/term.evt','rb').read(64)
sys.exit(0 if h[:8]==b'LABEVT\r\n' and struct.unpack_from('<I',h,20)[0]&1 else 1)" \
    && ok "SIGTERM: complete file" || nok "SIGTERM: the file is not complete"
fi

# 3. kill -9 leaves nothing
ids_of() { # kind (prog|link|map): the ids the process's fds hold
  for f in /proc/"$pid"/fdinfo/*; do sed -n "s/^${1}_id:[[:space:]]*\([0-9]*\)/\1/p" "$f" 2>/dev/null; done | sort -un
}
gone() { # kind id: the kernel freed it (give RCU and the deferred frees a moment)
  for _ in $(seq 60); do bpftool "$1" show id "$2" >/dev/null 2>&1 || return 0; sleep 0.05; done
  return 1
}
name=kill9
if start kill9; then
  progs=$(ids_of prog) links=$(ids_of link) maps=$(ids_of map)
  nprog=$(echo $progs | wc -w) nlink=$(echo $links | wc -w)
  [ "$nprog" -gt 0 ] && [ "$nlink" -gt 0 ] || nok "kill -9: no program or link found in /proc/$pid/fdinfo"
  kill -9 "$pid"; wait "$pid" 2>/dev/null
  left=""
  for id in $progs; do gone prog "$id" || left="$left prog:$id"; done
  for id in $links; do gone link "$id" || left="$left link:$id"; done
  for id in $maps; do gone map "$id" || left="$left map:$id"; done
  [ -z "$left" ] || nok "kill -9 left:$left"
  named=$(bpftool prog show 2>/dev/null | grep -cE ' name lt_(irq|sirq|nmi|switch|sv_)' || true)
  [ "$named" -eq 0 ] || nok "kill -9: bpftool still lists $named lab-trace programs"
  [ -z "$left" ] && [ "$named" -eq 0 ] &&
    ok "kill -9: its $nprog programs, $nlink links and $(echo $maps | wc -w) maps are gone"
fi

# 4. no privilege: exit 3, one line
if command -v setpriv >/dev/null; then
  setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
    "$LAB_TRACE" --cpus 0-1 --out "$TMP/unpriv.evt" --duration 1 >"$TMP/unpriv.out" 2>&1
  rc=$?
  lines=$(wc -l <"$TMP/unpriv.out")
  if [ $rc -eq 3 ] && [ "$lines" -eq 1 ] && [ ! -e "$TMP/unpriv.evt" ]; then
    ok "unprivileged: exit 3: $(cat "$TMP/unpriv.out")"
  else
    nok "unprivileged: exit $rc, $lines lines: $(cat "$TMP/unpriv.out")"
  fi
fi

# 5. a reader that falls behind: a 1 MiB ring, the reader stopped for 1 s under ping -f (a
#    NET_RX softirq per packet): what did not fit is counted, in the header and the stats
name=lost
if command -v ping >/dev/null && start lost --ring-mb 1 --duration 3 --min-event-ns 0; then
  timeout 2.5 ping -f -q 127.0.0.1 >/dev/null 2>&1 & ping_pid=$!
  sleep 0.3
  kill -STOP "$pid"; sleep 1; kill -CONT "$pid"
  wait "$ping_pid"; wait "$pid"; rc=$?
  check_lines "stalled reader" python3 - "$TMP/lost.evt" "$TMP/lost.json" "$rc" <<'EOF'
import json, struct, sys
hdr = open(sys.argv[1], 'rb').read(64)
lost_hdr, flags = struct.unpack_from('<Q', hdr, 56)[0], struct.unpack_from('<I', hdr, 20)[0]
s = json.load(open(sys.argv[2]))
ok = sys.argv[3] == '0' and flags & 1 and lost_hdr > 0 and lost_hdr == s['lost']
print(('ok' if ok else 'not ok') + f": a stalled reader: exit {sys.argv[3]}, {s['events']['total']} "
      f"events, lost {lost_hdr} in the header, {s['lost']} in the stats")
sys.exit(0 if ok else 1)
EOF
fi

# 6. and 7.: the filter, and draining after: lt-noise-N spins on cpu 1 while lab-trace records
spin_case() { # name: run the spinner under the lab-trace started as name, stop it, check
  comm="lt-noise-$RANDOM"
  taskset -c 1 "$LT_SPIN" --comm "$comm" --cpu 1 --spin-us 300 --period-ms 10 \
    --duration-ms 1500 >"$TMP/$1.spin.json" || nok "$1: lt-spin failed"
  sleep 0.3
  stop INT
  check_lines "$1" python3 "$CHECK" --filtered "$TMP/$1.json" "$TMP/$1.evt" "$TMP/$1.spin.json" "$comm" 0,1
}
name=filtered
start filtered && spin_case filtered
name=after
if start after --drain after --ring-mb 64; then
  spin_case after
  check_lines "drain after" python3 - "$TMP/after.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
ok = s.get('drain') == 'after' and s['drains'] == 1 and s['drains_early'] == 0 and s['lost'] == 0
print(('ok' if ok else 'not ok') + f": --drain after: {s['drains']} drain(s), {s['drains_early']} "
      f"early, lost {s['lost']}, {s['events']['total']} events")
sys.exit(0 if ok else 1)
EOF
fi
# a ring of 1 MiB under ping -f, drained only at the stop: the programs must wake the reader
# early (three quarters full), or what did not fit is counted as lost
name=valve
if command -v ping >/dev/null && start valve --drain after --ring-mb 1 --duration 2 --min-event-ns 0; then
  timeout 1.5 ping -f -q 127.0.0.1 >/dev/null 2>&1
  wait "$pid"
  check_lines "small ring" python3 - "$TMP/valve.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
ok = s['events']['total'] > 30000 and (s['drains_early'] > 0 or s['lost'] > 0)
print(('ok' if ok else 'not ok') + f": a 1 MiB ring drained after: {s['events']['total']} events, "
      f"{s['drains_early']} early drains, lost {s['lost']}")
sys.exit(0 if ok else 1)
EOF
fi

# 8. --prog-stats: each program's runs and time as the kernel counts them, its softirq programs'
#    runs against /proc/softirqs (the kernel's own count of softirqs on cpus 0-1, read around
#    lab-trace's whole life: every run is one of them) and against the softirq events recorded
#    (--min-event-ns 0: one per exit); bpf_stats_enabled as found afterwards
name=progstats
softirqs01() { awk 'NR > 1 {s += $2 + $3} END {print s}' /proc/softirqs; }
st0=$(cat /proc/sys/kernel/bpf_stats_enabled)
sq0=$(softirqs01)
if command -v ping >/dev/null && start progstats --prog-stats --min-event-ns 0 --duration 1.5; then
  timeout 1 ping -f -q 127.0.0.1 >/dev/null 2>&1
  wait "$pid"
  sq1=$(softirqs01)
  check_lines "prog-stats" python3 - "$TMP/progstats.json" "$((sq1 - sq0))" "$TMP/filtered.json" <<'EOF'
import json, sys
s, dsq = json.load(open(sys.argv[1])), int(sys.argv[2])
pr = s.get("programs") or {}
sin, sout = pr.get("lt_sirq_in", {}), pr.get("lt_sirq_out", {})
ok = bool(sin) and 0 < sin["runs"] <= dsq and s["events"]["softirq"] <= sout.get("runs", 0) <= dsq \
    and 0 < sin["ns"] and 0 < sin["ns_per_run"] < 100000 and "programs" not in json.load(open(sys.argv[3]))
print(('ok' if ok else 'not ok') + f": --prog-stats: softirq entry {sin.get('runs')} runs, "
      f"{sin.get('ns_per_run', 0):.0f} ns each; exit {sout.get('runs')}; recorded {s['events']['softirq']}; "
      f"/proc/softirqs {dsq}; without the flag no programs")
sys.exit(0 if ok else 1)
EOF
fi
[ "$(cat /proc/sys/kernel/bpf_stats_enabled)" = "$st0" ] && ok "bpf_stats_enabled $st0 as found" ||
  nok "bpf_stats_enabled $(cat /proc/sys/kernel/bpf_stats_enabled), found $st0"

tap_done
