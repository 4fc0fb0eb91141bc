#!/usr/bin/env bash
# hostile.sh — lab-blast (AF_PACKET on gen0) sends the canned corpus's broken frames (IP, UDP
# and lab header broken each in its own way, not-lab kinds: ARP, TCP, fragments, other ports,
# ...) and random bytes to dut0's MAC while a real 3 s lab-gen run goes through each reflector:
# the reflector survives (exit 0 on SIGINT), every hostile frame is counted somewhere (the XDP
# program's passed/malformed, lab-dpdk's not_lab/malformed, lab-kern's counters against what the
# kernel lets through to its socket, below), and the run's own packets are all accounted for
# (none lost, the reflector's lab count equal to what lab-gen sent).
# lab-kern reads a UDP socket: only what the kernel's IPv4/IPv6 and UDP receive checks let
# through to port 7777 reaches it. So for the kernel path AF_PACKET captures keep lab-blast's
# frames as they leave gen0 (every frame it says it sent must be there, as many corpus and random
# frames as it counted) and everything else as it arrives on dut0, and the expectation is
# computed from those bytes alone, by the kernel's rules (IP version, header length and
# checksum, total length, fragments, destination; UDP length, port and checksum) and the lab
# header's: lab-kern's received, malformed (by reason), not_lab and drops must equal it exactly.
# Every broken kind of the corpus carries a broken IP header or a UDP checksum that no longer
# matches its bytes, so none of them is read from the socket; so that malformed and not_lab are
# tested at all, UDP sockets in the generator's namespace also send datagrams the kernel does
# deliver (checksummed by it) with a broken lab header of each kind and one already reflected
# (not_lab), over IPv4 and IPv6.
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
[ -n "$paths" ] || tap_skip_all "no reflector built"
faults_up >/dev/null || tap_bail "setup/lab up --topology $FAULTS_TOPOLOGY"
rx_of() { # NS IF: its received packets
  ip -n "$1" -s -j link show "$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])'
}
rx_packets() { rx_of "$NS_DUT" "$LAB_DUT_IF"; }

# FAULTS_TOPOLOGY=forward (meson: faults-hostile-forward): the same hostile frames at dut0 while
# a run goes through each forwarder: it survives, the run loses nothing, none of the hostile
# frames comes out of gen1 (what gen1 received beyond lab-gen's own packets: a router's ARP/ND
# at most), and the forwarders that parse raw frames (xsk, dpdk, xdpfwd) count the corpus's
# malformed frames exactly as lab-blast sent them
if [ "$FAULTS_TOPOLOGY" = forward ]; then
  for path in $paths; do
    refl_start "$path" "$path" || { nok "$path: forwarder did not start"; continue; }
    g0=$(rx_of "$NS_GEN" "$LAB_GEN1_IF")
    gen_start "$path" --rate 2000 --duration 3
    sleep 0.5
    ip netns exec "$NS_GEN" timeout -s KILL 30 "$BLAST" --iface "$LAB_GEN_IF" --dst-mac "$LAB_DUT_MAC" \
      --rounds 20 --random 10 --gap-us 50000 --seed "$RANDOM" >"$T/$path.blast.json" 2>"$T/$path.blast.log" ||
      nok "$path: lab-blast failed: $(cat "$T/$path.blast.log")"
    gen_wait
    sleep 0.2
    g1=$(rx_of "$NS_GEN" "$LAB_GEN1_IF")
    kill -0 $REFL_PID 2>/dev/null || nok "$path: the forwarder died under hostile input: $(tail -n 3 "$T/$path.refl.log" | tr '\n' ' ')"
    refl_stop
    [ $REFL_RC -eq 0 ] || nok "$path: forwarder exited $REFL_RC: $(tail -n 2 "$T/$path.refl.log" | tr '\n' ' ')"
    [ $GEN_RC -eq 0 ] || nok "$path: lab-gen exited $GEN_RC: $(tail -n 1 "$T/$path.gen.log")"
    gen_check "$path" zero
    python3 - "$path" "$T/$path.blast.json" "$T/$path.refl.json" "$T/$path.json" "$g0" "$g1" <<'PY' || nok "$path: hostile frames forwarded or not counted"
