/* attrib.c — see attrib.h: per-core exclusive timelines from the events, then each slow
 * packet's windows against them. */
#include "attrib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACC_MAX 64   /* distinct causes tracked per packet; more go to the last slot's cause */
#define HASH_BITS 14

struct seg {
	uint64_t s, e;
	uint32_t cause;
};

struct timeline {
	int cpu;
	struct seg *seg;
	size_t n, cap;
};

struct iv {
	uint64_t s, e;
	uint32_t cause;
	uint8_t prio;
};

struct ctx {
	const struct lab_attrib_opts *o;
	struct lab_cause *causes;
	size_t nc, capc;
	uint32_t hash[1u << HASH_BITS]; /* cause index + 1, 0 = empty */
	struct timeline tl[2];
	int ncores;
	bool oom;
};

const char *lab_cause_kind_name(enum lab_cause_kind k)
{
	static const char *const n[LAB_CAUSE_KINDS] = {"irq", "softirq", "nmi", "task", "hypervisor",
						      "lab"};
	return (unsigned)k < LAB_CAUSE_KINDS ? n[k] : "?";
}

static uint32_t hash_key(int core, enum lab_cause_kind kind, const char *name)
{
	uint32_t h = 2166136261u ^ (uint32_t)core * 16777619u ^ (uint32_t)kind;
	for (const char *c = name; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	return h & ((1u << HASH_BITS) - 1);
}

/* The index of (core, kind, name), added when new; UINT32_MAX when out of memory. */
static uint32_t cause_id(struct ctx *x, int core, enum lab_cause_kind kind, const char *name)
{
	uint32_t h = hash_key(core, kind, name);
	for (uint32_t probes = 0; probes < (1u << HASH_BITS); probes++, h = (h + 1) & ((1u << HASH_BITS) - 1)) {
		uint32_t v = x->hash[h];
		if (!v)
			break;
		struct lab_cause *c = &x->causes[v - 1];
		if (c->core == core && c->kind == kind && !strcmp(c->name, name))
			return v - 1;
	}
	if (x->hash[h] || x->nc >= (1u << HASH_BITS) - 1)
		return UINT32_MAX;
	if (x->nc == x->capc) {
		size_t cap = x->capc ? x->capc * 2 : 64;
		struct lab_cause *p = realloc(x->causes, cap * sizeof(*p));
		if (!p) {
			x->oom = true;
			return UINT32_MAX;
		}
		x->causes = p;
		x->capc = cap;
	}
	struct lab_cause *c = &x->causes[x->nc];
	memset(c, 0, sizeof(*c));
	c->core = core;
	c->kind = kind;
	c->id = (uint32_t)x->nc;
	snprintf(c->name, sizeof(c->name), "%s", name);
	x->hash[h] = (uint32_t)++x->nc;
	return (uint32_t)(x->nc - 1);
}

static void evt_name(const struct lab_evt *v, char *out, size_t len)
{
	size_t l = strnlen(v->name, sizeof(v->name));
	if (l) {
		snprintf(out, len, "%.*s", (int)l, v->name);
		return;
	}
	if (v->kind == LAB_EVT_IRQ)
		snprintf(out, len, "irq %u", v->id);
	else if (v->kind == LAB_EVT_SOFTIRQ)
		snprintf(out, len, "vector %u", v->id);
	else if (v->kind == LAB_EVT_NMI)
		snprintf(out, len, "nmi");
	else
		snprintf(out, len, "tid %u", v->id);
}

/* The thread on the core longest: the work itself (the generator, the poller), not a cause. */
static uint32_t occupant(const struct lab_evt *ev, size_t nev, int cpu, char *name, size_t len)
{
	uint32_t best = 0;
	uint64_t best_ns = 0;
	struct { uint32_t tid; uint64_t ns, longest; size_t at; } t[256]; /* at: its longest stay */
	size_t nt = 0;
	for (size_t i = 0; i < nev; i++) {
		const struct lab_evt *v = &ev[i];
		if (v->kind != LAB_EVT_TASK || (int)v->cpu != cpu || (v->flags & LAB_EVT_F_IDLE))
			continue;
		size_t k = 0;
		while (k < nt && t[k].tid != v->id)
			k++;
		if (k == nt) {
			if (nt == 256)
				continue;
			t[nt].tid = v->id, t[nt].ns = 0, t[nt].longest = 0, t[nt].at = i, nt++;
		}
		t[k].ns += v->end_ns - v->start_ns;
		if (v->end_ns - v->start_ns > t[k].longest) /* its name then (not a pre-exec one) */
			t[k].longest = v->end_ns - v->start_ns, t[k].at = i;
	}
	name[0] = '\0';
	for (size_t k = 0; k < nt; k++)
		if (t[k].ns > best_ns) {
			best_ns = t[k].ns, best = t[k].tid;
			evt_name(&ev[t[k].at], name, len);
		}
	return best;
}

static int cmp_iv_start(const void *a, const void *b)
{
	const struct iv *x = a, *y = b;
	return x->s < y->s ? -1 : x->s > y->s;
}

/* The guest events of the core as intervals with their nesting priority; GAP records go to gaps. */
static int guest_intervals(struct ctx *x, const struct lab_evt *ev, size_t nev, int cpu,
			   uint32_t occ, struct iv **out, size_t *nout, struct iv **gaps, size_t *ngaps)
{
	struct iv *a = malloc((nev + 1) * sizeof(*a)), *g = malloc((nev + 1) * sizeof(*g));
	size_t n = 0, ng = 0;
	char name[24];
	if (!a || !g) {
		free(a), free(g);
		return -1;
	}
	for (size_t i = 0; i < nev; i++) {
		const struct lab_evt *v = &ev[i];
		static const uint8_t prio[] = {[LAB_EVT_IRQ] = 3, [LAB_EVT_SOFTIRQ] = 2,
					       [LAB_EVT_NMI] = 4, [LAB_EVT_TASK] = 1};
		static const enum lab_cause_kind kind[] = {[LAB_EVT_IRQ] = LAB_CAUSE_IRQ,
			[LAB_EVT_SOFTIRQ] = LAB_CAUSE_SOFTIRQ, [LAB_EVT_NMI] = LAB_CAUSE_NMI,
			[LAB_EVT_TASK] = LAB_CAUSE_TASK};
		if ((int)v->cpu != cpu || v->end_ns <= v->start_ns)
			continue;
		if (v->kind == LAB_EVT_GAP) {
			g[ng++] = (struct iv){v->start_ns, v->end_ns, 0, 5};
			continue;
		}
		if (v->kind == LAB_EVT_TASK && ((v->flags & LAB_EVT_F_IDLE) || v->id == occ))
			continue;
		enum lab_cause_kind k = kind[v->kind];
		if (v->kind == LAB_EVT_TASK && (v->flags & LAB_EVT_F_LAB))
			k = LAB_CAUSE_LAB;
		evt_name(v, name, sizeof(name));
		uint32_t c = cause_id(x, cpu, k, name);
		if (c == UINT32_MAX)
			continue;
		x->causes[c].count++;
		a[n++] = (struct iv){v->start_ns, v->end_ns, c, prio[v->kind]};
	}
	*out = a, *nout = n, *gaps = g, *ngaps = ng;
	return 0;
}

static int push_iv(struct iv **a, size_t *n, size_t *cap, struct iv v)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 1024;
		struct iv *p = realloc(*a, c * sizeof(*p));
		if (!p)
			return -1;
		*a = p, *cap = c;
	}
	(*a)[(*n)++] = v;
	return 0;
}

