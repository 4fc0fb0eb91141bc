/* lab_events.h — the event files of tail attribution: what took a core's time while packets
 * flowed. Written by lab-trace (the kernel's irq, softirq, nmi and sched tracepoints, through
 * BPF) and by the lab's spinning loops (their gaps, --gap-log); read by lab-analyze.
 *
 * Layout (little-endian, the only byte order the lab's hosts use; checked on open):
 *   [struct lab_evt_hdr, 64 bytes] [struct lab_evt x N, 48 bytes each]
 * N is the file size's; a writer killed half-way leaves a readable file (a trailing partial
 * record is ignored and said). LAB_EVTF_COMPLETE is set in the header when the writer closed it.
 * All times are CLOCK_MONOTONIC nanoseconds (bpf_ktime_get_ns() reads the same clock), the one
 * clock of every other lab timestamp. Records are in no particular order.
 * Version 1. Any change of layout bumps LAB_EVT_VERSION.
 */
#ifndef LAB_EVENTS_H
#define LAB_EVENTS_H

#include <stdint.h>

#define LAB_EVT_MAGIC "LABEVT\r\n" /* 8 bytes */
#define LAB_EVT_VERSION 1

/* lab_evt.kind */
enum lab_evt_kind {
	LAB_EVT_IRQ = 1,     /* a hard IRQ handler: id = irq number, name = handler name */
	LAB_EVT_SOFTIRQ = 2, /* a softirq vector's run: id = vector (NET_RX = 3 ...), name = its name */
	LAB_EVT_NMI = 3,     /* an NMI handler: id 0, name "nmi" */
	LAB_EVT_TASK = 4,    /* a task on the CPU: id = tid, tgid, name = thread comm */
	LAB_EVT_GAP = 5,     /* a spinning lab loop did not run for this long: id = its pid */
	LAB_EVT_KIND_MAX = 5,
};

/* lab_evt.flags */
#define LAB_EVT_F_LAB  0x0001 /* TASK: the task belongs to a lab process (its process name is lab-*) */
#define LAB_EVT_F_IDLE 0x0002 /* TASK: the idle task (pid 0): kept out of causes */
#define LAB_EVT_F_OPEN 0x0004 /* the interval was still open when tracing stopped: end = stop time */

/* lab_evt_hdr.sources: what the writer recorded (absence of events of a kind means "none", not
 * "not looked at", only when its bit is set) */
#define LAB_EVTS_IRQ     0x0001
#define LAB_EVTS_SOFTIRQ 0x0002
#define LAB_EVTS_NMI     0x0004
#define LAB_EVTS_SCHED   0x0008
#define LAB_EVTS_GAPS    0x0010

/* lab_evt_hdr.flags */
#define LAB_EVTF_COMPLETE 0x1

struct lab_evt_hdr {
	char magic[8];
	uint32_t version;
	uint32_t hdr_len;      /* 64 */
	uint32_t rec_len;      /* 48 */
	uint32_t flags;
	uint32_t sources;
	uint32_t gap_threshold_ns; /* GAP records: the loop's threshold; lab-trace's files: its
				    * --min-event-ns (shorter events were counted, not recorded) */
	uint64_t start_ns;     /* what the file covers */
	uint64_t end_ns;       /* 0 until the writer closes it */
	uint64_t cpu_mask;     /* CPUs looked at (bit i = cpu i; cpus 0-63) */
	uint64_t lost;         /* events the writer could not record (ring buffer full, log full) */
};

struct lab_evt {
	uint64_t start_ns;
	uint64_t end_ns;
	uint32_t cpu;
	uint16_t kind;
	uint16_t flags;
	uint32_t id;
	uint32_t tgid;
	char name[16];         /* NUL-padded, not always NUL-terminated when 16 long */
};

_Static_assert(sizeof(struct lab_evt_hdr) == 64, "lab_evt_hdr is 64 bytes");
_Static_assert(sizeof(struct lab_evt) == 48, "lab_evt is 48 bytes");

#endif
