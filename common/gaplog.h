/* gaplog.h — the gaps of a spinning loop: a loop that reads the clock every iteration and finds
 * more than the threshold since the last read did not run in between (an IRQ, another task, the
 * hypervisor). Each gap is kept in memory (no I/O on the hot path) and written at the end as
 * LAB_EVT_GAP records of an event file (lab_events.h); lab-analyze charges the gaps that no
 * traced kernel event explains to the hypervisor, the rule the kernel's osnoise tracer uses.
 * A loop that sleeps on purpose calls lab_gap_pause() first: the sleep is not a gap. An
 * iteration that did work (sent, received, reflected n packets) ends with lab_gap_work(): it is a
 * gap only when it took longer than LAB_GAP_WORK_NS plus LAB_GAP_WORK_PKT_NS a packet, far beyond
 * what its work takes (3-10 us a packet on the veth lab, softirqs included); a stall inside a
 * syscall is seen that way, at that coarser grain.
 * An idle iteration is a gap when it took more than the threshold beyond the cost of one system
 * call, measured at init (floor_ns): a busy-polling loop makes one on every idle iteration (the
 * RX wakeup that drives NAPI), and where a system call costs more than the threshold (1.2 us in
 * the PVM guests seen here, with PTI) every idle iteration would otherwise be a gap charged to
 * the hypervisor. */
#ifndef LAB_GAPLOG_H
#define LAB_GAPLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lab_events.h"

#define LAB_GAP_WORK_NS 50000ull
#define LAB_GAP_WORK_PKT_NS 20000ull

struct lab_gaplog {
	const char *path;    /* NULL: off */
	uint64_t thr_ns;
	uint64_t floor_ns;   /* one system call's cost here (the median of a few, at init) */
	uint64_t last_ns;    /* 0: paused */
	uint64_t start_ns;
	struct lab_evt *buf;
	size_t n, cap, max;
	uint64_t lost;       /* gaps beyond max */
	int cpu;
	uint32_t pid;
	char name[16];
};

/* Set up (nothing is allocated until the first gap; the system call's cost is measured when
 * path is set). path NULL leaves it off. */
void lab_gap_init(struct lab_gaplog *g, const char *path, uint64_t thr_ns, int cpu, const char *name);
void lab_gap_record(struct lab_gaplog *g, uint64_t from_ns, uint64_t to_ns);
/* Write the file (an event file with GAP records). Returns 0 or -errno; frees the memory. */
int lab_gap_finish(struct lab_gaplog *g);

static inline void lab_gap_tick(struct lab_gaplog *g, uint64_t now_ns)
{
	if (g->last_ns && now_ns - g->last_ns > g->thr_ns + g->floor_ns && g->path)
		lab_gap_record(g, g->last_ns, now_ns);
	g->last_ns = now_ns;
}

/* The end of an iteration that did work on n packets: a gap only when it took far longer. */
static inline void lab_gap_work(struct lab_gaplog *g, uint64_t now_ns, unsigned n)
{
	uint64_t thr = (g->thr_ns > LAB_GAP_WORK_NS ? g->thr_ns : LAB_GAP_WORK_NS) +
		       (uint64_t)n * LAB_GAP_WORK_PKT_NS;
	if (g->last_ns && now_ns - g->last_ns > thr && g->path)
		lab_gap_record(g, g->last_ns, now_ns);
	g->last_ns = now_ns;
}

static inline void lab_gap_pause(struct lab_gaplog *g)
{
	g->last_ns = 0;
}

#endif
