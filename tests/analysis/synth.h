/* synth.h — synthetic record files and results directories for the analysis tests, until (and
 * beside) real ones from lab-gen: a seeded schedule with chosen latencies, losses, duplicates,
 * reordering, stamps and a DUT-side burst, so every figure lab-analyze prints is known. */
#ifndef LAB_SYNTH_H
#define LAB_SYNTH_H

#include <stdbool.h>
#include <stdint.h>

#include "rec.h"

struct synth_cfg {
	const char *path;      /* header's path name */
	uint64_t n;            /* records */
	uint64_t rate_pps;     /* constant schedule */
	uint64_t seed;
	uint64_t start_ns;
	uint64_t base_rtt_ns;  /* every RTT is base + uniform [0, jitter) */
	uint64_t jitter_ns;
	uint32_t loss_every;   /* every k-th packet lost (0: none) */
	uint32_t dup_every;    /* every k-th received packet has one duplicate (0: none) */
	bool stamp;
	/* a burst at the DUT: packets [burst_first, burst_first + burst_len) arrive 100 ns apart */
	uint64_t burst_first, burst_len;
	bool incomplete;       /* leave LAB_RECF_COMPLETE unset (writer killed) */
};

/* Fill recs[0..n) and the header from c (no I/O). */
void synth_fill(const struct synth_cfg *c, struct lab_rec_hdr *h, struct lab_rec *recs);

/* Write a record file. Returns 0 or -1 (errno). */
int synth_write(const char *file, const struct synth_cfg *c);

/* A whole results directory under dir: run.json, records + counters + softnet samples for
 * kernel and xdptx, skipped/dpdk.txt. Returns 0 or -1. */
int synth_results_dir(const char *dir, uint64_t n_per_path);

#endif