/* The union of sorted intervals, merged into u (m of them). */
static size_t merge_union(const struct iv *r, size_t n, struct iv *u)
{
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (m && r[i].s <= u[m - 1].e) {
			if (r[i].e > u[m - 1].e)
				u[m - 1].e = r[i].e;
		} else {
			u[m++] = r[i];
		}
	}
	return m;
}

/* Each gap minus the union of the guest intervals: what no guest event explains. */
static int hypervisor_pieces(struct ctx *x, int cpu, struct iv **a, size_t *n, struct iv *g,
			     size_t ng)
{
	size_t cap = *n + 1, n0 = *n, m, j = 0;
	struct iv *u = malloc((*n + 1) * sizeof(*u));
	if (!u)
		return -1;
	qsort(*a, *n, sizeof(**a), cmp_iv_start);
	m = merge_union(*a, *n, u);
	qsort(g, ng, sizeof(*g), cmp_iv_start);
	uint32_t hv = ng ? cause_id(x, cpu, LAB_CAUSE_HYPERVISOR, "unexplained gap") : 0;
	int rc = 0;
	for (size_t i = 0; i < ng && hv != UINT32_MAX && rc == 0; i++) {
		uint64_t s = g[i].s;
		while (j < m && u[j].e <= s)
			j++;
		for (size_t k = j; k < m && u[k].s < g[i].e && s < g[i].e && rc == 0; k++) {
			if (u[k].s > s)
				rc = push_iv(a, n, &cap, (struct iv){s, u[k].s, hv, 5});
			if (u[k].e > s)
				s = u[k].e;
		}
		if (s < g[i].e && rc == 0)
			rc = push_iv(a, n, &cap, (struct iv){s, g[i].e, hv, 5});
	}
	if (ng && hv != UINT32_MAX)
		x->causes[hv].count += *n - n0;
	free(u);
	return rc;
}

