/* path.h — struct lab_path: everything lab-analyze derives from one path of a run (the record
 * file's counts, exact percentiles, the one-way split, microbursts, drops, the binned series the
 * report draws, tail attribution, stamps). analyze.c fills it (analyze.h); summary.c, report.c,
 * tail.c, stamps.c and jitter.c read it. */
#ifndef LAB_PATH_H
#define LAB_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attrib.h"
#include "bootci.h"
#include "bursts.h"
#include "rec.h"
#include "select.h"
#include "softnet.h"
#include "clocksync.h"
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

struct lab_path {
	char name[32];
	bool skipped;
	bool floor;               /* the registry's floor of the run's topology (xdptx, xdpfwd) */
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
	/* the DUT's clock against the generator's from the path's four stamps (clocksync.h) */
	struct lab_clock clock;

	char notes[8][256];
	int nnotes;
};

/* Free what lab_analyze_path allocated in p (bursts, tail, softnet samples). */
void lab_path_free(struct lab_path *p);

/* A note on p for summary.json / summary.md (at most 8, each cut at 255 bytes). */
void lab_path_note(struct lab_path *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));


#endif
