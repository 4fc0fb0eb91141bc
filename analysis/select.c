/* select.c — exact percentiles by multi-rank selection and a radix sort; see select.h. */
#include "select.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

size_t lab_rank_ppm(size_t n, uint32_t ppm)
{
	unsigned __int128 r = ((unsigned __int128)ppm * n + 999999u) / 1000000u;
	if (r == 0)
		return 0;
	if (r > n)
		return n - 1;
	return (size_t)r - 1;
}

static inline void swap64(int64_t *a, int64_t *b)
{
	int64_t t = *a;
	*a = *b;
	*b = t;
}

static void insertion_sort(int64_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		int64_t x = v[i];
		size_t j = i;
		while (j > 0 && v[j - 1] > x) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

/* Put the k-th smallest of v[lo..hi) at v[k], smaller-or-equal before, greater-or-equal after.
 * Hoare partitioning stops on equal keys, so runs of duplicates split evenly instead of
 * degrading; a budget of rounds falls back to sorting the range, which bounds the worst case. */
static void select_k(int64_t *v, size_t lo, size_t hi, size_t k)
{
	int budget = 16;
	for (size_t s = hi - lo; s > 1; s >>= 1)
		budget += 2;
	while (hi - lo > 24) {
		if (budget-- == 0) {
			lab_sort_i64(v + lo, hi - lo, NULL);
			return;
		}
		size_t mid = lo + (hi - lo) / 2;
		/* median of three into v[lo], so the partition never comes back empty */
		if (v[mid] < v[lo])
			swap64(&v[mid], &v[lo]);
		if (v[hi - 1] < v[lo])
			swap64(&v[hi - 1], &v[lo]);
		if (v[hi - 1] < v[mid])
			swap64(&v[hi - 1], &v[mid]);
		swap64(&v[lo], &v[mid]);
		int64_t pivot = v[lo];
		ptrdiff_t i = (ptrdiff_t)lo - 1, j = (ptrdiff_t)hi;
		for (;;) {
			do
				i++;
			while (v[i] < pivot);
			do
				j--;
			while (v[j] > pivot);
			if (i >= j)
				break;
			swap64(&v[i], &v[j]);
		}
		if (k <= (size_t)j)
			hi = (size_t)j + 1;
		else
			lo = (size_t)j + 1;
	}
	insertion_sort(v + lo, hi - lo);
}

void lab_select_ranks(int64_t *v, size_t n, const size_t *idx, size_t m, int64_t *out)
{
	size_t lo = 0;
	for (size_t i = 0; i < m; i++) {
		size_t k = idx[i];
		if (k >= n)
			k = n - 1;
		if (k >= lo) {
			select_k(v, lo, n, k);
			lo = k + 1 < n ? k + 1 : n - 1;
		}
		out[i] = v[k];
	}
}

bool lab_is_sorted_i64(const int64_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (v[i] < v[i - 1])
			return false;
	return true;
}

static int radix_sort(int64_t *v, size_t n, int64_t *tmp)
{
	size_t(*cnt)[256];
	int64_t *own = NULL;
	if (n < 64) {
		insertion_sort(v, n);
		return 0;
	}
	if (!tmp) {
		own = tmp = malloc(n * sizeof(*tmp));
		if (!tmp)
			return -1;
	}
	cnt = calloc(8, sizeof(*cnt));
	if (!cnt) {
		free(own);
		return -1;
	}
	/* flipping the sign bit orders signed values as unsigned */
	for (size_t i = 0; i < n; i++) {
		uint64_t u = (uint64_t)v[i] ^ (1ull << 63);
		for (int d = 0; d < 8; d++)
			cnt[d][(u >> (8 * d)) & 0xff]++;
	}
	int64_t *src = v, *dst = tmp;
	for (int d = 0; d < 8; d++) {
		uint64_t u0 = (uint64_t)v[0] ^ (1ull << 63);
		if (cnt[d][(u0 >> (8 * d)) & 0xff] == n)
			continue; /* every value has the same digit here */
		size_t pos = 0;
		for (int b = 0; b < 256; b++) {
			size_t c = cnt[d][b];
			cnt[d][b] = pos;
			pos += c;
		}
		for (size_t i = 0; i < n; i++) {
			uint64_t u = (uint64_t)src[i] ^ (1ull << 63);
			dst[cnt[d][(u >> (8 * d)) & 0xff]++] = src[i];
		}
		int64_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
	free(cnt);
	free(own);
	return 0;
}

uint32_t lab_spectrum_ppm(int i)
{
	/* 1 - p = 10^(-i/steps); rounded to whole ppm, so point 5*steps is 999990 ppm */
	double one_minus = pow(10.0, -(double)i / LAB_SPEC_STEPS_PER_DECADE);
	double ppm = (1.0 - one_minus) * 1e6;
	return (uint32_t)llround(ppm);
}

/* Exact selection in three streaming passes instead of quickselect's many: bucket every
 * value by its top bits above the minimum, find the bucket of each wanted rank from the
 * counts, move the values of those buckets (few, usually) to the front, and select there. The
 * wanted ranks keep their order because the buckets are ordered and moved whole. */
#define SEL_BUCKETS 65536
static void select_by_buckets(int64_t *v, size_t n, const size_t *idx, size_t m, int64_t *out)
{
	int64_t lo = v[0], hi = v[0];
	for (size_t i = 1; i < n; i++) {
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	uint64_t range = (uint64_t)hi - (uint64_t)lo;
	unsigned shift = 0;
	while ((range >> shift) >= SEL_BUCKETS)
		shift++;
	size_t *cnt = n >= 4096 ? calloc(SEL_BUCKETS, sizeof(*cnt)) : NULL;
	uint8_t *want = cnt ? calloc(SEL_BUCKETS, 1) : NULL;
	if (!want) { /* small input, or no memory for the counts: plain selection */
		free(cnt);
		lab_select_ranks(v, n, idx, m, out);
		return;
	}
	for (size_t i = 0; i < n; i++)
		cnt[((uint64_t)v[i] - (uint64_t)lo) >> shift]++;
	/* which bucket holds each rank (ranks ascending, so one walk) */
	size_t before = 0, b = 0, bucket_of[64 + LAB_SPEC_POINTS];
	for (size_t k = 0; k < m; k++) {
		while (before + cnt[b] <= idx[k]) {
			before += cnt[b];
			b++;
		}
		bucket_of[k] = b;
		want[b] = 1;
	}
	if (shift == 0) {
		/* a bucket per value: the bucket is the answer */
		for (size_t k = 0; k < m; k++)
			out[k] = lo + (int64_t)bucket_of[k];
		free(cnt);
		free(want);
		return;
	}
	/* rank within the gathered set = values in wanted buckets below + offset in the bucket */
	size_t g = 0, below_all = 0, gsz = 0, k = 0;
	size_t local[64 + LAB_SPEC_POINTS];
	for (size_t bb = 0; bb < SEL_BUCKETS && k < m; bb++) {
		while (k < m && bucket_of[k] == bb) {
			local[k] = gsz + (idx[k] - below_all);
			k++;
		}
		if (want[bb])
			gsz += cnt[bb];
		below_all += cnt[bb];
	}
	for (size_t i = 0; i < n; i++) {
		if (want[((uint64_t)v[i] - (uint64_t)lo) >> shift]) {
			int64_t t = v[g];
			v[g++] = v[i];
			v[i] = t;
		}
	}
	lab_select_ranks(v, g, local, m, out);
	free(cnt);
	free(want);
}

/* The wanted ranks of n values, ascending, and which output each feeds (slot < 7: a key
 * percentile, else a spectrum point). Returns how many. */
static size_t pct_ranks(size_t n, size_t *idx, int *slot)
{
	static const uint32_t key_ppm[] = {0, 500000, 900000, 990000, 999000, 999900, 1000000};
	size_t m = 0;
	for (int i = 0; i < 7; i++) {
		idx[m] = lab_rank_ppm(n, key_ppm[i]);
		slot[m++] = i;
	}
	for (int i = 0; i < LAB_SPEC_POINTS; i++) {
		idx[m] = lab_rank_ppm(n, lab_spectrum_ppm(i));
		slot[m++] = 7 + i;
	}
	/* sort the (rank, slot) pairs by rank: a handful, insertion is enough */
	for (size_t i = 1; i < m; i++) {
		size_t r = idx[i];
		int s = slot[i];
		size_t j = i;
		while (j > 0 && idx[j - 1] > r) {
			idx[j] = idx[j - 1];
			slot[j] = slot[j - 1];
			j--;
		}
		idx[j] = r;
		slot[j] = s;
	}
	return m;
}

static void pct_store(struct lab_pct *out, const int *slot, const int64_t *val, size_t m)
{
	int64_t *keys[7] = {&out->min, &out->p50, &out->p90, &out->p99, &out->p999, &out->p9999,
			    &out->max};
	for (size_t i = 0; i < m; i++) {
		if (slot[i] < 7)
			*keys[slot[i]] = val[i];
		else
			out->spectrum[slot[i] - 7] = val[i];
	}
}

void lab_percentiles(int64_t *v, size_t n, struct lab_pct *out)
{
	size_t idx[7 + LAB_SPEC_POINTS];
	int slot[7 + LAB_SPEC_POINTS];
	int64_t val[7 + LAB_SPEC_POINTS];

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return;
	out->n = n;
	size_t m = pct_ranks(n, idx, slot);
	select_by_buckets(v, n, idx, m, val);
	pct_store(out, slot, val, m);
}

int lab_ps_init(struct lab_pstream *s)
{
	memset(s, 0, sizeof(*s));
	s->cnt = calloc(LAB_PS_BUCKETS, sizeof(*s->cnt));
	return s->cnt ? 0 : -1;
}

/* Bucket b holds a single value (lab_ps_bucket is the identity on |v| below 2^(SUB_BITS + 1)):
 * true, and the value in *v. */
static bool bucket_single(size_t b, int64_t *v)
{
	uint64_t f = b >= LAB_PS_HALF ? b - LAB_PS_HALF : LAB_PS_HALF - 1 - b;
	if (f >= (2u << LAB_PS_SUB_BITS))
		return false;
	*v = b >= LAB_PS_HALF ? (int64_t)f : -(int64_t)f - 1;
	return true;
}

int lab_ps_plan(struct lab_pstream *s, size_t max_gather)
{
	if (s->n == 0)
		return 0;
	s->want = calloc(LAB_PS_BUCKETS, 1);
	if (!s->want)
		return -1;
	s->m = pct_ranks(s->n, s->idx, s->slot);
	/* one walk: the bucket of each rank, and its rank among the gathered values (the values
	 * of wanted buckets below it, plus its offset inside its own bucket) */
	size_t before = 0, gathered = 0, k = 0;
	for (size_t b = 0; b < LAB_PS_BUCKETS && k < s->m; b++) {
		size_t c = s->cnt[b];
		if (s->idx[k] >= before + c) {
			before += c;
			continue;
		}
		int64_t one = 0;
		bool single = bucket_single(b, &one);
		while (k < s->m && s->idx[k] < before + c) {
			s->direct[k] = single;
			s->dval[k] = one;
			s->local[k] = gathered + (s->idx[k] - before);
			k++;
		}
		if (!single) {
			s->want[b] = 1;
			gathered += c;
		}
		before += c;
	}
	if (gathered > max_gather)
		return 1;
	s->gcap = gathered;
	s->g = malloc((gathered ? gathered : 1) * sizeof(*s->g));
	return s->g ? 0 : -1;
}

int lab_ps_finish(struct lab_pstream *s, struct lab_pct *out)
{
	int64_t val[7 + LAB_SPEC_POINTS];
	memset(out, 0, sizeof(*out));
	if (s->n == 0)
		return 0;
	if (s->ng != s->gcap)
		return -1;
	out->n = s->n;
	/* select only the ranks whose bucket was gathered; the local ranks stay ascending */
	size_t li[7 + LAB_SPEC_POINTS], mm = 0;
	int64_t sel[7 + LAB_SPEC_POINTS];
	for (size_t k = 0; k < s->m; k++)
		if (!s->direct[k])
			li[mm++] = s->local[k];
	lab_select_ranks(s->g, s->ng, li, mm, sel);
	for (size_t k = 0, j = 0; k < s->m; k++)
		val[k] = s->direct[k] ? s->dval[k] : sel[j++];
	pct_store(out, s->slot, val, s->m);
	return 0;
}

void lab_ps_free(struct lab_pstream *s)
{
	free(s->cnt);
	free(s->want);
	free(s->g);
	s->cnt = NULL;
	s->want = NULL;
	s->g = NULL;
}

/* Arrival series are nearly sorted (a few packets overtaken): keep the longest greedy run that
 * never goes down, radix-sort only the rest, and merge the two from the back. */
int lab_sort_i64(int64_t *v, size_t n, int64_t *tmp)
{
	size_t kept = 0, out = 0, cap = n / 4 + 1;
	int64_t *own = NULL;
	if (n < 64)
		return radix_sort(v, n, tmp);
	if (!tmp) {
		own = tmp = malloc(n * sizeof(*tmp));
		if (!tmp)
			return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (kept == 0 || v[i] >= v[kept - 1])
			v[kept++] = v[i];
		else if (out < cap)
			tmp[out++] = v[i];
		else
			break;
	}
	if (kept + out != n) {
		/* far from sorted: every value processed so far went to one side, so putting the
		 * extracted ones back after the kept run restores a permutation of the input */
		memcpy(v + kept, tmp, out * sizeof(*v));
		int rc = radix_sort(v, n, tmp);
		free(own);
		return rc;
	}
	if (radix_sort(tmp, out, tmp + out) < 0) {
		free(own);
		return -1;
	}
	size_t a = kept, b = out, w = n;
	while (b > 0) {
		if (a > 0 && v[a - 1] > tmp[b - 1])
			v[--w] = v[--a];
		else
			v[--w] = tmp[--b];
	}
	free(own);
	return 0;
}
