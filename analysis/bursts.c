/* bursts.c — sliding-window microburst detection, one pass; the definition is in bursts.h. */
#include "bursts.h"

#include <math.h>
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
	c->threshold_bps = 0;
}

/* hot when x * 1e9 / window > rate, i.e. x > rate * window / 1e9; the product is compared in
 * long double so thresholds given in pps or bit/s stay exact */
static uint64_t min_above(double rate, uint64_t window_ns)
{
	if (!(rate > 0) || !isfinite(rate))
		return UINT64_MAX;
	long double lim = (long double)rate * (long double)window_ns / 1e9L;
	if (lim >= 1.8e19L)
		return UINT64_MAX;
	return (uint64_t)floorl(lim) + 1;
}

uint64_t lab_burst_min_count(const struct lab_burst_cfg *c)
{
	return min_above(c->threshold_pps, c->window_ns);
}

uint64_t lab_burst_min_bits(const struct lab_burst_cfg *c)
{
	return min_above(c->threshold_bps, c->window_ns);
}

int lab_bs_init(struct lab_burst_stream *s, const struct lab_burst_cfg *c, size_t cap,
		lab_bs_cb cb, void *ctx)
{
	*s = (struct lab_burst_stream){.cfg = *c, .cap = cap ? cap : 1, .cb = cb, .ctx = ctx};
	s->need = lab_burst_min_count(c);
	s->need_bits = lab_burst_min_bits(c);
	s->ring = malloc(s->cap * sizeof(*s->ring));
	return s->ring ? 0 : -1;
}

void lab_bs_free(struct lab_burst_stream *s)
{
	free(s->ring);
	s->ring = NULL;
}

static struct lab_bs_ent *ent(const struct lab_burst_stream *s, uint64_t seq)
{
	return &s->ring[seq % s->cap];
}

/* The oldest packet's window over what is held so far; true when it is hot already (it can
 * only fill further). */
static bool head_window(struct lab_burst_stream *s)
{
	uint64_t i = s->head;
	int64_t lim = ent(s, i)->t + (int64_t)s->cfg.window_ns;
	if (s->j < i)
		s->j = i;
	while (s->j < s->n && ent(s, s->j)->t < lim)
		s->bits_in += (uint64_t)ent(s, s->j++)->len * 8;
	return (s->need != UINT64_MAX && s->j - i >= s->need) ||
	       (s->need_bits != UINT64_MAX && s->bits_in >= s->need_bits);
}

/* Window head is hot: open a burst there, or grow the open one (sharing packets with it). */
static void hot_head(struct lab_burst_stream *s)
{
	uint64_t i = s->head;
	const struct lab_bs_ent *e = ent(s, i);
	bool opened = false;
	if (!(s->open && i < s->cur_end)) {
		s->open = opened = true;
		s->cur = (struct lab_burst){.start_ns = e->t, .first = i, .peak_pps = 0};
		s->cur_end = i;
	}
	if (s->j > s->cur_end) {
		s->cur_end = s->j;
		s->end_known_t = ent(s, s->j - 1)->t;
	}
	if (opened) /* cur_end and end_known_t are what the window shows so far */
		s->cb(s->ctx, LAB_BS_OPEN, &s->cur, i, e->t, e->user);
}

/* Before its window is decided: announce what is sure already. */
static void early(struct lab_burst_stream *s)
{
	if (s->head < s->n && head_window(s))
		hot_head(s);
}

/* Decide the window of the oldest packet held: every packet of it has been seen. */
static void decide(struct lab_burst_stream *s)
{
	uint64_t i = s->head;
	const struct lab_bs_ent *e = ent(s, i);
	bool hot = head_window(s);
	uint64_t cnt = s->j - i;
	double pps = (double)cnt * 1e9 / (double)s->cfg.window_ns;
	double bps = (double)s->bits_in * 1e9 / (double)s->cfg.window_ns;

	if (hot)
		hot_head(s);
	if (s->open && hot) {
		if (pps > s->cur.peak_pps)
			s->cur.peak_pps = pps;
		if (bps > s->cur.peak_bps)
			s->cur.peak_bps = bps;
	}
	if (s->open && i < s->cur_end) {
		s->cur.count = i + 1 - s->cur.first;
		s->cur.end_ns = e->t;
		s->cur.bytes += e->len;
		s->cb(s->ctx, LAB_BS_PACKET, &s->cur, i, e->t, e->user);
		if (i + 1 == s->cur_end) { /* no window left that could reach further */
			s->open = false;
			s->cb(s->ctx, LAB_BS_CLOSE, &s->cur, i, e->t, e->user);
		}
	}
	s->cb(s->ctx, LAB_BS_DONE, s->open ? &s->cur : NULL, i, e->t, e->user);
	s->bits_in -= (uint64_t)e->len * 8;
	s->head++;
}

void lab_bs_push(struct lab_burst_stream *s, int64_t t, uint32_t len, uint64_t user)
{
	while (s->head < s->n && ent(s, s->head)->t + (int64_t)s->cfg.window_ns <= t)
		decide(s);
	if (s->n - s->head == s->cap) { /* full: decide early on what is held */
		s->saturated++;
		decide(s);
	}
	*ent(s, s->n) = (struct lab_bs_ent){t, len, user};
	s->n++;
	early(s);
}

void lab_bs_advance(struct lab_burst_stream *s, int64_t now)
{
	while (s->head < s->n && ent(s, s->head)->t + (int64_t)s->cfg.window_ns <= now)
		decide(s);
	early(s);
}

void lab_bs_flush(struct lab_burst_stream *s)
{
	while (s->head < s->n)
		decide(s);
}

/* ---- over an array ---- */
struct collect {
	struct lab_burst *b;
	size_t n, cap;
	bool oom;
};

static void collect_cb(void *ctx, enum lab_bs_what what, const struct lab_burst *b, uint64_t seq,
		       int64_t t, uint64_t user)
{
	struct collect *c = ctx;
	(void)seq, (void)t, (void)user;
	if (what != LAB_BS_CLOSE || c->oom)
		return;
	if (c->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 16;
		struct lab_burst *nb = realloc(c->b, nc * sizeof(*nb));
		if (!nb) {
			c->oom = true;
			return;
		}
		c->b = nb;
		c->cap = nc;
	}
	c->b[c->n++] = *b;
}

size_t lab_bursts_find_len(const int64_t *t, const uint32_t *len, size_t n,
			   const struct lab_burst_cfg *c, struct lab_burst **out)
{
	struct lab_burst_stream s;
	struct collect col = {0};
	*out = NULL;
	if (c->window_ns == 0 || n == 0)
		return 0;
	if (lab_bs_init(&s, c, n, collect_cb, &col) < 0)
		return (size_t)-1;
	for (size_t i = 0; i < n; i++)
		lab_bs_push(&s, t[i], len ? len[i] : 0, i);
	lab_bs_flush(&s);
	lab_bs_free(&s);
	if (col.oom) {
		free(col.b);
		return (size_t)-1;
	}
	*out = col.b;
	return col.n;
}

size_t lab_bursts_find(const int64_t *t, size_t n, const struct lab_burst_cfg *c,
		       struct lab_burst **out)
{
	return lab_bursts_find_len(t, NULL, n, c, out);
}