struct point {
	uint64_t t;
	uint32_t iv;
	uint8_t start; /* ends sort before starts at the same time */
};

static int cmp_point(const void *a, const void *b)
{
	const struct point *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return (int)x->start - (int)y->start;
}

static int emit(struct ctx *x, struct timeline *tl, uint64_t s, uint64_t e, uint32_t cause)
{
	x->causes[cause].total_ns += e - s;
	if (tl->n && tl->seg[tl->n - 1].cause == cause && tl->seg[tl->n - 1].e == s) {
		tl->seg[tl->n - 1].e = e;
		return 0;
	}
	if (tl->n == tl->cap) {
		size_t c = tl->cap ? tl->cap * 2 : 4096;
		struct seg *p = realloc(tl->seg, c * sizeof(*p));
		if (!p)
			return -1;
		tl->seg = p, tl->cap = c;
	}
	tl->seg[tl->n++] = (struct seg){s, e, cause};
	return 0;
}

/* The innermost active interval: highest priority, then the latest started. */
static uint32_t owner(const struct iv *a, const uint32_t *act, size_t nact)
{
	uint32_t best = act[0];
	for (size_t i = 1; i < nact; i++) {
		const struct iv *c = &a[act[i]], *b = &a[best];
		if (c->prio > b->prio || (c->prio == b->prio && c->s > b->s))
			best = act[i];
	}
	return best;
}

/* Cut the core's time into exclusive segments, each owned by the innermost interval. */
static int sweep(struct ctx *x, struct timeline *tl, const struct iv *a, size_t n)
{
	struct point *p = malloc((2 * n + 1) * sizeof(*p));
	uint32_t *act = malloc((n + 1) * sizeof(*act));
	size_t nact = 0;
	uint64_t prev = 0;
	int rc = 0;
	if (!p || !act) {
		free(p), free(act);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		p[2 * i] = (struct point){a[i].s, (uint32_t)i, 1};
		p[2 * i + 1] = (struct point){a[i].e, (uint32_t)i, 0};
	}
	qsort(p, 2 * n, sizeof(*p), cmp_point);
	for (size_t i = 0; i < 2 * n && rc == 0; i++) {
		if (nact && p[i].t > prev)
			rc = emit(x, tl, prev, p[i].t, a[owner(a, act, nact)].cause);
		if (p[i].start) {
			act[nact++] = p[i].iv;
		} else {
			for (size_t k = 0; k < nact; k++)
				if (act[k] == p[i].iv) {
					act[k] = act[--nact];
					break;
				}
		}
		prev = p[i].t;
	}
	free(p);
	free(act);
	return rc;
}

static void core_noise(const struct lab_evt *ev, size_t nev, int cpu, const struct lab_attrib_opts *o,
		       struct lab_core_noise *nz)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	memset(nz, 0, sizeof(*nz));
	nz->core = cpu;
	for (size_t i = 0; i < nev; i++) {
		const struct lab_evt *v = &ev[i];
		if (v->kind != LAB_EVT_GAP || (int)v->cpu != cpu)
			continue;
		uint64_t d = v->end_ns - v->start_ns;
		nz->have_gaps = true;
		nz->gaps_1us += d > 1000;
		nz->gaps_5us += d > 5000;
		nz->gaps_10us += d > 10000;
		nz->gap_ns += d;
		if (d > nz->max_gap_ns)
			nz->max_gap_ns = d;
		lo = v->start_ns < lo ? v->start_ns : lo;
		hi = v->end_ns > hi ? v->end_ns : hi;
	}
	if (o->span_end_ns > o->span_start_ns)
		nz->seconds = (double)(o->span_end_ns - o->span_start_ns) / 1e9;
	else if (hi > lo)
		nz->seconds = (double)(hi - lo) / 1e9;
}

