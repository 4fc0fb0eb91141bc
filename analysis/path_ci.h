/* path_ci.h — the 95 % intervals of a path's RTT percentiles (path_ci.c), fed during a pass
 * over the records. */
#ifndef LAB_PATH_CI_H
#define LAB_PATH_CI_H

#include <stddef.h>
#include <stdint.h>

#include "bootci.h"
#include "path.h"
#include "rec.h"

/* The 95 % intervals of the RTT percentiles (path_ci.c), fed during a pass over the records:
 * begin with the number of received packets, the span [t0, t1] of their intended send times and
 * the exact [min, max] of both RTTs; add each received record in record order; end. Both return
 * 0, or -1 (ENOMEM). */
struct lab_path_ci {
	struct lab_bootci *bi, *ba; /* NULL when nothing was received */
	int64_t blk;
};
int lab_path_ci_begin(struct lab_path *p, struct lab_path_ci *c, size_t nrecv, uint64_t t0,
		      uint64_t t1, const int64_t rtt_range[2], const int64_t act_range[2]);
static inline void lab_path_ci_add(struct lab_path_ci *c, const struct lab_rec *r)
{
	lab_bootci_add(c->bi, (int64_t)r->intended_ns, (int64_t)(r->recv_ns - r->intended_ns));
	lab_bootci_add(c->ba, (int64_t)r->intended_ns, (int64_t)(r->recv_ns - r->sent_ns));
}
int lab_path_ci_end(struct lab_path *p, struct lab_path_ci *c);

#endif
