/* hist.c — see hist.h. */
#include "hist.h"

#include <string.h>

void gen_hist_reset(struct gen_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

static unsigned bucket_of(uint64_t v)
{
	if (v < GEN_HIST_SUB)
		return (unsigned)v;
	unsigned e = 63u - (unsigned)__builtin_clzll(v); /* >= 6 */
	return (e - 5) * GEN_HIST_SUB + (unsigned)((v >> (e - 6)) & (GEN_HIST_SUB - 1));
}

static void bucket_range(unsigned b, uint64_t *lo, uint64_t *width)
{
	if (b < GEN_HIST_SUB) {
		*lo = b;
		*width = 1;
		return;
	}
	unsigned e = b / GEN_HIST_SUB + 5, m = b % GEN_HIST_SUB;
	*lo = ((uint64_t)(GEN_HIST_SUB + m)) << (e - 6);
	*width = 1ull << (e - 6);
}

void gen_hist_add(struct gen_hist *h, uint64_t v)
{
	h->b[bucket_of(v)]++;
	h->n++;
	if (v > h->max)
		h->max = v;
	if (v < h->min)
		h->min = v;
}

uint64_t gen_hist_quantile(const struct gen_hist *h, double q)
{
	if (h->n == 0)
		return 0;
	if (q >= 1.0)
		return h->max;
	uint64_t rank = (uint64_t)(q * (double)h->n);
	if (rank >= h->n)
		rank = h->n - 1;
	uint64_t seen = 0;
	for (unsigned b = 0; b < GEN_HIST_BUCKETS; b++) {
		seen += h->b[b];
		if (seen > rank) {
			uint64_t lo, w;
			bucket_range(b, &lo, &w);
			uint64_t v = lo + w / 2;
			return v < h->min ? h->min : v > h->max ? h->max : v;
		}
	}
	return h->max;
}
