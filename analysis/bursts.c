/* bursts.c — sliding-window microburst detection; the definition is in bursts.h. */
#include "bursts.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

void lab_burst_default(double mean_pps, struct lab_burst_cfg *c)
{
	uint64_t w = 100000;
	if (mean_pps > 0 && isfinite(mean_pps)) {
		double w20 = 20e9 / mean_pps;
		if (w20 > (double)w)
			w = w20 > 60e9 ? 60000000000ull : (uint64_t)w20;
	}
	c->window_ns = w;
	c->threshold_pps = mean_pps > 0 && isfinite(mean_pps) ? 2 * mean_pps : 0;
}

uint64_t lab_burst_min_count(const struct lab_burst_cfg *c)
{
	/* hot when count * 1e9 / window > threshold, i.e. count > threshold * window / 1e9;
	 * the product is compared in long double so thresholds given in pps stay exact */
	long double lim = (long double)c->threshold_pps * (long double)c->window_ns / 1e9L;
	uint64_t k = (uint64_t)floorl(lim);
	return k + 1;
}

size_t lab_bursts_find(const int64_t *t, size_t n, const struct lab_burst_cfg *c,
		       struct lab_burst **out)
{
	size_t cap = 0, nb = 0;
	struct lab_burst *b = NULL;
	uint64_t need = lab_burst_min_count(c);
	size_t j = 0;            /* first index at or past the window of i */
	size_t cur_end = 0;      /* one past the last packet of the open burst */
	bool open = false;
	*out = NULL;
	if (c->window_ns == 0 || need == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (j < i)
			j = i;
		int64_t lim = t[i] + (int64_t)c->window_ns;
		while (j < n && t[j] < lim)
			j++;
		uint64_t cnt = j - i;
		if (cnt < need)
			continue;
		double rate = (double)cnt * 1e9 / (double)c->window_ns;
		if (open && i < cur_end) {
			struct lab_burst *cb = &b[nb - 1];
			if (j > cur_end)
				cur_end = j;
			cb->count = cur_end - cb->first;
			cb->end_ns = t[cur_end - 1];
			if (rate > cb->peak_pps)
				cb->peak_pps = rate;
			continue;
		}
		if (nb == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct lab_burst *nbp = realloc(b, nc * sizeof(*nbp));
			if (!nbp) {
				free(b);
				return (size_t)-1;
			}
			b = nbp;
			cap = nc;
		}
		b[nb++] = (struct lab_burst){t[i], t[j - 1], i, j - i, rate};
		cur_end = j;
		open = true;
	}
	*out = b;
	return nb;
}