static int build_core(struct ctx *x, const struct lab_evt *ev, size_t nev, int cpu, int slot,
		      struct lab_tail *out)
{
	struct iv *a = NULL, *g = NULL;
	size_t n = 0, ng = 0;
	int rc;
	uint32_t occ = occupant(ev, nev, cpu, out->occupant[slot], sizeof(out->occupant[slot]));
	out->occupant_tid[slot] = (int)occ;
	x->tl[slot].cpu = cpu;
	if (guest_intervals(x, ev, nev, cpu, occ, &a, &n, &g, &ng) < 0)
		return -1;
	rc = hypervisor_pieces(x, cpu, &a, &n, g, ng);
	if (rc == 0)
		rc = sweep(x, &x->tl[slot], a, n);
	core_noise(ev, nev, cpu, x->o, &out->noise[slot]);
	free(a);
	free(g);
	return rc;
}

struct acc {
	uint32_t cause[ACC_MAX];
	uint64_t ns[ACC_MAX];
	size_t n;
};

static void acc_add(struct acc *a, uint32_t cause, uint64_t ns)
{
	size_t i = 0;
	while (i < a->n && a->cause[i] != cause)
		i++;
	if (i == a->n) {
		if (a->n == ACC_MAX)
			i = ACC_MAX - 1; /* beyond 64 distinct causes: folded into the last one */
		else
			a->cause[a->n++] = cause, a->ns[i] = 0;
	}
	a->ns[i] += ns;
}

/* Every segment of the timeline overlapping [ws, we), by overlap time. */
static void charge(const struct timeline *tl, uint64_t ws, uint64_t we, struct acc *a)
{
	size_t lo = 0, hi = tl->n;
	if (we <= ws)
		return;
	while (lo < hi) { /* the first segment ending after ws */
		size_t mid = (lo + hi) / 2;
		if (tl->seg[mid].e <= ws)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < tl->n && tl->seg[i].s < we; i++) {
		uint64_t s = tl->seg[i].s > ws ? tl->seg[i].s : ws;
		uint64_t e = tl->seg[i].e < we ? tl->seg[i].e : we;
		if (e > s)
			acc_add(a, tl->seg[i].cause, e - s);
	}
}

