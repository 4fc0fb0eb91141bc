/* jitter.h — per path: RFC 3550 interarrival jitter and RFC 5481 packet delay variation, for
 * summary.json (paths.<p>.jitter) and the summary.md table. */
#ifndef LAB_JITTER_H
#define LAB_JITTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rec.h"
#include "run.h"
#include "select.h"
#include "util.h"

struct lab_jitter {
	size_t n;          /* received packets the figures are over */
	double rfc3550_ns; /* J after the last arrival */
	struct lab_pct pdv; /* delay - the path's minimum delay (min, p50, ..., max; nearest rank) */
};

/* From a path's records. Returns 0, or -1 (ENOMEM). */
int lab_jitter_compute(const struct lab_rec *recs, size_t n, struct lab_jitter *out);

/* From records/<name>.rec of dir. Returns 0, or -1 with a reason naming the file. */
int lab_jitter_of_path(const char *dir, const char *name, struct lab_jitter *out, char *err,
		       size_t errlen);

/* "jitter": {rfc3550_ns, pdv_ns: {p50, p99, max, count}} of path p (null when unreadable). */
void lab_jitter_json(struct lab_json *j, const char *dir, const struct lab_path *p);

/* The table rows: jitter (RFC 3550) and PDV p50 / p99 / max (RFC 5481), in µs. */
void lab_jitter_md(FILE *f, const struct lab_run *r);

/* RFC 3550 interarrival jitter J over the nrecv received packets of recs in arrival order
 * (receive time, ties by sequence; jitter.c). Returns 0, or -1 (ENOMEM). */
int lab_rfc3550_jitter(const struct lab_rec *recs, size_t n, size_t nrecv, double *out);

/* The same in steps, so that its two walks over the records ride on passes made anyway. Records
 * are in sequence order (lab_rec_open checks seq == index) and arrive nearly so (a few packets
 * overtaken): the greedy run of packets that each arrive no earlier than the one kept before
 * them stays where it is, only the others (lab_jit_see) are copied and radix-sorted
 * (lab_jit_sort), and the second walk (lab_jit_walk) merges the two in arrival order. A whole
 * sorted copy of the arrivals (24 bytes a packet, twice that inside qsort) was most of
 * lab-analyze's time and peak memory. More than a quarter of the records overtaken sets far:
 * lab_rfc3550_jitter then sorts every arrival. Both walks see every received record in record
 * order, i its index. */
struct lab_jit_late {
	uint64_t recv_ns, i;
};
struct lab_jit {
	struct lab_jit_late *x; /* the overtaken packets; cap more entries of scratch after them */
	size_t nx, cap, e;
	uint64_t last;
	bool kept_any, far;
	bool any; /* J so far, over arrivals up to prev */
	uint64_t prev_recv_ns, prev_sent_ns;
	double j;
};

int lab_jit_init(struct lab_jit *j, size_t n); /* n records at most; 0 or -1 (ENOMEM) */
void lab_jit_sort(struct lab_jit *j);
double lab_jit_end(struct lab_jit *j, const struct lab_rec *recs); /* J; frees */
void lab_jit_free(struct lab_jit *j);

static inline void lab_jit_see(struct lab_jit *j, const struct lab_rec *r, size_t i)
{
	/* a later record with the same receive time comes later in arrival order */
	if (!j->kept_any || r->recv_ns >= j->last) {
		j->last = r->recv_ns;
		j->kept_any = true;
	} else if (j->nx < j->cap) {
		j->x[j->nx++] = (struct lab_jit_late){r->recv_ns, i};
	} else {
		j->far = true;
	}
}

/* J after one more arrival (the first only sets the reference), in floating point */
static inline void lab_jit_step(struct lab_jit *j, uint64_t recv_ns, uint64_t sent_ns)
{
	if (j->any) {
		/* in unsigned arithmetic (wraps, defined), then as the signed difference: stamps of a
		 * hostile record overflow int64_t (fuzz_run: crash-0d934fc1...) */
		uint64_t dr = recv_ns - j->prev_recv_ns, ds = sent_ns - j->prev_sent_ns;
		int64_t d = (int64_t)(dr - ds);
		j->j += (__builtin_fabs((double)d) - j->j) / 16.0;
	}
	j->any = true;
	j->prev_recv_ns = recv_ns;
	j->prev_sent_ns = sent_ns;
}

static inline void lab_jit_walk(struct lab_jit *j, const struct lab_rec *recs, size_t i)
{
	const struct lab_rec *r = &recs[i];
	/* the same greedy choice as lab_jit_see picks the same run */
	if (j->kept_any && r->recv_ns < j->last)
		return;
	/* overtaken ones first: earlier, or as early and before it in sequence */
	for (; j->e < j->nx && (j->x[j->e].recv_ns < r->recv_ns ||
				(j->x[j->e].recv_ns == r->recv_ns && j->x[j->e].i < i)); j->e++)
		lab_jit_step(j, j->x[j->e].recv_ns, recs[j->x[j->e].i].sent_ns);
	lab_jit_step(j, r->recv_ns, r->sent_ns);
	j->last = r->recv_ns;
	j->kept_any = true;
}

#endif
