#!/bin/bash
# watch_report.sh — `lab-analyze DIR` on a lab-watch directory (no capture, no root): the page
# built from hand-written fixtures with known values (fixtures/watch-*), hostile strings
# escaped, events.jsonl alone after a kill, a corrupt line refused with its file and line and
# nothing written; and a run with watch/ (the synthetic run of lab-synth-run) getting summary.json
# `watch`, its summary.md line and the link from its report.html.
set -u
. "$(dirname "$0")/../lib/tap.sh"
B=${LAB_BUILD:?LAB_BUILD not set}
A="$B/analysis/lab-analyze"
S="$B/tests/analysis/lab-synth-run"
FX="$(cd "$(dirname "$0")" && pwd)/fixtures"
T=$(mktemp -d /tmp/lab-watchrep-XXXXXX)
trap 'rm -rf "$T"' EXIT

# check DESCRIPTION CMD...: a test that passes when CMD does

# expect CODE DESCRIPTION -- CMD...: exit code and, on failure, exactly one stderr line

has() { grep -qF -- "$2" "$1"; }

expect 0 "--help" -- "$A" --help
check "--help names the watch directory" quiet has "$T/out" "WATCH_DIR"

# ---- a whole watch: watch.json and events.jsonl (3 events) ----
cp -r "$FX/watch-basic" "$T/w"
expect 0 "watch directory" -- "$A" "$T/w"
check "one line: the report and the event count" quiet \
  test "$(cat "$T/out")" = "lab-analyze: $T/w/report.html (3 events)"
R="$T/w/report.html"
check "report.html written" quiet test -s "$R"
for s in "2025-11-30 05:20:01.000123456 UTC" "2025-11-30 05:20:02.500000001 UTC" \
         "2025-11-30 05:20:04.000000999 UTC"; do
  check "event start $s" quiet has "$R" "$s"
done
for s in "<td>412</td>" "<td>977</td>" "<td>250</td>" "350.0 µs" "1.200 ms"; do
  check "event figure $s" quiet has "$R" "$s"
done
for s in "198.18.0.1:4000" "198.19.0.1:5000" "[2001:2::1]:443" "[2001:2::2]:51000" "198.18.0.7" \
         "Other flows: 12 packets."; do
  check "top flow $s" quiet has "$R" "$s"
done
check "peak rate and Gbit/s" quiet has "$R" "<td>2780000</td><td>2.224</td>"
check "libpcap drops from watch.json" quiet has "$R" '<span class="nz">17</span> dropped'
check "ethtool drop counter highlighted" quiet grep -qE 'ethtool rx_fifo_errors</td><td class="nz">2<' "$R"
check "softnet per CPU: the CPU that dropped" quiet grep -qE '<td>3</td><td class="nz">7</td><td class="nz">1</td>' "$R"
check "zero counters not highlighted" quiet has "$R" "<td>ethtool rx_nobuf</td><td>0</td>"
check "context_cut marked" quiet has "$R" '<span class="mark">context_cut</span>'
check "pcap_full marked" quiet has "$R" '<span class="mark">pcap_full</span>'
check "after_cut marked" quiet has "$R" '<span class="mark">after_cut</span>'
check "unwritten packets said" quiet has "$R" "250 packets of its window not written"
check "peak in exponent form read" quiet has "$R" "<td>1500000</td><td>18.000</td>"
check "link to the pcap" quiet has "$R" '<a href="bursts.pcap">bursts.pcap</a>'
check "timeline SVG, one mark per event" quiet test "$(grep -c '<a href="#ev-[0-9]*"><rect' "$R")" -eq 3
check "wireshark line" quiet has "$R" "wireshark $T/w/bursts.pcap"
check "tshark line for event 1" quiet \
  has "$R" "frame.time_epoch &gt;= 1764480001.000123456 &amp;&amp; frame.time_epoch &lt;= 1764480001.000473456"
# the fixture's interface and filter carry markup: only escaped text may reach the page
check "hostile interface escaped" quiet has "$R" "dut0&lt;script&gt;alert(1)&lt;/script&gt;"
check "hostile filter escaped" quiet has "$R" "&lt;img src=x onerror=alert(2)&gt;"
check "no script or img element" quiet bash -c '! grep -qiE "<(script|img|iframe|link|object)" "$1"' _ "$R"
check "self-contained: nothing fetched" quiet bash -c '! grep -qiE "(src|href)=\"(https?:)?//" "$1"' _ "$R"
python3 - "$R" <<'EOF' && ok "report.html is well-formed (tags balanced)" || nok "report.html tags"
import html.parser, sys
class P(html.parser.HTMLParser):
    void = {"meta", "br", "line", "rect", "circle", "polyline", "img", "hr"}
    def __init__(self):
        super().__init__(); self.stack = []
    def handle_starttag(self, t, a):
        if t not in self.void: self.stack.append(t)
    def handle_startendtag(self, t, a): pass
    def handle_endtag(self, t):
        if t in self.void and (not self.stack or self.stack[-1] != t): return
        assert self.stack and self.stack[-1] == t, (t, self.stack[-5:])
        self.stack.pop()
p = P(); p.feed(open(sys.argv[1], encoding="utf-8").read()); p.close()
assert p.stack == [], p.stack
EOF

