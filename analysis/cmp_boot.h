/* cmp_boot.h — the 95 % interval of the ratio B/A of two runs' RTT percentiles (compare mode).
 * Each run is resampled as bootci.h resamples one: whole blocks of intended send time, drawn
 * with replacement, over per-block histograms of HdrHistogram's layout (buckets 0.1 % wide). A
 * replicate draws A's blocks and B's blocks independently (the runs are independent samples)
 * and takes the ratio of the two replicate percentiles. Between-run variation is not in it. */
#ifndef LAB_CMP_BOOT_H
#define LAB_CMP_BOOT_H

#include <stdbool.h>
#include <stddef.h>

#include "bootci.h"
#include "rec.h"

struct lab_ratio_ci {
	bool have[LAB_BOOTCI_NPCT]; /* false: either run has under LAB_BOOTCI_MIN_BLOCKS blocks, or
				     * under LAB_BOOTCI_MIN_TAIL packets beyond that percentile */
	double lo[LAB_BOOTCI_NPCT], hi[LAB_BOOTCI_NPCT];
	size_t nblocks_a, nblocks_b;
};

/* The received records of each run, RTT from the intended send time. Returns 0, or -1 (ENOMEM). */
int lab_ratio_ci95(const struct lab_rec *a, size_t na, const struct lab_rec *b, size_t nb,
		   int replicates, uint64_t seed, struct lab_ratio_ci *out);

#endif
