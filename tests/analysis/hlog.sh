#!/bin/bash
# hlog.sh — the hist/<path>.hlog files of lab-analyze read by another HdrHistogram implementation:
# the npm package hdr-histogram-js decodes every interval (hlog_decode.js), the total count must
# be the packets received and p50 / p99 / max the lab's exact figures within the histogram's
# precision. Two runs: lab-synth-run's (two paths, losses, a burst) and lab-hlog-synth's (values
# from 0 ns to 100 s, an empty second, single zeros, a partial last interval).
# Installs nodejs + npm (apt-get, as root) and the package (npm, into a temporary directory) when
# missing; skipped (tap_skip_all) when they cannot be had.
set -u
. "$(dirname "$0")/../lib/tap.sh"
B=${LAB_BUILD:?LAB_BUILD not set}
HERE=$(cd "$(dirname "$0")" && pwd)
A="$B/analysis/lab-analyze"
T=$(mktemp -d /tmp/lab-hlog-XXXXXX)
trap 'rm -rf "$T"' EXIT


if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  [ "$(id -u)" -eq 0 ] || tap_skip_all "node/npm missing and not root to install them"
  DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs npm >"$T/apt.log" 2>&1 ||
    tap_skip_all "apt-get install nodejs npm failed: $(tail -n 1 "$T/apt.log")"
fi
mkdir -p "$T/npm"
(cd "$T/npm" && timeout 300 npm install --no-audit --no-fund --silent hdr-histogram-js >"$T/npm.log" 2>&1) ||
  tap_skip_all "npm install hdr-histogram-js failed: $(tail -n 1 "$T/npm.log")"


"$B/tests/analysis/lab-synth-run" "$T/run" 300000 || tap_bail "lab-synth-run"
"$B/tests/analysis/lab-hlog-synth" "$T/edge" || tap_bail "lab-hlog-synth"
for run in run edge; do
  if "$A" "$T/$run" 2>"$T/err"; then ok "lab-analyze $run"; else nok "lab-analyze $run: $(cat "$T/err")"; continue; fi
  for f in "$T/$run"/hist/*.hlog; do
    p=$(basename "$f" .hlog)
    expect=""
    [ "$run" = edge ] && expect=1000,0,1000,1000,500 # lab-hlog-synth's seconds
    if EXPECT_COUNTS=$expect node "$HERE/hlog_decode.js" "$T/npm" "$f" "$T/$run/summary.json" "$p" >"$T/out" 2>&1; then
      ok "$run/$p: hdr-histogram-js agrees"
    else
      nok "$run/$p: hdr-histogram-js disagrees"
    fi
    sed 's/^/# /' "$T/out"
  done
done
# every analyzed path has its log, and a skipped one none
for want in run/kernel run/xdptx edge/kernel; do
  if [ -s "$T/${want%/*}/hist/${want#*/}.hlog" ]; then ok "wrote $want.hlog"; else nok "no $want.hlog"; fi
done
if [ -e "$T/run/hist/dpdk.hlog" ]; then nok "a skipped path has a log"; else ok "no log for the skipped dpdk"; fi
tap_done
