/* analyze.h — everything lab-analyze derives from one path of a run: the record file's counts,
 * exact percentiles, the one-way split, microbursts, drops, and the binned series the report
 * draws. analyze.c computes it; summary.c and report.c write it out. */
#ifndef LAB_ANALYZE_H
#define LAB_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attrib.h"
#include "bootci.h"
#include "bursts.h"
#include "rec.h"
#include "select.h"
#include "softnet.h"
#include "stamps.h"

#define LAB_MAX_DROPS 64
#define LAB_HEAT_T 120      /* heat map: time columns */
#define LAB_HEAT_L 48       /* heat map: latency rows, 6 per decade from 100 ns */
#define LAB_HEAT_L_MIN_NS 100.0
#define LAB_RATE_BINS 240   /* rate timeline bins */
#define LAB_BURSTS_LISTED 50 /* bursts listed one by one in summary.json */
#define LAB_BURST_PCAP_MAX 2000000 /* packets written to bursts/<path>.pcap at most */

struct lab_drop {
	char name[64];
	uint64_t value;
	bool in_sum; /* counted in `unaccounted` (events that are not packets are not) */
};

struct lab_analyze_opts {
	uint64_t window_ns;     /* 0: default from the offered rate */
	double threshold_pps;   /* 0: default */
	bool write_pcap;
	/* tail attribution (attrib.h) */
	uint64_t tail_threshold_ns; /* 0: the path's p50 + 10 µs */
	double tail_min_cover;      /* 0: 0.5 */
	int gen_cpu, dut_cpu;       /* from run.json; -1 unknown */
};

struct lab_path {
	char name[32];
	bool skipped;
	char reason[512];

	struct lab_rec_hdr hdr;
	bool complete, stamped_run;
	uint64_t cut_bytes;       /* not complete: a partial last record's bytes, left out */
	uint64_t records, sent, received, lost, reordered, duplicated, send_failed, stamped;
	double duration_s, offered_pps, achieved_pps;
	struct lab_pct rtt, rtt_actual, to_dut, in_dut, from_dut;
	struct lab_ci95 rtt_ci95, rtt_actual_ci95; /* block bootstrap (bootci.h, path_ci.c) */
	bool jitter_done;         /* jitter_rfc3550_ns set; PDV is rtt_actual less its min */
	double jitter_rfc3550_ns; /* RFC 3550 J over arrival order (jitter.c) */

	struct lab_drop drops[LAB_MAX_DROPS];
	size_t ndrops;
	bool have_counters, have_softnet;
	int64_t unaccounted;
	int64_t in_flight; /* lab-gen's in_flight_at_stop, -1 when unknown */
	struct sn_series softnet;

	/* microbursts on the primary series: DUT arrivals when stamped, else the generator's */
	struct lab_burst_cfg bcfg;
	const char *burst_series; /* "dut_rx" | "recv" */
	struct lab_burst *bursts;
	size_t nbursts, nbursts_dut, nbursts_gen;
	uint64_t burst_packets;
	struct lab_pct rtt_in_burst, rtt_out_burst;
	char pcap_rel[96];       /* bursts/<path>.pcap, or "" when none was written */
	const char *pcap_frames; /* "capture" | "reconstructed" */
	uint64_t pcap_packets;

	/* for the report */
	uint64_t t0_ns, span_ns; /* time base of the binned series (intended send times) */
	uint32_t heat[LAB_HEAT_T][LAB_HEAT_L];
	uint32_t rate_dut[LAB_RATE_BINS], rate_gen[LAB_RATE_BINS];

	/* tail attribution: trace/<path>.evt and gaps/<path>.*.gap (tail.c) */
	bool tail_on;
	char tail_why[640];       /* why there is none, when !tail_on */
	struct lab_tail tail;
	uint64_t tail_events, tail_lost;
	uint32_t tail_sources;

	/* the stamp sources of each point and the stack's cost (stamps.c) */
	struct lab_stamps stamps;

	char notes[8][256];
	int nnotes;
};

/* Latency row of the heat map for v nanoseconds. */
int lab_heat_row(int64_t v_ns);

/* Analyze records/<name>.rec of run_dir (and its counters, gen stats, softnet samples, capture).
 * Returns 0, or -1 with a one-line reason naming the file in err. */
int lab_analyze_path(const char *run_dir, const char *name, const struct lab_analyze_opts *o,
		     struct lab_path *p, char *err, size_t errlen);
void lab_path_free(struct lab_path *p);

/* The 95 % intervals of the RTT percentiles (path_ci.c), fed during a pass over the records:
 * begin with the number of received packets, the span [t0, t1] of their intended send times and
 * the exact [min, max] of both RTTs; add each received record in record order; end. Both return
 * 0, or -1 (ENOMEM). */