import json, sys
path, blast, refl, gen = sys.argv[1], *[json.load(open(f)) for f in sys.argv[2:5]]
out = int(sys.argv[6]) - int(sys.argv[5])
bad = []
# gen1 received lab-gen's packets and at most a few of the router's own (ARP, ND)
extra = out - gen["received"]
if extra < 0 or extra > 10:
    bad.append("gen1 received %d frames, lab-gen's own %d: %d more came out of the DUT" % (out, gen["received"], extra))
mal = None
if path in ("xsk", "xdpfwd"):
    mal = refl.get("bpf", {}).get("malformed")
elif path == "dpdk":
    mal = refl.get("malformed")
if mal is not None and mal != blast["malformed"]:
    bad.append("the forwarder counted %s malformed, %d were sent" % (mal, blast["malformed"]))
print("# %s (forward): hostile %d (%d malformed, %d not-lab, %d random); gen1 received %d (lab-gen's %d); "
      "malformed counted %s; gen sent %d received %d lost %d%s" %
      (path, blast["sent"], blast["malformed"], blast["not_lab"], blast["random"], out, gen["received"], mal,
       gen["sent"], gen["received"], gen["lost"], "" if not bad else " -- " + "; ".join(bad)))
sys.exit(1 if bad else 0)
PY
  done
  "$LAB" down >/dev/null 2>&1 || nok "setup/lab down"
  lab_residue_empty "hostile (forward)"
  [ "$TAP_FAILS" -eq 0 ] && ok "hostile frames at the forwarders $paths: no crash, none forwarded, lab packets all accounted for"
  tap_done
  exit
fi

# cap.py IFACE in|out OUT READY: every frame arriving on (in) or leaving (out) IFACE,
# length-prefixed into OUT, until SIGTERM; then the frames kept and the socket's own drops
# (PACKET_STATISTICS) into OUT.stats
cat >"$T/cap.py" <<'PY'
import signal, socket, struct, sys
outgoing = sys.argv.pop(2) == "out"
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))  # ETH_P_ALL
s.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)  # SO_RCVBUFFORCE
s.bind((sys.argv[1], 0))
s.getsockopt(263, 6, 8)  # SOL_PACKET, PACKET_STATISTICS: reading resets it
stop = []
signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
s.settimeout(0.1)
open(sys.argv[3], "w").close()
n = 0
with open(sys.argv[2], "wb") as out:
    while True:
        try:
            f, addr = s.recvfrom(65535)
        except socket.timeout:
            if stop:
                break
            continue
        except InterruptedError:
            continue
        if (addr[2] == socket.PACKET_OUTGOING) != outgoing:
            continue
        out.write(struct.pack("<I", len(f)) + f)
        n += 1
pkts, drops = struct.unpack("II", s.getsockopt(263, 6, 8))
open(sys.argv[2] + ".stats", "w").write("%d %d\n" % (n, drops))
PY

# sockhostile.py ROUNDS: datagrams with a broken lab header (and one already reflected) from UDP
# sockets on port 7779, checksummed by the kernel, to LAB_DUT_V4 and LAB_DUT_V6 port 7777; prints
# how many of each kind it sent, as JSON
cat >"$T/sockhostile.py" <<'PY'
import json, os, socket, struct, sys, time
sys.path.insert(0, os.path.join(os.environ["LAB_ROOT"], "setup"))
from labctl import constants as lc
def hdr(magic=0x4C42, version=1, flags=0):
    return struct.pack("!HBBIQI", magic, version, flags, 7, 0, 0)
