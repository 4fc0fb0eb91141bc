/* jitter.h — per path: RFC 3550 interarrival jitter and RFC 5481 packet delay variation, for
 * summary.json (paths.<p>.jitter) and the summary.md table. */
#ifndef LAB_JITTER_H
#define LAB_JITTER_H

#include <stddef.h>
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

#endif
