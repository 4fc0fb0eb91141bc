/* mboot.c — the bootstrap over repetitions of mboot.h. bootci.c keeps its per-block histograms
 * behind an opaque type that yields only one run's interval; here many runs' replicate
 * percentiles are needed side by side, so the same construction is made per run: one layout
 * shared by every run of both sides (so bucket values compare), cumulative counts bucket-major,
 * and a replicate's percentile a binary search over buckets with a dot product of block weights
 * per probe. */
#include "mboot.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "boot_rng.h"
#include "hdr.h"
#include "select.h"

struct blockhist {
	size_t nblocks, n;
	uint32_t *cum; /* [bucket][block]: packets of the block in buckets <= this one */
};

static int64_t value_of(const struct lab_rec *r, enum lab_mboot_value kind)
{
	int64_t v = (int64_t)(r->recv_ns - (kind == LAB_MBOOT_RTT ? r->intended_ns : r->sent_ns));
	return v < 0 ? 0 : v;
}

/* Per-block cumulative histograms of one run over buckets [kmin, kmin + nk) of h. */
static int blockhist_fill(struct blockhist *bh, const struct lab_rec *recs, size_t n,
			  enum lab_mboot_value kind, const struct lab_hdr *h, size_t kmin, size_t nk)
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
		size_t k = lab_hdr_index(h, value_of(&recs[i], kind));
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

double lab_median_d(double *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_dbl);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The runs of one side, histogrammed over the shared layout. */
struct side {
	struct blockhist bh[LAB_MBOOT_MAX_RUNS];
	size_t nruns, maxblocks, nblocks, n;
};

