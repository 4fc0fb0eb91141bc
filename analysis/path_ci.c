/* path_ci.c — the 95 % intervals of one path's RTT percentiles (bootci.h) from its records:
 * received packets in blocks of their intended send time, RTT from the intended and from the
 * actual send time. Runs after the exact percentiles, whose min and max bound the histograms. */
#include "analyze.h"
#include "bootci.h"

/* fixed seeds: the same run always gets the same intervals */
#define SEED_RTT 0x6c61622d63693231ULL
#define SEED_RTT_ACTUAL 0x6c61622d63693232ULL

int lab_path_ci95(struct lab_path *p, const struct lab_rec *recs, size_t n)
{
	uint64_t t0 = 0, t1 = 0;
	bool any = false;
	for (size_t i = 0; i < n; i++) {
		if (!(recs[i].flags & LAB_REC_RECEIVED))
			continue;
		uint64_t t = recs[i].intended_ns;
		t0 = !any || t < t0 ? t : t0;
		t1 = !any || t > t1 ? t : t1;
		any = true;
	}
	p->rtt_ci95.replicates = p->rtt_actual_ci95.replicates = LAB_BOOTCI_REPLICATES;
	if (!any)
		return 0;
	int64_t span = (int64_t)(t1 - t0) + 1, blk = lab_bootci_block_ns(span);
	struct lab_bootci *bi = lab_bootci_new((int64_t)t0, span, blk, p->rtt.min, p->rtt.max);
	struct lab_bootci *ba =
		lab_bootci_new((int64_t)t0, span, blk, p->rtt_actual.min, p->rtt_actual.max);
	if (!bi || !ba) {
		lab_bootci_free(bi);
		lab_bootci_free(ba);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct lab_rec *r = &recs[i];
		if (!(r->flags & LAB_REC_RECEIVED))
			continue;
		lab_bootci_add(bi, (int64_t)r->intended_ns, (int64_t)(r->recv_ns - r->intended_ns));
		lab_bootci_add(ba, (int64_t)r->intended_ns, (int64_t)(r->recv_ns - r->sent_ns));
	}
	int rc = lab_bootci_finish(bi, LAB_BOOTCI_REPLICATES, SEED_RTT, &p->rtt_ci95);
	lab_bootci_free(bi);
	if (rc == 0)
		rc = lab_bootci_finish(ba, LAB_BOOTCI_REPLICATES, SEED_RTT_ACTUAL, &p->rtt_actual_ci95);
	lab_bootci_free(ba);
	size_t nb = p->rtt_ci95.nblocks;
	if (rc == 0 && nb < LAB_BOOTCI_MIN_BLOCKS)
		lab_path_note(p, "RTT intervals: %zu blocks of %.0f ms, fewer than %d: none given",
			      nb, (double)blk / 1e6, LAB_BOOTCI_MIN_BLOCKS);
	else if (rc == 0 && nb < LAB_BOOTCI_WANT_BLOCKS)
		lab_path_note(p, "RTT intervals: only %zu blocks of %.0f ms (under %d): rough",
			      nb, (double)blk / 1e6, LAB_BOOTCI_WANT_BLOCKS);
	return rc;
}
