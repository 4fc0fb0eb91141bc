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
 * (jitter.c). Returns 0, or -1 (ENOMEM). */
int lab_rfc3550_jitter(const struct lab_rec *recs, size_t n, size_t nrecv, double *out);

void lab_path_note(struct lab_path *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
