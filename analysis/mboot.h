/* mboot.h — 95 % intervals over repetitions: a two-stage (hierarchical) bootstrap. On this
 * machine the noise regime itself changes from one run to the next, so the runs of a
 * configuration are the units that vary: a replicate draws the runs with replacement, and
 * within each drawn run its 100 ms blocks of intended send time with replacement (bootci.h:
 * slow packets come in runs, so whole blocks are drawn), takes each drawn run's percentile,
 * and the median over the drawn runs is the replicate's statistic. The interval of one
 * configuration is that of its median over runs; a comparison's is that of the ratio of the two
 * medians, A and B drawn independently. With one run a side the first stage has nothing to
 * draw and it is exactly the within-run block bootstrap: between-run variation is then not
 * measured, and the caller says so. With few runs the first stage's spread is the runs' own
 * range (3 runs: the 2.5 % and 97.5 % points fall near the lowest and highest run), which is
 * what a user comparing 3 against 3 runs should be shown. */
#ifndef LAB_MBOOT_H
#define LAB_MBOOT_H

#include <stdbool.h>
#include <stddef.h>

#include "bootci.h"
#include "rec.h"

#define LAB_MBOOT_MAX_RUNS 64

/* The received records of one run. */
struct lab_recs {
	const struct lab_rec *r;
	size_t n;
};

enum lab_mboot_value {
	LAB_MBOOT_RTT,        /* RTT from the intended send time */
	LAB_MBOOT_RTT_ACTUAL, /* RTT from the actual send time */
};

struct lab_ratio_ci {
	bool have[LAB_BOOTCI_NPCT]; /* false: a run of either side has under LAB_BOOTCI_MIN_BLOCKS
				     * blocks, or under LAB_BOOTCI_MIN_TAIL packets beyond that
				     * percentile */
	double lo[LAB_BOOTCI_NPCT], hi[LAB_BOOTCI_NPCT];
	size_t nblocks_a, nblocks_b; /* blocks over all runs of a side */
};

/* The interval of the median over runs of each percentile (a single run: its own block
 * bootstrap interval). out->n and out->nblocks are totals over the runs. 0, or -1 (ENOMEM). */
int lab_mboot_median_ci95(const struct lab_recs *runs, size_t nruns, enum lab_mboot_value v,
			  int replicates, uint64_t seed, struct lab_ci95 *out);

/* The interval of the ratio B/A of the two sides' medians over runs, RTT from the intended send
 * time. 0, or -1 (ENOMEM). */
int lab_mboot_ratio_ci95(const struct lab_recs *a, size_t na, const struct lab_recs *b, size_t nb,
			 int replicates, uint64_t seed, struct lab_ratio_ci *out);

/* The median of v[0..n) (the mean of the middle two when n is even); sorts v. 0 when n is 0. */
double lab_median_d(double *v, size_t n);

#endif