struct lab_path_ci {
	struct lab_bootci *bi, *ba; /* NULL when nothing was received */
	int64_t blk;
};
int lab_path_ci_begin(struct lab_path *p, struct lab_path_ci *c, size_t nrecv, uint64_t t0,
		      uint64_t t1, const int64_t rtt_range[2], const int64_t act_range[2]);
static inline void lab_path_ci_add(struct lab_path_ci *c, const struct lab_rec *r)
{
	lab_bootci_add(c->bi, (int64_t)r->intended_ns, (int64_t)(r->recv_ns - r->intended_ns));
	lab_bootci_add(c->ba, (int64_t)r->intended_ns, (int64_t)(r->recv_ns - r->sent_ns));
}
int lab_path_ci_end(struct lab_path *p, struct lab_path_ci *c);

/* RFC 3550 interarrival jitter J over the nrecv received packets of recs in arrival order
 * (receive time, ties by sequence; jitter.c). Returns 0, or -1 (ENOMEM). */
int lab_rfc3550_jitter(const struct lab_rec *recs, size_t n, size_t nrecv, double *out);

/* The same in steps, so that its two walks over the records ride on passes made anyway. Records
 * are in sequence order (lab_rec_open checks seq == index) and arrive nearly so (a few packets
 * overtaken): the greedy run of packets that each arrive no earlier than the one kept before
 * them stays where it is, only the others (lab_jit_see) are copied and radix-sorted
 * (lab_jit_sort), and the second walk (lab_jit_walk) merges the two in arrival order. A whole
 * sorted copy of the arrivals (24 bytes a packet, twice that inside qsort) was most of
 * lab-analyze's time and peak memory. More than a quarter of the records overtaken sets far:
 * lab_rfc3550_jitter then sorts every arrival. Both walks see every received record in record
 * order, i its index. */
struct lab_jit_late {
	uint64_t recv_ns, i;
};
struct lab_jit {
	struct lab_jit_late *x; /* the overtaken packets; cap more entries of scratch after them */
	size_t nx, cap, e;
	uint64_t last;
	bool kept_any, far;
	bool any; /* J so far, over arrivals up to prev */
	uint64_t prev_recv_ns, prev_sent_ns;
	double j;
};

int lab_jit_init(struct lab_jit *j, size_t n); /* n records at most; 0 or -1 (ENOMEM) */
void lab_jit_sort(struct lab_jit *j);
double lab_jit_end(struct lab_jit *j, const struct lab_rec *recs); /* J; frees */
void lab_jit_free(struct lab_jit *j);

static inline void lab_jit_see(struct lab_jit *j, const struct lab_rec *r, size_t i)
{
	/* a later record with the same receive time comes later in arrival order */
	if (!j->kept_any || r->recv_ns >= j->last) {
		j->last = r->recv_ns;
		j->kept_any = true;
	} else if (j->nx < j->cap) {
		j->x[j->nx++] = (struct lab_jit_late){r->recv_ns, i};
	} else {
		j->far = true;
	}
}

/* J after one more arrival (the first only sets the reference), in floating point */
static inline void lab_jit_step(struct lab_jit *j, uint64_t recv_ns, uint64_t sent_ns)
{
	if (j->any) {
		/* in unsigned arithmetic (wraps, defined), then as the signed difference: stamps of a
		 * hostile record overflow int64_t (fuzz_run: crash-0d934fc1...) */
		uint64_t dr = recv_ns - j->prev_recv_ns, ds = sent_ns - j->prev_sent_ns;
		int64_t d = (int64_t)(dr - ds);
		j->j += (__builtin_fabs((double)d) - j->j) / 16.0;
	}
	j->any = true;
	j->prev_recv_ns = recv_ns;
	j->prev_sent_ns = sent_ns;
}

static inline void lab_jit_walk(struct lab_jit *j, const struct lab_rec *recs, size_t i)
{
	const struct lab_rec *r = &recs[i];
	/* the same greedy choice as lab_jit_see picks the same run */
	if (j->kept_any && r->recv_ns < j->last)
		return;
	/* overtaken ones first: earlier, or as early and before it in sequence */
	for (; j->e < j->nx && (j->x[j->e].recv_ns < r->recv_ns ||
				(j->x[j->e].recv_ns == r->recv_ns && j->x[j->e].i < i)); j->e++)
		lab_jit_step(j, j->x[j->e].recv_ns, recs[j->x[j->e].i].sent_ns);
	lab_jit_step(j, r->recv_ns, r->sent_ns);
	j->last = r->recv_ns;
	j->kept_any = true;
}

void lab_path_note(struct lab_path *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
