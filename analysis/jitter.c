/* jitter.c — RFC 3550 interarrival jitter and RFC 5481 packet delay variation of a path (jitter.h).
 *
 * Both use the RTT from the *actual* send time (recv_ns - sent_ns), not the intended one: jitter
 * is about how the path varies the spacing and the delay of what it was given, and the
 * generator's own lateness is already the headline RTT's business. RFC 3550's S and R are the
 * actual send and the receive times; its D(i-1, i) runs over consecutive received packets in
 * arrival order (receive time, ties by sequence), which is how an RTP receiver sees them, and
 * J += (|D| - J) / 16 is kept in floating point rather than the RFC's scaled integer. PDV is RFC
 * 5481's: each received packet's delay minus the minimum delay of the path. */
#include "jitter.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct arrival {
	uint64_t recv_ns, sent_ns;
	uint32_t seq;
};

static int cmp_arrival(const void *a, const void *b)
{
	const struct arrival *x = a, *y = b;
	if (x->recv_ns != y->recv_ns)
		return x->recv_ns < y->recv_ns ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* J after one more arrival; the first one only sets the reference */
struct jstate {
	bool any;
	uint64_t recv_ns, sent_ns;
	double j;
};

static inline void j_step(struct jstate *s, uint64_t recv_ns, uint64_t sent_ns)
{
	if (s->any) {
		int64_t d = ((int64_t)recv_ns - (int64_t)s->recv_ns) -
			    ((int64_t)sent_ns - (int64_t)s->sent_ns);
		s->j += (fabs((double)d) - s->j) / 16.0;
	}
	s->any = true;
	s->recv_ns = recv_ns;
	s->sent_ns = sent_ns;
}

/* Far from arrival order: every received packet copied and sorted (24 bytes each). */
static int rfc3550_sorted(const struct lab_rec *recs, size_t n, size_t nrecv, double *out)
{
	struct arrival *a = malloc((nrecv ? nrecv : 1) * sizeof(*a));
	struct jstate s = {0};
	size_t k = 0;
	if (!a)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (recs[i].flags & LAB_REC_RECEIVED)
			a[k++] = (struct arrival){recs[i].recv_ns, recs[i].sent_ns, recs[i].seq};
	qsort(a, k, sizeof(*a), cmp_arrival);
	for (size_t i = 0; i < k; i++)
		j_step(&s, a[i].recv_ns, a[i].sent_ns);
	free(a);
	*out = s.j;
	return 0;
}

/* Overtaken packets as sort entries: receive time and record index, 16 bytes. */
struct late {
	uint64_t recv_ns, i;
};

/* LSD radix on the receive time, stable, so equal receive times stay in record (= sequence)
 * order; digits every entry shares are skipped. tmp: n entries. */
static void sort_late(struct late *v, size_t n, struct late *tmp)
{
	size_t cnt[256];
	struct late *src = v, *dst = tmp;
	for (int d = 0; d < 8 && n > 1; d++) {
		unsigned sh = 8 * (unsigned)d;
		memset(cnt, 0, sizeof(cnt));
		for (size_t i = 0; i < n; i++)
			cnt[(src[i].recv_ns >> sh) & 0xff]++;
		if (cnt[(src[0].recv_ns >> sh) & 0xff] == n)
			continue;
		size_t pos = 0;
		for (int b = 0; b < 256; b++) {
			size_t c = cnt[b];
			cnt[b] = pos;
			pos += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[cnt[(src[i].recv_ns >> sh) & 0xff]++] = src[i];
		struct late *t = src;
		src = dst;
		dst = t;
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
}

/* Records are in sequence order (lab_rec_open checks seq == index) and arrive nearly so (a few
 * packets overtaken): the greedy run of packets that each arrive after the one kept before them
 * stays where it is, only the others are copied and sorted, and one more walk merges the two in
 * arrival order. A whole sorted copy of the arrivals (24 bytes a packet, twice that inside
 * qsort) was most of lab-analyze's time and peak memory. Up to a quarter of the packets may be
 * overtaken before that copy is made after all. Returns 0, or -1 (ENOMEM). */
int lab_rfc3550_jitter(const struct lab_rec *recs, size_t n, size_t nrecv, double *out)
{
	size_t cap = nrecv / 4 + 16, nx = 0;
	struct late *x = malloc(2 * cap * sizeof(*x));
	uint64_t last = 0;
	bool kept_any = false;
	if (!x)
		return -1;
	for (size_t i = 0; i < n && nx < cap; i++) {
		const struct lab_rec *r = &recs[i];
		if (!(r->flags & LAB_REC_RECEIVED))
			continue;
		/* a later record with the same receive time comes later in arrival order */
		if (!kept_any || r->recv_ns >= last) {
			last = r->recv_ns;
			kept_any = true;
		} else {
			x[nx++] = (struct late){r->recv_ns, i};
		}
	}
	if (nx == cap) { /* far from arrival order */
		free(x);
		return rfc3550_sorted(recs, n, nrecv, out);
	}
	sort_late(x, nx, x + cap);
	struct jstate s = {0};
	size_t e = 0;
	kept_any = false;
	for (size_t i = 0; i < n; i++) {
		const struct lab_rec *r = &recs[i];
		if (!(r->flags & LAB_REC_RECEIVED))
			continue;
		/* the same greedy choice as above picks the same run */
		if (kept_any && r->recv_ns < last)
			continue;
		/* overtaken ones first: earlier, or as early and before it in sequence */
		for (; e < nx && (x[e].recv_ns < r->recv_ns ||
				  (x[e].recv_ns == r->recv_ns && x[e].i < i)); e++)
			j_step(&s, x[e].recv_ns, recs[x[e].i].sent_ns);
		j_step(&s, r->recv_ns, r->sent_ns);
		last = r->recv_ns;
		kept_any = true;
	}
	for (; e < nx; e++)
		j_step(&s, x[e].recv_ns, recs[x[e].i].sent_ns);
	free(x);
	*out = s.j;
	return 0;
}

int lab_jitter_compute(const struct lab_rec *recs, size_t n, struct lab_jitter *out)
{
	size_t nrecv = 0;
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++)
		nrecv += (recs[i].flags & LAB_REC_RECEIVED) != 0;
	out->n = nrecv;
	if (nrecv == 0)
		return 0;
	int64_t *v = malloc(nrecv * sizeof(*v));
	if (!v || lab_rfc3550_jitter(recs, n, nrecv, &out->rfc3550_ns) < 0) {
		free(v);
		errno = ENOMEM;
		return -1;
	}
	int64_t min = INT64_MAX;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (recs[i].flags & LAB_REC_RECEIVED) {
			v[k] = (int64_t)(recs[i].recv_ns - recs[i].sent_ns);
			if (v[k] < min)
				min = v[k];
			k++;
		}
	for (size_t i = 0; i < k; i++)
		v[i] -= min;
	lab_percentiles(v, k, &out->pdv);
	free(v);
	return 0;
}

/* What lab_analyze_path found, without reading the file again: PDV is the RTT from the actual
 * send time less its minimum, and subtracting one value keeps every rank where it was, so its
 * percentiles are rtt_actual's shifted (the same numbers lab_jitter_compute gives). */
static void jitter_of_analyzed(const struct lab_path *p, struct lab_jitter *out)
{
	const struct lab_pct *a = &p->rtt_actual;
	memset(out, 0, sizeof(*out));
	out->n = a->n;
	out->rfc3550_ns = p->jitter_rfc3550_ns;
	if (!a->n)
		return;
	struct lab_pct *d = &out->pdv;
	d->n = a->n;
	d->min = 0;
	d->p50 = a->p50 - a->min;
	d->p90 = a->p90 - a->min;
	d->p99 = a->p99 - a->min;
	d->p999 = a->p999 - a->min;
	d->p9999 = a->p9999 - a->min;
	d->max = a->max - a->min;
	for (int i = 0; i < LAB_SPEC_POINTS; i++)
		d->spectrum[i] = a->spectrum[i] - a->min;
}

/* From the analysis when it computed the jitter, else from the record file. */
static int jitter_of_path(const char *dir, const struct lab_path *p, struct lab_jitter *out,
			  char *err, size_t errlen)
{
	if (p->jitter_done) {
		jitter_of_analyzed(p, out);
		return 0;
	}
	return lab_jitter_of_path(dir, p->name, out, err, errlen);
}

int lab_jitter_of_path(const char *dir, const char *name, struct lab_jitter *out, char *err,
		       size_t errlen)
{
	char file[4200];
	struct lab_rec_file f;
	snprintf(file, sizeof(file), "%s/records/%s.rec", dir, name);
	if (lab_rec_open(file, &f, err, errlen) < 0)
		return -1;
	int rc = lab_jitter_compute(f.recs, (size_t)f.count, out);
	if (rc < 0)
		snprintf(err, errlen, "%s: out of memory for the jitter", file);
	lab_rec_close(&f);
	return rc;
}

void lab_jitter_json(struct lab_json *j, const char *dir, const struct lab_path *p)
{
	struct lab_jitter jt;
	char err[512];
	/* the record file was just analyzed; if it has gone since, no figure rather than a wrong one */
	if (jitter_of_path(dir, p, &jt, err, sizeof(err)) < 0) {
		lab_json_null(j, "jitter");
		return;
	}
	lab_json_obj(j, "jitter");
	if (jt.n)
		lab_json_i64(j, "rfc3550_ns", (int64_t)llround(jt.rfc3550_ns));
	else
		lab_json_null(j, "rfc3550_ns");
	lab_json_obj(j, "pdv_ns");
	if (jt.n) {
		lab_json_i64(j, "p50", jt.pdv.p50);
		lab_json_i64(j, "p99", jt.pdv.p99);
		lab_json_i64(j, "max", jt.pdv.max);
	} else {
		lab_json_null(j, "p50");
		lab_json_null(j, "p99");
		lab_json_null(j, "max");
	}
	lab_json_u64(j, "count", jt.n);
	lab_json_obj_end(j);
	lab_json_str(j, "delay", "RTT from the actual send time");
	lab_json_obj_end(j);
}

void lab_jitter_md(FILE *f, const struct lab_run *r)
{
	static const char *const label[] = {"jitter (RFC 3550)", "PDV p50 (RFC 5481)", "PDV p99",
					    "PDV max"};
	struct lab_jitter *jt = calloc(r->npaths ? r->npaths : 1, sizeof(*jt));
	bool *ok = calloc(r->npaths ? r->npaths : 1, sizeof(*ok));
	char err[512];
	for (size_t i = 0; jt && ok && i < r->npaths; i++)
		ok[i] = !r->paths[i].skipped &&
			jitter_of_path(r->dir, &r->paths[i], &jt[i], err, sizeof(err)) == 0 &&
			jt[i].n > 0;
	for (size_t row = 0; jt && ok && row < 4; row++) {
		fprintf(f, "| %s |", label[row]);
		for (size_t i = 0; i < r->npaths; i++) {
			if (r->paths[i].skipped) {
				fprintf(f, " skipped |");
				continue;
			}
			if (!ok[i]) {
				fprintf(f, " – |");
				continue;
			}
			double v = row == 0   ? jt[i].rfc3550_ns
				   : row == 1 ? (double)jt[i].pdv.p50
				   : row == 2 ? (double)jt[i].pdv.p99
					      : (double)jt[i].pdv.max;
			fprintf(f, " %.2f |", v / 1e3);
		}
		fprintf(f, "\n");
	}
	free(jt);
	free(ok);
}