# a pcap name that is not a file of the directory is shown, never linked
cp -r "$FX/watch-basic" "$T/h"
sed -i '2s|"pcap":"bursts.pcap"|"pcap":"javascript:alert(3)\\"><b>x"|' "$T/h/events.jsonl"
expect 0 "hostile pcap name" -- "$A" "$T/h"
check "hostile pcap name not linked" quiet bash -c '! grep -qi "href=\"javascript" "$1"' _ "$T/h/report.html"
check "hostile pcap name escaped" quiet has "$T/h/report.html" "javascript:alert(3)&quot;&gt;&lt;b&gt;x"

# ---- killed: events.jsonl alone ----
cp -r "$FX/watch-killed" "$T/k"
expect 0 "events.jsonl without watch.json" -- "$A" "$T/k"
check "killed: 2 events" quiet has "$T/out" "(2 events)"
check "killed: the page says so" quiet has "$T/k/report.html" "No watch.json: this watch did not end"
check "killed: interrupted event marked" quiet has "$T/k/report.html" '<span class="mark">interrupted</span>'

# ---- watch.json alone (no event, no events.jsonl) ----
mkdir "$T/q"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["events"]=0; json.dump(d, open(sys.argv[2],"w"))' \
  "$FX/watch-basic/watch.json" "$T/q/watch.json"
expect 0 "watch.json without events" -- "$A" "$T/q"
check "no event: 0 events" quiet has "$T/out" "(0 events)"

# ---- corrupt input: one line naming file and line, exit 1, nothing written ----
cp -r "$FX/watch-corrupt" "$T/c"
expect 1 "torn line in events.jsonl" -- "$A" "$T/c"
check "the error names events.jsonl:2" quiet has "$T/err" "$T/c/events.jsonl:2:"
check "no report.html after a corrupt line" quiet test ! -e "$T/c/report.html"
check "no temporary file left" quiet bash -c '! ls "$1" | grep -q tmp' _ "$T/c"
cp -r "$FX/watch-basic" "$T/m"
sed -i '3s/"packets":250,//' "$T/m/events.jsonl"
cp "$R" "$T/m/report.html"
expect 1 "event line without packets" -- "$A" "$T/m"
check "the error names line 3 and the key" quiet grep -qF "$T/m/events.jsonl:3: not an event line: 'packets'" "$T/err"
check "an earlier report.html left as it was" quiet cmp -s "$R" "$T/m/report.html"
cp -r "$FX/watch-basic" "$T/j"
printf '[1, 2]\n' >>"$T/j/events.jsonl"
expect 1 "an array line" -- "$A" "$T/j"
check "the error names line 4" quiet has "$T/err" "events.jsonl:4: not an event line: not a JSON object"
cp -r "$FX/watch-basic" "$T/b"
printf '{"iface": "x",' >"$T/b/watch.json"
expect 1 "corrupt watch.json" -- "$A" "$T/b"
check "the error names watch.json" quiet has "$T/err" "$T/b/watch.json"
check "no report.html after a corrupt watch.json" quiet test ! -e "$T/b/report.html"
expect 2 "a watch directory takes no analysis flag" -- "$A" --window-us 50 "$T/w"

# ---- a run with watch/ (run --watch) ----
if ! "$S" "$T/run" 20000 >/dev/null 2>&1 || [ ! -e "$T/run/run.json" ]; then
  tap_bail "lab-synth-run wrote no run with run.json"
fi
mkdir "$T/run/watch"
cp "$FX/watch-basic/"* "$T/run/watch/"
expect 0 "run with watch/" -- "$A" "$T/run"
python3 - "$T/run/summary.json" <<'EOF' && ok "summary.json watch: events, packets, pcap_drop, dir" || nok "summary.json watch"
import json, sys
w = json.load(open(sys.argv[1]))["watch"]
assert w["events"] == 3 and w["packets"] == 123456 and w["pcap_drop"] == 17, w
assert w["dir"] == "watch" and w["complete"] is True and w["report"] == "watch/report.html", w
EOF
check "watch/report.html built with the run" quiet test -s "$T/run/watch/report.html"
check "summary.md: one line on the watch" quiet \
  test "$(grep -c '^Watch (run --watch' "$T/run/summary.md")" -eq 1
check "summary.md: its figures" quiet has "$T/run/summary.md" "3 events, 123456 packets seen, 17 libpcap drops"
check "the run's report links watch/report.html" quiet has "$T/run/report.html" '<a href="watch/report.html">'

# a killed watch in a run: events from events.jsonl, packets and drops unknown
rm -rf "$T/run/watch"
mkdir "$T/run/watch"
cp "$FX/watch-killed/events.jsonl" "$T/run/watch/"
expect 0 "run with a killed watch" -- "$A" "$T/run"
python3 - "$T/run/summary.json" <<'EOF' && ok "summary.json watch of a killed watch" || nok "killed watch in summary.json"
import json, sys
w = json.load(open(sys.argv[1]))["watch"]
assert w["events"] == 2 and w["packets"] is None and w["pcap_drop"] is None and w["dir"] == "watch", w
EOF

# a run without watch/ has no `watch` key
rm -rf "$T/run/watch"
expect 0 "run without watch/" -- "$A" "$T/run"
check "no watch key without watch/" quiet \
  python3 -c 'import json,sys; assert "watch" not in json.load(open(sys.argv[1]))' "$T/run/summary.json"
check "no watch link without watch/" quiet bash -c '! grep -q "watch/report.html" "$1"' _ "$T/run/report.html"

tap_done
