/* cmp_boot.c — the ratio bootstrap of cmp_boot.h. bootci.c keeps its per-block histograms
 * behind an opaque type that yields only one run's interval; a ratio needs the two runs'
 * replicate percentiles side by side, so the same construction is made here: one layout shared
 * by both runs (so bucket values compare), cumulative counts bucket-major, and a replicate's
 * percentile a binary search over buckets with a dot product of block weights per probe. */
#include "cmp_boot.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boot_rng.h"
#include "hdr.h"
#include "select.h"

struct blockhist {
	size_t nblocks, n;
	uint32_t *cum; /* [bucket][block]: packets of the block in buckets <= this one */
};

static int64_t rtt_of(const struct lab_rec *r)
{
	int64_t v = (int64_t)(r->recv_ns - r->intended_ns);
	return v < 0 ? 0 : v;
}

/* Per-block cumulative histograms of one run over buckets [kmin, kmin + nk) of h. */
static int blockhist_fill(struct blockhist *bh, const struct lab_rec *recs, size_t n,
			  const struct lab_hdr *h, size_t kmin, size_t nk)
{
	uint64_t t0 = UINT64_MAX, t1 = 0;
	for (size_t i = 0; i < n; i++) {
		if (!(recs[i].flags & LAB_REC_RECEIVED))
			continue;
		t0 = recs[i].intended_ns < t0 ? recs[i].intended_ns : t0;
		t1 = recs[i].intended_ns > t1 ? recs[i].intended_ns : t1;
	}
	if (t0 > t1)
		return 0; /* nothing received: no blocks */
	int64_t span = (int64_t)(t1 - t0) + 1, blk = lab_bootci_block_ns(span);
	bh->nblocks = (size_t)((span + blk - 1) / blk);
	bh->cum = calloc(bh->nblocks * nk, sizeof(*bh->cum));
	if (!bh->cum)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!(recs[i].flags & LAB_REC_RECEIVED))
			continue;
		size_t b = (size_t)((int64_t)(recs[i].intended_ns - t0) / blk);
		size_t k = lab_hdr_index(h, rtt_of(&recs[i]));
		k = k < kmin ? 0 : k - kmin >= nk ? nk - 1 : k - kmin;
		bh->cum[k * bh->nblocks + (b < bh->nblocks ? b : bh->nblocks - 1)]++;
		bh->n++;
	}
	for (size_t k = 1; k < nk; k++)
		for (size_t b = 0; b < bh->nblocks; b++)
			bh->cum[k * bh->nblocks + b] += bh->cum[(k - 1) * bh->nblocks + b];
	return 0;
}

/* One replicate of a run: its blocks drawn with replacement into w, then the bucket of each
 * percentile (offset from kmin) into k[]. */
static void replicate(const struct blockhist *bh, size_t nk, uint32_t *w, uint64_t *s,
		      size_t k[LAB_BOOTCI_NPCT])
{
	memset(w, 0, bh->nblocks * sizeof(*w));
	for (size_t i = 0; i < bh->nblocks; i++)
		w[lab_boot_rng_below(s, bh->nblocks)]++;
	uint64_t nstar = lab_boot_merged_below(bh->cum + (nk - 1) * bh->nblocks, w, bh->nblocks);
	for (int q = 0; q < LAB_BOOTCI_NPCT; q++) {
		uint64_t rank = nstar ? lab_rank_ppm(nstar, lab_bootci_ppm[q]) : 0;
		size_t lo = 0, hi = nk - 1;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (lab_boot_merged_below(bh->cum + mid * bh->nblocks, w, bh->nblocks) > rank)
				hi = mid;
			else
				lo = mid + 1;
		}
		k[q] = lo;
	}
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static bool usable(const struct blockhist *bh, int q)
{
	return bh->nblocks >= LAB_BOOTCI_MIN_BLOCKS &&
	       (double)bh->n * (1e6 - lab_bootci_ppm[q]) / 1e6 >= LAB_BOOTCI_MIN_TAIL;
}

/* The replicates: ratio[q * replicates + r] of the buckets' middle values. */
static void run_replicates(const struct blockhist *ba, const struct blockhist *bb,
			   const double *mid, size_t nk, uint32_t *wa,
			   uint32_t *wb, int replicates, uint64_t seed, double *ratio)
{
	uint64_t sa = seed ? seed : 0x9e3779b97f4a7c15ULL, sb = sa ^ 0x5bd1e9955bd1e995ULL;
	for (int r = 0; r < replicates; r++) {
		size_t ka[LAB_BOOTCI_NPCT], kb[LAB_BOOTCI_NPCT];
		replicate(ba, nk, wa, &sa, ka);
		replicate(bb, nk, wb, &sb, kb);
		for (int q = 0; q < LAB_BOOTCI_NPCT; q++) {
			double va = mid[ka[q]], vb = mid[kb[q]];
			ratio[(size_t)q * replicates + r] = vb / (va > 0 ? va : 1);
		}
	}
}

