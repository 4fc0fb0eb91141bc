/* hist.h — a log-linear histogram of nanosecond values (64 sub-buckets per power of two: under
 * 1.6 % error), constant memory and O(1) insert, for percentiles while the run goes on. */
#ifndef LAB_GEN_HIST_H
#define LAB_GEN_HIST_H

#include <stdint.h>

#define GEN_HIST_SUB 64
#define GEN_HIST_BUCKETS (60 * GEN_HIST_SUB)

struct gen_hist {
	uint64_t n, max, min;
	uint64_t b[GEN_HIST_BUCKETS];
};

void gen_hist_reset(struct gen_hist *h);
void gen_hist_add(struct gen_hist *h, uint64_t v);
/* The q-quantile (0..1): the midpoint of its bucket, clamped to [min, max]; 0 when empty. */
uint64_t gen_hist_quantile(const struct gen_hist *h, double q);

#endif
