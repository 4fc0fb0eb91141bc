/* clocksync.c — clocksync.h's estimate: one pass for the span, one for each window's
 * minimum-delay packet, a least-squares line through the windows. */
#include "clocksync.h"

#include <math.h>
#include <string.h>

#include "rec.h"

typedef bool (*get_fn)(const void *arr, size_t i, struct lab_clock_pkt *out);

static bool get_pkt(const void *arr, size_t i, struct lab_clock_pkt *out)
{
	*out = ((const struct lab_clock_pkt *)arr)[i];
	return true;
}

static bool get_rec(const void *arr, size_t i, struct lab_clock_pkt *out)
{
	const struct lab_rec *r = (const struct lab_rec *)arr + i;
	if ((r->flags & (LAB_REC_RECEIVED | LAB_REC_STAMPED)) != (LAB_REC_RECEIVED | LAB_REC_STAMPED))
		return false;
	*out = (struct lab_clock_pkt){r->sent_ns, r->dut_rx_ns, r->dut_tx_ns, r->recv_ns};
	return true;
}

static bool usable(const struct lab_clock_pkt *p, int64_t *theta2, int64_t *delta)
{
	if (!p->t1 || !p->t2 || !p->t3 || !p->t4 || p->t4 < p->t1 || p->t3 < p->t2)
		return false;
	/* differences first: the stamps of two clocks can lie seconds apart, their sums overflow */
	uint64_t rtt = p->t4 - p->t1, dut = p->t3 - p->t2;
	if (rtt < dut || rtt > (uint64_t)INT64_MAX)
		return false;
	*delta = (int64_t)(rtt - dut);
	/* 2 theta = (t2 - t1) + (t3 - t4), each a difference of two clocks' readings */
	int64_t a = (int64_t)(p->t2 - p->t1), b = (int64_t)(p->t3 - p->t4);
	if (__builtin_add_overflow(a, b, theta2))
		return false;
	return true;
}

struct win {
	int64_t t, theta2, delta;
	size_t n;
};

static void estimate(const void *arr, size_t n, get_fn get, struct lab_clock *out)
{
	memset(out, 0, sizeof(*out));
	uint64_t lo = UINT64_MAX, hi = 0;
	int64_t th2, d;
	struct lab_clock_pkt q;
	for (size_t i = 0; i < n; i++) {
		if (!get(arr, i, &q) || !usable(&q, &th2, &d))
			continue;
		out->packets++;
		lo = q.t1 < lo ? q.t1 : lo;
		hi = q.t1 > hi ? q.t1 : hi;
	}
	if (out->packets < LAB_CLOCK_MIN_PER_WINDOW)
		return;
	size_t nw = out->packets / LAB_CLOCK_MIN_PER_WINDOW;
	nw = nw > LAB_CLOCK_WINDOWS ? LAB_CLOCK_WINDOWS : nw;
	struct win w[LAB_CLOCK_WINDOWS];
	memset(w, 0, sizeof(w));
	uint64_t span = hi - lo + 1;
	out->rtt_floor_ns = INT64_MAX;
	for (size_t i = 0; i < n; i++) {
		if (!get(arr, i, &q) || !usable(&q, &th2, &d))
			continue;
		size_t k = (size_t)((unsigned __int128)(q.t1 - lo) * nw / span);
		if (!w[k].n || d < w[k].delta) {
			w[k].t = (int64_t)(q.t1 - lo);
			w[k].theta2 = th2;
			w[k].delta = d;
		}
		w[k].n++;
		out->rtt_floor_ns = d < out->rtt_floor_ns ? d : out->rtt_floor_ns;
	}
	/* the line through the windows that hold enough packets: times relative to lo, in seconds,
	 * offsets relative to the first window's (the fit's sums stay small) */
	double st = 0, so = 0, m = 0, base = 0, derr = 0;
	bool first = true;
	for (size_t k = 0; k < nw; k++) {
		if (w[k].n < LAB_CLOCK_MIN_PER_WINDOW / 2 + 1)
			continue;
		if (first)
			base = (double)w[k].theta2 / 2, first = false;
		st += (double)w[k].t / 1e9;
		so += (double)w[k].theta2 / 2 - base;
		derr += (double)w[k].delta / 2;
		m++;
	}
	if (m < 1)
		return;
	double tm = st / m, om = so / m, sxx = 0, sxy = 0;
	for (size_t k = 0; k < nw; k++) {
		if (w[k].n < LAB_CLOCK_MIN_PER_WINDOW / 2 + 1)
			continue;
		double x = (double)w[k].t / 1e9 - tm, y = (double)w[k].theta2 / 2 - base - om;
		sxx += x * x;
		sxy += x * y;
	}
	out->have = true;
	out->windows = (size_t)m;
	out->drift_ppm = sxx > 0 ? sxy / sxx / 1e3 : 0; /* ns per s is ppm x 1e3 */
	out->t_ref_ns = (int64_t)(lo + (uint64_t)llround(tm * 1e9)); /* unsigned: lo can pass INT64_MAX */
	out->offset_ns = (int64_t)llround(base + om);
	out->offset_error_ns = (int64_t)ceil(derr / m);
}

void lab_clock_estimate(const struct lab_clock_pkt *pk, size_t n, struct lab_clock *out)
{
	estimate(pk, pk ? n : 0, get_pkt, out);
}

void lab_clock_estimate_recs(const struct lab_rec *recs, size_t n, struct lab_clock *out)
{
	estimate(recs, recs ? n : 0, get_rec, out);
}

int64_t lab_clock_offset_at(const struct lab_clock *c, int64_t t_gen_ns)
{
	if (!c->have)
		return 0;
	double dt_s = ((double)t_gen_ns - (double)c->t_ref_ns) / 1e9, add = c->drift_ppm * 1e3 * dt_s;
	int64_t r;
	if (!(fabs(add) < 9e18) || __builtin_add_overflow(c->offset_ns, (int64_t)llround(add), &r))
		return c->offset_ns; /* a drift no clock has: the offset alone */
	return r;
}