/* The middle value of each bucket [kmin, kmin + nk): the smallest v of the bucket by bisection. */
static double *bucket_mids(const struct lab_hdr *h, size_t kmin, size_t nk)
{
	double *mid = malloc(nk * sizeof(*mid));
	if (!mid)
		return NULL;
	for (size_t k = 0; k < nk; k++) {
		int64_t a = 0, z = h->highest;
		while (a < z) {
			int64_t m = a + (z - a) / 2;
			if (lab_hdr_index(h, m) >= kmin + k)
				z = m;
			else
				a = m + 1;
		}
		mid[k] = ((double)lab_hdr_lowest_equivalent(h, a) +
			  (double)lab_hdr_highest_equivalent(h, a)) / 2;
	}
	return mid;
}

static void rtt_range(const struct lab_rec *r, size_t n, int64_t *vmin, int64_t *vmax)
{
	for (size_t i = 0; i < n; i++) {
		if (!(r[i].flags & LAB_REC_RECEIVED))
			continue;
		int64_t v = rtt_of(&r[i]);
		*vmin = v < *vmin ? v : *vmin;
		*vmax = v > *vmax ? v : *vmax;
	}
}

/* The percentile method over the sorted replicates, for the percentiles both runs can give. */
static void intervals(const struct blockhist *ba, const struct blockhist *bb, double *ratio,
		      int replicates, struct lab_ratio_ci *out)
{
	size_t ilo = lab_rank_ppm((size_t)replicates, 25000);
	size_t ihi = lab_rank_ppm((size_t)replicates, 975000);
	for (int q = 0; q < LAB_BOOTCI_NPCT; q++) {
		if (!usable(ba, q) || !usable(bb, q))
			continue;
		double *st = ratio + (size_t)q * replicates;
		qsort(st, (size_t)replicates, sizeof(*st), cmp_dbl);
		out->lo[q] = st[ilo];
		out->hi[q] = st[ihi];
		out->have[q] = true;
	}
}

int lab_ratio_ci95(const struct lab_rec *a, size_t na, const struct lab_rec *b, size_t nb,
		   int replicates, uint64_t seed, struct lab_ratio_ci *out)
{
	memset(out, 0, sizeof(*out));
	int64_t vmin = INT64_MAX, vmax = 0;
	rtt_range(a, na, &vmin, &vmax);
	rtt_range(b, nb, &vmin, &vmax);
	if (vmin > vmax || replicates < 10)
		return 0;
	struct lab_hdr h;
	if (lab_hdr_init(&h, 1, vmax > 4 ? vmax : 4, 3) < 0)
		return -1;
	lab_hdr_free(&h); /* the layout is all that is used */
	size_t kmin = lab_hdr_index(&h, vmin), nk = lab_hdr_index(&h, vmax) - kmin + 1;
	struct blockhist ba = {0}, bb = {0};
	double *mid = NULL, *ratio = NULL;
	uint32_t *wa = NULL, *wb = NULL;
	int rc = -1;
	if (blockhist_fill(&ba, a, na, &h, kmin, nk) < 0 || blockhist_fill(&bb, b, nb, &h, kmin, nk) < 0)
		goto out;
	out->nblocks_a = ba.nblocks;
	out->nblocks_b = bb.nblocks;
	rc = 0;
	if (ba.nblocks < LAB_BOOTCI_MIN_BLOCKS || bb.nblocks < LAB_BOOTCI_MIN_BLOCKS)
		goto out;
	mid = bucket_mids(&h, kmin, nk);
	ratio = malloc((size_t)replicates * LAB_BOOTCI_NPCT * sizeof(*ratio));
	wa = malloc(ba.nblocks * sizeof(*wa));
	wb = malloc(bb.nblocks * sizeof(*wb));
	if (!mid || !ratio || !wa || !wb) {
		errno = ENOMEM;
		rc = -1;
		goto out;
	}
	run_replicates(&ba, &bb, mid, nk, wa, wb, replicates, seed, ratio);
	intervals(&ba, &bb, ratio, replicates, out);
out:
	free(ba.cum), free(bb.cum), free(mid), free(ratio), free(wa), free(wb);
	return rc;
}
