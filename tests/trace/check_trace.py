#!/usr/bin/env python3
"""check_trace.py [--filtered STATS_JSON] EVT SPIN_JSON COMM CPUS — judge a lab-trace event file (common/lab_events.h)
recorded while tests/trace/lt_spin ran as COMM: the header, every record's CPU and times, the
kinds present, the lab's own tasks flagged, and the helper's on-CPU time against what it
measured itself. With --filtered (lab-trace's default filter: no idle stays, nothing shorter
than --min-event-ns sent), the idle stays and the short events must be absent from the file and
counted in the stats instead. One line per check ("ok: ..." / "not ok: ..."); exit 1 when any failed."""
import json
import os
import platform
import struct
import sys

HDR = struct.Struct('<8sIIIIIIQQQQ')   # 64 bytes
REC = struct.Struct('<QQIHHII16s')     # 48 bytes
IRQ, SOFTIRQ, NMI, TASK = 1, 2, 3, 4
F_LAB, F_IDLE, F_OPEN = 1, 2, 4
S_IRQ, S_SOFTIRQ, S_SCHED = 1, 2, 8

fails = 0


def check(cond, what):
    global fails
    print(('ok: ' if cond else 'not ok: ') + what)
    if not cond:
        fails += 1


def read(path):
    data = open(path, 'rb').read()
    if len(data) < HDR.size:
        check(False, f'{path}: {len(data)} bytes, shorter than the header')
        sys.exit(1)
    h = dict(zip(('magic', 'version', 'hdr_len', 'rec_len', 'flags', 'sources', 'gap_thr',
                  'start', 'end', 'cpu_mask', 'lost'), HDR.unpack_from(data)))
    body = data[HDR.size:]
    recs = []
    for off in range(0, len(body) - len(body) % REC.size, REC.size):
        s, e, cpu, kind, flags, rid, tgid, name = REC.unpack_from(body, off)
        recs.append(dict(start=s, end=e, cpu=cpu, kind=kind, flags=flags, id=rid, tgid=tgid,
                         name=name.rstrip(b'\0').decode('utf-8', 'replace')))
    return h, recs, len(body) % REC.size


def check_header(h, trailing, cpus):
    check(h['magic'] == b'LABEVT\r\n' and h['version'] == 1 and h['hdr_len'] == 64
          and h['rec_len'] == 48, f"header: magic {h['magic']!r} version {h['version']}")
    check(h['flags'] & 1, 'header: complete (the writer closed it)')
    check(trailing == 0, f'no trailing partial record ({trailing} bytes)')
    want = S_IRQ | S_SOFTIRQ | S_SCHED
    check(h['sources'] & want == want, f"sources 0x{h['sources']:x} has irq, softirq and sched")
    mask = sum(1 << c for c in cpus)
    check(h['cpu_mask'] == mask, f"cpu_mask 0x{h['cpu_mask']:x} == 0x{mask:x}")
    check(0 < h['start'] < h['end'], f"start_ns {h['start']} < end_ns {h['end']}")
    check(h['lost'] == 0, f"lost {h['lost']}")


def check_records(h, recs, cpus):
    bad_cpu = [r for r in recs if r['cpu'] not in cpus]
    check(not bad_cpu, f'every record on cpus {cpus} ({len(bad_cpu)} elsewhere)')
    bad_order = [r for r in recs if r['start'] > r['end']]
    check(not bad_order, f'start <= end in every record ({len(bad_order)} not)')
    outside = [r for r in recs if r['start'] < h['start'] or r['end'] > h['end']]
    check(not outside, f"every record within the file's [start, end] ({len(outside)} outside)")
    bad_kind = [r for r in recs if r['kind'] not in (IRQ, SOFTIRQ, NMI, TASK)]
    check(not bad_kind, f'kinds irq/softirq/nmi/task only ({len(bad_kind)} others)')
    by = {k: [r for r in recs if r['kind'] == k] for k in (IRQ, SOFTIRQ, NMI, TASK)}
    check(len(by[SOFTIRQ]) > 0, f'{len(by[SOFTIRQ])} softirq records, names '
          f"{sorted(set(r['name'] for r in by[SOFTIRQ]))}")
    check(all(r['name'] for r in by[SOFTIRQ] + by[IRQ]), 'every irq and softirq record is named')
    check(len(by[IRQ]) > 0, f'{len(by[IRQ])} irq records, names '
          f"{sorted(set(r['name'] for r in by[IRQ]))[:12]}")
    if platform.machine() in ('x86_64', 'i686'):
        ticks = [r for r in by[IRQ] if r['name'] == 'local_timer']
        check(len(ticks) > 0, f'{len(ticks)} local_timer (tick) records, on cpus '
              f"{sorted(set(r['cpu'] for r in ticks))}")
    opens = [r for r in recs if r['flags'] & F_OPEN]
    check(all(r['end'] == h['end'] for r in opens), f'{len(opens)} open records end at the stop')
    idle = [r for r in by[TASK] if r['id'] == 0]
    if FILTERED is None:
        check(idle and all(r['flags'] & F_IDLE for r in idle), f'{len(idle)} idle records, flagged idle')
    else:
        check_filtered(h, recs, idle)
    me = [r for r in by[TASK] if r['name'] == 'lab-trace']
    check(me and all(r['flags'] & F_LAB for r in me), f'{len(me)} records of lab-trace itself, '
          'flagged lab')
    return by


