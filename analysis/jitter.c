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

static double rfc3550(const struct lab_rec *recs, size_t n, size_t nrecv, struct arrival *a)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (recs[i].flags & LAB_REC_RECEIVED)
			a[k++] = (struct arrival){recs[i].recv_ns, recs[i].sent_ns, recs[i].seq};
	qsort(a, nrecv, sizeof(*a), cmp_arrival);
	double j = 0;
	for (size_t i = 1; i < nrecv; i++) {
		int64_t d = ((int64_t)a[i].recv_ns - (int64_t)a[i - 1].recv_ns) -
			    ((int64_t)a[i].sent_ns - (int64_t)a[i - 1].sent_ns);
		j += (fabs((double)d) - j) / 16.0;
	}
	return j;
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
	struct arrival *a = malloc(nrecv * sizeof(*a));
	int64_t *v = malloc(nrecv * sizeof(*v));
	if (!a || !v) {
		free(a);
		free(v);
		errno = ENOMEM;
		return -1;
	}
	out->rfc3550_ns = rfc3550(recs, n, nrecv, a);
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
	free(a);
	free(v);
	return 0;
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
	if (lab_jitter_of_path(dir, p->name, &jt, err, sizeof(err)) < 0) {
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
			lab_jitter_of_path(r->dir, r->paths[i].name, &jt[i], err, sizeof(err)) == 0 &&
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
