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

/* Far from arrival order: every received packet copied and sorted (24 bytes each). */
static int rfc3550_sorted(const struct lab_rec *recs, size_t n, size_t nrecv, double *out)
{
	struct arrival *a = malloc((nrecv ? nrecv : 1) * sizeof(*a));
	struct lab_jit s = {0};
	size_t k = 0;
	if (!a)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (recs[i].flags & LAB_REC_RECEIVED)
			a[k++] = (struct arrival){recs[i].recv_ns, recs[i].sent_ns, recs[i].seq};
	qsort(a, k, sizeof(*a), cmp_arrival);
	for (size_t i = 0; i < k; i++)
		lab_jit_step(&s, a[i].recv_ns, a[i].sent_ns);
	free(a);
	*out = s.j;
	return 0;
}

/* LSD radix on the receive time, stable, so equal receive times stay in record (= sequence)
 * order; digits every entry shares are skipped. tmp: n entries. */
static void sort_late(struct lab_jit_late *v, size_t n, struct lab_jit_late *tmp)
{
	size_t cnt[256];
	struct lab_jit_late *src = v, *dst = tmp;
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
		struct lab_jit_late *t = src;
		src = dst;
		dst = t;
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
}

int lab_jit_init(struct lab_jit *j, size_t n)
{
	memset(j, 0, sizeof(*j));
	j->cap = n / 4 + 16;
	j->x = malloc(2 * j->cap * sizeof(*j->x)); /* pages are only touched as far as used */
	return j->x ? 0 : -1;
}

void lab_jit_sort(struct lab_jit *j)
{
	sort_late(j->x, j->nx, j->x + j->cap);
	j->kept_any = false;
	j->e = 0;
}

double lab_jit_end(struct lab_jit *j, const struct lab_rec *recs)
{
	for (; j->e < j->nx; j->e++)
		lab_jit_step(j, j->x[j->e].recv_ns, recs[j->x[j->e].i].sent_ns);
	free(j->x);
	j->x = NULL;
	return j->j;
}

void lab_jit_free(struct lab_jit *j)
{
	free(j->x);
	j->x = NULL;
}

int lab_rfc3550_jitter(const struct lab_rec *recs, size_t n, size_t nrecv, double *out)
{
	struct lab_jit j;
	if (lab_jit_init(&j, nrecv) < 0)
		return -1;
	for (size_t i = 0; i < n && !j.far; i++)
		if (recs[i].flags & LAB_REC_RECEIVED)
			lab_jit_see(&j, &recs[i], i);
	if (j.far) { /* far from arrival order */
		lab_jit_free(&j);
		return rfc3550_sorted(recs, n, nrecv, out);
	}
	lab_jit_sort(&j);
	for (size_t i = 0; i < n; i++)
		if (recs[i].flags & LAB_REC_RECEIVED)
			lab_jit_walk(&j, recs, i);
	*out = lab_jit_end(&j, recs);
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
/* x - y, held at the int64_t range: a hostile record's RTT can be near INT64_MIN (fuzz_run) */
static int64_t less_min(int64_t x, int64_t y)
{
	int64_t r;
	if (__builtin_sub_overflow(x, y, &r))
		return x > y ? INT64_MAX : INT64_MIN;
	return r;
}

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
	d->p50 = less_min(a->p50, a->min);
	d->p90 = less_min(a->p90, a->min);
	d->p99 = less_min(a->p99, a->min);
	d->p999 = less_min(a->p999, a->min);
	d->p9999 = less_min(a->p9999, a->min);
	d->max = less_min(a->max, a->min);
	for (int i = 0; i < LAB_SPEC_POINTS; i++)
		d->spectrum[i] = less_min(a->spectrum[i], a->min);
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