static uint64_t later(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* Packet r (in a run of slow packets that began with packet first): its windows on each core. */
static void charge_packet(const struct ctx *x, const struct lab_rec *first, const struct lab_rec *r,
			  struct acc *a)
{
	uint64_t lb = LAB_ATTRIB_LOOKBACK_NS;
	uint64_t gen_from = later(first->intended_ns, r->intended_ns > lb ? r->intended_ns - lb : 0);
	uint64_t dut_from = later(first->sent_ns, r->sent_ns > lb ? r->sent_ns - lb : 0);
	for (int k = 0; k < x->ncores; k++) {
		const struct timeline *tl = &x->tl[k];
		bool gen = tl->cpu == x->o->gen_cpu, dut = tl->cpu == x->o->dut_cpu;
		if (gen) {
			/* lateness, the send and the veth's softirq both ways, the receive; and the
			 * time "inside" the DUT too: the kernel path stamps its receive in the softirq
			 * that runs on the sending core, before the socket queue */
			charge(tl, gen_from, r->recv_ns, a);
		} else if (dut) {
			/* the pickup, the time inside, the send */
			charge(tl, dut_from, r->recv_ns, a);
		}
	}
}

static void settle_packet(struct ctx *x, const struct acc *a, uint64_t excess_ns, struct lab_tail *out,
			  struct lab_slow *sl)
{
	uint64_t total = 0, top_ns = 0;
	size_t top = 0;
	for (size_t i = 0; i < a->n; i++) {
		struct lab_cause *c = &x->causes[a->cause[i]];
		c->charged_ns += a->ns[i];
		c->touched++;
		total += a->ns[i];
		if (a->ns[i] > top_ns)
			top_ns = a->ns[i], top = i;
	}
	sl->charged_ns = total;
	sl->top_ns = top_ns;
	sl->top = a->n ? a->cause[top] : UINT32_MAX;
	sl->attributed = a->n && (double)total >= x->o->min_cover * (double)excess_ns;
	if (sl->attributed) {
		x->causes[a->cause[top]].packets++;
		out->attributed++;
	}
}

const char *lab_leg_name(enum lab_leg l)
{
	static const char *const n[LAB_LEGS] = {"lateness", "gen_to_dut", "in_dut", "dut_to_gen",
						"unstamped"};
	return (unsigned)l < LAB_LEGS ? n[l] : "?";
}

/* The leg that took the most of the packet's RTT from its intended send. */
static enum lab_leg longest_leg(const struct lab_rec *r)
{
	uint64_t late = r->sent_ns > r->intended_ns ? r->sent_ns - r->intended_ns : 0;
	if (!(r->flags & LAB_REC_STAMPED) || !r->dut_rx_ns || r->dut_rx_ns < r->sent_ns ||
	    r->dut_tx_ns < r->dut_rx_ns || r->recv_ns < r->dut_tx_ns)
		return late * 2 > r->recv_ns - r->intended_ns ? LAB_LEG_LATE : LAB_LEG_UNSTAMPED;
	uint64_t leg[4] = {late, r->dut_rx_ns - r->sent_ns, r->dut_tx_ns - r->dut_rx_ns,
			   r->recv_ns - r->dut_tx_ns};
	int best = 0;
	for (int i = 1; i < 4; i++)
		if (leg[i] > leg[best])
			best = i;
	return (enum lab_leg)best;
}

static int attribute_packets(struct ctx *x, const struct lab_rec *recs, size_t n, struct lab_tail *out)
{
	const struct lab_rec *first = NULL;
	size_t cap = 0;
	for (size_t i = 0; i < n; i++) {
		const struct lab_rec *r = &recs[i];
		if (!(r->flags & LAB_REC_RECEIVED) || !r->recv_ns || r->recv_ns < r->intended_ns)
			continue;
		uint64_t rtt = r->recv_ns - r->intended_ns;
		if (rtt <= out->threshold_ns) {
			first = NULL;
			continue;
		}
		if (!first)
			first = r;
		if (out->slow == cap) {
			cap = cap ? cap * 2 : 1024;
			struct lab_slow *p = realloc(out->slow_list, cap * sizeof(*p));
			if (!p)
				return -1;
			out->slow_list = p;
		}
		struct lab_slow *sl = &out->slow_list[out->slow];
		struct acc a = {.n = 0};
		charge_packet(x, first, r, &a);
		*sl = (struct lab_slow){.seq = r->seq, .rtt_ns = rtt};
		out->slow++;
		settle_packet(x, &a, rtt > out->p50_ns ? rtt - out->p50_ns : rtt, out, sl);
		if (!sl->attributed)
			out->unattributed_by_leg[longest_leg(r)]++;
	}
	return 0;
}

/* The timeline's exclusive time by kind of cause, in nb bins over [t0, t0 + span). */
static void bin_strip(const struct ctx *x, const struct timeline *tl, uint64_t t0, uint64_t span,
		      int nb, lab_strip_t *bins)
{
	for (size_t i = 0; i < tl->n; i++) {
		uint64_t s = tl->seg[i].s > t0 ? tl->seg[i].s : t0, e = tl->seg[i].e;
		if (e > t0 + span)
			e = t0 + span;
		enum lab_cause_kind kind = x->causes[tl->seg[i].cause].kind;
		while (s < e) {
			uint64_t b = (s - t0) * (uint64_t)nb / span;
			uint64_t bend = t0 + (b + 1) * span / (uint64_t)nb;
			if (b >= (uint64_t)nb)
				break;
			if (bend <= s) /* the bin's integer end rounded down onto s */
				bend = s + 1;
			uint64_t upto = e < bend ? e : bend;
			bins[b][kind] += upto - s;
			s = upto;
		}
	}
}

/* The second after the first packet with the most slow packets: its packets and strips. */
static int zoom(const struct ctx *x, const struct lab_rec *recs, size_t n, struct lab_tail *out)
{
	uint64_t t0 = x->o->bin_t0_ns, best = 0, best_n = 0, cur = UINT64_MAX, cur_n = 0;
	for (uint64_t i = 0; i < out->slow; i++) { /* slow_list is in sequence order: time order */
		uint32_t seq = out->slow_list[i].seq;
		if (seq >= n || recs[seq].intended_ns < t0)
			continue;
		uint64_t sec = (recs[seq].intended_ns - t0) / 1000000000ull;
		cur_n = sec == cur ? cur_n + 1 : 1;
		cur = sec;
		if (cur_n > best_n)
			best_n = cur_n, best = sec;
	}
	if (!best_n)
		return 0;
	out->have_zoom = true;
	out->zoom_slow = best_n;
	out->zoom_t0_ns = t0 + best * 1000000000ull;
	for (size_t i = 0; i < n && out->zoom_n < LAB_ZOOM_MAX_PTS; i++) {
		const struct lab_rec *r = &recs[i];
		if (!(r->flags & LAB_REC_RECEIVED) || r->intended_ns < out->zoom_t0_ns ||
		    r->intended_ns >= out->zoom_t0_ns + 1000000000ull || r->recv_ns < r->intended_ns)
			continue;
		if (!out->zoom_pts && !(out->zoom_pts = malloc(LAB_ZOOM_MAX_PTS * sizeof(*out->zoom_pts))))
			return -1;
		uint64_t rtt = r->recv_ns - r->intended_ns;
		out->zoom_pts[out->zoom_n++] = (struct lab_zoom_pt){r->intended_ns - out->zoom_t0_ns, rtt,
								     rtt > out->threshold_ns};
	}
	for (int k = 0; k < x->ncores; k++)
		bin_strip(x, &x->tl[k], out->zoom_t0_ns, 1000000000ull, LAB_ZOOM_BINS, out->zoom_strip[k]);
	return 0;
}

static int cmp_cause(const void *a, const void *b)
{
	const struct lab_cause *x = a, *y = b;
	if (x->packets != y->packets)
		return x->packets > y->packets ? -1 : 1;
	if (x->charged_ns != y->charged_ns)
		return x->charged_ns > y->charged_ns ? -1 : 1;
	return strcmp(x->name, y->name);
}

int lab_attribute(const struct lab_rec *recs, size_t n, uint64_t p50_ns, const struct lab_evt *ev,
		  size_t nev, const struct lab_attrib_opts *o, struct lab_tail *out, char *err,
		  size_t errlen)
{
	struct ctx *x = calloc(1, sizeof(*x));
	int cores[2] = {o->gen_cpu, o->dut_cpu}, rc = 0;
	memset(out, 0, sizeof(*out));
	if (!x) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	x->o = o;
	out->p50_ns = p50_ns;
	out->threshold_ns = o->threshold_ns ? o->threshold_ns : p50_ns + LAB_TAIL_DEFAULT_ABOVE_P50_NS;
	for (int k = 0; k < 2 && rc == 0; k++) {
		if (cores[k] < 0 || (k == 1 && cores[1] == cores[0]))
			continue;
		rc = build_core(x, ev, nev, cores[k], x->ncores, out);
		x->ncores++;
	}
	out->nnoise = x->ncores;
	if (rc == 0 && !x->oom && attribute_packets(x, recs, n, out) < 0)
		x->oom = true;
	if (rc == 0 && !x->oom && o->bin_span_ns) {
		for (int k = 0; k < x->ncores; k++) {
			out->strip_core[k] = x->tl[k].cpu;
			bin_strip(x, &x->tl[k], o->bin_t0_ns, o->bin_span_ns, LAB_STRIP_BINS, out->strip[k]);
		}
		if (zoom(x, recs, n, out) < 0)
			x->oom = true;
	}
	if (rc < 0 || x->oom) {
		snprintf(err, errlen, "out of memory attributing %zu events", nev);
		free(x->causes);
		rc = -1;
	} else {
		if (x->nc) /* no events: no causes, and qsort must not be given NULL */
			qsort(x->causes, x->nc, sizeof(*x->causes), cmp_cause);
		out->causes = x->causes;
		out->ncauses = x->nc;
		out->by_id = malloc((x->nc + 1) * sizeof(*out->by_id));
		if (!out->by_id) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
		}
		for (size_t i = 0; out->by_id && i < x->nc; i++)
			out->by_id[x->causes[i].id] = (uint32_t)i;
	}
	for (int k = 0; k < 2; k++)
		free(x->tl[k].seg);
	free(x);
	return rc;
}

const struct lab_cause *lab_slow_top(const struct lab_tail *t, const struct lab_slow *s)
{
	if (s->top == UINT32_MAX || !t->by_id || s->top >= t->ncauses)
		return NULL;
	return &t->causes[t->by_id[s->top]];
}

void lab_tail_free(struct lab_tail *t)
{
	free(t->causes);
	free(t->by_id);
	free(t->slow_list);
	free(t->zoom_pts);
	memset(t, 0, sizeof(*t));
}
