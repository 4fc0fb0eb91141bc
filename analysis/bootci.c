/* bootci.c — the block bootstrap of bootci.h. Cost: one histogram per block, kept as cumulative
 * counts laid out bucket-major ([bucket][block]), so a replicate's merged count below a bucket is
 * one dot product of the block weights with a contiguous row, and a replicate's percentile a
 * binary search over buckets: O(B x percentiles x log2(buckets) x blocks), independent of the
 * packet count (10 M records: one pass to fill the histograms, then ~0.1 s of replicates). */
#include "bootci.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot_rng.h"
#include "hdr.h"
#include "select.h"

struct lab_bootci {
	struct lab_hdr h; /* the layout only (no counts recorded) */
	int64_t t0_ns, block_ns;
	size_t nblocks, kmin, nk;
	uint32_t *counts; /* [block][bucket - kmin] */
	size_t n;
	/* the block of the last time added: times come in order, so most adds skip the division */
	int64_t cur_lo, cur_hi;
	size_t cur_blk;
};

const uint32_t lab_bootci_ppm[LAB_BOOTCI_NPCT] = {500000, 900000, 990000, 999000, 999900};

int64_t lab_bootci_block_ns(int64_t span_ns)
{
	int64_t blk = LAB_BOOTCI_BLOCK_NS;
	if (span_ns > blk * LAB_BOOTCI_MAX_BLOCKS) /* ceil(span / max), without span + max overflowing */
		blk = span_ns / LAB_BOOTCI_MAX_BLOCKS + (span_ns % LAB_BOOTCI_MAX_BLOCKS != 0);
	return blk;
}

static int64_t clamp_v(const struct lab_bootci *b, int64_t v)
{
	return v < 0 ? 0 : v > b->h.highest ? b->h.highest : v;
}

struct lab_bootci *lab_bootci_new(int64_t t0_ns, int64_t span_ns, int64_t block_ns, int64_t vmin,
				  int64_t vmax)
{
	struct lab_bootci *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	if (block_ns < 1 || span_ns < 1) {
		errno = EINVAL;
		free(b);
		return NULL;
	}
	if (lab_hdr_init(&b->h, 1, vmax > 4 ? vmax : 4, 3) < 0) {
		free(b);
		return NULL;
	}
	/* the layout is all that is used: its counts would be 31 k unused words */
	lab_hdr_free(&b->h);
	b->t0_ns = t0_ns;
	b->block_ns = block_ns;
	b->cur_lo = 1, b->cur_hi = 0; /* empty: the first add computes its block */
	b->nblocks = (size_t)(span_ns / block_ns + (span_ns % block_ns != 0)); /* no overflow near 2^63 */
	b->kmin = lab_hdr_index(&b->h, clamp_v(b, vmin));
	b->nk = lab_hdr_index(&b->h, clamp_v(b, vmax)) - b->kmin + 1;
	b->counts = calloc(b->nblocks * b->nk, sizeof(*b->counts));
	if (!b->counts) {
		free(b);
		return NULL;
	}
	return b;
}

void lab_bootci_add(struct lab_bootci *b, int64_t t_ns, int64_t v)
{
	size_t blk = b->cur_blk;
	if (t_ns < b->cur_lo || t_ns >= b->cur_hi) {
		/* before t0: the first block; the difference taken unsigned (it can pass INT64_MAX) */
		blk = t_ns < b->t0_ns ? 0 : (size_t)(((uint64_t)t_ns - (uint64_t)b->t0_ns) / (uint64_t)b->block_ns);
		if (t_ns >= b->t0_ns && blk < b->nblocks) { /* a block of its own: remembered */
			b->cur_blk = blk;
			b->cur_lo = b->t0_ns + (int64_t)blk * b->block_ns;
			if (__builtin_add_overflow(b->cur_lo, b->block_ns, &b->cur_hi))
				b->cur_hi = INT64_MAX; /* the last block of a span ending near 2^63 */
		} else if (blk >= b->nblocks) {
			blk = b->nblocks - 1; /* clamped, as the header says: not remembered */
		}
	}
	size_t k = lab_hdr_index(&b->h, clamp_v(b, v));
	k = k < b->kmin ? 0 : k - b->kmin >= b->nk ? b->nk - 1 : k - b->kmin;
	b->counts[blk * b->nk + k]++;
	b->n++;
}

void lab_bootci_free(struct lab_bootci *b)
{
	if (!b)
		return;
	free(b->counts);
	free(b);
}

/* Cumulative counts, bucket-major: cum[k * nblocks + blk] = packets of blk in buckets <= k. */
static uint32_t *cumulate(const struct lab_bootci *b)
{
	uint32_t *cum = malloc(b->nblocks * b->nk * sizeof(*cum));
	if (!cum)
		return NULL;
	for (size_t blk = 0; blk < b->nblocks; blk++) {
		uint32_t run = 0;
		const uint32_t *row = b->counts + blk * b->nk;
		for (size_t k = 0; k < b->nk; k++) {
			run += row[k];
			cum[k * b->nblocks + blk] = run;
		}
	}
	return cum;
}