/* Every run of the side has enough blocks, and enough packets beyond percentile q. */
static bool usable(const struct side *s, int q)
{
	for (size_t i = 0; i < s->nruns; i++) {
		const struct blockhist *bh = &s->bh[i];
		if (bh->nblocks < LAB_BOOTCI_MIN_BLOCKS ||
		    (double)bh->n * (1e6 - lab_bootci_ppm[q]) / 1e6 < LAB_BOOTCI_MIN_TAIL)
			return false;
	}
	return s->nruns > 0;
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

static void value_range(const struct lab_recs *runs, size_t nruns, enum lab_mboot_value kind,
			int64_t *vmin, int64_t *vmax)
{
	for (size_t j = 0; j < nruns; j++)
		for (size_t i = 0; i < runs[j].n; i++) {
			if (!(runs[j].r[i].flags & LAB_REC_RECEIVED))
				continue;
			int64_t v = value_of(&runs[j].r[i], kind);
			*vmin = v < *vmin ? v : *vmin;
			*vmax = v > *vmax ? v : *vmax;
		}
}

/* The shared layout: buckets [kmin, kmin + nk) of HdrHistogram's 3-digit layout over the values
 * of every run given, and each bucket's middle value. 0; 1 when there are no values; -1 ENOMEM. */
struct layout {
	struct lab_hdr h;
	size_t kmin, nk;
	double *mid;
};

static int layout_init(struct layout *l, const struct lab_recs *a, size_t na,
		       const struct lab_recs *b, size_t nb, enum lab_mboot_value kind)
{
	int64_t vmin = INT64_MAX, vmax = 0;
	value_range(a, na, kind, &vmin, &vmax);
	value_range(b, nb, kind, &vmin, &vmax);
	if (vmin > vmax)
		return 1;
	if (lab_hdr_init(&l->h, 1, vmax > 4 ? vmax : 4, 3) < 0)
		return -1;
	lab_hdr_free(&l->h); /* the layout is all that is used */
	l->kmin = lab_hdr_index(&l->h, vmin);
	l->nk = lab_hdr_index(&l->h, vmax) - l->kmin + 1;
	l->mid = bucket_mids(&l->h, l->kmin, l->nk);
	return l->mid ? 0 : -1;
}

static int side_fill(struct side *s, const struct lab_recs *runs, size_t nruns,
		     enum lab_mboot_value kind, const struct layout *l)
{
	memset(s, 0, sizeof(*s));
	if (nruns > LAB_MBOOT_MAX_RUNS) {
		errno = EINVAL;
		return -1;
	}
	s->nruns = nruns;
	for (size_t j = 0; j < nruns; j++) {
		if (blockhist_fill(&s->bh[j], runs[j].r, runs[j].n, kind, &l->h, l->kmin, l->nk) < 0)
			return -1;
		s->maxblocks = s->bh[j].nblocks > s->maxblocks ? s->bh[j].nblocks : s->maxblocks;
		s->nblocks += s->bh[j].nblocks;
		s->n += s->bh[j].n;
	}
	return 0;
}

static void side_free(struct side *s)
{
	for (size_t j = 0; j < s->nruns; j++)
		free(s->bh[j].cum);
}

/* One replicate of a side: nruns runs drawn with replacement, each one's blocks resampled;
 * out[q] = the median over the drawn runs of their percentile q (bucket middle values). */
static void side_replicate(const struct side *s, const struct layout *l, uint32_t *w, uint64_t *rng,
			   double out[LAB_BOOTCI_NPCT])
{
	double v[LAB_BOOTCI_NPCT][LAB_MBOOT_MAX_RUNS];
	for (size_t d = 0; d < s->nruns; d++) {
		const struct blockhist *bh = &s->bh[s->nruns > 1 ? lab_boot_rng_below(rng, s->nruns) : 0];
		size_t k[LAB_BOOTCI_NPCT] = {0};
		if (bh->nblocks)
			replicate(bh, l->nk, w, rng, k);
		for (int q = 0; q < LAB_BOOTCI_NPCT; q++)
			v[q][d] = l->mid[k[q]];
	}
	for (int q = 0; q < LAB_BOOTCI_NPCT; q++)
		out[q] = lab_median_d(v[q], s->nruns);
}

/* The 2.5 % and 97.5 % points of replicates values (sorted here). */
static void pct_interval(double *st, int replicates, double *lo, double *hi)
{
	qsort(st, (size_t)replicates, sizeof(*st), cmp_dbl);
	*lo = st[lab_rank_ppm((size_t)replicates, 25000)];
	*hi = st[lab_rank_ppm((size_t)replicates, 975000)];
}

int lab_mboot_median_ci95(const struct lab_recs *runs, size_t nruns, enum lab_mboot_value kind,
			  int replicates, uint64_t seed, struct lab_ci95 *out)
{
	memset(out, 0, sizeof(*out));
	out->block_ns = LAB_BOOTCI_BLOCK_NS;
	out->replicates = replicates;
	struct layout l = {0};
	static struct side s; /* large (64 runs): not on the stack; one caller at a time */
	int lr = replicates < 10 ? 1 : layout_init(&l, runs, nruns, NULL, 0, kind);
	if (lr != 0) {
		free(l.mid);
		return lr > 0 ? 0 : -1; /* nothing received: no interval */
	}
	double *stat = NULL;
	uint32_t *w = NULL;
	int rc = -1;
	if (side_fill(&s, runs, nruns, kind, &l) < 0)
		goto out;
	out->n = s.n;
	out->nblocks = s.nblocks;
	stat = malloc((size_t)replicates * LAB_BOOTCI_NPCT * sizeof(*stat));
	w = malloc((s.maxblocks ? s.maxblocks : 1) * sizeof(*w));
	if (!stat || !w)
		goto out;
	uint64_t rng = seed ? seed : 0x9e3779b97f4a7c15ULL;
	for (int r = 0; r < replicates; r++) {
		double v[LAB_BOOTCI_NPCT];
		side_replicate(&s, &l, w, &rng, v);
		for (int q = 0; q < LAB_BOOTCI_NPCT; q++)
			stat[(size_t)q * replicates + r] = v[q];
	}
	for (int q = 0; q < LAB_BOOTCI_NPCT; q++) {
		if (!usable(&s, q))
			continue;
		double lo, hi;
		pct_interval(stat + (size_t)q * replicates, replicates, &lo, &hi);
		out->lo[q] = llround(lo);
		out->hi[q] = llround(hi);
		out->have[q] = true;
	}
	rc = 0;
out:
	if (rc < 0)
		errno = ENOMEM;
	side_free(&s);
	free(l.mid), free(stat), free(w);
	return rc;
}

int lab_mboot_ratio_ci95(const struct lab_recs *a, size_t na, const struct lab_recs *b, size_t nb,
			 int replicates, uint64_t seed, struct lab_ratio_ci *out)
{
	memset(out, 0, sizeof(*out));
	struct layout l = {0};
	static struct side sa, sb; /* large: not on the stack; one caller at a time */
	int lr = replicates < 10 ? 1 : layout_init(&l, a, na, b, nb, LAB_MBOOT_RTT);
	if (lr != 0) {
		free(l.mid);
		return lr > 0 ? 0 : -1; /* nothing received on either side: no interval */
	}
	double *ratio = NULL;
	uint32_t *w = NULL;
	int rc = -1;
	memset(&sb, 0, sizeof(sb));
	if (side_fill(&sa, a, na, LAB_MBOOT_RTT, &l) < 0 || side_fill(&sb, b, nb, LAB_MBOOT_RTT, &l) < 0)
		goto out;
	out->nblocks_a = sa.nblocks;
	out->nblocks_b = sb.nblocks;
	size_t maxb = sa.maxblocks > sb.maxblocks ? sa.maxblocks : sb.maxblocks;
	ratio = malloc((size_t)replicates * LAB_BOOTCI_NPCT * sizeof(*ratio));
	w = malloc((maxb ? maxb : 1) * sizeof(*w));
	if (!ratio || !w)
		goto out;
	/* A and B are independent samples: each its own stream */
	uint64_t ra = seed ? seed : 0x9e3779b97f4a7c15ULL, rb = ra ^ 0x5bd1e9955bd1e995ULL;
	for (int r = 0; r < replicates; r++) {
		double va[LAB_BOOTCI_NPCT], vb[LAB_BOOTCI_NPCT];
		side_replicate(&sa, &l, w, &ra, va);
		side_replicate(&sb, &l, w, &rb, vb);
		for (int q = 0; q < LAB_BOOTCI_NPCT; q++)
			ratio[(size_t)q * replicates + r] = vb[q] / (va[q] > 0 ? va[q] : 1);
	}
	for (int q = 0; q < LAB_BOOTCI_NPCT; q++) {
		if (!usable(&sa, q) || !usable(&sb, q))
			continue;
		pct_interval(ratio + (size_t)q * replicates, replicates, &out->lo[q], &out->hi[q]);
		out->have[q] = true;
	}
	rc = 0;
out:
	if (rc < 0)
		errno = ENOMEM;
	side_free(&sa);
	side_free(&sb);
	free(l.mid), free(ratio), free(w);
	return rc;
}
