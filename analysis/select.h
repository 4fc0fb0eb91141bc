/* select.h — exact order statistics on the full set of values: nearest-rank percentiles by
 * selection (no histogram, no approximation) and a radix sort for time series that must be in
 * order. Values are signed: one-way delays across two clocks' conversions can dip below zero. */
#ifndef LAB_SELECT_H
#define LAB_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Nearest rank: the value at 0-based index ceil(ppm * n / 1e6) - 1, clamped to [0, n-1].
 * Parts per million keep p99.99 exact (no floating-point rounding of the rank). n > 0. */
size_t lab_rank_ppm(size_t n, uint32_t ppm);

/* Place the order statistics idx[0] < idx[1] < ... < idx[m-1] of v[0..n) and write them to out.
 * v is permuted. Each selection runs on what is left above the previous one, so rising ranks
 * cost little more than one. */
void lab_select_ranks(int64_t *v, size_t n, const size_t *idx, size_t m, int64_t *out);

/* Sort v ascending (LSD radix, byte digits that all values share are skipped). tmp: n elements
 * of scratch, or NULL to allocate (returns -1 when that fails). */
int lab_sort_i64(int64_t *v, size_t n, int64_t *tmp);
bool lab_is_sorted_i64(const int64_t *v, size_t n);

/* The percentile spectrum drawn in the report: 1 - p = 10^(-i/LAB_SPEC_STEPS_PER_DECADE). */
#define LAB_SPEC_STEPS_PER_DECADE 5
#define LAB_SPEC_POINTS (5 * LAB_SPEC_STEPS_PER_DECADE + 1) /* p = 0 .. 0.99999 */

struct lab_pct {
	size_t n;
	int64_t min, p50, p90, p99, p999, p9999, max;
	int64_t spectrum[LAB_SPEC_POINTS]; /* value at each spectrum point */
};

/* Percentile spectrum point i as parts per million (point 0 is p = 0, the minimum). */
uint32_t lab_spectrum_ppm(int i);

/* Fill out from v[0..n) (permuted). n == 0 leaves out->n = 0 and the values zero. */
void lab_percentiles(int64_t *v, size_t n, struct lab_pct *out);

#endif