kinds = {  # name: (lab-kern's counter, payload)
    "lab_truncated": ("malformed", hdr()[:10]),
    "lab_magic": ("malformed", hdr(magic=0x4C43) + bytes(16)),
    "lab_version": ("malformed", hdr(version=9) + bytes(16)),
    "lab_flags": ("malformed", hdr(flags=0x80) + bytes(16)),
    "stamp_truncated": ("malformed", hdr(flags=0x01) + bytes(8)),
    "already_reflected": ("not_lab", hdr(flags=0x04) + bytes(16)),
}
sent = {k: 0 for k in kinds}
socks = [(socket.socket(socket.AF_INET, socket.SOCK_DGRAM), (lc.LAB_DUT_V4, lc.LAB_PORT_DUT)),
         (socket.socket(socket.AF_INET6, socket.SOCK_DGRAM), (lc.LAB_DUT_V6, lc.LAB_PORT_DUT))]
socks[1][0].setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
for so, _ in socks:
    so.bind(("", 7779))
for r in range(int(sys.argv[1])):
    for k, (_, payload) in kinds.items():
        for so, dst in socks:
            so.sendto(payload, dst)
            sent[k] += 1
    time.sleep(0.05)
print(json.dumps({"sent": sum(sent.values()), "by_kind": sent,
                  "malformed": sum(v for k, v in sent.items() if kinds[k][0] == "malformed"),
                  "not_lab": sum(v for k, v in sent.items() if kinds[k][0] == "not_lab")}))
PY

for path in $paths; do
  refl_start "$path" "$path" || { nok "$path: reflector did not start"; continue; }
  rx0=$(rx_packets)
  if [ "$path" = kernel ]; then
    rm -f "$T"/cap.*.ready
    ip netns exec "$NS_DUT" python3 "$T/cap.py" "$LAB_DUT_IF" in "$T/kernel.dut0.cap" "$T/cap.dut0.ready" 2>"$T/cap.dut0.log" &
    CAP_DUT=$!
    ip netns exec "$NS_GEN" python3 "$T/cap.py" "$LAB_GEN_IF" out "$T/kernel.gen0.cap" "$T/cap.gen0.ready" 2>"$T/cap.gen0.log" &
    CAP_GEN=$!
    for _ in $(seq 100); do
      [ -f "$T/cap.dut0.ready" ] && [ -f "$T/cap.gen0.ready" ] && break
      kill -0 $CAP_DUT $CAP_GEN 2>/dev/null || break
      sleep 0.05
    done
    [ -f "$T/cap.dut0.ready" ] && [ -f "$T/cap.gen0.ready" ] ||
      nok "kernel: the captures did not start: $(cat "$T"/cap.*.log)"
  fi
  gen_start "$path" --rate 2000 --duration 3
  sleep 0.5
  ip netns exec "$NS_GEN" timeout -s KILL 30 "$BLAST" --iface "$LAB_GEN_IF" --dst-mac "$LAB_DUT_MAC" \
    --rounds 20 --random 10 --gap-us 50000 --seed "$RANDOM" >"$T/$path.blast.json" 2>"$T/$path.blast.log" ||
    nok "$path: lab-blast failed: $(cat "$T/$path.blast.log")"
  if [ "$path" = kernel ]; then
    ip netns exec "$NS_GEN" timeout -s KILL 30 python3 "$T/sockhostile.py" 20 >"$T/kernel.sock.json" 2>"$T/kernel.sock.log" ||
      nok "kernel: the hostile datagrams were not sent: $(cat "$T/kernel.sock.log")"
  fi
  gen_wait
  rx1=$(rx_packets)
  kill -0 $REFL_PID 2>/dev/null || nok "$path: the reflector died under hostile input: $(tail -n 3 "$T/$path.refl.log" | tr '\n' ' ')"
  refl_stop
  if [ "$path" = kernel ]; then
    kill -TERM $CAP_DUT $CAP_GEN 2>/dev/null; wait $CAP_DUT; wait $CAP_GEN
    [ -f "$T/kernel.dut0.cap.stats" ] && [ -f "$T/kernel.gen0.cap.stats" ] ||
      nok "kernel: a capture failed: $(cat "$T"/cap.*.log)"
  fi
  [ $REFL_RC -eq 0 ] || nok "$path: reflector exited $REFL_RC: $(tail -n 2 "$T/$path.refl.log" | tr '\n' ' ')"
  [ $GEN_RC -eq 0 ] || nok "$path: lab-gen exited $GEN_RC: $(tail -n 1 "$T/$path.gen.log")"
  gen_check "$path" zero
  python3 - "$path" "$T/$path.blast.json" "$T/$path.refl.json" "$T/$path.json" "$rx0" "$rx1" "$T" <<'PY' || nok "$path: hostile frames not all counted"
