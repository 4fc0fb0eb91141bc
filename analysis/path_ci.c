/* path_ci.c — the 95 % intervals of one path's RTT percentiles (bootci.h) from its records:
 * received packets in blocks of their intended send time, RTT from the intended and from the
 * actual send time. Fed inside analyze.c's second pass over the records (one pass fewer), with
 * the exact min and max of the first pass bounding the histograms. */
#include "path_ci.h"
#include "bootci.h"

/* fixed seeds: the same run always gets the same intervals */
#define SEED_RTT 0x6c61622d63693231ULL
#define SEED_RTT_ACTUAL 0x6c61622d63693232ULL

int lab_path_ci_begin(struct lab_path *p, struct lab_path_ci *c, size_t nrecv, uint64_t t0,
		      uint64_t t1, const int64_t rtt_range[2], const int64_t act_range[2])
{
	c->bi = c->ba = NULL;
	p->rtt_ci95.replicates = p->rtt_actual_ci95.replicates = LAB_BOOTCI_REPLICATES;
	if (!nrecv)
		return 0;
	int64_t span = (int64_t)(t1 - t0) + 1;
	c->blk = lab_bootci_block_ns(span);
	c->bi = lab_bootci_new((int64_t)t0, span, c->blk, rtt_range[0], rtt_range[1]);
	c->ba = lab_bootci_new((int64_t)t0, span, c->blk, act_range[0], act_range[1]);
	if (!c->bi || !c->ba) {
		lab_bootci_free(c->bi);
		lab_bootci_free(c->ba);
		c->bi = c->ba = NULL;
		return -1;
	}
	return 0;
}

int lab_path_ci_end(struct lab_path *p, struct lab_path_ci *c)
{
	if (!c->bi)
		return 0;
	int rc = lab_bootci_finish(c->bi, LAB_BOOTCI_REPLICATES, SEED_RTT, &p->rtt_ci95);
	lab_bootci_free(c->bi);
	if (rc == 0)
		rc = lab_bootci_finish(c->ba, LAB_BOOTCI_REPLICATES, SEED_RTT_ACTUAL,
				       &p->rtt_actual_ci95);
	lab_bootci_free(c->ba);
	c->bi = c->ba = NULL;
	size_t nb = p->rtt_ci95.nblocks;
	int64_t blk = c->blk;
	if (rc == 0 && nb < LAB_BOOTCI_MIN_BLOCKS)
		lab_path_note(p, "RTT intervals: %zu blocks of %.0f ms, fewer than %d: none given",
			      nb, (double)blk / 1e6, LAB_BOOTCI_MIN_BLOCKS);
	else if (rc == 0 && nb < LAB_BOOTCI_WANT_BLOCKS)
		lab_path_note(p, "RTT intervals: only %zu blocks of %.0f ms (under %d): rough",
			      nb, (double)blk / 1e6, LAB_BOOTCI_WANT_BLOCKS);
	return rc;
}
