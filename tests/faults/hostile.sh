#!/usr/bin/env bash
# hostile.sh — lab-blast (AF_PACKET on gen0) sends the canned corpus's broken frames (IP, UDP
# and lab header broken each in its own way, not-lab kinds: ARP, TCP, fragments, other ports,
# ...) and random bytes to dut0's MAC while a real 3 s lab-gen run goes through each reflector:
# the reflector survives (exit 0 on SIGINT), every hostile frame is counted somewhere (the XDP
# program's passed/malformed, lab-dpdk's not_lab/malformed, for lab-kern the kernel's dut0
# receive counter), and the run's own packets are all accounted for (none lost, the reflector's
# lab count equal to what lab-gen sent).
#
#   netns ltNNNN-gen                               netns ltNNNN-dut
#   lab-gen --rate 2000 --duration 3 --stamp         reflector of PATH
#   lab-blast: corpus + random, AF_PACKET  ------->  (counts not_lab / malformed)
#   [gen0] <------------------- veth -------------------> [dut0]
set -u
. "$(dirname "$0")/lib.sh"
faults_require_root
netns_require_bin loadgen/lab-gen tests/faults/lab-blast
BLAST="$LAB_BUILD/tests/faults/lab-blast"
paths=$(faults_paths)
[ -n "$paths" ] || { echo "skip: no reflector built"; exit 77; }
"$LAB" up >/dev/null || { echo "not ok: setup/lab up"; exit 1; }
rx_packets() { ip -n "$NS_DUT" -s -j link show dut0 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])'; }

for path in $paths; do
  refl_start "$path" "$path" || { fail "$path: reflector did not start"; continue; }
  rx0=$(rx_packets)
  gen_start "$path" --rate 2000 --duration 3
  sleep 0.5
  ip netns exec "$NS_GEN" timeout -s KILL 30 "$BLAST" --iface gen0 --dst-mac 02:4c:42:00:00:02 \
    --rounds 20 --random 10 --gap-us 50000 --seed "$RANDOM" >"$T/$path.blast.json" 2>"$T/$path.blast.log" ||
    fail "$path: lab-blast failed: $(cat "$T/$path.blast.log")"
  gen_wait
  rx1=$(rx_packets)
  kill -0 $REFL_PID 2>/dev/null || fail "$path: the reflector died under hostile input: $(tail -n 3 "$T/$path.refl.log" | tr '\n' ' ')"
  refl_stop
  [ $REFL_RC -eq 0 ] || fail "$path: reflector exited $REFL_RC: $(tail -n 2 "$T/$path.refl.log" | tr '\n' ' ')"
  [ $GEN_RC -eq 0 ] || fail "$path: lab-gen exited $GEN_RC: $(tail -n 1 "$T/$path.gen.log")"
  gen_check "$path" zero
  python3 - "$path" "$T/$path.blast.json" "$T/$path.refl.json" "$T/$path.json" "$rx0" "$rx1" <<'PY' || fail "$path: hostile frames not all counted"
import json, sys
path, blast, refl, gen = sys.argv[1], *[json.load(open(f)) for f in sys.argv[2:5]]
drx = int(sys.argv[6]) - int(sys.argv[5])
h = blast["sent"]
bad = []
if blast["kinds"] < 12:
    bad.append("only %d broken kinds in the corpus (at least 12)" % blast["kinds"])
# the device saw every frame, lab and hostile (ARP/ND of its own may add a few)
if drx < h + gen["sent"]:
    bad.append("dut0 received %d frames, fewer than %d hostile + %d lab" % (drx, h, gen["sent"]))
if path in ("xsk", "xdptx"):
    b = refl["bpf"]
    where = "XDP program: lab %d passed %d malformed %d" % (b["lab"], b["passed"], b["malformed"])
    if b["malformed"] != blast["malformed"]:
        bad.append("the XDP program counted %d malformed, %d were sent" % (b["malformed"], blast["malformed"]))
    if b["passed"] + b["malformed"] < h:
        bad.append("the XDP program counted %d not-lab/malformed, %d hostile were sent" % (b["passed"] + b["malformed"], h))
    if b["lab"] != gen["sent"] or refl["reflected"] != gen["received"]:
        bad.append("lab %d / reflected %d, lab-gen sent %d / received %d" % (b["lab"], refl["reflected"], gen["sent"], gen["received"]))
elif path == "dpdk":
    where = "lab-dpdk: not_lab %d malformed %d reflected %d" % (refl["not_lab"], refl["malformed"], refl["reflected"])
    if refl["malformed"] != blast["malformed"]:
        bad.append("lab-dpdk counted %d malformed, %d were sent" % (refl["malformed"], blast["malformed"]))
    if refl["not_lab"] + refl["malformed"] < h:
        bad.append("lab-dpdk counted %d not_lab + malformed, %d hostile were sent" % (refl["not_lab"] + refl["malformed"], h))
    if refl["reflected"] != gen["received"]:
        bad.append("reflected %d, lab-gen received %d" % (refl["reflected"], gen["received"]))
else:
    # lab-kern sees only UDP to its port; the kernel counts the rest (dut0's receive counter)
    where = "lab-kern: %s; dut0 rx +%d" % ({k: refl.get(k) for k in ("received", "reflected", "malformed", "not_lab")}, drx)
print("# %s: hostile %d (%d malformed, %d not-lab, %d random; %d broken kinds); %s; gen sent %d received %d lost %d%s" %
      (path, h, blast["malformed"], blast["not_lab"], blast["random"], blast["kinds"], where,
       gen["sent"], gen["received"], gen["lost"], "" if not bad else " -- " + "; ".join(bad)))
sys.exit(1 if bad else 0)
PY
done
"$LAB" down >/dev/null 2>&1
lab_residue_empty "hostile"
[ $fails -eq 0 ] && echo "ok: hostile frames at $paths: no crash, all counted, lab packets all accounted for"
[ $fails -eq 0 ]