import ipaddress, json, os, struct, sys
sys.path.insert(0, os.path.join(os.environ["LAB_ROOT"], "setup"))
from labctl import constants as lc
path, blast, refl, gen = sys.argv[1], *[json.load(open(f)) for f in sys.argv[2:5]]
drx = int(sys.argv[6]) - int(sys.argv[5])
T = sys.argv[7]
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
    # lab-kern sees only what the kernel delivers to UDP port 7777: the frames captured on dut0,
    # judged by the kernel's receive checks, then by the lab header
    GEN_MAC = bytes.fromhex(lc.LAB_GEN_MAC.replace(":", ""))
    DUT4, DUT6 = ipaddress.ip_address(lc.LAB_DUT_V4).packed, ipaddress.ip_address(lc.LAB_DUT_V6).packed
    def csum(b):
        if len(b) % 2:
            b += b"\0"
        s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
        while s >> 16:
            s = (s & 0xffff) + (s >> 16)
        return s
    def ip4_options_ok(o):  # the TLV structure must hold (EOL ends it, NOP is one byte)
        i = 0
        while i < len(o):
            if o[i] == 0:
                return True
            if o[i] == 1:
                i += 1
                continue
            if i + 1 >= len(o) or o[i + 1] < 2 or i + o[i + 1] > len(o):
                return False
            i += o[i + 1]
        return True
    def udp_payload(u, pseudo, v6):
        """what a socket on port 7777 reads of this UDP datagram (bytes), None when the kernel
        drops it, "sk_drop" when it queues it and drops it when the socket reads"""
        if len(u) < 8:
            return None
        ulen = struct.unpack("!H", u[4:6])[0]
        if ulen < 8 or ulen > len(u):
            return None
        u = u[:ulen]  # a UDP length shorter than the IP payload trims the datagram
        ck = struct.unpack("!H", u[6:8])[0]
        # the namespace's InCsumErrors: a bad checksum at any port, on arrival or when read
        if (ck == 0 and v6) or (ck != 0 and csum(pseudo + struct.pack("!HH", 17, ulen) + u) != 0xffff):
            csum_bad[0] += 1
        if struct.unpack("!H", u[2:4])[0] != lc.LAB_PORT_DUT:
            return None
        if ck == 0 and v6:
            return None  # IPv6 requires the checksum
        if ck != 0 and csum(pseudo + struct.pack("!HH", 17, ulen) + u) != 0xffff:
            # a datagram of up to 76 bytes (CHECKSUM_BREAK) is checked on arrival; a longer
            # one when it is read: it is queued, then dropped and counted in the socket's
            # sk_drops, which lab-kern reports as drops.socket_rxq_ovfl
            return "sk_drop" if ulen > 76 else None
        return u[8:]
    def delivered(f):
        if len(f) < 14:
            return None
        et, p = struct.unpack("!H", f[12:14])[0], f[14:]
        if et == 0x0800:  # IPv4
            if len(p) < 20 or p[0] >> 4 != 4:
                return None
            ihl = (p[0] & 15) * 4
            if ihl < 20 or len(p) < ihl or csum(p[:ihl]) != 0xffff:
                return None
            tot = struct.unpack("!H", p[2:4])[0]
            if tot < ihl or tot > len(p) or not ip4_options_ok(p[20:ihl]):
                return None
            p = p[:tot]
            if p[16:20] != DUT4 or struct.unpack("!H", p[6:8])[0] & 0x3fff or p[9] != 17:
                return None  # not to the DUT, a fragment (never completed here), not UDP
            return udp_payload(p[ihl:], p[12:20], False)
        if et == 0x86DD:  # IPv6; an extension header before UDP counts as not delivered
            if len(p) < 40 or p[0] >> 4 != 6:
                return None
            plen = struct.unpack("!H", p[4:6])[0]
            if 40 + plen > len(p) or p[24:40] != DUT6 or p[6] != 17:
                return None
            return udp_payload(p[40:40 + plen], p[8:40], True)
        return None  # ARP, VLAN-tagged (dut0 has no VLAN device), anything else
    def lab_verdict(d):  # the lab header's checks (common/lab_wire.h)
        if len(d) < 20:
            return "lab_truncated"
        magic, version, flags = struct.unpack("!HBB", d[:4])
        if magic != 0x4C42:
            return "lab_magic"
        if version != 1:
            return "lab_version"
        if flags & ~0x07:
            return "lab_flags"
        if flags & 0x01 and len(d) < 36:
            return "stamp_truncated"
        return "already_reflected" if flags & 0x04 else "ok"
    def sport(f):
        o = 14 + (f[14] & 15) * 4 if len(f) > 14 else len(f)
        if f[12:14] == b"\x08\x00" and len(f) >= o + 8:
            return struct.unpack("!H", f[o:o + 2])[0]
        if f[12:14] == b"\x86\xdd" and len(f) >= 14 + 40 + 8:
            return struct.unpack("!H", f[54:56])[0]
        return None
    def frames_of(name):
        try:
            ncap, capdrops = map(int, open(os.path.join(T, "kernel.%s.cap.stats" % name)).read().split())
            data = open(os.path.join(T, "kernel.%s.cap" % name), "rb").read()
        except (OSError, ValueError) as e:
            print("# kernel: no capture on %s to check against: %s" % (name, e))
            sys.exit(1)
        frames, off = [], 0
        while off < len(data):
            n = struct.unpack_from("<I", data, off)[0]
            frames.append(data[off + 4:off + 4 + n])
            off += 4 + n
        if capdrops or ncap != len(frames):
            bad.append("the capture on %s lost %d frames (%d kept, %d read back): cannot check" %
                       (name, capdrops, ncap, len(frames)))
        return frames
    try:
        sock = json.load(open(os.path.join(T, "kernel.sock.json")))
    except (OSError, ValueError) as e:
        print("# kernel: no count of the datagrams sent: %s" % e)
        sys.exit(1)
    # lab-blast's frames (the corpus's source MAC, or random bytes) as they left gen0; the rest
    # (lab-gen's, whose AF_XDP frames a capture on gen0 does not see, and the datagrams) on dut0
    blast_frames = [f for f in frames_of("gen0") if f[6:12] != GEN_MAC]
    dut_frames = [f for f in frames_of("dut0") if f[6:12] == GEN_MAC]
    exp = {"received": 0, "sk_drop": 0, "ok": 0, "already_reflected": 0}
    csum_bad = [0]
    blast_read = blast_queued = sock_seen = sock_delivered = 0
    for f in blast_frames + dut_frames:
        from_blast = f[6:12] != GEN_MAC
        from_sock = not from_blast and sport(f) == 7779
        sock_seen += from_sock
        d = delivered(f)
        if d is None:
            continue
        if d == "sk_drop":
            blast_queued += from_blast
            exp["sk_drop"] += 1
            continue
        sock_delivered += from_sock
        blast_read += from_blast
        exp["received"] += 1
        v = lab_verdict(d)
        exp[v] = exp.get(v, 0) + 1
    exp_malformed = {k: v for k, v in exp.items() if k not in ("received", "sk_drop", "ok", "already_reflected")}
    d = refl["drops"]
    where = ("lab-kern: received %d malformed %d %s not_lab %d reflected %d drops %s; expected from the bytes "
             "on the wire: received %d malformed %d not_lab %d udp_csum_errors %d (lab-blast's %d frames: %d read, "
             "%d queued and dropped on read; datagrams: %d sent, %d arrived, %d read); dut0 rx +%d" %
             (refl["received"], refl["malformed"], refl.get("malformed_by"), refl["not_lab"], refl["reflected"],
              d, exp["received"], sum(exp_malformed.values()), exp["already_reflected"], exp["sk_drop"],
              len(blast_frames), blast_read, blast_queued, sock["sent"], sock_seen, sock_delivered, drx))
    if len(blast_frames) != h:
        bad.append("lab-blast says it sent %d frames, %d left gen0" % (h, len(blast_frames)))
    ncorpus = sum(1 for f in blast_frames if f[6:12] == bytes.fromhex("020000000001"))  # canned_flow's
    if ncorpus != blast["malformed"] + blast["not_lab"] or len(blast_frames) - ncorpus != blast["random"]:
        bad.append("lab-blast counted %d corpus + %d random frames, %d + %d left gen0" %
                   (blast["malformed"] + blast["not_lab"], blast["random"], ncorpus, len(blast_frames) - ncorpus))
    if sock_seen != sock["sent"] or sock_delivered != sock["sent"]:
        bad.append("%d datagrams sent, %d arrived, %d judged delivered" % (sock["sent"], sock_seen, sock_delivered))
    if exp["ok"] != gen["sent"]:
        bad.append("%d good lab frames arrived, lab-gen sent %d" % (exp["ok"], gen["sent"]))
    if refl["received"] + d["udp_rcvbuf_errors"] != exp["received"]:
        bad.append("lab-kern received %d (+%d receive-buffer drops), the kernel delivered %d to port 7777" %
                   (refl["received"], d["udp_rcvbuf_errors"], exp["received"]))
    # the checksum failures are not the lab's packets: counted apart (drops_raw), never in the
    # drops the analysis subtracts from what was lost (which would make 'unaccounted' negative)
    raw = refl.get("drops_raw", {})
    if d["socket_rxq_ovfl"] != 0 or raw.get("udp_csum_errors") != csum_bad[0]:
        bad.append("lab-kern's socket_rxq_ovfl %d (want 0), udp_csum_errors %s: %d datagrams had a nok "
                   "checksum (%d of them queued and dropped on read)" %
                   (d["socket_rxq_ovfl"], raw.get("udp_csum_errors"), csum_bad[0], exp["sk_drop"]))
    if refl["malformed"] != sum(exp_malformed.values()):
        bad.append("lab-kern counted %d malformed, %d were delivered" % (refl["malformed"], sum(exp_malformed.values())))
    got_by = {k: v for k, v in refl.get("malformed_by", {}).items() if v}
    if got_by != exp_malformed:
        bad.append("lab-kern malformed_by %s, delivered %s" % (got_by, exp_malformed))
    if refl["not_lab"] != exp["already_reflected"] or \
            refl.get("not_lab_by", {}).get("already_reflected") != exp["already_reflected"]:
        bad.append("lab-kern counted not_lab %d (%s), %d already-reflected datagrams were delivered" %
                   (refl["not_lab"], refl.get("not_lab_by"), exp["already_reflected"]))
    if refl["reflected"] != gen["received"]:
        bad.append("reflected %d, lab-gen received %d" % (refl["reflected"], gen["received"]))
print("# %s: hostile %d (%d malformed, %d not-lab, %d random; %d broken kinds); %s; gen sent %d received %d lost %d%s" %
      (path, h, blast["malformed"], blast["not_lab"], blast["random"], blast["kinds"], where,
       gen["sent"], gen["received"], gen["lost"], "" if not bad else " -- " + "; ".join(bad)))
sys.exit(1 if bad else 0)
PY
done
"$LAB" down >/dev/null 2>&1
lab_residue_empty "hostile"
[ "$TAP_FAILS" -eq 0 ] && ok "hostile frames at $paths: no crash, all counted, lab packets all accounted for"
tap_done
