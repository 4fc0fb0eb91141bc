/* attrib.h — tail attribution: which IRQ, softirq, NMI, task or hypervisor gap took the time of
 * each slow packet, on which core.
 *
 * Each core's time is cut into exclusive segments, each owned by the innermost thing running:
 * an NMI over an IRQ over a softirq over a task (an IRQ nested in another task's window is the
 * IRQ's time, not the task's). The core's occupant (the thread on it longest: the generator or
 * the poller) is the work itself, not a cause; the idle task is no cause either. A gap in a
 * spinning lab loop that no traced guest event covers is the hypervisor's (or the firmware's):
 * the rule of the kernel's osnoise tracer.
 *
 * A packet is slow when its RTT from the intended send time is above the threshold. Its legs run
 * on known cores: the generator's lateness and its send, the veth's softirq of both directions
 * and the receive on the generator's core (the veth runs a frame's receive on the core that sent
 * it: the kernel path's receive stamp, too, is taken there, so the generator's core is charged
 * over the whole RTT), the DUT's pickup, its time inside and its send on the DUT core. Since an open-loop packet
 * can wait behind earlier ones, its window on a core starts where its run of consecutive slow
 * packets started (at most LAB_ATTRIB_LOOKBACK_NS back): the stall that began the backlog is in
 * the window of every packet that waited behind it. Every segment overlapping the windows is
 * charged to the packet by overlap time; its top cause is the one with the most. A packet whose
 * charged time is under min_cover of its excess over the median is unattributed: never guessed.
 */
#ifndef LAB_ATTRIB_H
#define LAB_ATTRIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lab_events.h"
#include "rec.h"

#define LAB_ATTRIB_LOOKBACK_NS 10000000ull /* 10 ms */
#define LAB_STRIP_BINS 120 /* the report's time columns (LAB_HEAT_T) */
#define LAB_ZOOM_BINS 200  /* the worst second, 5 ms each */
#define LAB_ZOOM_MAX_PTS 50000
#define LAB_TAIL_DEFAULT_ABOVE_P50_NS 10000ull

enum lab_cause_kind { LAB_CAUSE_IRQ, LAB_CAUSE_SOFTIRQ, LAB_CAUSE_NMI, LAB_CAUSE_TASK,
		      LAB_CAUSE_HYPERVISOR, LAB_CAUSE_LAB, LAB_CAUSE_KINDS };

struct lab_cause {
	int core;
	enum lab_cause_kind kind;
	char name[24];
	uint64_t packets;    /* slow packets whose top cause this is */
	uint64_t touched;    /* slow packets it overlapped at all */
	uint64_t charged_ns; /* overlap with slow packets' windows, summed */
	uint64_t total_ns;   /* its exclusive time on the core over the whole trace */
	uint64_t count;      /* its events (segments merged) over the whole trace */
	uint32_t id;         /* its index before sorting (lab_slow.top refers to it) */
};

/* One slow packet: what it was charged to. */
struct lab_slow {
	uint32_t seq;
	uint64_t rtt_ns;     /* from the intended send time */
	uint64_t charged_ns; /* all its causes' overlap */
	uint64_t top_ns;     /* its top cause's */
	uint32_t top;        /* lab_cause.id of its top cause; UINT32_MAX when none overlapped */
	bool attributed;
};

struct lab_core_noise {
	int core;
	bool have_gaps;      /* a spinning loop logged its gaps on this core */
	double seconds;      /* span of the gap log */
	uint64_t gaps_1us, gaps_5us, gaps_10us;
	uint64_t max_gap_ns, gap_ns;
};

struct lab_attrib_opts {
	uint64_t threshold_ns; /* 0: the path's p50 + LAB_TAIL_DEFAULT_ABOVE_P50_NS */
	double min_cover;      /* share of a packet's excess over p50 the charged time must reach */
	int gen_cpu, dut_cpu;  /* -1: unknown */
	uint64_t span_start_ns, span_end_ns; /* what the trace covered (for noise per second) */
	uint64_t bin_t0_ns, bin_span_ns;      /* the report's time axis (0: no strips) */
};

/* Per core, per time bin, the exclusive time of each kind of cause (ns): the report's strips. */
typedef uint64_t lab_strip_t[LAB_CAUSE_KINDS];

struct lab_zoom_pt {
	uint64_t off_ns; /* intended send time - zoom_t0_ns */
	uint64_t rtt_ns;
	bool slow;
};

/* The legs of a packet, for what held the unattributed ones. */
enum lab_leg { LAB_LEG_LATE, LAB_LEG_TO_DUT, LAB_LEG_IN_DUT, LAB_LEG_FROM_DUT, LAB_LEG_UNSTAMPED,
	       LAB_LEGS };

struct lab_tail {
	uint64_t threshold_ns, p50_ns;
	uint64_t slow, attributed;
	uint64_t unattributed_by_leg[LAB_LEGS]; /* the leg that took the most of each one's RTT */
	struct lab_cause *causes; /* sorted: packets, then charged_ns, descending */
	size_t ncauses;
	uint32_t *by_id;          /* cause id -> index in causes */
	struct lab_slow *slow_list; /* every slow packet, in sequence order */
	struct lab_core_noise noise[2];
	int nnoise;
	int occupant_tid[2];
	char occupant[2][16];
	int strip_core[2];
	lab_strip_t strip[2][LAB_STRIP_BINS];
	/* the worst second (the most slow packets): its packets and strips */
	bool have_zoom;
	uint64_t zoom_t0_ns, zoom_slow;
	struct lab_zoom_pt *zoom_pts;
	size_t zoom_n;
	lab_strip_t zoom_strip[2][LAB_ZOOM_BINS];
};

/* Attribute the slow packets of recs[0..n) to events ev[0..nev). p50_ns: the RTT median from
 * the intended send time. Returns 0, or -1 (out of memory) with err set. */
int lab_attribute(const struct lab_rec *recs, size_t n, uint64_t p50_ns, const struct lab_evt *ev,
		  size_t nev, const struct lab_attrib_opts *o, struct lab_tail *out, char *err,
		  size_t errlen);
void lab_tail_free(struct lab_tail *t);
/* The top cause of a slow packet (NULL: nothing overlapped it). */
const struct lab_cause *lab_slow_top(const struct lab_tail *t, const struct lab_slow *s);

const char *lab_cause_kind_name(enum lab_cause_kind k);
/* "lateness", "gen_to_dut", "in_dut", "dut_to_gen", "unstamped" */
const char *lab_leg_name(enum lab_leg l);

#endif