/* The first bucket whose merged cumulative count exceeds rank (0-based). */
static size_t replicate_bucket(const struct lab_bootci *b, const uint32_t *cum, const uint32_t *w,
			       uint64_t rank)
{
	size_t lo = 0, hi = b->nk - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (lab_boot_merged_below(cum + mid * b->nblocks, w, b->nblocks) > rank)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

/* Smallest and largest value seen in each bucket: an interval's ends are values that occurred. */
static void bucket_extremes(const struct lab_bootci *b, size_t k, int64_t *lo, int64_t *hi)
{
	int64_t v = 0;
	/* the bucket's lowest value: walk up from the layout's value of kmin + k */
	size_t want = b->kmin + k;
	int64_t a = 0, z = b->h.highest;
	while (a < z) { /* the smallest v with index(v) >= want */
		int64_t mid = a + (z - a) / 2;
		if (lab_hdr_index(&b->h, mid) >= want)
			z = mid;
		else
			a = mid + 1;
	}
	v = a;
	*lo = lab_hdr_lowest_equivalent(&b->h, v);
	*hi = lab_hdr_highest_equivalent(&b->h, v);
}

static bool pct_defined(size_t n, uint32_t ppm)
{
	return (double)n * (1e6 - ppm) / 1e6 >= LAB_BOOTCI_MIN_TAIL;
}

int lab_bootci_finish(struct lab_bootci *b, int replicates, uint64_t seed, struct lab_ci95 *out)
{
	memset(out, 0, sizeof(*out));
	out->n = b->n;
	out->nblocks = b->nblocks;
	out->block_ns = b->block_ns;
	out->replicates = replicates;
	if (b->n == 0 || b->nblocks < LAB_BOOTCI_MIN_BLOCKS || replicates < 10)
		return 0;
	uint32_t *cum = cumulate(b);
	uint32_t *w = malloc(b->nblocks * sizeof(*w));
	size_t *stat = malloc((size_t)replicates * LAB_BOOTCI_NPCT * sizeof(*stat));
	if (!cum || !w || !stat) {
		free(cum), free(w), free(stat);
		errno = ENOMEM;
		return -1;
	}
	const uint32_t *total = cum + (b->nk - 1) * b->nblocks;
	uint64_t s = seed ? seed : 0x9e3779b97f4a7c15ULL;
	for (int r = 0; r < replicates; r++) {
		memset(w, 0, b->nblocks * sizeof(*w));
		for (size_t i = 0; i < b->nblocks; i++)
			w[lab_boot_rng_below(&s, b->nblocks)]++;
		uint64_t nstar = lab_boot_merged_below(total, w, b->nblocks);
		for (int q = 0; q < LAB_BOOTCI_NPCT; q++)
			stat[(size_t)q * replicates + r] =
				nstar ? replicate_bucket(b, cum, w, lab_rank_ppm(nstar, lab_bootci_ppm[q]))
				      : 0;
	}
	/* the percentile method: nearest ranks of 2.5 % and 97.5 % among the replicates */
	size_t ilo = lab_rank_ppm((size_t)replicates, 25000), ihi = lab_rank_ppm((size_t)replicates, 975000);
	for (int q = 0; q < LAB_BOOTCI_NPCT; q++) {
		if (!pct_defined(b->n, lab_bootci_ppm[q]))
			continue;
		size_t *st = stat + (size_t)q * replicates;
		int64_t unused;
		qsort(st, (size_t)replicates, sizeof(*st), cmp_size);
		bucket_extremes(b, st[ilo], &out->lo[q], &unused);
		bucket_extremes(b, st[ihi], &unused, &out->hi[q]);
		out->have[q] = true;
	}
	free(cum), free(w), free(stat);
	return 0;
}

int lab_bootci_series(const int64_t *t_ns, const int64_t *v, size_t n, int64_t block_ns,
		      int replicates, uint64_t seed, struct lab_ci95 *out)
{
	if (n == 0) {
		memset(out, 0, sizeof(*out));
		out->block_ns = block_ns;
		out->replicates = replicates;
		return 0;
	}
	int64_t t0 = t_ns[0], t1 = t_ns[0], vmin = v[0], vmax = v[0];
	for (size_t i = 1; i < n; i++) {
		t0 = t_ns[i] < t0 ? t_ns[i] : t0;
		t1 = t_ns[i] > t1 ? t_ns[i] : t1;
		vmin = v[i] < vmin ? v[i] : vmin;
		vmax = v[i] > vmax ? v[i] : vmax;
	}
	struct lab_bootci *b = lab_bootci_new(
		t0, t1 - t0 + 1, block_ns ? block_ns : lab_bootci_block_ns(t1 - t0 + 1), vmin, vmax);
	if (!b)
		return -1;
	for (size_t i = 0; i < n; i++)
		lab_bootci_add(b, t_ns[i], v[i]);
	int rc = lab_bootci_finish(b, replicates, seed, out);
	lab_bootci_free(b);
	return rc;
}