FILTERED = None  # lab-trace's stats, with --filtered


def check_filtered(h, recs, idle):
    """The filter: what the file must not hold is counted in the stats instead."""
    f, min_ns = FILTERED['filtered'], FILTERED['min_event_ns']
    check(h['gap_thr'] == min_ns and min_ns > 0, f"header carries --min-event-ns {h['gap_thr']} "
          f"(stats {min_ns})")
    closed_idle = [r for r in idle if not r['flags'] & F_OPEN]  # open ones: from the state at stop
    check(not closed_idle, f'no idle stay in the file but those open at the stop ({len(closed_idle)} '
          f'closed, {len(idle) - len(closed_idle)} open)')
    check(f['idle']['count'] > 0 and f['idle']['ns'] > 0, f"idle stays counted: {f['idle']}")
    short = [r for r in recs if r['end'] - r['start'] < min_ns and not r['flags'] & F_OPEN]
    check(not short, f'no closed record shorter than {min_ns} ns ({len(short)})')
    counted = sum(f[k]['count'] for k in ('irq', 'softirq', 'nmi', 'task'))
    bound = all(f[k]['ns'] <= f[k]['count'] * min_ns for k in ('irq', 'softirq', 'nmi', 'task'))
    check(bound, f'{counted} short events counted, each under {min_ns} ns '
          f"({ {k: f[k]['count'] for k in ('irq', 'softirq', 'nmi', 'task')} })")


def check_helper(by, spin, comm):
    # the helper's own thread: built with ASan, LeakSanitizer's exit check runs in a clone
    # that carries the same name with a tid of its own (seen in the ASan pass)
    others = [r for r in by[TASK] if r['name'] == comm and r['id'] != spin['tid']]
    if others:
        print(f"# {len(others)} records of {comm} from other tids {sorted({r['id'] for r in others})}: "
              "not the helper's thread (a sanitizer's clone), left out")
    mine = [r for r in by[TASK] if r['name'] == comm and r['id'] == spin['tid']]
    check(mine and all(r['cpu'] == spin['cpu'] for r in mine),
          f"{len(mine)} task records of {comm}, all on cpu {spin['cpu']}")
    check(all(r['id'] == spin['tid'] and not r['flags'] & F_LAB for r in mine),
          f"{comm}: tid {spin['tid']}, not flagged lab")
    check(len(mine) >= 0.9 * spin['spins'], f"{comm}: {len(mine)} stays on the CPU for "
          f"{spin['spins']} spins (each one ends in a sleep)")
    # its CPU clock also counts some of each wakeup before the switch (the scheduler may start
    # the charge at the wakeup's clock update): a few tens of us per sleep in a VM, hence 20 %
    # only its stays inside the window its CPU clock covers [start_ns, end_ns]: before it the
    # process starts, after it it prints and exits (an ASan build's teardown takes 10-20 ms of
    # the same thread, seen by the trace and not by the clock read before it)
    w0, w1 = spin['start_ns'], spin['end_ns']
    on_ns = sum(max(0, min(r['end'], w1) - max(r['start'], w0)) for r in mine)
    cpu_ns = spin['cpu_ns']
    lo, hi = 0.8 * cpu_ns - 1e6, 1.2 * cpu_ns + 3e6
    check(lo <= on_ns <= hi, f'{comm}: on-CPU {on_ns / 1e6:.2f} ms by the trace, '
          f"{cpu_ns / 1e6:.2f} ms by its own CPU clock ({spin['spins']} spins, "
          f"{spin['spin_ns'] / 1e6:.2f} ms spinning); accepted {lo / 1e6:.2f}-{hi / 1e6:.2f} ms")


def main():
    global FILTERED
    args = sys.argv[1:]
    if args and args[0] == '--filtered':
        FILTERED = json.load(open(args[1]))
        args = args[2:]
    path, spin_path, comm, cpus = args[0], args[1], args[2], args[3]
    cpus = [int(c) for c in cpus.split(',')]
    spin = json.load(open(spin_path))
    h, recs, trailing = read(path)
    print(f'# {path}: {len(recs)} records, {os.path.getsize(path)} bytes, '
          f"{(h['end'] - h['start']) / 1e9:.2f} s")
    check_header(h, trailing, cpus)
    by = check_records(h, recs, cpus)
    check_helper(by, spin, comm)
    sys.exit(1 if fails else 0)


if __name__ == '__main__':
    main()
