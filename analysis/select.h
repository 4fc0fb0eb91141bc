/* select.h — exact order statistics on the full set of values: nearest-rank percentiles by
 * selection (histograms only find where the wanted ranks are, never approximate them) and a
 * radix sort for time series that must be in order. Values are signed: one-way delays across
 * two clocks' conversions can dip below zero. */
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

/* The same percentiles from a series streamed twice instead of stored: the first pass counts
 * every value in a fine histogram (lab_ps_count), lab_ps_plan finds the buckets that hold the
 * wanted ranks, the second pass keeps only the values of those buckets (lab_ps_gather), and
 * lab_ps_finish selects among them: the same nearest ranks over every value as
 * lab_percentiles, without an array of n values or passes over one. The buckets are
 * HdrHistogram-like, 2^LAB_PS_SUB_BITS linear steps per power of two of |v| (exact below
 * 2^LAB_PS_SUB_BITS), mirrored for negative values, and fixed, so no pass for the range first. */
#define LAB_PS_SUB_BITS 10
#define LAB_PS_HALF ((uint64_t)(64 - LAB_PS_SUB_BITS) << LAB_PS_SUB_BITS)
#define LAB_PS_BUCKETS (2 * LAB_PS_HALF)

struct lab_pstream {
	uint32_t *cnt;   /* LAB_PS_BUCKETS; at most UINT32_MAX values per series */
	uint8_t *want;   /* after plan: buckets whose values are gathered */
	int64_t *g;      /* the gathered values */
	size_t ng, gcap;
	size_t m, idx[7 + LAB_SPEC_POINTS], local[7 + LAB_SPEC_POINTS];
	int slot[7 + LAB_SPEC_POINTS];
	bool direct[7 + LAB_SPEC_POINTS]; /* the rank's bucket holds one value: dval */
	int64_t dval[7 + LAB_SPEC_POINTS];
	size_t n;
};

static inline uint32_t lab_ps_bucket(int64_t v)
{
	uint64_t neg = (uint64_t)(v >> 63); /* all ones when negative */
	uint64_t a = (uint64_t)v ^ neg;     /* v, or -v - 1 */
	unsigned e = 63u - (unsigned)__builtin_clzll(a | 1);
	uint64_t f = a;
	if (e >= LAB_PS_SUB_BITS) {
		unsigned sh = e - LAB_PS_SUB_BITS;
		f = ((uint64_t)(sh + 1) << LAB_PS_SUB_BITS) |
		    ((a >> sh) & ((1u << LAB_PS_SUB_BITS) - 1));
	}
	/* negative: HALF - 1 - f, so larger magnitudes come first */
	return (uint32_t)(LAB_PS_HALF + (f ^ neg));
}

/* 0, or -1 (ENOMEM). */
int lab_ps_init(struct lab_pstream *s);

static inline void lab_ps_count(struct lab_pstream *s, int64_t v)
{
	s->cnt[lab_ps_bucket(v)]++;
	s->n++;
}

/* After the counting pass. 0: gather next; 1: the wanted buckets hold more than max_gather
 * values (few distinct values, say), so store the series and use lab_percentiles instead;
 * -1: ENOMEM. n == 0 returns 0 and gathers nothing. A bucket one value wide (|v| below
 * 2^(LAB_PS_SUB_BITS + 1)) is its own answer and is not gathered. */
int lab_ps_plan(struct lab_pstream *s, size_t max_gather);

static inline void lab_ps_gather(struct lab_pstream *s, int64_t v)
{
	if (s->want[lab_ps_bucket(v)]) {
		if (s->ng < s->gcap)
			s->g[s->ng] = v;
		s->ng++;
	}
}

/* After the gathering pass, which must see the same values (in any order). Returns 0, or -1
 * when it did not (the values changed between the passes: out is left empty). */
int lab_ps_finish(struct lab_pstream *s, struct lab_pct *out);
void lab_ps_free(struct lab_pstream *s);

#endif
